// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * slirp_hostfwd.c - slirp4netns's API socket, served with relays
 * (slirp_hostfwd.h)
 *
 * One request per connection, read once, as slirp4netns reads it: a
 * request that does not arrive whole in one read is a bad request. The
 * answer is written and the connection closed. An add is all or nothing:
 * the port bound, the daemon told, the relay started; any step failing
 * undoes the ones before and answers with slirp4netns's error and, after
 * it, the reason ("slirp_add_hostfwd failed: port 8080/tcp is in use").
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/ctl_client.h"
#include "helpers/publish_bind.h"
#include "helpers/publish_relay.h"
#include "helpers/slirp_hostfwd.h"
#include "lib/sbuf.h"
#include "wire.h"

#define API_READ_TIMEOUT_MS	1000	/* a peer that connects and says nothing */

int hostfwd_listen(struct hostfwd_ctx *ctx, const char *path, char *err, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rc;

	ctx->next_id = 1;
	ctx->listen_fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, len, "the API socket path is too long (>= %zu)", sizeof(sa.sun_path));
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ctx->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctx->listen_fd < 0 || bind(ctx->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(ctx->listen_fd, 8)) {
		rc = -errno;
		snprintf(err, len, "--api-socket %s: %s", path, strerror(errno));
		if (ctx->listen_fd >= 0)
			close(ctx->listen_fd);
		ctx->listen_fd = -1;
		return rc;
	}
	return 0;
}

/* Tell the daemon: `publish` or `unpublish` of one mapping */
static int tell(const struct hostfwd_ctx *ctx, enum ctl_verb verb,
		const struct publish_set *set, char *err, size_t len)
{
	struct ctl_request req;
	struct sbuf reply = { 0 };
	int rc;

	memset(&req, 0, sizeof(req));
	req.verb = verb;
	snprintf(req.name, sizeof(req.name), "%s", ctx->a->req.name);
	publish_to_request(set, &req);
	rc = ctl_call(ctx->a->socket, &req, NULL, 0, &reply, err, len);
	sbuf_free(&reply);
	return rc;
}

static void set_of(const struct slirp_api_req *r, struct publish_set *set)
{
	memset(set, 0, sizeof(*set));
	set->n = 1;
	set->ports = 1;
	set->map[0].proto = r->udp ? PROTO_UDP : PROTO_TCP;
	/* slirp4netns forwards IPv4 only, "0.0.0.0" included: so do we */
	set->map[0].has_bind = !addr_parse(r->host_addr, &set->map[0].bind);
	set->map[0].host_lo = set->map[0].host_hi = (uint16_t)r->host_port;
	set->map[0].guest_lo = (uint16_t)r->guest_port;
	set->map[0].spec = "add_hostfwd";
}

static void add(struct hostfwd_ctx *ctx, const struct slirp_api_req *r, struct sbuf *out)
{
	static struct publish_socket socks[2];
	const struct attach *a = ctx->a;
	struct publish_set set;
	struct hostfwd *f = NULL;
	char msg[ATTACH_MSG_MAX];
	size_t n = 0;
	pid_t pid;

	for (size_t i = 0; i < CTL_PUBLISH_MAX && !f; i++)
		if (!ctx->fwd[i].used)
			f = &ctx->fwd[i];
	set_of(r, &set);
	if (!f) {
		snprintf(msg, sizeof(msg), "at most %d forwards", CTL_PUBLISH_MAX);
		goto fail;
	}
	if (publish_bind(&set, socks, &n, msg, sizeof(msg)))
		goto fail;
	if (tell(ctx, CTL_PUBLISH, &set, msg, sizeof(msg)))
		goto close;
	{
		struct relay_conf rc = {
			.socket = a->socket, .bottle = a->req.name,
			.netns = a->req.netns, .watch_netns = !a->req.keep && a->req.netns[0],
			.ifname = a->spec.ifname,
			.has4 = a->spec.has4, .addr4 = a->spec.addr4,
			.has6 = a->spec.has6, .addr6 = a->spec.addr6,
			.set = &set, .socks = socks, .nsocks = n,
			.conns_max = attach_helper_publish_conns(),
		};
		char procns[64];

		if (!a->req.netns[0]) {
			snprintf(procns, sizeof(procns), "/proc/%u/ns/net", a->pid);
			rc.netns = procns;
		}
		if (relay_start(&rc, &pid, msg, sizeof(msg))) {
			char why[ATTACH_MSG_MAX];

			tell(ctx, CTL_UNPUBLISH, &set, why, sizeof(why));
			goto close;
		}
	}
	publish_close(socks, n);
	f->used = true;
	f->id = ctx->next_id++;
	f->req = *r;
	f->relay = pid;
	sbuf_printf(out, "{\"return\":{\"id\":%d}}", f->id);
	return;
close:
	publish_close(socks, n);
fail:
	for (char *q = msg; *q; q++)	/* it goes inside a JSON string */
		if (*q == '"' || *q == '\\' || (unsigned char)*q < 0x20)
			*q = '\'';
	fprintf(stderr, "sentry: add_hostfwd: %s\n", msg);
	sbuf_printf(out, "{\"error\":{\"desc\":\"bad request: add_hostfwd: "
		    "slirp_add_hostfwd failed: %s\"}}", msg);
}

static void stop_relay(struct hostfwd *f)
{
	kill(f->relay, SIGKILL);
	waitpid(f->relay, NULL, 0);
	f->used = false;
}

static void list(const struct hostfwd_ctx *ctx, struct sbuf *out)
{
	bool first = true;

	sbuf_printf(out, "{\"return\":{\"entries\":[");
	for (size_t i = 0; i < CTL_PUBLISH_MAX; i++) {
		const struct hostfwd *f = &ctx->fwd[i];

		if (!f->used)
			continue;
		sbuf_printf(out, "%s{\"id\":%d,\"proto\":\"%s\",\"host_addr\":\"%s\","
			    "\"host_port\":%u,\"guest_addr\":\"%s\",\"guest_port\":%u}",
			    first ? "" : ",", f->id, f->req.udp ? "udp" : "tcp",
			    f->req.host_addr, f->req.host_port,
			    f->req.guest_addr[0] ? f->req.guest_addr : "10.0.2.100",
			    f->req.guest_port);
		first = false;
	}
	sbuf_printf(out, "]}}");
}

static void removef(struct hostfwd_ctx *ctx, int64_t id, struct sbuf *out)
{
	for (size_t i = 0; i < CTL_PUBLISH_MAX; i++) {
		struct hostfwd *f = &ctx->fwd[i];
		struct publish_set set;
		char msg[ATTACH_MSG_MAX];

		if (!f->used || f->id != id)
			continue;
		stop_relay(f);
		set_of(&f->req, &set);
		tell(ctx, CTL_UNPUBLISH, &set, msg, sizeof(msg));
		sbuf_printf(out, "{\"return\":{}}");
		return;
	}
	sbuf_printf(out, "{\"error\":{\"desc\":\"bad request: remove_hostfwd: "
		    "bad arguments.id\"}}");
}

void hostfwd_serve(struct hostfwd_ctx *ctx)
{
	char buf[SLIRP_API_MSG_MAX], err[256];
	struct slirp_api_req r;
	struct sbuf out = { 0 };
	struct pollfd pfd;
	ssize_t n = -1;
	int fd = accept4(ctx->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, API_READ_TIMEOUT_MS) == 1)
		n = read(fd, buf, sizeof(buf));
	if (n < 0)
		goto out;
	if ((size_t)n == sizeof(buf))
		sbuf_printf(&out, "{\"error\":{\"desc\":\"bad request: too large message\"}}");
	else if (slirp_api_parse(buf, (size_t)n, &r, err, sizeof(err)))
		sbuf_printf(&out, "%s", err);
	else if (r.op == SLIRP_API_ADD)
		add(ctx, &r, &out);
	else if (r.op == SLIRP_API_LIST)
		list(ctx, &out);
	else
		removef(ctx, r.id, &out);
	if (out.p && write(fd, out.p, out.len) < 0)
		fprintf(stderr, "sentry: api socket: %s\n", strerror(errno));
out:
	sbuf_free(&out);
	shutdown(fd, SHUT_RDWR);
	close(fd);
}

void hostfwd_stop(struct hostfwd_ctx *ctx)
{
	for (size_t i = 0; i < CTL_PUBLISH_MAX; i++)
		if (ctx->fwd[i].used)
			stop_relay(&ctx->fwd[i]);
	if (ctx->listen_fd >= 0)
		close(ctx->listen_fd);
	ctx->listen_fd = -1;
}

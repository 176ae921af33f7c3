// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * attach.c - make a bottle's TUN in its namespace and hand it to the daemon
 *
 * Shared by `sentry attach` (cmd_attach.c) and the Podman helper
 * personalities (helper_pasta.c, helper_slirp.c): see attach.h.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers/attach.h"
#include "config/config.h"
#include "cli/ctl_client.h"
#include "helpers/standalone.h"
#include "num.h"

/*
 * One queue per online CPU: the client cannot know how many workers the
 * daemon runs, but the daemon defaults to one per CPU too, and shares any
 * number of queues out among its workers (daemon.h).
 */
static uint32_t default_queues(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > TUN_QUEUES_MAX ? TUN_QUEUES_MAX : (uint32_t)n;
}

void attach_init(struct attach *a)
{
	memset(a, 0, sizeof(*a));
	tun_spec_init(&a->spec);
	a->spec.queues = default_queues();
	a->spec.vnet_hdr = true;
	a->req.verb = CTL_ATTACH;
}

/* "A/N" keeping the host bits: an interface address, not a network */
static int parse_ifaddr(const char *s, struct ipaddr *addr, uint8_t *plen)
{
	char buf[PREFIX_TEXT_MAX];
	const char *slash = strchr(s, '/');
	uint64_t n;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (addr_parse(buf, addr) ||
	    num_parse(slash + 1, 10, 1, addr->family == ADDR_FAMILY_V4 ? 32 : 128,
		      &n))
		return -EINVAL;
	*plen = (uint8_t)n;
	return 0;
}

int attach_check(struct attach *a, char *err, size_t len)
{
	char abs[PATH_MAX];

	if (!a->netns == !a->pid) {
		snprintf(err, len, "give exactly one of a namespace path and a process id");
		return -EINVAL;
	}
	if (!a->spec.has4 && !a->spec.has6) {
		parse_ifaddr(ATTACH_ADDR4_DEFAULT, &a->spec.addr4, &a->spec.plen4);
		a->spec.has4 = true;
		if (!a->spec.has_gw4) {
			addr_parse(ATTACH_GW4_DEFAULT, &a->spec.gw4);
			a->spec.has_gw4 = true;
		}
	}
	if (a->netns) {
		if (!realpath(a->netns, abs)) {
			int rc = -errno;

			snprintf(err, len, "%s: %s", a->netns, strerror(errno));
			return rc;
		}
		if (strlen(abs) >= sizeof(a->req.netns)) {
			snprintf(err, len, "namespace path longer than %zu bytes",
				 sizeof(a->req.netns) - 1);
			return -EINVAL;
		}
		memcpy(a->req.netns, abs, strlen(abs) + 1);
	}
	if (!a->req.name[0]) {
		char base[PATH_MAX];

		if (a->netns)
			snprintf(base, sizeof(base), "%s", basename(abs));
		else
			snprintf(base, sizeof(base), "pid-%u", a->pid);
		if (!ctl_bottle_name_valid(base)) {
			snprintf(err, len, "cannot make a bottle name from '%.64s': give --name", base);
			return -EINVAL;
		}
		memcpy(a->req.name, base, strlen(base) + 1);	/* valid: it fits */
	}
	return tun_spec_check(&a->spec, err, len);
}

int attach_watch_dir_of(const char *path)
{
	char dir[CTL_PATH_MAX];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	if (inotify_add_watch(fd, dir, IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF |
			      IN_UNMOUNT) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int attach_run(struct attach *a, char *err, size_t len)
{
	struct ctl_request *req = &a->req;
	int fds[TUN_QUEUES_MAX + 2], nfds, nsfd, rc;
	struct sbuf reply = { 0 };

	a->warning[0] = '\0';
	nsfd = netns_open(req->netns[0] ? req->netns : NULL, (int)a->pid, err, len);
	if (nsfd < 0)
		return nsfd;
	rc = tun_create_in_netns(nsfd, &a->spec, fds, a->warning, sizeof(a->warning));
	close(nsfd);
	if (rc) {
		snprintf(err, len, "%s", a->warning);
		a->warning[0] = '\0';
		return rc;
	}
	nfds = (int)a->spec.queues;
	req->pidfd = false;
	if (a->watch_pid) {
		int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)a->watch_pid, 0);

		if (pidfd >= 0) {
			fds[nfds++] = pidfd;
			req->pidfd = true;
		}
	}
	/*
	 * The daemon may not see the netns file where we do (it runs in a
	 * container, or Podman's rootless files live in another mount
	 * namespace): hand it a watch made here as well.
	 */
	req->inotify = false;
	if (req->netns[0] && !req->keep) {
		int ifd = attach_watch_dir_of(req->netns);

		if (ifd >= 0) {
			fds[nfds++] = ifd;
			req->inotify = true;
		}
	}
	req->verb = CTL_ATTACH;
	req->queues = a->spec.queues;
	req->addr4.set = a->spec.has4;
	req->addr4.addr = a->spec.addr4;
	req->addr4.plen = a->spec.plen4;
	req->addr6.set = a->spec.has6;
	req->addr6.addr = a->spec.addr6;
	req->addr6.plen = a->spec.plen6;
	req->has_gw4 = a->spec.has_gw4;
	req->gw4 = a->spec.gw4;
	req->has_gw6 = a->spec.has_gw6;
	req->gw6 = a->spec.gw6;

	rc = ctl_call(a->socket, req, fds, nfds, &reply, err, len);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	/* the daemon may add "warning TEXT" after its ok line */
	if (!rc && !a->warning[0] && reply.p) {
		const char *w = strstr(reply.p, "\nwarning ");

		if (w)
			snprintf(a->warning, sizeof(a->warning), "%.*s",
				 (int)strcspn(w + 9, "\n"), w + 9);
	}
	sbuf_free(&reply);
	return rc == 1 ? -EREMOTEIO : rc;
}

int attach_detach(const char *socket, const char *name, char *err, size_t len)
{
	struct ctl_request req = { .verb = CTL_DETACH };
	struct sbuf reply = { 0 };
	int rc;

	snprintf(req.name, sizeof(req.name), "%s", name);
	rc = ctl_call(socket, &req, NULL, 0, &reply, err, len);
	sbuf_free(&reply);
	return rc == 1 ? -EREMOTEIO : rc;
}

const char *attach_helper_socket(char *buf, size_t len, char *err,
				 size_t errlen)
{
	const char *sock = getenv("SENTRY_SOCKET");
	const char *conf = getenv("SENTRY_CONFIG");

	if (sock && *sock)
		return sock;
	if (conf && *conf)	/* named on purpose: it must be readable */
		return ctl_socket_path(NULL, conf, buf, len, err, errlen);
	if (!access(CONFIG_DEFAULT_PATH, F_OK))
		return ctl_socket_path(NULL, CONFIG_DEFAULT_PATH, buf, len, err, errlen);
	return CTL_SOCKET_DEFAULT;
}

int attach_helper_identity(struct attach *a, const char *policy,
			   const char *name, char *err, size_t len)
{
	const char *env;

	if (!policy && (env = getenv("SENTRY_POLICY")) && *env) {
		if (!policy_name_valid(env)) {
			snprintf(err, len, "SENTRY_POLICY='%.64s' is not a policy name", env);
			return -EINVAL;
		}
		policy = env;
	}
	if (!name && (env = getenv("SENTRY_NAME")) && *env) {
		if (!ctl_bottle_name_valid(env)) {
			snprintf(err, len, "SENTRY_NAME='%.64s' is not a bottle name "
				 "([A-Za-z0-9_.-], up to %d characters)", env, BOTTLE_NAME_MAX);
			return -EINVAL;
		}
		name = env;
	}
	/* options were checked by their parser; both fit by those checks */
	snprintf(a->req.policy, sizeof(a->req.policy), "%s", policy ? policy : "");
	snprintf(a->req.name, sizeof(a->req.name), "%s", name ? name : "");
	return 0;
}

/* sentry.ini as a helper sees it, if it exists; false if none */
static bool helper_config(struct sentry_config *cfg)
{
	const char *conf = getenv("SENTRY_CONFIG");

	if (!conf || !*conf)
		conf = CONFIG_DEFAULT_PATH;
	return !access(conf, R_OK) && !config_load(conf, cfg, NULL, 0);
}

/* ... and says standalone = yes */
static bool standalone_wanted(struct sentry_config *cfg)
{
	return helper_config(cfg) && cfg->standalone;
}

unsigned int attach_helper_publish_conns(void)
{
	struct sentry_config *cfg = malloc(sizeof(*cfg));
	unsigned int n = CONFIG_PUBLISH_CONNS_DEFAULT;

	if (cfg && helper_config(cfg))
		n = cfg->publish_conns;
	free(cfg);
	return n;
}

int attach_run_helper(struct attach *a, char *sockbuf, size_t socklen,
		      char *err, size_t len)
{
	struct sentry_config *cfg;
	int rc = attach_run(a, err, len);

	/* no daemon at all: ENOENT (no socket) or ECONNREFUSED (a stale one) */
	if (rc != -ENOENT && rc != -ECONNREFUSED)
		return rc;
	cfg = malloc(sizeof(*cfg));
	if (!cfg || !standalone_wanted(cfg)) {
		free(cfg);
		return rc;
	}
	rc = standalone_start(cfg, a->req.name, sockbuf, socklen, err, len);
	free(cfg);
	if (rc)
		return rc;
	a->socket = sockbuf;
	return attach_run(a, err, len);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * metrics_export.c - [metrics] listen and textfile (metrics_export.h)
 *
 * HTTP is libmicrohttpd's, on its one internal thread (poll, no thread
 * per connection): a scrape is a few kilobytes once every few seconds,
 * and a bounded number of connections with a short timeout keeps a slow
 * or hostile client from holding more than a few descriptors.
 *
 * The textfile is for node_exporter's textfile collector, which may read
 * at any moment: the text goes to PATH.tmp in the same directory, then
 * rename() replaces PATH in one step, so a reader sees the old file or
 * the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "daemon/metrics_export.h"
#include "lib/hostport.h"
#include "lib/sockaddr.h"
#include "log.h"

#define MX_CONNECTIONS		8	/* at once, every client together */
#define MX_PER_IP		4
#define MX_TIMEOUT_S		5	/* an idle or slow connection is closed */
#define MX_WAIT_NS		(2 * 1000000000ULL)	/* for the main thread's snapshot */
#define MX_TEXTFILE_NS		(5 * 1000000000ULL)	/* textfile rewrite period */

struct metrics_export {
	int listen_fd;			/* -1: no HTTP */
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;		/* threads.h lock 5: text, len, seq, stopping */
	pthread_cond_t fresh;		/* seq moved */
	char *text;			/* the last snapshot, or NULL */
	size_t len;
	uint64_t seq;			/* snapshots published */
	bool stopping;
	atomic_bool asked;		/* the HTTP thread wants a snapshot */
	uint64_t textfile_due;		/* now_ns() of the next textfile write */
};

int metrics_export_init(struct daemon *d)
{
	struct metrics_export *mx;
	struct sockaddr_storage ss;
	pthread_condattr_t ca;
	struct ipaddr a;
	uint16_t port;
	socklen_t sl;
	int one = 1;

	if (!d->cfg.metrics_listen[0] && !d->cfg.metrics_textfile[0])
		return 0;
	mx = calloc(1, sizeof(*mx));
	if (!mx)
		return -ENOMEM;
	mx->listen_fd = -1;
	pthread_mutex_init(&mx->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&mx->fresh, &ca);
	pthread_condattr_destroy(&ca);
	d->mx = mx;
	if (!d->cfg.metrics_listen[0])
		return 0;
	if (hostport_parse(d->cfg.metrics_listen, &a, &port))
		return -EINVAL;	/* config.c checked it */
	sl = sockaddr_make(&ss, &a, port);
	mx->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (mx->listen_fd < 0 ||
	    setsockopt(mx->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(mx->listen_fd, (struct sockaddr *)&ss, sl) ||
	    listen(mx->listen_fd, MX_CONNECTIONS)) {
		int e = errno;

		err("[metrics] listen %s: %s", d->cfg.metrics_listen, strerror(e));
		return -e;
	}
	return 0;
}

/* HTTP thread: wait for a snapshot rendered after this request came in */
static char *snapshot(struct metrics_export *mx, size_t *len)
{
	struct timespec until;
	uint64_t want;
	char *copy = NULL;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(MX_WAIT_NS / 1000000000ULL);
	pthread_mutex_lock(&mx->lock);
	want = mx->seq + 1;
	atomic_store(&mx->asked, true);
	while (mx->seq < want && !mx->stopping)
		if (pthread_cond_timedwait(&mx->fresh, &mx->lock, &until) == ETIMEDOUT)
			break;	/* the main thread is busy: the last snapshot will do */
	if (mx->text && (copy = malloc(mx->len)) != NULL) {
		memcpy(copy, mx->text, mx->len);
		*len = mx->len;
	}
	pthread_mutex_unlock(&mx->lock);
	return copy;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload, size_t *upload_len, void **state)
{
	struct metrics_export *mx = cls;
	static char not_found[] = "not found: try /metrics\n";
	static char not_allowed[] = "GET only\n";
	static char busy[] = "no snapshot yet\n";
	size_t len = 0;
	char *text;

	(void)version;
	(void)upload;
	(void)state;
	if (*upload_len)
		return MHD_NO;	/* a body to a GET: not a client of ours */
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
			     sizeof(not_allowed) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
			     sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	text = snapshot(mx, &len);
	if (!text)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", busy,
			     sizeof(busy) - 1, MHD_RESPMEM_PERSISTENT);
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
		     text, len, MHD_RESPMEM_MUST_FREE);
}

int metrics_export_start(struct daemon *d)
{
	struct metrics_export *mx = d->mx;

	if (!mx || mx->listen_fd < 0)
		return 0;
	mx->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
				   MHD_USE_ITC,
				   0, NULL, NULL, answer, mx,
				   MHD_OPTION_LISTEN_SOCKET, mx->listen_fd,
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MX_CONNECTIONS,
				   MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)MX_PER_IP,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)MX_TIMEOUT_S,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
				   MHD_OPTION_END);
	if (!mx->mhd)
		return -EIO;
	mx->listen_fd = -1;	/* libmicrohttpd's now: it closes it */
	info("metrics: http://%s/metrics", d->cfg.metrics_listen);
	return 0;
}

static void write_textfile(struct daemon *d, const struct sbuf *o)
{
	char tmp[CONFIG_PATH_MAX + 8];
	const char *path = d->cfg.metrics_textfile;
	int fd;
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		warn("[metrics] textfile %s: %s", tmp, strerror(errno));
		return;
	}
	ok = write(fd, o->p, o->len) == (ssize_t)o->len;
	if (close(fd))
		ok = false;
	if (!ok || rename(tmp, path)) {
		warn("[metrics] textfile %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}

void metrics_export_tick(struct daemon *d, uint64_t now)
{
	struct metrics_export *mx = d->mx;
	bool asked, textfile;
	struct sbuf o = { 0 };

	if (!mx)
		return;
	asked = atomic_exchange(&mx->asked, false);
	textfile = d->cfg.metrics_textfile[0] && now >= mx->textfile_due;
	if (!asked && !textfile)
		return;
	metrics_render(d, &o);
	if (o.oom) {
		sbuf_free(&o);
		return;
	}
	if (textfile) {
		mx->textfile_due = now + MX_TEXTFILE_NS;
		write_textfile(d, &o);
	}
	if (asked) {
		pthread_mutex_lock(&mx->lock);
		free(mx->text);
		mx->text = o.p;
		mx->len = o.len;
		mx->seq++;
		pthread_cond_broadcast(&mx->fresh);
		pthread_mutex_unlock(&mx->lock);
		o.p = NULL;
	}
	sbuf_free(&o);
}

void metrics_export_fini(struct daemon *d)
{
	struct metrics_export *mx = d->mx;

	if (!mx)
		return;
	pthread_mutex_lock(&mx->lock);
	mx->stopping = true;
	pthread_cond_broadcast(&mx->fresh);
	pthread_mutex_unlock(&mx->lock);
	if (mx->mhd)
		MHD_stop_daemon(mx->mhd);
	if (mx->listen_fd >= 0)
		close(mx->listen_fd);
	free(mx->text);
	pthread_cond_destroy(&mx->fresh);
	pthread_mutex_destroy(&mx->lock);
	free(mx);
	d->mx = NULL;
}

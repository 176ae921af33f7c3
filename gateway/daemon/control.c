// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * control.c - the control socket: one request per connection
 *
 * A UNIX stream socket, mode [daemon] control_mode (0600 unless
 * configured), group control_group if set. A client sends one line
 * (ctl_proto.h), with file descriptors attached for attach; the daemon
 * answers and closes. Requests are bounded (CTL_REQUEST_MAX), connections
 * are bounded (CONTROL_CONNS), and a malformed request gets "error ...",
 * never a crash. Descriptors that arrive with a request that does not use
 * them are closed at once.
 *
 * Slots are shared between users: a connection that has not finished
 * within CONTROL_IDLE_NS (its request read, or some of its answer taken)
 * is closed, and a uid other than root's and the daemon's holds at most
 * CONTROL_UID_SHARE slots at once, so that idle or half-sent requests from
 * one user cannot lock everyone else out (issue 11).
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/ctl_views.h"
#include "daemon/nfq.h"
#include "daemon/daemon.h"
#include "daemon/control.h"
#include "log.h"
#include "num.h"
#include "lib/sbuf.h"
#include "daemon/fdlimit.h"
#include "daemon/bottles.h"
#include "daemon/loop.h"
#include "daemon/inbound.h"


/* A request is one short line sent at once: a few seconds is generous */
#define CONTROL_IDLE_NS		(3 * 1000000000ULL)
#define CONTROL_UID_SHARE	(CONTROL_CONNS / 4)

struct cconn {
	bool used;
	uid_t uid;		/* the peer's (SO_PEERCRED) */
	uint64_t deadline;	/* closed if not done by then (CLOCK_MONOTONIC ns) */
	bool replying;
	bool truncated;		/* descriptors were lost on the way in (MSG_CTRUNC) */
	int fd;
	size_t have;
	char in[CTL_REQUEST_MAX];
	int fds[CONTROL_FDS_MAX];
	int nfds;
	struct sbuf out;
	size_t out_off;
};

struct control {
	int listen_fd;
	bool group_set;		/* control_group given: check peers against it */
	gid_t gid;
	uid_t self_uid;		/* the daemon's own uid once locked down (control_lock_down) */
	uint64_t idle_closed;	/* connections closed at their deadline */
	uint64_t share_refused;	/* connections refused: their uid held its share */
	struct cconn conns[CONTROL_CONNS];
};

static void close_fds(struct cconn *c)
{
	for (int i = 0; i < c->nfds; i++)
		if (c->fds[i] >= 0)
			close(c->fds[i]);
	c->nfds = 0;
}

static void conn_close(struct daemon *d, struct cconn *c)
{
	if (!c->used)
		return;
	loop_unwatch(d->epfd, c->fd);
	close(c->fd);
	close_fds(c);
	sbuf_free(&c->out);
	c->used = false;
}

/* Is another daemon answering on @path? */
static bool socket_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	alive = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return alive;
}

static int make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int set_group(struct control *c, const char *group, const char *path)
{
	struct group *g;
	uint32_t gid;

	if (!group[0])
		return 0;
	/* a number is a gid as it is; anything else is a group's name */
	if (num_u32(group, 0, UINT32_MAX - 1, &gid)) {
		g = getgrnam(group);
		if (!g) {
			err("control_group %s: no such group", group);
			return -ENOENT;
		}
		gid = g->gr_gid;
	}
	if (chown(path, (uid_t)-1, (gid_t)gid)) {
		err("control socket %s: chown: %s", path, strerror(errno));
		return -errno;
	}
	c->group_set = true;
	c->gid = (gid_t)gid;
	return 0;
}

/*
 * With control_group set, a peer must be root, the daemon's own user, or a
 * member of that group (primary or supplementary: SO_PEERGROUPS). Without
 * it, the socket file's mode alone decides who may connect.
 */
static bool peer_allowed(const struct control *c, int fd, uid_t *uid,
			 char *why, size_t len)
{
	struct ucred uc;
	socklen_t l = sizeof(uc);
	gid_t groups[256];
	socklen_t gl = sizeof(groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l)) {
		snprintf(why, len, "cannot read the peer's credentials");
		return false;
	}
	*uid = uc.uid;
	if (!c->group_set || uc.uid == 0 || uc.uid == c->self_uid || uc.gid == c->gid)
		return true;
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &gl))
		for (size_t i = 0; i < gl / sizeof(gid_t); i++)
			if (groups[i] == c->gid)
				return true;
	snprintf(why, len, "permission denied: uid %u is not root and not in group %u",
		 (unsigned)uc.uid, (unsigned)c->gid);
	return false;
}

/*
 * The uid is noted once, before the seccomp filter goes on: the packet
 * loop must not need getuid() (not in the shipped allow-list).
 */
void control_lock_down(struct daemon *d, uid_t uid)
{
	if (d->ctl)
		d->ctl->self_uid = uid;
}

int control_init(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = d->cfg.control_socket;
	struct control *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	d->ctl = c;
	c->listen_fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		err("control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);	/* fits: checked above */
	if (socket_alive(path)) {
		err("control socket %s: another sentry daemon is answering there", path);
		return -EADDRINUSE;
	}
	unlink(path);
	rc = make_parent(path);
	if (rc) {
		err("control socket %s: cannot create its directory: %s", path,
		    strerror(-rc));
		return rc;
	}
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0 ||
	    bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, (mode_t)d->cfg.control_mode) ||
	    listen(c->listen_fd, 16) ||
	    loop_watch(d->epfd, c->listen_fd, EPOLLIN, TAG_CONTROL_LISTEN, 0)) {
		rc = -errno;
		err("control socket %s: %s", path, strerror(errno));
		return rc;
	}
	return set_group(c, d->cfg.control_group, path);
}

void control_fini(struct daemon *d)
{
	struct control *c = d->ctl;

	if (!c)
		return;
	for (int i = 0; i < CONTROL_CONNS; i++)
		conn_close(d, &c->conns[i]);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unlink(d->cfg.control_socket);
	}
	free(c);
	d->ctl = NULL;
}

/* May @uid take another slot? Root and the daemon's user are not limited. */
static bool share_left(struct control *ctl, uid_t uid, char *why, size_t len)
{
	int held = 0;

	if (uid == 0 || uid == ctl->self_uid)
		return true;
	for (int i = 0; i < CONTROL_CONNS; i++)
		held += ctl->conns[i].used && ctl->conns[i].uid == uid;
	if (held < CONTROL_UID_SHARE)
		return true;
	ctl->share_refused++;
	snprintf(why, len, "the daemon is busy: uid %u already holds %d control connections",
		 (unsigned)uid, held);
	return false;
}

void control_tick(struct daemon *d, uint64_t now)
{
	struct control *ctl = d->ctl;

	if (!ctl)
		return;
	for (int i = 0; i < CONTROL_CONNS; i++) {
		struct cconn *c = &ctl->conns[i];

		if (!c->used || now < c->deadline)
			continue;
		ctl->idle_closed++;
		warn("control: closed a connection from uid %u idle for %llu s (%s)",
		     (unsigned)c->uid, CONTROL_IDLE_NS / 1000000000ULL,
		     c->replying ? "its answer not taken" : "no complete request");
		conn_close(d, c);
	}
}

void control_counters(const struct daemon *d, uint64_t *idle_closed,
		      uint64_t *share_refused)
{
	*idle_closed = d->ctl ? d->ctl->idle_closed : 0;
	*share_refused = d->ctl ? d->ctl->share_refused : 0;
}

void control_accept(struct daemon *d)
{
	struct control *ctl = d->ctl;

	for (;;) {
		int fd = fdlimit_accept(d, ctl->listen_fd, TAG_CONTROL_LISTEN, 0,
					NULL, NULL, true);
		struct cconn *c = NULL;
		char why[256];
		uid_t uid = 0;

		if (fd == -EMFILE)
			continue;	/* refused for want of a descriptor: the next one */
		if (fd < 0)
			return;
		if (!peer_allowed(ctl, fd, &uid, why, sizeof(why) - 8) ||
		    !share_left(ctl, uid, why, sizeof(why) - 8)) {
			char line[320];
			int n = snprintf(line, sizeof(line), "error %s\n", why);

			warn("control: refused a client: %s", why);
			if (n > 0 && write(fd, line, (size_t)n) < 0)
				debug("control: %s", strerror(errno));
			close(fd);
			continue;
		}
		for (int i = 0; i < CONTROL_CONNS && !c; i++)
			if (!ctl->conns[i].used)
				c = &ctl->conns[i];
		if (!c) {
			static const char busy[] = "error the daemon is busy: too many control connections\n";

			if (write(fd, busy, sizeof(busy) - 1) < 0)
				debug("control: %s", strerror(errno));
			close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->used = true;
		c->fd = fd;
		c->uid = uid;
		c->deadline = now_ns() + CONTROL_IDLE_NS;
		if (loop_watch(d->epfd, fd, EPOLLIN, TAG_CONTROL, (uint32_t)(c - ctl->conns)))
			conn_close(d, c);
	}
}

static void flush(struct daemon *d, struct cconn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = write(c->fd, c->out.p + c->out_off, c->out.len - c->out_off);

		if (n < 0) {
			if (errno == EAGAIN) {
				loop_watch(d->epfd, c->fd, EPOLLOUT, TAG_CONTROL,
					     (uint32_t)(c - d->ctl->conns));
				return;
			}
			break;
		}
		c->out_off += (size_t)n;
		c->deadline = now_ns() + CONTROL_IDLE_NS;	/* the peer is reading */
	}
	conn_close(d, c);
}

/*
 * A peer other than root and the daemon's user attaches under a policy the
 * [tenants] rules grant it, or its default there. Its groups are read
 * again here: the ones it held when it connected are the ones that count.
 */
static int tenant_choose(struct daemon *d, const struct cconn *c,
			 struct ctl_request *req, char *msg, size_t len)
{
	uint32_t gids[257];
	gid_t groups[256];
	struct ucred uc;
	socklen_t l = sizeof(uc), gl = sizeof(groups);
	const char *chosen;
	size_t n = 0;

	if (c->uid == 0 || c->uid == d->ctl->self_uid || !d->cfg.ntenants)
		return 0;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &uc, &l)) {
		snprintf(msg, len, "cannot read the peer's credentials");
		return -EPERM;
	}
	gids[n++] = uc.gid;
	if (!getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &gl))
		for (size_t i = 0; i < gl / sizeof(gid_t); i++)
			gids[n++] = groups[i];
	if (config_tenant_policy(&d->cfg, c->uid, gids, n, req->policy, &chosen,
				 msg, len))
		return -EPERM;
	if (chosen != req->policy)
		snprintf(req->policy, sizeof(req->policy), "%s", chosen);
	return 0;
}

static void handle(struct daemon *d, struct cconn *c)
{
	struct ctl_request req;
	struct ctl_peer peer;
	char msg[512];
	int want;

	c->replying = true;
	if (ctl_parse_request(c->in, c->have, &req, msg, sizeof(msg))) {
		sbuf_printf(&c->out, "error %s\n", msg);
		goto out;
	}
	want = req.verb == CTL_ATTACH ?
	       (int)req.queues + (req.pidfd ? 1 : 0) + (req.inotify ? 1 : 0) : 0;
	/*
	 * The kernel drops what it has no descriptor for and says MSG_CTRUNC;
	 * a buffer overflow (more than CONTROL_FDS_MAX sent) fills it instead
	 */
	if (c->truncated && c->nfds < want && c->nfds < CONTROL_FDS_MAX) {
		fdlimit_short(d, "an attach");
		sbuf_printf(&c->out, "error the daemon is out of file descriptors (limit %llu): "
			    "it could not receive the request's %d descriptor(s); raise its LimitNOFILE or "
			    "lower [tables] bottles\n", (unsigned long long)d->fdl.limit, want);
		goto out;
	}
	if (c->nfds != want) {
		sbuf_printf(&c->out, "error expected %d file descriptor(s) with the request, got %d\n",
			    want, c->nfds);
		goto out;
	}
	if (req.verb == CTL_ATTACH) {
		struct gw_bottle *b;

		if (tenant_choose(d, c, &req, msg, sizeof(msg)) ||
		    bottle_attach(d, &req, c->fds, msg, sizeof(msg))) {
			sbuf_printf(&c->out, "error %s\n", msg);
			goto out;
		}
		c->nfds = 0;	/* the bottle owns them now */
		b = bottle_by_name(d, req.name);
		if (b)
			b->owner = c->uid;
		sbuf_printf(&c->out, "ok attached %s\n", req.name);
		if (msg[0])
			sbuf_printf(&c->out, "warning %s\n", msg);
		goto out;
	}
	peer.uid = c->uid;
	peer.admin = c->uid == 0 || c->uid == d->ctl->self_uid;
	if (req.verb == CTL_INBOUND) {
		inbound_report(d, &req, c->uid, peer.admin, &c->out);
		goto out;
	}
	if (req.verb == CTL_PUBLISH || req.verb == CTL_UNPUBLISH) {
		inbound_publish(d, &req, req.verb == CTL_PUBLISH, c->uid, peer.admin, &c->out);
		goto out;
	}
	if (req.verb == CTL_GUARD || req.verb == CTL_UNGUARD) {
		/* rules on the daemon's forward path: the administrator's alone */
		if (!peer.admin)
			sbuf_printf(&c->out, "error guard and unguard are for root and the "
				    "daemon's user\n");
		else if (req.verb == CTL_GUARD ? nfq_guard(d, &req, msg, sizeof(msg))
					       : nfq_unguard(d, req.name, msg, sizeof(msg)))
			sbuf_printf(&c->out, "error %s\n", msg);
		else
			sbuf_printf(&c->out, "ok %s %s\n", req.verb == CTL_GUARD ?
				    "guarding" : "unguarded", req.name);
		goto out;
	}
	ctl_view(d, &req, &peer, &c->out);
out:
	close_fds(c);
	if (c->out.oom) {
		sbuf_free(&c->out);
		sbuf_printf(&c->out, "error out of memory\n");
	}
	flush(d, c);
}

void control_ready(struct daemon *d, uint32_t index, uint32_t events)
{
	struct cconn *c;

	if (!d->ctl || index >= CONTROL_CONNS || !d->ctl->conns[index].used)
		return;
	c = &d->ctl->conns[index];
	if (c->replying) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			flush(d, c);
		return;
	}
	for (;;) {
		union {
			char buf[CMSG_SPACE(CONTROL_FDS_MAX * sizeof(int))];
			struct cmsghdr align;
		} cm;
		struct iovec iov = {
			.iov_base = c->in + c->have,
			.iov_len = sizeof(c->in) - c->have,
		};
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cm.buf,
			.msg_controllen = sizeof(cm.buf),
		};
		ssize_t n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			conn_close(d, c);
			return;
		}
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
			size_t k;

			if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
				continue;
			k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
				if (c->nfds < CONTROL_FDS_MAX)
					c->fds[c->nfds++] = fd;
				else
					close(fd);
			}
		}
		if (mh.msg_flags & MSG_CTRUNC) {
			debug("control: descriptors truncated");
			c->truncated = true;
		}
		c->have += (size_t)n;
		if (n == 0 || memchr(c->in, '\n', c->have) || c->have == sizeof(c->in)) {
			if (!c->have) {
				conn_close(d, c);
				return;
			}
			handle(d, c);
			return;
		}
	}
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * publish_relay.c - the relay process of a bottle's published ports
 *
 * Theory of operation (publish_relay.h says what and why)
 *
 * relay_start() forks. The child joins the bottle's network namespace,
 * opens a netlink socket there for link events, drops every capability,
 * installs its seccomp filter and writes one byte on a pipe ("ready"), or
 * a message and exits; the parent waits for that byte, so a relay that
 * could not start fails the container start with the reason.
 *
 * Then one epoll loop, every descriptor tagged with its kind and index:
 *
 *   LISTEN i	TCP: accept, check the bounds, connect a socket made in the
 *		bottle's namespace to its address:guest port (non-blocking),
 *		report. UDP: a datagram from a source; find or make its
 *		association, send it on.
 *   CONN c/d	one side of TCP connection c (d 0: outside, 1: the bottle's).
 *		Edge-triggered: every event pumps both directions until
 *		nothing moves, so no edge is ever needed twice.
 *   ASSOC a	a reply from the bottle: sent to the association's source
 *		from the listening socket.
 *   NETLINK	RTM_DELLINK of the bottle's TUN: the relay ends.
 *   INOTIFY	the namespace file deleted: the relay ends.
 *
 * A TCP connection's states: CONNECTING (the inside connect pending; the
 * outside is not read), OPEN (both directions pump), and per direction
 * "eof" (its source said FIN) then "shut" (the pipe drained and FIN passed
 * on with shutdown(SHUT_WR)): half-close is carried through. Both shut:
 * closed. Any error on either side: both are reset (SO_LINGER 0), so the
 * peer learns the connection failed, as with a direct one.
 *
 * Pipes: each is asked to hold PIPE_BYTES (F_SETPIPE_SZ, best effort: the
 * default 64 KiB otherwise); the source is read again only when the pipe
 * is empty, because a pipe can be full (page slots used up by small
 * segments) while holding fewer bytes than its size.
 */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "helpers/attach.h"
#include "helpers/publish_relay.h"
#include "kernel/netcfg.h"
#include "kernel/sandbox.h"
#include "lib/sockaddr.h"
#include "wire.h"

#define PIPE_BYTES	((size_t)256 * 1024)	/* asked of each pipe: fewer, larger splices */
#define UDP_BUF		65536
#define EVENTS_MAX	64
#define RELAY_KEEPIDLE_S	60	/* keepalive on the outside: idle before probing */
#define RELAY_KEEPINTVL_S	10
#define RELAY_KEEPCNT		3

enum kind { K_LISTEN = 1, K_CONN0, K_CONN1, K_ASSOC, K_NETLINK, K_INOTIFY };

struct conn {
	bool used, connecting;
	uint32_t gen;		/* in its epoll tags: a late event of a slot's last user is not this one's */
	uint32_t map;
	uint64_t deadline_s;	/* CONNECTING: reset if not connected by then */
	int fd[2];		/* 0: accepted outside, 1: to the bottle */
	int pipe[2][2];		/* pipe[d]: bytes read from fd[d] */
	size_t pending[2];
	bool eof[2], shut[2];
};

struct assoc {
	bool used;
	uint32_t sock;		/* the listening socket it came in on */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	int fd;			/* connected, in the bottle's namespace */
	uint64_t last_s;
};

struct relay {
	const struct relay_conf *c;
	int ep, nl, ino;
	int ifindex;
	const char *netns_base;
	uint32_t active[PUBLISH_MAPS_MAX];
	uint32_t nconns;
	struct conn *conns;
	struct assoc *assocs;
	uint64_t report_window;
	uint32_t reports;
	uint8_t buf[UDP_BUF];
};

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* kind (8 bits), a generation (24 bits), an index (32 bits) */
static uint64_t tag(enum kind k, uint32_t i)
{
	return (uint64_t)k << 56 | i;
}

static uint64_t conn_tag(enum kind k, const struct relay *r, const struct conn *c)
{
	return (uint64_t)k << 56 | (uint64_t)(c->gen & 0xffffff) << 32 |
	       (uint32_t)(c - r->conns);
}

/* The bottle's address to reach from a listener of family @v6 */
static const struct ipaddr *target(const struct relay_conf *c, bool v6)
{
	if (v6 && c->has6)
		return &c->addr6;
	return c->has4 ? &c->addr4 : &c->addr6;
}

/*
 * Tell the daemon, and do not wait: a non-blocking connect and one send,
 * so that a slow or absent daemon never stalls the relay. Lost reports
 * (daemon busy, over the rate) are lost; the daemon counts what it gets.
 */
static void report(struct relay *r, uint8_t proto, uint16_t port, uint16_t to,
		   const struct sockaddr_storage *peer, bool refused)
{
	struct ctl_request req;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[512];
	uint64_t sec = now_s();
	int fd, n;

	if (sec != r->report_window) {
		r->report_window = sec;
		r->reports = 0;
	}
	if (r->reports++ >= RELAY_REPORTS_PER_S)
		return;
	memset(&req, 0, sizeof(req));
	req.verb = CTL_INBOUND;
	snprintf(req.name, sizeof(req.name), "%s", r->c->bottle);
	req.in_proto = proto;
	req.in_port = port;
	req.in_to = to;
	sockaddr_split(peer, &req.in_src, &req.in_sport);
	req.has_src = true;
	if (!req.in_sport)
		return;
	req.refused = refused;
	n = ctl_format_request(&req, line, sizeof(line));
	if (n < 0 || strlen(r->c->socket) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, r->c->socket, strlen(r->c->socket) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		(void)!send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void reset_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void conn_end(struct relay *r, struct conn *c, bool reset)
{
	for (int d = 0; d < 2; d++) {
		if (reset)
			reset_close(c->fd[d]);
		else if (c->fd[d] >= 0)
			close(c->fd[d]);
		for (int k = 0; k < 2; k++)
			if (c->pipe[d][k] >= 0)
				close(c->pipe[d][k]);
	}
	r->active[c->map]--;
	r->nconns--;
	c->used = false;
}

static struct conn *conn_new(struct relay *r, uint32_t map)
{
	for (uint32_t i = 0; i < RELAY_CONNS_MAX; i++) {
		struct conn *c = &r->conns[i];

		if (c->used)
			continue;
		uint32_t gen = c->gen + 1;

		memset(c, 0, sizeof(*c));
		c->gen = gen;
		c->used = true;
		c->map = map;
		c->fd[0] = c->fd[1] = -1;
		c->pipe[0][0] = c->pipe[0][1] = c->pipe[1][0] = c->pipe[1][1] = -1;
		r->active[map]++;
		r->nconns++;
		return c;
	}
	return NULL;
}

/* Move what can move from fd[d] to fd[!d]; 0, or -errno: reset both */
static int pump(struct conn *c, int d)
{
	int src = c->fd[d], dst = c->fd[!d];
	bool moved = true;

	while (moved) {
		ssize_t n;

		moved = false;
		if (!c->eof[d] && !c->pending[d]) {
			n = splice(src, NULL, c->pipe[d][1], NULL, PIPE_BYTES,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0)
				c->pending[d] = (size_t)n;
			else if (!n)
				c->eof[d] = true;
			else if (errno != EAGAIN)
				return -errno;
			moved = n >= 0;
		}
		if (c->pending[d]) {
			n = splice(c->pipe[d][0], NULL, dst, NULL, c->pending[d],
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				c->pending[d] -= (size_t)n;
				moved = true;
			} else if (n < 0 && errno != EAGAIN) {
				return -errno;
			}
		}
	}
	if (c->eof[d] && !c->pending[d] && !c->shut[d]) {
		if (shutdown(dst, SHUT_WR) && errno != ENOTCONN)
			return -errno;
		c->shut[d] = true;
	}
	return 0;
}

static void on_conn(struct relay *r, uint32_t i, uint32_t gen, int side, uint32_t events)
{
	struct conn *c;
	int rc;

	if (i >= RELAY_CONNS_MAX)
		return;
	c = &r->conns[i];
	if (!c->used || (c->gen & 0xffffff) != gen)
		return;
	if (c->connecting) {
		int soerr = 0;
		socklen_t l = sizeof(soerr);

		if (side == 0) {
			if (events & (EPOLLERR | EPOLLHUP))
				conn_end(r, c, true);	/* the peer gave up first */
			return;
		}
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &soerr, &l) || soerr) {
			conn_end(r, c, true);	/* nothing listens in the bottle */
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		c->connecting = false;
	}
	rc = pump(c, 0);
	if (!rc)
		rc = pump(c, 1);
	if (rc)
		conn_end(r, c, true);
	else if (c->shut[0] && c->shut[1])
		conn_end(r, c, false);
}

static int watch_tag(struct relay *r, int fd, uint32_t events, uint64_t t)
{
	struct epoll_event ev = { .events = events, .data.u64 = t };

	return epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int watch(struct relay *r, int fd, uint32_t events, enum kind k, uint32_t i)
{
	return watch_tag(r, fd, events, tag(k, i));
}

/* A socket in the bottle's namespace (the relay's own), connecting to @to */
static int inside_socket(const struct relay *r, int type, bool v6, uint16_t port)
{
	const struct ipaddr *to = target(r->c, v6);
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_make(&ss, to, port);
	int fd = socket(to->family == ADDR_FAMILY_V6 ? AF_INET6 : AF_INET,
			type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/*
 * Keepalive on the outside socket: a client that went away while the
 * bottle says nothing (half-closed towards a bottle that never answers)
 * is found by the kernel's probes and its connection reset, instead of
 * holding a slot for good
 */
static void keepalive(int fd)
{
	int one = 1, idle = RELAY_KEEPIDLE_S, intvl = RELAY_KEEPINTVL_S, cnt = RELAY_KEEPCNT;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static int make_pipe(int p[2])
{
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		return -errno;
	(void)fcntl(p[1], F_SETPIPE_SZ, (int)PIPE_BYTES);	/* a smaller pipe still works */
	return 0;
}

static void accept_tcp(struct relay *r, uint32_t si)
{
	const struct publish_socket *s = &r->c->socks[si];
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	struct conn *c;
	int fd;

	while ((fd = accept4(s->fd, (struct sockaddr *)&peer, &pl,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		pl = sizeof(peer);
		c = r->active[s->map] < r->c->conns_max ? conn_new(r, s->map) : NULL;
		if (!c) {
			reset_close(fd);
			report(r, PROTO_TCP, s->host_port, s->guest_port, &peer, true);
			continue;
		}
		c->fd[0] = fd;
		keepalive(fd);
		c->connecting = true;
		c->deadline_s = now_s() + RELAY_CONNECT_TIMEOUT_S;
		c->fd[1] = inside_socket(r, SOCK_STREAM, s->v6, s->guest_port);
		if (c->fd[1] < 0 || make_pipe(c->pipe[0]) || make_pipe(c->pipe[1]) ||
		    watch_tag(r, c->fd[0], EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			      conn_tag(K_CONN0, r, c)) ||
		    watch_tag(r, c->fd[1], EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			      conn_tag(K_CONN1, r, c))) {
			conn_end(r, c, true);
			continue;
		}
		report(r, PROTO_TCP, s->host_port, s->guest_port, &peer, false);
	}
	/*
	 * Out of descriptors: the connection waits in the backlog and the
	 * listener stays readable. Stop watching it until the next tick
	 * rather than spin.
	 */
	if (errno == EMFILE || errno == ENFILE) {
		struct epoll_event ev = { .events = 0, .data.u64 = tag(K_LISTEN, si) };

		epoll_ctl(r->ep, EPOLL_CTL_MOD, s->fd, &ev);
	}
}

static void assoc_end(struct relay *r, struct assoc *a)
{
	close(a->fd);	/* leaves the epoll set with it */
	a->used = false;
	(void)r;
}

static struct assoc *assoc_find(struct relay *r, uint32_t si,
				const struct sockaddr_storage *peer, socklen_t pl)
{
	for (uint32_t i = 0; i < RELAY_ASSOC_MAX; i++) {
		struct assoc *a = &r->assocs[i];

		if (a->used && a->sock == si && a->peer_len == pl && !memcmp(&a->peer, peer, pl))
			return a;
	}
	return NULL;
}

static struct assoc *assoc_new(struct relay *r, uint32_t si,
			       const struct sockaddr_storage *peer, socklen_t pl)
{
	const struct publish_socket *s = &r->c->socks[si];
	struct assoc *a = NULL;
	uint32_t n = 0;

	for (uint32_t i = 0; i < RELAY_ASSOC_MAX; i++) {
		if (!r->assocs[i].used && !a)
			a = &r->assocs[i];
		n += r->assocs[i].used && r->assocs[i].sock < r->c->nsocks &&
		     r->c->socks[r->assocs[i].sock].map == s->map;
	}
	if (!a || n >= r->c->conns_max)
		return NULL;
	a->fd = inside_socket(r, SOCK_DGRAM, s->v6, s->guest_port);
	if (a->fd < 0)
		return NULL;
	if (watch(r, a->fd, EPOLLIN, K_ASSOC, (uint32_t)(a - r->assocs))) {
		close(a->fd);
		return NULL;
	}
	a->used = true;
	a->sock = si;
	a->peer = *peer;
	a->peer_len = pl;
	return a;
}

static void on_udp(struct relay *r, uint32_t si)
{
	const struct publish_socket *s = &r->c->socks[si];
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	ssize_t n;

	while ((n = recvfrom(s->fd, r->buf, sizeof(r->buf), 0, (struct sockaddr *)&peer,
			     &pl)) >= 0) {
		struct assoc *a = assoc_find(r, si, &peer, pl);

		if (!a) {
			a = assoc_new(r, si, &peer, pl);
			report(r, PROTO_UDP, s->host_port, s->guest_port, &peer, !a);
			if (!a)
				goto next;	/* table or mapping full: dropped */
		}
		a->last_s = now_s();
		(void)!send(a->fd, r->buf, (size_t)n, MSG_DONTWAIT);
next:
		pl = sizeof(peer);
	}
}

static void on_assoc(struct relay *r, uint32_t i)
{
	struct assoc *a = &r->assocs[i];
	ssize_t n;

	if (i >= RELAY_ASSOC_MAX || !a->used)
		return;
	while ((n = recv(a->fd, r->buf, sizeof(r->buf), MSG_DONTWAIT)) >= 0) {
		a->last_s = now_s();
		(void)!sendto(r->c->socks[a->sock].fd, r->buf, (size_t)n, MSG_DONTWAIT,
			      (struct sockaddr *)&a->peer, a->peer_len);
	}
	if (errno != EAGAIN)	/* ICMP unreachable from the bottle: forget it */
		assoc_end(r, a);
}

/*
 * Once a second: idle associations end, connects the bottle never answered
 * are reset, paused listeners are watched again
 */
static void tick(struct relay *r)
{
	uint64_t now = now_s();

	for (uint32_t i = 0; i < RELAY_CONNS_MAX && r->nconns; i++)
		if (r->conns[i].used && r->conns[i].connecting && now >= r->conns[i].deadline_s)
			conn_end(r, &r->conns[i], true);

	for (uint32_t i = 0; i < RELAY_ASSOC_MAX; i++)
		if (r->assocs[i].used && now - r->assocs[i].last_s >= RELAY_UDP_IDLE_S)
			assoc_end(r, &r->assocs[i]);
	for (uint32_t i = 0; i < r->c->nsocks; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag(K_LISTEN, i) };

		epoll_ctl(r->ep, EPOLL_CTL_MOD, r->c->socks[i].fd, &ev);
	}
}

/* Has the bottle's TUN gone? (RTM_DELLINK for its index) */
static bool link_gone(struct relay *r)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t n;

	while ((n = recv(r->nl, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			const struct ifinfomsg *ifi = NLMSG_DATA(h);

			if (h->nlmsg_type == RTM_DELLINK &&
			    h->nlmsg_len >= NLMSG_LENGTH(sizeof(*ifi)) &&
			    ifi->ifi_index == r->ifindex)
				return true;
		}
	}
	/* ENOBUFS (events lost) is not expected at a container's link rate;
	 * the namespace file's deletion still ends the relay */
	return false;
}

static bool netns_gone(struct relay *r)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(r->ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if ((ev->mask & (IN_DELETE_SELF | IN_UNMOUNT | IN_IGNORED)) ||
			    (ev->len && !strcmp(ev->name, r->netns_base)))
				return true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return false;
}

static void loop(struct relay *r)
{
	struct epoll_event ev[EVENTS_MAX];
	uint64_t last = now_s();

	for (;;) {
		int n = epoll_wait(r->ep, ev, EVENTS_MAX, 1000);

		for (int i = 0; i < n; i++) {
			uint32_t k = (uint32_t)(ev[i].data.u64 >> 56);
			uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32) & 0xffffff;
			uint32_t idx = (uint32_t)ev[i].data.u64;

			switch (k) {
			case K_LISTEN:
				if (r->c->set->map[r->c->socks[idx].map].proto == PROTO_TCP)
					accept_tcp(r, idx);
				else
					on_udp(r, idx);
				break;
			case K_CONN0:
			case K_CONN1:
				on_conn(r, idx, gen, k == K_CONN1, ev[i].events);
				break;
			case K_ASSOC:
				on_assoc(r, idx);
				break;
			case K_NETLINK:
				if (link_gone(r))
					return;
				break;
			case K_INOTIFY:
				if (netns_gone(r))
					return;
				break;
			default:
				break;
			}
		}
		if (now_s() != last) {
			last = now_s();
			tick(r);
		}
	}
}

/* What needs privilege, in the child: join, watch the link, drop */
static int child_setup(struct relay *r, int nsfd, char *err, size_t len)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	const struct relay_conf *c = r->c;
	struct rlimit rl;

	if (setns(nsfd, CLONE_NEWNET)) {
		snprintf(err, len, "cannot join the bottle's network namespace: %s",
			 strerror(errno));
		return -errno;
	}
	r->ifindex = (int)if_nametoindex(c->ifname);
	if (!r->ifindex) {
		snprintf(err, len, "no interface %s in the bottle's namespace", c->ifname);
		return -ENODEV;
	}
	r->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (r->nl < 0 || bind(r->nl, (struct sockaddr *)&snl, sizeof(snl))) {
		snprintf(err, len, "netlink: %s", strerror(errno));
		return -errno;
	}
	/* six descriptors per connection: take what the hard limit allows */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_BOTH) && capng_apply(CAPNG_SELECT_CAPS)) {
		snprintf(err, len, "cannot drop capabilities");
		return -EPERM;
	}
	return sandbox_seccomp(SANDBOX_RELAY, err, len);
}

static int child_watch(struct relay *r)
{
	const struct relay_conf *c = r->c;

	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->ep < 0 || watch(r, r->nl, EPOLLIN, K_NETLINK, 0))
		return -1;
	if (r->ino >= 0 && watch(r, r->ino, EPOLLIN, K_INOTIFY, 0))
		return -1;
	for (uint32_t i = 0; i < c->nsocks; i++)
		if (watch(r, c->socks[i].fd, EPOLLIN, K_LISTEN, i))
			return -1;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/*
 * Close every descriptor above 2 but @keep: the helper's others (the
 * slirp4netns personality's API socket and exit fd, its signalfd) are not
 * the relay's to hold
 */
static void close_others(int *keep, size_t n)
{
	unsigned int from = 3;

	qsort(keep, n, sizeof(*keep), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 3)
			continue;
		if ((unsigned int)keep[i] > from)
			close_range(from, (unsigned int)keep[i] - 1, 0);
		from = (unsigned int)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

static void child(const struct relay_conf *c, int nsfd, int ino, int ready)
{
	static struct relay r;
	static int keep[PUBLISH_SOCKETS_MAX + 3];
	char err[256] = "";
	size_t nkeep = 0;
	sigset_t none;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);	/* the slirp4netns helper blocks its stop signals */
	signal(SIGPIPE, SIG_IGN);
	keep[nkeep++] = nsfd;
	keep[nkeep++] = ino;
	keep[nkeep++] = ready;
	for (size_t i = 0; i < c->nsocks; i++)
		keep[nkeep++] = c->socks[i].fd;
	close_others(keep, nkeep);
	r.c = c;
	r.ino = ino;
	r.nl = -1;
	r.netns_base = strrchr(c->netns, '/') ? strrchr(c->netns, '/') + 1 : c->netns;
	r.conns = calloc(RELAY_CONNS_MAX, sizeof(*r.conns));
	r.assocs = calloc(RELAY_ASSOC_MAX, sizeof(*r.assocs));
	if (!r.conns || !r.assocs)
		snprintf(err, sizeof(err), "out of memory");
	else if (!child_setup(&r, nsfd, err, sizeof(err)) && child_watch(&r))
		snprintf(err, sizeof(err), "epoll: %s", strerror(errno));
	close(nsfd);
	if (err[0]) {
		(void)!write(ready, err, strlen(err));
		_exit(1);
	}
	(void)!write(ready, "", 1);
	close(ready);
	loop(&r);
	_exit(0);
}

int relay_start(const struct relay_conf *c, pid_t *pid, char *err, size_t len)
{
	int p[2], nsfd, ino = -1, rc = 0;
	struct pollfd pfd;
	char msg[256];
	ssize_t n;

	nsfd = netns_open(c->netns, 0, err, len);
	if (nsfd < 0)
		return nsfd;
	if (c->watch_netns) {
		ino = attach_watch_dir_of(c->netns);
		if (ino < 0) {
			rc = -errno;
			snprintf(err, len, "cannot watch %s: %s", c->netns, strerror(errno));
			close(nsfd);
			return rc;
		}
	}
	if (pipe2(p, O_CLOEXEC)) {
		rc = -errno;
		snprintf(err, len, "pipe: %s", strerror(errno));
		goto out;
	}
	*pid = fork();
	if (*pid < 0) {
		rc = -errno;
		snprintf(err, len, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		goto out;
	}
	if (!*pid) {
		close(p[0]);
		child(c, nsfd, ino, p[1]);
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	n = poll(&pfd, 1, RELAY_START_TIMEOUT_MS) == 1 ? read(p[0], msg, sizeof(msg) - 1) : -1;
	close(p[0]);
	if (n == 1 && !msg[0])
		goto out;
	rc = -EIO;
	if (n > 1) {
		msg[n] = '\0';
		snprintf(err, len, "published ports: the relay could not start: %s", msg);
	} else {
		snprintf(err, len, "published ports: the relay did not start");
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
out:
	close(nsfd);
	if (ino >= 0)
		close(ino);
	return rc;
}

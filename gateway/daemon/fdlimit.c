// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fdlimit.c - the daemon's file descriptor limit, and running out anyway
 *
 * Theory of operation
 *
 * At start the soft RLIMIT_NOFILE is raised to the hard limit (systemd
 * and most shells give 1024 soft, far more hard), and compared with what
 * the configuration can need (fdbudget.h); a lower limit gets one warning
 * naming both figures and the key to change.
 *
 * Running out anyway must not make the loop spin. The listeners are
 * level-triggered: an accept() that fails with EMFILE leaves the
 * connection in the backlog, epoll reports the listener again at once,
 * and the main thread burns a CPU forever while ping, attach and DNS over
 * TCP all starve. The cure chosen is the classic spare descriptor, kept
 * open on /dev/null: on EMFILE it is closed, the waiting connection is
 * accepted on it and closed at once (a control client first reads an
 * "error" line saying why), and the spare is opened again. Each round
 * thus takes one connection off the backlog, so the loop only ever does
 * work a client asked for, and a client gets an answer, never a hang.
 * Pausing the listener instead (EPOLL_CTL_MOD to no events until a
 * descriptor is freed) would leave clients hanging in the backlog with no
 * word of why; it is kept for when the spare itself cannot be had again
 * (ENFILE: another process took the system's last file), and for ENOBUFS
 * and ENOMEM, where no descriptor would help: the listener then sleeps
 * until the next timer tick.
 *
 * An episode starts with the first refusal and is logged once; it ends
 * when a timer tick finds FDLIMIT_SLACK descriptors free (slack, so that
 * a daemon hovering at its limit does not log an episode per connection),
 * and says how many connections it refused. `sentry ctl stats` counts
 * both.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/fdlimit.h"
#include "daemon/fdbudget.h"
#include "log.h"
#include "daemon/worker.h"
#include "daemon/loop.h"

#define FDLIMIT_SLACK	8

static int open_reserve(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void fdlimit_init(struct daemon *d)
{
	struct fdlimit *f = &d->fdl;
	struct rlimit rl;

	f->reserve = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		warn("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		rl.rlim_cur = rl.rlim_max = 0;
	} else if (rl.rlim_cur < rl.rlim_max) {
		rlim_t soft = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl)) {
			warn("cannot raise the file descriptor limit from %" PRIu64 " to %" PRIu64 ": %s",
			     (uint64_t)soft, (uint64_t)rl.rlim_max, strerror(errno));
			rl.rlim_cur = soft;
		}
	}
	f->limit = (uint64_t)rl.rlim_cur;
	f->reserve = open_reserve();
	if (f->reserve < 0)
		warn("cannot open the spare descriptor (/dev/null): %s", strerror(errno));
}

void fdlimit_check(struct daemon *d, uint32_t families)
{
	struct fdlimit *f = &d->fdl;
	struct fdbudget b;
	char why[320];

	fdbudget_compute(&d->cfg, d->nworkers, families, &b);
	f->need = b.total;
	if (f->limit && f->limit < f->need)
		warn("file descriptor limit %" PRIu64 " is below the %" PRIu64
		     " this configuration can need (%s); raise LimitNOFILE or lower [tables] bottles",
		     f->limit, f->need, fdbudget_explain(&b, why, sizeof(why)));
	else
		info("file descriptors: limit %" PRIu64 ", this configuration can need %" PRIu64,
		     f->limit, f->need);
}

void fdlimit_short(struct daemon *d, const char *what)
{
	struct fdlimit *f = &d->fdl;

	f->refused++;
	f->episode_refused++;
	if (f->short_now)
		return;
	f->short_now = true;
	f->episodes++;
	warn("out of file descriptors (limit %" PRIu64 ", this configuration can need %"
	     PRIu64 "): %s refused, and new control and DNS-over-TCP connections until "
	     "some are freed; raise LimitNOFILE or lower [tables] bottles",
	     f->limit, f->need, what);
}

/* Take @lfd out of the loop until the next tick */
static void pause_listener(struct daemon *d, int lfd, enum tag tag, uint32_t index)
{
	struct fdlimit *f = &d->fdl;
	struct epoll_event ev = { .events = 0 };

	for (uint32_t i = 0; i < f->npaused; i++)
		if (f->paused[i].fd == lfd)
			return;
	if (f->npaused == FDLIMIT_LISTENERS ||
	    epoll_ctl(d->epfd, EPOLL_CTL_MOD, lfd, &ev))
		return;
	f->paused[f->npaused].fd = lfd;
	f->paused[f->npaused].tag = tag;
	f->paused[f->npaused].index = index;
	f->npaused++;
}

/* A connection we have no descriptor for: take it on the spare's, tell, close */
static int refuse_one(struct daemon *d, int lfd, enum tag tag, uint32_t index,
		      bool tell)
{
	struct fdlimit *f = &d->fdl;
	char line[200];
	int fd, n;

	if (f->reserve < 0) {
		pause_listener(d, lfd, tag, index);
		return -EAGAIN;
	}
	close(f->reserve);
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0) {
		fdlimit_short(d, tag == TAG_CONTROL_LISTEN ? "a control connection"
							   : "a DNS-over-TCP connection");
		n = snprintf(line, sizeof(line), "error the daemon is out of file descriptors "
			     "(limit %" PRIu64 "): try again later, or raise its LimitNOFILE\n",
			     f->limit);
		if (tell && n > 0 && write(fd, line, (size_t)n) < 0)
			debug("fdlimit: %s", strerror(errno));
		/*
		 * Read what the client already sent (descriptors with it are
		 * dropped by the kernel, unreceived): a UNIX socket closed with
		 * unread data resets its peer, who would then never read the
		 * line above
		 */
		for (int i = 0; tell && i < 8 && read(fd, line, sizeof(line)) > 0; i++)
			;	/* bounded: a request is one short line */
		close(fd);
	}
	f->reserve = open_reserve();
	if (f->reserve < 0)
		pause_listener(d, lfd, tag, index);
	return fd >= 0 ? -EMFILE : -EAGAIN;
}

int fdlimit_accept(struct daemon *d, int lfd, enum tag tag, uint32_t index,
		   struct sockaddr *sa, socklen_t *salen, bool tell)
{
	int fd = accept4(lfd, sa, salen, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd >= 0)
		return fd;
	switch (errno) {
	case EMFILE:
	case ENFILE:
		return refuse_one(d, lfd, tag, index, tell);
	case ENOBUFS:
	case ENOMEM:
		/* no descriptor would help: let the loop breathe until the tick */
		pause_listener(d, lfd, tag, index);
		return -EAGAIN;
	default:
		return -errno;
	}
}

/* Are FDLIMIT_SLACK descriptors free? Borrow them from the spare to see. */
static bool have_slack(const struct fdlimit *f)
{
	int fds[FDLIMIT_SLACK], n = 0;

	if (f->reserve < 0)
		return false;
	while (n < FDLIMIT_SLACK &&
	       (fds[n] = fcntl(f->reserve, F_DUPFD_CLOEXEC, 0)) >= 0)
		n++;
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return n == FDLIMIT_SLACK;
}

void fdlimit_tick(struct daemon *d)
{
	struct fdlimit *f = &d->fdl;

	if (f->reserve < 0)
		f->reserve = open_reserve();
	if (f->npaused && f->reserve >= 0) {
		for (uint32_t i = 0; i < f->npaused; i++)
			loop_watch(d->epfd, f->paused[i].fd, EPOLLIN, f->paused[i].tag,
				     f->paused[i].index);
		f->npaused = 0;
	}
	if (f->short_now && have_slack(f)) {
		info("file descriptors are free again: %" PRIu64
		     " connection(s) or attach(es) refused while short", f->episode_refused);
		f->short_now = false;
		f->episode_refused = 0;
	}
}

void fdlimit_fini(struct daemon *d)
{
	if (d->fdl.reserve >= 0)
		close(d->fdl.reserve);
	d->fdl.reserve = -1;
}

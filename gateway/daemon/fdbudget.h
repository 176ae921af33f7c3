/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fdbudget.h - how many file descriptors a configuration can need
 *
 * Pure arithmetic, no I/O: `sentry check` prints the figure, the daemon
 * compares it with its RLIMIT_NOFILE at start-up (fdlimit.c), and a unit
 * test pins it, all through fdbudget_compute().
 *
 * What is counted, each at its bound:
 *   bottles	[tables] bottles x (queues + 2): every TUN queue, plus the
 *		pidfd and the netns watch a client may hand over with them.
 *		A client opens one queue per online CPU by default, and the
 *		daemon one worker per online CPU: the worker count stands
 *		for the queues a bottle brings.
 *   dnstcp	DNSTCP_MAX bottle connections + one listener per pool
 *   control	CONTROL_CONNS connections + the listener + the
 *		CONTROL_FDS_MAX descriptors of one attach being read
 *   upstream	[dns] upstream_sockets x address families x 2: a socket
 *		rotated to a new port stays open one timeout for late answers
 *   uptcp	UPTCP_MAX TCP retries to an upstream
 *   egress	egress TUN queues: max([egress] queues, workers)
 *   workers	3 per worker: its epoll set and two eventfds
 *   fixed	FDBUDGET_FIXED: stdin/out/err, the loop's epoll, signalfd,
 *		timerfd and inotify, the decision log, LMDB's data and lock
 *		files and the spare descriptor (fdlimit.c): 11; and 3 for
 *		what libraries hold (an idle daemon was seen with one more
 *		/dev/null than ours) and the netlink socket libnftables opens
 *		to remove the table at exit. test/netns/fdlimit.sh checks an
 *		idle daemon stays within the figure.
 */
#ifndef SENTRY_FDBUDGET_H
#define SENTRY_FDBUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define FDBUDGET_FIXED		14
#define FDBUDGET_PER_BOTTLE	2	/* beside its queues: pidfd, netns watch */
#define FDBUDGET_PER_WORKER	3

struct fdbudget {
	uint32_t bottles;		/* [tables] bottles */
	uint32_t queues;		/* TUN queues assumed per bottle */
	uint64_t bottle_fds;		/* bottles x (queues + FDBUDGET_PER_BOTTLE) */
	uint32_t dnstcp, control, upstream, uptcp, egress, workers, fixed;
	uint64_t total;
};

/**
 * fdbudget_compute() - the descriptors @cfg can need at once
 * @cfg:	the configuration
 * @workers:	worker threads (worker_count(@cfg))
 * @families:	address families of the upstream resolvers, 1 or 2 (0: 2)
 * @b:		the figures, each part and their sum
 */
void fdbudget_compute(const struct sentry_config *cfg, uint32_t workers,
		      uint32_t families, struct fdbudget *b);

/**
 * fdbudget_explain() - the sum as a person checks it
 * @b:		from fdbudget_compute()
 * @buf, @len:	"[tables] bottles 256 x (2 queues + 2) = 1024 + 295 (DNS
 *		over TCP 130, control 35, ...)", NUL-terminated, cut to @len
 * Return: @buf.
 */
const char *fdbudget_explain(const struct fdbudget *b, char *buf, size_t len);

#endif /* SENTRY_FDBUDGET_H */

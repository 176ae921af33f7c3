// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * loop.c - what every event loop of the daemon shares: the clocks, and
 * registering a descriptor under its tag (loop.h)
 */
#include <errno.h>
#include <sys/epoll.h>
#include <time.h>

#include "daemon/loop.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int loop_watch(int epfd, int fd, uint32_t events, enum tag tag, uint32_t index)
{
	struct epoll_event ev = {
		.events = events,
		.data.u64 = (uint64_t)tag << 32 | index,
	};

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
		return 0;
	if (errno == EEXIST && epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	return -errno;
}

void loop_unwatch(int epfd, int fd)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * connrate.c - new TCP connections per second, for test/bench/net.sh
 *
 *   connrate server ADDR PORT
 *   connrate client ADDR PORT SECONDS [PARALLEL]
 *
 * Theory of operation: the server accepts and closes at once, so it sends
 * the first FIN and every TIME_WAIT stays on its side, where it costs no
 * port. The client keeps PARALLEL (default 32) connections in flight, each
 * a complete exchange: non-blocking connect, wait for the server's FIN
 * (read() returns 0), close. Having received the FIN first, the client
 * passes through LAST_ACK and never TIME_WAIT, so its ephemeral ports
 * come back within a round trip and a run of any length cannot exhaust
 * them. A forwarder in between sees the whole life of a flow: SYN,
 * SYN-ACK, ACK, FIN, ACK, FIN, ACK.
 *
 * The client prints one line:
 *   connections N errors E seconds S per_second R
 * where N counts exchanges completed within SECONDS, E connections that
 * ended in an error (refused, reset, timed out), and R = N / S.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PARALLEL_MAX	1024
#define BACKLOG		4096
#define EVENTS		64

static void usage(void)
{
	fprintf(stderr, "usage: connrate server ADDR PORT\n"
			"       connrate client ADDR PORT SECONDS [PARALLEL]\n");
	exit(2);
}

static unsigned long number(const char *s, unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "connrate: '%s': expected a number %lu..%lu\n",
			s, min, max);
		exit(2);
	}
	return v;
}

static void sockaddr_of(struct sockaddr_in *sa, const char *addr, const char *port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)number(port, 1, 65535));
	if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1) {
		fprintf(stderr, "connrate: '%s': expected an IPv4 address\n", addr);
		exit(2);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int serve(const struct sockaddr_in *sa)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1, lfd, epfd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (const struct sockaddr *)sa, sizeof(*sa)) ||
	    listen(lfd, BACKLOG)) {
		perror("connrate: listen");
		return 1;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev)) {
		perror("connrate: epoll");
		return 1;
	}
	for (;;) {
		int fd;

		if (epoll_wait(epfd, &ev, 1, -1) < 0 && errno != EINTR) {
			perror("connrate: epoll_wait");
			return 1;
		}
		/* Drain the queue: close at once, so our FIN goes first */
		while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			close(fd);
		/* Resource shortages pass; the client sees them as timeouts */
		if (errno != EAGAIN && errno != ECONNABORTED && errno != EMFILE &&
		    errno != ENFILE && errno != ENOBUFS && errno != ENOMEM &&
		    errno != EINTR) {
			perror("connrate: accept");
			return 1;
		}
	}
}

/* Open a connection for slot @i; -errno if none could be started */
static int start(int epfd, const struct sockaddr_in *sa, int *fds, uint32_t i)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) &&
	    errno != EINPROGRESS) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* EPOLLIN alone: the FIN makes it readable, a failure raises ERR */
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int err = -errno;

		close(fd);
		return err;
	}
	fds[i] = fd;
	return 0;
}

static int client(const struct sockaddr_in *sa, double seconds, uint32_t parallel)
{
	static int fds[PARALLEL_MAX];
	struct epoll_event evs[EVENTS];
	unsigned long done = 0, errors = 0;
	double t0, t1, end;
	uint32_t i;
	int epfd;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		perror("connrate: epoll");
		return 1;
	}
	t0 = now();
	end = t0 + seconds;
	for (i = 0; i < parallel; i++) {
		fds[i] = -1;
		if (start(epfd, sa, fds, i))
			errors++;
	}
	for (t1 = now(); t1 < end; t1 = now()) {
		int n = epoll_wait(epfd, evs, EVENTS, 50);

		if (n < 0 && errno != EINTR) {
			perror("connrate: epoll_wait");
			return 1;
		}
		for (int k = 0; k < n; k++) {
			uint32_t s = evs[k].data.u32;
			char c;
			ssize_t r = read(fds[s], &c, 1);

			if (r < 0 && errno == EAGAIN)
				continue;	/* not the FIN yet */
			if (r == 0)
				done++;
			else
				errors++;	/* refused, reset, or data */
			close(fds[s]);
			fds[s] = -1;
			if (start(epfd, sa, fds, s))
				errors++;
		}
		/* Slots whose start failed (no ports, no memory) try again */
		for (i = 0; i < parallel; i++)
			if (fds[i] < 0 && start(epfd, sa, fds, i))
				errors++;
	}
	printf("connections %lu errors %lu seconds %.3f per_second %.0f\n",
	       done, errors, t1 - t0, (double)done / (t1 - t0));
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;

	if (argc == 4 && !strcmp(argv[1], "server")) {
		sockaddr_of(&sa, argv[2], argv[3]);
		return serve(&sa);
	}
	if (argc >= 5 && argc <= 6 && !strcmp(argv[1], "client")) {
		sockaddr_of(&sa, argv[2], argv[3]);
		return client(&sa, (double)number(argv[4], 1, 3600),
			      argc == 6 ? (uint32_t)number(argv[5], 1, PARALLEL_MAX) : 32);
	}
	usage();
	return 2;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * helperclock.c - how long a Podman network helper takes to set a
 * container's network up, seen from outside the helper (test/bench/start.sh).
 *
 * Built once per helper under test, with the helper and the log fixed at
 * compile time (Podman passes the environment on, but a compiled-in path
 * cannot be lost on the way):
 *
 *   gcc -DREAL='"/usr/bin/pasta"' -DLOG='"/tmp/clock.log"' helperclock.c
 *
 * and installed under the helper's name (pasta, slirp4netns) where Podman
 * looks for it. It runs REAL with the same arguments and argv[0] = its own
 * name, so sentry picks the same personality, and appends one line to LOG:
 *
 *   pasta: "pasta US RC": from our start until the helper exited (Podman
 *     waits for that exit: the helper's whole share of the start).
 *   slirp4netns: "slirp4netns US 0": from our start until the helper
 *     wrote its ready byte (Podman waits for that byte). The ready fd (-r
 *     N, --ready-fd N, --ready-fd=N) is replaced by a pipe of ours; the
 *     byte is passed on to N as soon as it arrives, then we wait for the
 *     helper (which stays for the container's life) and exit with its
 *     status. Then "slirp4netns-stop US RC": from the EOF on the exit fd
 *     (-e N, --exit-fd N, --exit-fd=N; polled, never read, so the helper
 *     sees it as before) until the helper exited: what it takes to stop.
 *   --help (Podman 4's probe), or no ready fd: the helper is exec'd.
 *
 * What this adds to a start is one fork and exec (well under a
 * millisecond); it wraps the real helpers and sentry alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef REAL
#error "build with -DREAL='\"/path/to/helper\"'"
#endif
#ifndef LOG
#error "build with -DLOG='\"/path/to/log\"'"
#endif

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void log_line(const char *name, long long us, int rc)
{
	char line[128];
	int fd, n;

	fd = open(LOG, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %lld %d\n", name, us, rc);
	if (n > 0 && write(fd, line, (size_t)n) < 0)
		n = 0;
	close(fd);
}

static int status_rc(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	long long t0 = now_us();
	int slirp = strcmp(name, "slirp4netns") == 0;
	int ready = -1, at = -1, exitfd = -1, p[2], st, i;
	long long eof = 0;
	char num[16], *eq = NULL;
	pid_t pid;

	for (i = 1; slirp && i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			ready = -1;
			break;
		}
		if ((!strcmp(argv[i], "-r") || !strcmp(argv[i], "--ready-fd")) && i + 1 < argc) {
			ready = atoi(argv[i + 1]);
			at = i + 1;
		} else if (!strncmp(argv[i], "--ready-fd=", 11)) {
			ready = atoi(argv[i] + 11);
			at = i;
			eq = argv[i];
		} else if ((!strcmp(argv[i], "-e") || !strcmp(argv[i], "--exit-fd")) && i + 1 < argc) {
			exitfd = atoi(argv[i + 1]);
		} else if (!strncmp(argv[i], "--exit-fd=", 10)) {
			exitfd = atoi(argv[i] + 10);
		}
	}
	if (slirp && ready < 0) {
		execv(REAL, argv);
		perror("helperclock: exec " REAL);
		return 127;
	}

	if (slirp) {
		if (pipe(p) < 0) {
			perror("helperclock: pipe");
			return 127;
		}
		fcntl(p[0], F_SETFD, FD_CLOEXEC);
		snprintf(num, sizeof(num), "%d", p[1]);
		if (eq) {
			static char opt[32];
			snprintf(opt, sizeof(opt), "--ready-fd=%d", p[1]);
			argv[at] = opt;
		} else {
			argv[at] = num;
		}
	}

	pid = fork();
	if (pid < 0) {
		perror("helperclock: fork");
		return 127;
	}
	if (pid == 0) {
		if (slirp)
			close(ready);
		execv(REAL, argv);
		perror("helperclock: exec " REAL);
		_exit(127);
	}

	if (slirp) {
		char c;
		ssize_t n;

		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1) {
			log_line(name, now_us() - t0, 0);
			if (write(ready, &c, 1) < 0)
				perror("helperclock: ready fd");
		}
		close(ready);
		close(p[0]);
		if (exitfd >= 0) {
			struct pollfd pfd = { .fd = exitfd, .events = POLLIN };

			while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
				;
			eof = now_us();
			close(exitfd);
		}
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	if (!slirp)
		log_line(name, now_us() - t0, status_rc(st));
	else if (eof)
		log_line("slirp4netns-stop", now_us() - eof, status_rc(st));
	return status_rc(st);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_sandbox.c - the seccomp allow-lists, in forked children
 *
 * A child installs a profile, then makes an allowed call and a forbidden
 * one: it must survive the first and die with status 159 (and a message
 * naming the call) at the second.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/sandbox.h"
#include "t.h"

/* Run @fn in a child under @profile; its stderr goes to @out */
static int child(enum sandbox_profile profile, void (*fn)(void), char *out,
		 size_t len)
{
	int pipefd[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		char err[256];

		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		if (sandbox_seccomp(profile, err, sizeof(err)))
			_exit(2);
		fn();
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void allowed_calls(void)
{
	char buf[8];
	int fd = open("/dev/null", O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
		_exit(3);
	close(fd);
}

static void helper_wait(void)
{
	struct pollfd pfd = { .fd = STDERR_FILENO, .events = POLLOUT };

	if (poll(&pfd, 1, 0) < 0 || write(STDERR_FILENO, "", 0) < 0)
		_exit(3);
}

static void forbidden_mkdir(void)
{
	mkdir("/tmp/sentry-sandbox-test-never", 0700);
	_exit(4);	/* not reached: the filter kills first */
}

TEST(daemon_allows_its_calls)
{
	char out[512];

	CHECK_EQ(child(SANDBOX_DAEMON, allowed_calls, out, sizeof(out)), 0);
}

TEST(daemon_forbids_and_says_which)
{
	char out[512];

	CHECK_EQ(child(SANDBOX_DAEMON, forbidden_mkdir, out, sizeof(out)), 159);
	CHECK(strstr(out, "forbidden system call mkdir"));
}

TEST(helper_forbids_and_says_which)
{
	char out[512];

	CHECK_EQ(child(SANDBOX_HELPER, helper_wait, out, sizeof(out)), 0);
	CHECK_EQ(child(SANDBOX_HELPER, forbidden_mkdir, out, sizeof(out)), 159);
	CHECK(strstr(out, "forbidden system call mkdir"));
}

int main(void)
{
	RUN(daemon_allows_its_calls);
	RUN(daemon_forbids_and_says_which);
	RUN(helper_forbids_and_says_which);
	return t_done();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandbox.c - capability drop (libcap-ng) and the seccomp allow-list (libseccomp)
 *
 * Each system call below is listed with the code that needs it. When the
 * loop learns a new call, add it here with its reason; `make check` runs
 * the daemon under this filter, so a missing one shows up as a SIGSYS in
 * the namespace tests.
 */
#include <cap-ng.h>
#include <errno.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "log.h"
#include "num.h"
#include "kernel/sandbox.h"

/*
 * Under AddressSanitizer the runtime itself needs more: LeakSanitizer
 * stops the world with clone and ptrace at exit, and reports through
 * files. These are allowed only in sanitizer builds.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif

int sandbox_lookup_user(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	uint64_t n;

	/* a number as sentry.ini's user and control_group take it */
	if (!num_parse(user, 10, 0, UINT32_MAX - 1, &n)) {
		pw = getpwuid((uid_t)n);
		*uid = (uid_t)n;
		*gid = pw ? pw->pw_gid : (gid_t)n;
		return 0;
	}
	pw = getpwnam(user);
	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int sandbox_drop(uid_t uid, gid_t gid, char *err, size_t len)
{
	int rc, dac;

	if (geteuid() != 0)
		return 0;
	/*
	 * CAP_DAC_READ_SEARCH only where we have it: it lets the daemon watch
	 * netns files in other users' directories, which the clients' own
	 * watches (attach.h) make up for; a container that was not granted
	 * it must still start.
	 */
	capng_get_caps_process();
	dac = capng_have_capability(CAPNG_PERMITTED, CAP_DAC_READ_SEARCH);
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN) ||
	    (dac && capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
				 CAP_DAC_READ_SEARCH))) {
		snprintf(err, len, "capng_update failed");
		return -EINVAL;
	}
	rc = capng_change_id((int)uid, (int)gid,
			     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (rc) {
		snprintf(err, len, "cannot change to uid %u gid %u (capng_change_id: %d)",
			 (unsigned)uid, (unsigned)gid, rc);
		return -EPERM;
	}
#ifdef SANITIZER_BUILD
	/* LeakSanitizer ptraces its own threads at exit: changing uid made us undumpable */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}

bool sandbox_kept_dac_read_search(void)
{
	capng_get_caps_process();
	return capng_have_capability(CAPNG_EFFECTIVE, CAP_DAC_READ_SEARCH);
}

/* SIGSYS from the filter: say which call, then die. */
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char msg[160];
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, si->si_syscall);
	int n;

	(void)sig;
	(void)ctx;
	n = snprintf(msg, sizeof(msg),
		     "sentry: seccomp: forbidden system call %s (%d): this is a bug, please report it\n",
		     name ? name : "?", si->si_syscall);
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		_exit(159);
	_exit(159);
}

/* The event loop's calls, each with its reason */
static const int daemon_calls[] = {
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),	/* the loop */
	SCMP_SYS(epoll_ctl),				/* (un)watching descriptors */
	SCMP_SYS(read), SCMP_SYS(readv),		/* TUNs, timerfd, signalfd, inotify, TCP */
	SCMP_SYS(write), SCMP_SYS(writev),		/* TUNs, TCP DNS, control replies, logs */
	SCMP_SYS(recvfrom), SCMP_SYS(sendto),		/* upstream UDP */
	SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg),		/* upstream UDP, a batch a call */
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),		/* control socket fds; nft netlink at exit */
	SCMP_SYS(accept4),				/* control and DNS-over-TCP connections */
	SCMP_SYS(socket), SCMP_SYS(bind),		/* rotating upstream ports, TCP retries, nft */
	SCMP_SYS(connect),				/* TCP retry to an upstream */
	SCMP_SYS(getsockname), SCMP_SYS(getsockopt),	/* port of a new socket; SO_ERROR, SO_ORIGINAL_DST */
	SCMP_SYS(setsockopt),				/* netlink options in nft teardown */
	SCMP_SYS(pselect6), SCMP_SYS(select),		/* libnftables waits for netlink replies */
	SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(close), SCMP_SYS(shutdown),
	SCMP_SYS(fcntl),
	SCMP_SYS(inotify_add_watch), SCMP_SYS(inotify_rm_watch),	/* bottles' netns files */
	SCMP_SYS(getrandom),				/* DNS IDs, hash secrets */
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),	/* vDSO fallback */
	SCMP_SYS(openat), SCMP_SYS(newfstatat), SCMP_SYS(fstat),	/* SIGHUP reopens the log */
	SCMP_SYS(lseek),
	SCMP_SYS(unlink),				/* the control socket at exit */
	SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2),	/* [metrics] textfile, atomically */
	SCMP_SYS(eventfd2),				/* [metrics] listen: libmicrohttpd wakes its thread */
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),	/* malloc on the control path */
	SCMP_SYS(brk), SCMP_SYS(madvise), SCMP_SYS(mprotect),
	SCMP_SYS(futex),				/* LMDB reader locks, libc */
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill),	/* abort() */
	SCMP_SYS(kill),					/* standalone: stop its pasta at exit */
	SCMP_SYS(umount2),				/* standalone: unpin its egress namespace */
	SCMP_SYS(sendfile),
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq),	/* starting the workers (clone: below) */
	SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep),	/* waiting for workers to quiesce */
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* A helper personality waiting for its exit fd, then sending one request */
static const int helper_calls[] = {
	SCMP_SYS(poll), SCMP_SYS(ppoll),		/* waiting on the exit fd */
	SCMP_SYS(read), SCMP_SYS(write),
	SCMP_SYS(socket), SCMP_SYS(connect),		/* the detach request */
	SCMP_SYS(sendmsg), SCMP_SYS(recvfrom), SCMP_SYS(setsockopt),
	SCMP_SYS(close),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(brk), SCMP_SYS(madvise),
	SCMP_SYS(futex), SCMP_SYS(newfstatat), SCMP_SYS(fstat),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* The relay of published ports: its loop, splice, and its reports */
static const int relay_calls[] = {
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(accept4),				/* inbound connections */
	SCMP_SYS(socket), SCMP_SYS(connect),		/* to the bottle; reports to the daemon */
	SCMP_SYS(splice), SCMP_SYS(pipe2),		/* moving the bytes */
	SCMP_SYS(fcntl),				/* F_SETPIPE_SZ */
	SCMP_SYS(shutdown), SCMP_SYS(close),		/* half-close, end */
	SCMP_SYS(setsockopt), SCMP_SYS(getsockopt),	/* SO_LINGER reset; SO_ERROR of connect */
	SCMP_SYS(read), SCMP_SYS(write),		/* inotify */
	SCMP_SYS(recvfrom), SCMP_SYS(sendto),		/* UDP, netlink, reports */
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(brk), SCMP_SYS(madvise),
	SCMP_SYS(futex),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/*
 * What the ASan/UBSan runtime itself calls, and nothing the product does:
 * the shipped build's list is daemon_calls/helper_calls alone, and the
 * live suites run the shipped build, so a call the product needs cannot
 * hide here. Some repeat a product call: the helper profile lacks them.
 */
static const int sanitizer_calls[] = {
	/* LeakSanitizer's stop-the-world at exit: a tracer task that
	 * ptrace-attaches every thread, signals them and waits for them */
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(ptrace), SCMP_SYS(wait4),
	SCMP_SYS(prctl), SCMP_SYS(sched_yield), SCMP_SYS(tkill), SCMP_SYS(kill),
	SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	/* the runtime's own signal handlers, on an alternate stack per thread */
	SCMP_SYS(sigaltstack), SCMP_SYS(rt_sigaction),
	/* reading /proc/self/maps and /proc/self/task, the binary for symbols,
	 * and writing reports to log_path files */
	SCMP_SYS(open), SCMP_SYS(readlink), SCMP_SYS(readlinkat),
	SCMP_SYS(getdents), SCMP_SYS(getdents64), SCMP_SYS(pread64),
	SCMP_SYS(statx), SCMP_SYS(lstat), SCMP_SYS(stat), SCMP_SYS(access),
	SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(getcwd), SCMP_SYS(uname),
	/* starting the external symbolizer for a report */
	SCMP_SYS(getppid), SCMP_SYS(pipe2), SCMP_SYS(dup2), SCMP_SYS(dup3),
	SCMP_SYS(execve),
	/* stack and core limits checked at report time */
	SCMP_SYS(setrlimit), SCMP_SYS(getrlimit), SCMP_SYS(prlimit64),
	/* report headers and log_path file names */
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
};

/*
 * The daemon's calls that are allowed only with certain arguments: clone
 * for threads (the workers) but not processes; ioctl on TUN queues for the
 * vnet header and offloads of a bottle attached after lock-down. clone3
 * passes its flags in memory where a filter cannot look: it fails with
 * ENOSYS, and glibc falls back to clone.
 */
static int daemon_rules(scmp_filter_ctx f)
{
	static const unsigned long tun_ioctls[] = {
		TUNGETIFF, TUNSETOFFLOAD, TUNSETVNETHDRSZ, TUNSETVNETLE,
		TCGETS,		/* stdio's isatty() on a decision log that is a device (/dev/null) */
	};

	if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)))
		return -EINVAL;
	/* glibc's first pthread_create() installs its own handler for the two
	 * signals it reserves (cancellation, set*id broadcast: 32 and 33) */
	for (unsigned long sig = 32; sig <= 33; sig++)
		if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
				     SCMP_A0(SCMP_CMP_EQ, sig, 0)))
			return -EINVAL;
#ifndef SANITIZER_BUILD
	/* [metrics] listen: libmicrohttpd names its thread, and nothing more
	 * (a sanitizer build allows every prctl: sanitizer_calls) */
	if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
			     SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME, 0)))
		return -EINVAL;
	if (seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0))
		return -EINVAL;
#endif
	for (size_t i = 0; i < sizeof(tun_ioctls) / sizeof(tun_ioctls[0]); i++)
		if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_EQ, tun_ioctls[i], 0)))
			return -EINVAL;
	return 0;
}

static int allow_all(scmp_filter_ctx f, const int *calls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* a call this architecture does not have resolves negative: skip */
		if (calls[i] < 0)
			continue;
		if (seccomp_rule_add(f, SCMP_ACT_ALLOW, calls[i], 0))
			return -EINVAL;
	}
	return 0;
}

int sandbox_seccomp(enum sandbox_profile profile, char *err, size_t len)
{
	struct sigaction sa;
	scmp_filter_ctx f;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL))
		return -errno;
	/* SENTRY_SECCOMP_LOG=1: log forbidden calls (dmesg) instead of dying */
	f = seccomp_init(getenv("SENTRY_SECCOMP_LOG") ? SCMP_ACT_LOG : SCMP_ACT_TRAP);
	if (!f) {
		snprintf(err, len, "seccomp_init failed");
		return -ENOMEM;
	}
	if (profile == SANDBOX_DAEMON) {
		rc = allow_all(f, daemon_calls, sizeof(daemon_calls) / sizeof(int));
		if (!rc)
			rc = daemon_rules(f);
	}
	else if (profile == SANDBOX_RELAY)
		rc = allow_all(f, relay_calls, sizeof(relay_calls) / sizeof(int));
	else
		rc = allow_all(f, helper_calls, sizeof(helper_calls) / sizeof(int));
#ifdef SANITIZER_BUILD
	if (!rc)
		rc = allow_all(f, sanitizer_calls, sizeof(sanitizer_calls) / sizeof(int));
#else
	(void)sanitizer_calls;
#endif
	if (!rc)
		rc = seccomp_load(f);
	seccomp_release(f);
	if (rc) {
		snprintf(err, len, "cannot install the seccomp filter: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

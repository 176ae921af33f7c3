// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guard_target.c - `sentry guard --netns/--pid/--container`: which
 * interface of the daemon's namespace carries the bottle's traffic, and
 * which addresses are the bottle's
 *
 * The daemon runs where the bottle's traffic is routed; its namespace is
 * found from its process id (SO_PEERCRED on the control socket), so this
 * command may run anywhere. kernel/nsprobe.c looks into both namespaces.
 * A container is asked of Podman for its process id only: its namespace
 * file may live in a mount namespace this command does not see.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "cli/ctl_client.h"
#include "cli/guard_target.h"
#include "kernel/netcfg.h"
#include "kernel/nsprobe.h"
#include "num.h"

#define PODMAN_TIMEOUT	"30"	/* seconds: Podman can hang on a stuck helper */

int guard_container_pid(const char *name, int *pid, char *err, size_t len)
{
	char out[512] = "", ctr[256], *running;
	char *argv[] = { "timeout", "-k", "5", PODMAN_TIMEOUT, "podman", "inspect",
			 "--type", "container", "--format",
			 "{{.State.Pid}} {{.State.Running}}", ctr, NULL };
	int fds[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t child;
	uint64_t p = 0;

	if (!name[0] || name[0] == '-' || strpbrk(name, " \t\n") ||
	    strlen(name) >= sizeof(ctr)) {
		snprintf(err, len, "not a container name or id: '%.64s'", name);
		return -EINVAL;
	}
	snprintf(ctr, sizeof(ctr), "%s", name);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (!child) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);	/* Podman's complaint is the message */
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (got < sizeof(out) - 1 &&
	       (n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	out[strcspn(out, "\n")] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;

		if (strstr(out, "no such container") || strstr(out, "no such object")) {
			snprintf(err, len, "no container '%s' (podman inspect: %s)", name, out);
			return -ENOENT;
		}
		snprintf(err, len, "podman inspect %s failed (%s): %s", name,
			 code == 127 ? "no podman or timeout command" :
			 code == 124 ? "timed out" : "exit status", out);
		return -ENOEXEC;
	}
	/* "PID RUNNING": a stopped container has pid 0 */
	running = strchr(out, ' ');
	if (running)
		*running++ = '\0';
	if (!running || num_parse(out, 10, 0, 0x3fffffff, &p)) {
		snprintf(err, len, "podman inspect %s: unexpected answer '%s'", name, out);
		return -ENOEXEC;
	}
	if (strcmp(running, "true") || !p) {
		snprintf(err, len, "container '%s' is not running: start it first", name);
		return -ESRCH;
	}
	*pid = (int)p;
	return 0;
}

int guard_target_resolve(const char *sock, const char *path, int pid,
			 struct ctl_request *req, char *err, size_t len)
{
	char a4[ADDR_TEXT_MAX], a6[ADDR_TEXT_MAX], why[256];
	const struct nsprobe_iface *f;
	struct nsprobe probe;
	int daemon_pid, bottle_fd = -1, router_fd = -1, rc;

	if ((rc = ctl_peer_pid(sock, &daemon_pid, err, len)))
		return rc;
	if ((bottle_fd = netns_open(path, pid, err, len)) < 0)
		return bottle_fd;
	if ((router_fd = netns_open(NULL, daemon_pid, why, sizeof(why))) < 0) {
		snprintf(err, len, "the daemon's namespace: %s", why);
		rc = router_fd;
		goto out;
	}
	if ((rc = nsprobe_run(bottle_fd, router_fd, &probe, err, len)))
		goto out;
	if (!(f = nsprobe_pick(&probe, err, len))) {
		rc = -ENOENT;
		goto out;
	}
	snprintf(req->iface, sizeof(req->iface), "%s", f->bridge[0] ? f->bridge : f->peer);
	if (f->bridge[0])
		snprintf(req->port, sizeof(req->port), "%s", f->peer);
	req->addr4 = (struct ctl_prefix){ .set = f->has4, .addr = f->addr4, .plen = 32 };
	req->addr6 = (struct ctl_prefix){ .set = f->has6, .addr = f->addr6, .plen = 128 };
	printf("%s: %s%s%s via %s%s%s\n", f->name, f->has4 ? addr_format(&f->addr4, a4) : "",
	       f->has4 && f->has6 ? " " : "", f->has6 ? addr_format(&f->addr6, a6) : "",
	       f->peer, f->bridge[0] ? ", a port of bridge " : " (routed)", f->bridge);
	if (f->n4 > 1 || f->n6 > 1)
		printf("warning: %s has %u IPv4 and %u IPv6 addresses: only the first of "
		       "each is guarded, traffic from the others is dropped%s\n", f->name,
		       f->n4, f->n6, f->bridge[0] ? " (on a bridge: not matched at all)" : "");
	if (f->bridge[0])
		printf("note: %s is shared: the bottle is matched by its address on it, "
		       "and port %s may send from no other (traffic between hosts of "
		       "the bridge is not routed, not seen)\n", f->bridge, f->peer);
	fflush(stdout);
out:
	if (bottle_fd >= 0)
		close(bottle_fd);
	if (router_fd >= 0)
		close(router_fd);
	return rc;
}

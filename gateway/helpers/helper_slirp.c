// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * helper_slirp.c - the `slirp4netns` personality: Podman 4's network helper
 *
 * Theory of operation
 *
 * Podman first runs `slirp4netns --help` and looks for the names of the
 * options it may pass; then it runs the helper with the container's
 * namespace, a ready fd (-r) and an exit fd (-e), and polls the ready pipe
 * until one byte comes. It never times out, so the byte is written only
 * once the daemon holds the bottle, and every failure before it exits 1
 * with one line on stderr (Podman shows it as `slirp4netns failed: "..."`).
 *
 * Unlike pasta, slirp4netns lives as long as the container: the exit fd is
 * the read end of a pipe whose write end conmon holds, so EOF means the
 * container is gone. This process therefore stays, waiting on the exit fd
 * and on SIGTERM/SIGINT/SIGHUP, then detaches the bottle and exits 0. Two
 * back-stops end the bottle if it cannot: the daemon holds a pidfd of this
 * process (SIGKILL ends the bottle too), and it watches a namespace file.
 *
 * Address plan: slirp4netns's. --cidr (default 10.0.2.0/24) gives the
 * address .100 with the same prefix, the gateway .2 and the resolver .3
 * (Podman writes "nameserver <.3>" into the container's resolv.conf).
 * --enable-ipv6 adds fd00::100/64 via fd00::2, resolver fd00::3; if the
 * daemon has no IPv6 pool it is dropped with a warning rather than failing
 * the container, since Podman asks for IPv6 by default. The MTU is 1500
 * unless --mtu is given (Podman gives 65520), the interface name the
 * second positional (Podman: tap0).
 *
 * Which daemon, policy and name: as for pasta (attach_helper_socket(),
 * attach_helper_identity()), with no option of its own for either: the
 * slirp4netns command line is Podman's, not the user's.
 */
#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "helpers/attach.h"
#include "helpers/helper.h"
#include "helpers/slirp_hostfwd.h"
#include "kernel/sandbox.h"

#define CIDR_DEFAULT	"10.0.2.0"
#define CIDR_LEN_DEFAULT 24
#define HOST_GUEST	100	/* offsets in the network, as slirp4netns */
#define HOST_GW		2
#define HOST_DNS	3
#define NET6		"fd00::"
#define PLEN6		64

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: slirp4netns [OPTION]... PID|PATH [TAPNAME]\n"
		"sentry's slirp4netns personality: puts the namespace behind the sentry\n"
		"daemon, and ends the bottle when the exit fd reaches EOF.\n\n"
		"-c, --configure          bring up the interface (always done)\n"
		"-e, --exit-fd=FD         exit and detach when FD reaches EOF\n"
		"-r, --ready-fd=FD        write \"1\" to FD once the bottle is attached\n"
		"-m, --mtu=MTU            MTU (default=%u, max=%u)\n"
		"--cidr=CIDR              network (default=" CIDR_DEFAULT "/%u): address .%u,\n"
		"                         gateway .%u, DNS .%u; prefix /1 to /%u\n"
		"-6, --enable-ipv6        also " NET6 "%u/%u, gateway " NET6 "%u, DNS " NET6 "%u\n"
		"                         (dropped with a warning if the daemon has no pool6)\n"
		"--netns-type=TYPE        pid (default) or path\n"
		"--disable-host-loopback  accepted: the host's loopback is never reachable\n"
		"--enable-sandbox         accepted: the helper only waits on a pipe\n"
		"--enable-seccomp         accepted, likewise\n"
		"--outbound-addr=ADDR     accepted and ignored: traffic leaves from the\n"
		"--outbound-addr6=ADDR    daemon's egress\n"
		"-a, --api-socket=PATH    serve add_hostfwd, list_hostfwd, remove_hostfwd\n"
		"                         (published ports, through a relay per port)\n"
		"-h, --help               -v, --version\n\n"
		"Policy: $SENTRY_POLICY, else the daemon's default_policy. Bottle name:\n"
		"$SENTRY_NAME, else the namespace file's name (or pid-PID). The daemon:\n"
		"$SENTRY_SOCKET, else control_socket of $SENTRY_CONFIG or\n"
		"/etc/sentry/sentry.ini, else /run/sentry/control.sock.\n",
		HELPER_SLIRP_MTU_DEFAULT, HELPER_SLIRP_MTU_MAX, CIDR_LEN_DEFAULT,
		HOST_GUEST, HOST_GW, HOST_DNS, HELPER_SLIRP_CIDR_MAX,
		HOST_GUEST, PLEN6, HOST_GW, HOST_DNS);
}

static int fail(const char *msg)
{
	fprintf(stderr, "sentry: %s\n", msg);
	return 1;
}

/* @net + @host, IPv4 (the prefix is at most /25: no overflow into it) */
static void host_addr(const struct ipaddr *net, uint32_t host, struct ipaddr *out)
{
	uint32_t v = (uint32_t)net->b[0] << 24 | (uint32_t)net->b[1] << 16 |
		     (uint32_t)net->b[2] << 8 | net->b[3];
	uint8_t b[4];

	v += host;
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	addr_set(out, b, 4);
}

static void plan(const struct slirp_args *p, struct attach *a)
{
	struct tun_spec *s = &a->spec;
	struct ipaddr net;
	uint8_t plen = CIDR_LEN_DEFAULT;
	char t[ADDR_TEXT_MAX + 8];

	if (p->has_cidr) {
		net = p->cidr;
		plen = p->cidr_len;
	} else {
		addr_parse(CIDR_DEFAULT, &net);
	}
	snprintf(s->ifname, sizeof(s->ifname), "%s", p->ifname);
	s->mtu = p->mtu ? p->mtu : HELPER_SLIRP_MTU_DEFAULT;
	s->has4 = true;
	host_addr(&net, HOST_GUEST, &s->addr4);
	s->plen4 = plen;
	s->has_gw4 = true;
	host_addr(&net, HOST_GW, &s->gw4);
	a->req.has_dns4 = true;
	host_addr(&net, HOST_DNS, &a->req.dns4);
	if (p->ipv6) {
		s->has6 = true;
		snprintf(t, sizeof(t), NET6 "%u", HOST_GUEST);
		addr_parse(t, &s->addr6);
		s->plen6 = PLEN6;
		s->has_gw6 = true;
		snprintf(t, sizeof(t), NET6 "%u", HOST_GW);
		addr_parse(t, &s->gw6);
		a->req.has_dns6 = true;
		snprintf(t, sizeof(t), NET6 "%u", HOST_DNS);
		addr_parse(t, &a->req.dns6);
	}
}

/* Is @fd open, and readable (@write false) or writable? */
static int check_fd(int fd, bool write, const char *what, char *err, size_t len)
{
	int fl = fcntl(fd, F_GETFL), e = errno;

	if (fl < 0) {
		snprintf(err, len, "%s %d: %s", what, fd, strerror(e));
		return -e;
	}
	if ((fl & O_ACCMODE) == (write ? O_RDONLY : O_WRONLY)) {
		snprintf(err, len, "%s %d is not open for %s", what, fd,
			 write ? "writing" : "reading");
		return -EBADF;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Attach; when the daemon has no IPv6 pool, once more without IPv6 */
static int attach(struct attach *a, char *msg, size_t len)
{
	/* a private daemon's socket, if standalone mode starts one; a->socket points here */
	static char standalone_sock[PATH_MAX];
	int rc = attach_run_helper(a, standalone_sock, sizeof(standalone_sock), msg, len);

	if (a->warning[0])
		fprintf(stderr, "sentry: warning: %s\n", a->warning);
	/* the daemon's words (bottles.c check_pool()): no IPv6 pool */
	if (rc == -EREMOTEIO && a->spec.has6 && strstr(msg, "pool6")) {
		fprintf(stderr, "sentry: warning: the daemon has no IPv6 pool ([egress] "
			"pool6): the bottle gets IPv4 only\n");
		a->spec.has6 = false;
		a->spec.has_gw6 = false;
		a->req.has_dns6 = false;
		rc = attach_run(a, msg, len);
		if (a->warning[0])
			fprintf(stderr, "sentry: warning: %s\n", a->warning);
	}
	return rc;
}

/*
 * Wait for EOF on @exit_fd (-1: none) or a stop signal in @sfd, serving
 * the API socket of @fwd (listen_fd -1: none) meanwhile.
 * Data on the exit fd is read and ignored: only EOF (or an error) counts.
 */
static void wait_for_exit(int exit_fd, int sfd, struct hostfwd_ctx *fwd)
{
	struct pollfd pfd[3] = {
		{ .fd = sfd, .events = POLLIN },
		{ .fd = exit_fd, .events = POLLIN },	/* -1: poll skips it */
		{ .fd = fwd->listen_fd, .events = POLLIN },
	};

	for (;;) {
		char buf[64];
		ssize_t n;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pfd[0].revents)
			return;
		if (pfd[2].revents)
			hostfwd_serve(fwd);
		if (!pfd[1].revents)
			continue;
		n = read(exit_fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return;
	}
}

int slirp_main(int argc, char **argv)
{
	char err[HELPER_ERR_MAX], msg[ATTACH_MSG_MAX], sockbuf[128];
	struct hostfwd_ctx fwd = { .listen_fd = -1 };
	struct slirp_args p;
	struct attach a;
	sigset_t stop;
	int sfd, rc;

	if (helper_argv_slirp(argc, argv, &p, err, sizeof(err)))
		return fail(err);
	if (p.help) {
		usage(stdout);
		return 0;
	}
	if (p.version) {
		printf("slirp4netns (sentry %s)\n", HELPER_VERSION);
		return 0;
	}
	/* a stop signal during set-up is handled once attached, by detaching */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((p.exit_fd >= 0 && check_fd(p.exit_fd, false, "exit fd", msg, sizeof(msg))) ||
	    (p.ready_fd >= 0 && check_fd(p.ready_fd, true, "ready fd", msg, sizeof(msg))))
		return fail(msg);

	attach_init(&a);
	if (p.netns_type == SLIRP_NETNS_PATH)
		a.netns = p.netns;
	else
		a.pid = p.pid;
	a.watch_pid = (uint32_t)getpid();
	plan(&p, &a);
	if (attach_helper_identity(&a, NULL, NULL, msg, sizeof(msg)))
		return fail(msg);
	a.socket = attach_helper_socket(sockbuf, sizeof(sockbuf), msg, sizeof(msg));
	if (!a.socket)
		return fail(msg);
	if (attach_check(&a, msg, sizeof(msg)) || attach(&a, msg, sizeof(msg)))
		return fail(msg);

	sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	if (sfd < 0) {
		rc = errno;
		attach_detach(a.socket, a.req.name, msg, sizeof(msg));
		fprintf(stderr, "sentry: signalfd: %s\n", strerror(rc));
		return 1;
	}
	fwd.a = &a;
	if (p.api_socket && hostfwd_listen(&fwd, p.api_socket, msg, sizeof(msg))) {
		attach_detach(a.socket, a.req.name, err, sizeof(err));
		return fail(msg);
	}
	if (p.ready_fd >= 0) {
		if (write(p.ready_fd, "1", 1) != 1) {
			rc = errno;
			attach_detach(a.socket, a.req.name, msg, sizeof(msg));
			fprintf(stderr, "sentry: writing the ready fd: %s\n", strerror(rc));
			return 1;
		}
		close(p.ready_fd);
	}
	/*
	 * Set-up done: from here the helper only waits and sends one detach
	 * request, so it keeps no capability and only the calls for that.
	 * With --api-socket it still binds ports (CAP_NET_BIND_SERVICE for
	 * those below 1024) and starts relays that join the bottle's
	 * namespace (CAP_SYS_ADMIN): it keeps those two and no seccomp
	 * filter; each relay drops everything once it has joined.
	 */
	if (geteuid() == 0) {
		capng_clear(CAPNG_SELECT_BOTH);
		if (p.api_socket)
			capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
				      CAP_SYS_ADMIN, CAP_NET_BIND_SERVICE, -1);
		if (capng_apply(CAPNG_SELECT_BOTH))
			fprintf(stderr, "sentry: warning: cannot drop capabilities\n");
	}
	if (!p.api_socket && sandbox_seccomp(SANDBOX_HELPER, msg, sizeof(msg)))
		fprintf(stderr, "sentry: warning: %s\n", msg);

	wait_for_exit(p.exit_fd, sfd, &fwd);
	hostfwd_stop(&fwd);
	rc = attach_detach(a.socket, a.req.name, msg, sizeof(msg));
	if (rc && rc != -EREMOTEIO)	/* EREMOTEIO: it had ended already */
		fprintf(stderr, "sentry: warning: detaching bottle %s: %s\n", a.req.name, msg);
	return 0;
}

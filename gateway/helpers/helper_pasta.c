// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * helper_pasta.c - the `pasta` personality: Podman 5's --network=pasta
 *
 * Theory of operation
 *
 * Podman 5 runs its pasta once per container, with the container's fresh
 * network namespace in --netns, and waits for two things: the process to
 * exit, and EOF on the pipe it gave as stdout and stderr. Real pasta sets
 * up, forks a daemon with its stdio on /dev/null and exits 0. sentry needs
 * no process of its own per bottle: the daemon holds the TUN once it has
 * the fd. So this personality makes the TUN, hands it over (attach.h) and
 * exits in the foreground. No child is forked, so nothing is left holding
 * Podman's pipe, and there is no process for --pid to name; except with
 * published ports (-t/-u): their relay (publish_relay.h) stays, in a
 * session of its own with its stdio on /dev/null, and ends with the
 * bottle. The ports are bound before the attach, so a port in use fails
 * the start with nothing attached.
 *
 * The bottle's lifetime is the namespace's: the daemon watches the --netns
 * file and ends the bottle when Podman deletes it, as real pasta quits.
 * Given a PID instead, the daemon holds a pidfd and ends the bottle when
 * that process exits. --no-netns-quit turns both off (keep=1).
 *
 * Address plan: pasta copies the host's addresses and routes; sentry does
 * not (the bottle must not learn about the host, and its traffic leaves
 * from the daemon's egress anyway). Without -a it is slirp4netns's plan,
 * 10.0.2.100/24 via 10.0.2.2, IPv4 only. -a, -n and -g change it; an IPv6
 * -a adds IPv6 (/64 unless "/N" is given, default route to the device
 * unless -g names an IPv6 gateway). -4 and -6 keep one family. The
 * resolver is --dns-forward's address (Podman writes it into the
 * container's resolv.conf); sentry answers DNS sent to any address anyway.
 *
 * Which daemon: $SENTRY_SOCKET, else the control_socket of $SENTRY_CONFIG
 * or /etc/sentry/sentry.ini, else /run/sentry/control.sock. Which policy:
 * --policy, else $SENTRY_POLICY, else the daemon's default_policy; an
 * unknown one fails the container start with the daemon's message.
 *
 * Every failure is one line on stderr and exit status 1, which Podman
 * shows as "pasta failed with exit code 1: sentry: ...".
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "helpers/attach.h"
#include "helpers/helper.h"
#include "helpers/publish_bind.h"
#include "helpers/publish_relay.h"
#include "wire.h"

#define NETNS_DIR	"/run/netns"	/* where pasta looks up a --netns NAME */
#define PLEN4_DEFAULT	24
#define PLEN6_DEFAULT	64

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pasta [OPTION]... --netns PATH\n"
		"sentry's pasta personality: puts the namespace behind the sentry daemon.\n\n"
		"  --netns PATH|NAME      the namespace (a NAME is looked up in " NETNS_DIR ")\n"
		"  --policy NAME          sentry policy (default: $SENTRY_POLICY, else the\n"
		"                         daemon's default_policy)\n"
		"  --name BOTTLE          bottle name (default: $SENTRY_NAME, else the\n"
		"                         namespace file's name)\n"
		"  -a, --address ADDR     address (default 10.0.2.100; IPv6 only if given)\n"
		"  -n, --netmask MASK     IPv4 prefix length or netmask (default %d)\n"
		"  -g, --gateway ADDR     default gateway (default 10.0.2.2 without -a)\n"
		"  -I, --ns-ifname NAME   interface name (default " HELPER_PASTA_IFNAME ")\n"
		"  -m, --mtu MTU          (default %u)\n"
		"  -4, --ipv4-only        -6, --ipv6-only\n"
		"  --dns-forward ADDR     the resolver address the container is given\n"
		"  --no-netns-quit        keep the bottle when the namespace file is deleted\n"
		"  -q, --quiet            -d, --debug\n"
		"  -t, -u SPEC            published ports, as pasta writes them\n"
		"                         ([[ADDR][%%IF]/]HOST[-HI][:GUEST[-HI]][,~EXCL]...);\n"
		"                         served by a relay process per bottle\n"
		"  -T, -U none            only 'none': the container reaches no host port\n"
		"Accepted without effect: --config-net (always done), -f, --foreground\n"
		"(never stays), --map-gw, --no-map-gw, --map-guest-addr (no host access),\n"
		"--pid FILE (not written: no process stays; the daemon holds the bottle).\n"
		"The daemon: $SENTRY_SOCKET, else control_socket of $SENTRY_CONFIG or\n"
		"/etc/sentry/sentry.ini, else /run/sentry/control.sock.\n",
		PLEN4_DEFAULT, TUN_MTU_DEFAULT);
}

static int fail(const char *msg)
{
	fprintf(stderr, "sentry: %s\n", msg);
	return 1;
}

/* The TUN and resolver from pasta's options; see the theory above */
static void plan(const struct pasta_args *p, struct attach *a)
{
	struct tun_spec *s = &a->spec;

	snprintf(s->ifname, sizeof(s->ifname), "%s",
		 p->ifname ? p->ifname : HELPER_PASTA_IFNAME);
	s->mtu = p->mtu ? p->mtu : TUN_MTU_DEFAULT;
	if (!p->only6) {
		s->has4 = true;
		if (p->has_addr4)
			s->addr4 = p->addr4;
		else
			addr_parse("10.0.2.100", &s->addr4);
		s->plen4 = p->plen4 ? p->plen4 : PLEN4_DEFAULT;
		if (p->has_gw4) {
			s->has_gw4 = true;
			s->gw4 = p->gw4;
		} else if (!p->has_addr4) {
			s->has_gw4 = !addr_parse(ATTACH_GW4_DEFAULT, &s->gw4);
		}
		a->req.has_dns4 = p->has_dns4;
		a->req.dns4 = p->dns4;
	}
	if (!p->only4 && p->has_addr6) {
		s->has6 = true;
		s->addr6 = p->addr6;
		s->plen6 = p->plen6 ? p->plen6 : PLEN6_DEFAULT;
		s->has_gw6 = p->has_gw6;
		s->gw6 = p->gw6;
		a->req.has_dns6 = p->has_dns6;
		a->req.dns6 = p->dns6;
	}
}

static void debug_plan(const struct attach *a)
{
	const struct tun_spec *s = &a->spec;
	char t1[ADDR_TEXT_MAX], t2[ADDR_TEXT_MAX];

	fprintf(stderr, "sentry: namespace %s, bottle %s, policy %s, socket %s\n",
		a->req.netns[0] ? a->req.netns : "(by pid)", a->req.name,
		a->req.policy[0] ? a->req.policy : "(daemon default)", a->socket);
	fprintf(stderr, "sentry: %s mtu %u", s->ifname, s->mtu);
	if (s->has4)
		fprintf(stderr, ", %s/%u via %s", addr_format(&s->addr4, t1), s->plen4,
			s->has_gw4 ? addr_format(&s->gw4, t2) : "the device");
	if (s->has6)
		fprintf(stderr, ", %s/%u via %s", addr_format(&s->addr6, t1), s->plen6,
			s->has_gw6 ? addr_format(&s->gw6, t2) : "the device");
	fprintf(stderr, "\n");
}

/* The relay of the bottle's published ports (publish_relay.h) */
static int start_relay(const struct pasta_args *p, const struct attach *a,
		       struct publish_socket *socks, size_t nsocks, char *err,
		       size_t len)
{
	char procns[64];
	struct relay_conf rc = {
		.socket = a->socket,
		.bottle = a->req.name,
		.netns = a->req.netns,
		.watch_netns = !a->req.keep,
		.ifname = a->spec.ifname,
		.has4 = a->spec.has4, .addr4 = a->spec.addr4,
		.has6 = a->spec.has6, .addr6 = a->spec.addr6,
		.set = &p->pub,
		.socks = socks,
		.nsocks = nsocks,
		.conns_max = attach_helper_publish_conns(),
	};
	pid_t pid;

	if (!a->req.netns[0]) {		/* by PID: it ends when the TUN goes */
		snprintf(procns, sizeof(procns), "/proc/%u/ns/net", a->pid);
		rc.netns = procns;
		rc.watch_netns = false;
	}
	return relay_start(&rc, &pid, err, len);
}

int pasta_main(int argc, char **argv)
{
	char err[HELPER_ERR_MAX], msg[ATTACH_MSG_MAX], nsbuf[PATH_MAX], sockbuf[128];
	char standalone_sock[PATH_MAX];
	static struct publish_socket socks[PUBLISH_SOCKETS_MAX];
	size_t nsocks = 0;
	struct pasta_args p;
	struct attach a;
	int rc;

	if (helper_argv_pasta(argc, argv, &p, err, sizeof(err)))
		return fail(err);
	if (p.help) {
		usage(stdout);
		return 0;
	}
	if (p.version) {
		printf("pasta (sentry %s)\n", HELPER_VERSION);
		return 0;
	}

	attach_init(&a);
	if (p.netns && !strchr(p.netns, '/')) {
		if ((size_t)snprintf(nsbuf, sizeof(nsbuf), NETNS_DIR "/%s", p.netns) >=
		    sizeof(nsbuf))
			return fail("--netns: name too long");
		a.netns = nsbuf;
	} else {
		a.netns = p.netns;
	}
	a.pid = p.pid;
	if (p.pid && !p.no_netns_quit)	/* no file to watch: the process instead */
		a.watch_pid = p.pid;
	plan(&p, &a);
	/* --quiet silences information, as pasta's does, not warnings */
	if (p.has_gw6 && !a.spec.has6)
		fprintf(stderr, "sentry: warning: IPv6 gateway ignored: no IPv6 address (-a)\n");
	a.req.keep = p.no_netns_quit;
	if (attach_helper_identity(&a, p.policy, p.name, msg, sizeof(msg)))
		return fail(msg);
	a.socket = attach_helper_socket(sockbuf, sizeof(sockbuf), msg, sizeof(msg));
	if (!a.socket)
		return fail(msg);
	if (attach_check(&a, msg, sizeof(msg)))
		return fail(msg);
	if (p.debug)
		debug_plan(&a);
	/* the ports first: one in use fails the start before any bottle exists */
	if (p.pub.n) {
		if (publish_bind(&p.pub, socks, &nsocks, msg, sizeof(msg)))
			return fail(msg);
		publish_to_request(&p.pub, &a.req);
	}

	rc = attach_run_helper(&a, standalone_sock, sizeof(standalone_sock), msg,
			       sizeof(msg));
	if (a.warning[0])
		fprintf(stderr, "sentry: warning: %s\n", a.warning);
	if (rc) {
		publish_close(socks, nsocks);
		return fail(msg);
	}
	if (nsocks) {
		rc = start_relay(&p, &a, socks, nsocks, msg, sizeof(msg));
		publish_close(socks, nsocks);	/* the relay holds them now */
		if (rc) {
			char why[ATTACH_MSG_MAX];

			attach_detach(a.socket, a.req.name, why, sizeof(why));
			return fail(msg);
		}
	}
	if (!p.quiet)
		fprintf(stderr, "sentry: bottle %s attached (policy %s)\n", a.req.name,
			a.req.policy[0] ? a.req.policy : "the daemon's default_policy");
	return 0;
}

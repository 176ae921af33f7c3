// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_attach.c - `sentry attach` and `sentry detach`
 *
 * attach parses its options into a struct attach and lets attach.c make
 * the bottle's TUN inside its network namespace and hand the queue fds to
 * the daemon with the bottle's name, policy and addresses. Its own copies
 * of the fds are closed: if the daemon refused, the TUN goes with them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/attach.h"
#include "cli/commands.h"
#include "cli/ctl_client.h"
#include "kernel/netcfg.h"
#include "num.h"

static void attach_usage(FILE *f)
{
	fprintf(f,
		"usage: sentry attach (--netns PATH | --pid PID) [--policy NAME] [--name BOTTLE]\n"
		"                     [--address A/N]... [--gateway G]... [--dns D]...\n"
		"                     [--mtu M] [--ifname NAME] [--queues N] [--no-offload]\n"
		"                     [--keep] [--socket PATH | -c sentry.ini]\n\n"
		"Creates a TUN in the namespace and hands it to the daemon: from then on the\n"
		"namespace's only way out is sentry. Defaults: --address %s --gateway %s,\n"
		"no IPv6 (an IPv6 --address turns it on), --mtu %u, --ifname %s.\n"
		"--queues: TUN queues, default one per online CPU (the daemon's workers\n"
		"share them out). --no-offload: no virtio-net header, one plain packet\n"
		"per read. --keep: keep the bottle when the --netns file is deleted.\n",
		ATTACH_ADDR4_DEFAULT, ATTACH_GW4_DEFAULT, TUN_MTU_DEFAULT, TUN_IFNAME_DEFAULT);
}

/* "A/N" with the host bits kept */
static int parse_ifaddr(const char *s, struct ipaddr *a, uint8_t *plen)
{
	char buf[PREFIX_TEXT_MAX];
	char *slash;
	uint32_t n;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);	/* fits: checked above */
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (addr_parse(buf, a) ||
	    num_u32(slash + 1, 1, a->family == ADDR_FAMILY_V4 ? 32 : 128, &n))
		return -1;
	*plen = (uint8_t)n;
	return 0;
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'p' },
		{ "policy", required_argument, NULL, 'P' },
		{ "name", required_argument, NULL, 'N' },
		{ "address", required_argument, NULL, 'a' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "dns", required_argument, NULL, 'd' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "ifname", required_argument, NULL, 'i' },
		{ "queues", required_argument, NULL, 'q' },
		{ "keep", no_argument, NULL, 'k' },
		{ "no-offload", no_argument, NULL, 'O' },
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock_opt = NULL, *config = NULL;
	char sockbuf[128], msg[ATTACH_MSG_MAX];
	struct attach at;
	struct tun_spec *spec = &at.spec;
	struct ctl_request *req = &at.req;
	struct ipaddr a;
	uint8_t plen;
	int c, rc;

	attach_init(&at);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': at.netns = optarg; break;
		case 'p':
			if (num_u32(optarg, 1, 0x7fffffff, &at.pid))
				return usage_error("attach", "--pid: expected a process id");
			at.watch_pid = at.pid;
			break;
		case 'P':
			if (!policy_name_valid(optarg))
				return usage_error("attach", "--policy: bad policy name '%s'", optarg);
			snprintf(req->policy, sizeof(req->policy), "%s", optarg);
			break;
		case 'N':
			if (!ctl_bottle_name_valid(optarg))
				return usage_error("attach", "--name: expected [A-Za-z0-9_.-], up to %d characters",
						   BOTTLE_NAME_MAX);
			snprintf(req->name, sizeof(req->name), "%s", optarg);
			break;
		case 'a':
			if (parse_ifaddr(optarg, &a, &plen))
				return usage_error("attach", "--address: expected ADDRESS/PREFIXLEN, got '%s'", optarg);
			if (a.family == ADDR_FAMILY_V4) {
				spec->has4 = true;
				spec->addr4 = a;
				spec->plen4 = plen;
			} else {
				spec->has6 = true;
				spec->addr6 = a;
				spec->plen6 = plen;
			}
			break;
		case 'g':
			if (addr_parse(optarg, &a))
				return usage_error("attach", "--gateway: '%s' is not an address", optarg);
			if (a.family == ADDR_FAMILY_V4) {
				spec->has_gw4 = true;
				spec->gw4 = a;
			} else {
				spec->has_gw6 = true;
				spec->gw6 = a;
			}
			break;
		case 'd':
			if (addr_parse(optarg, &a))
				return usage_error("attach", "--dns: '%s' is not an address", optarg);
			if (a.family == ADDR_FAMILY_V4) {
				req->has_dns4 = true;
				req->dns4 = a;
			} else {
				req->has_dns6 = true;
				req->dns6 = a;
			}
			break;
		case 'm':
			if (num_u32(optarg, TUN_MTU_MIN, TUN_MTU_MAX, &spec->mtu))
				return usage_error("attach", "--mtu: expected %u..%u", TUN_MTU_MIN, TUN_MTU_MAX);
			break;
		case 'i':
			if (!tun_ifname_valid(optarg))
				return usage_error("attach", "--ifname: '%s' is not a valid interface name", optarg);
			snprintf(spec->ifname, sizeof(spec->ifname), "%s", optarg);
			break;
		case 'q':
			if (num_u32(optarg, 1, TUN_QUEUES_MAX, &spec->queues))
				return usage_error("attach", "--queues: expected 1..%u", TUN_QUEUES_MAX);
			break;
		case 'k': req->keep = true; break;
		case 'O': spec->vnet_hdr = false; break;
		case 's': sock_opt = optarg; break;
		case 'c': config = optarg; break;
		case 'h':
			attach_usage(stdout);
			return 0;
		default:
			return usage_error("attach", "bad option");
		}
	}
	if (optind != argc)
		return usage_error("attach", "unexpected argument '%s'", argv[optind]);
	if (!at.netns == !at.pid)
		return usage_error("attach", "give exactly one of --netns PATH and --pid PID");
	rc = attach_check(&at, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "sentry attach: %s\n", msg);
		return rc == -EINVAL ? 2 : 1;
	}
	at.socket = ctl_socket_path(sock_opt, config, sockbuf, sizeof(sockbuf), msg, sizeof(msg));
	if (!at.socket) {
		fprintf(stderr, "sentry attach: %s\n", msg);
		return 1;
	}
	rc = attach_run(&at, msg, sizeof(msg));
	if (at.warning[0])
		fprintf(stderr, "sentry attach: warning: %s\n", at.warning);
	if (rc) {
		fprintf(stderr, "sentry attach: %s\n", msg);
		return 1;
	}
	printf("attached %s (policy %s)\n", req->name,
	       req->policy[0] ? req->policy : "the daemon's default_policy");
	return 0;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock_opt = NULL, *config = NULL, *sock;
	struct ctl_request req = { .verb = CTL_DETACH };
	char sockbuf[128], msg[512];
	struct sbuf reply = { 0 };
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock_opt = optarg; break;
		case 'c': config = optarg; break;
		case 'h':
			printf("usage: sentry detach [--socket PATH | -c sentry.ini] NAME\n");
			return 0;
		default:
			return usage_error("detach", "bad option");
		}
	}
	if (optind != argc - 1 || !ctl_bottle_name_valid(argv[optind]))
		return usage_error("detach", "expected one bottle name");
	snprintf(req.name, sizeof(req.name), "%s", argv[optind]);
	sock = ctl_socket_path(sock_opt, config, sockbuf, sizeof(sockbuf), msg, sizeof(msg));
	if (!sock) {
		fprintf(stderr, "sentry detach: %s\n", msg);
		return 1;
	}
	rc = ctl_call(sock, &req, NULL, 0, &reply, msg, sizeof(msg));
	sbuf_free(&reply);
	if (rc) {
		fprintf(stderr, "sentry detach: %s\n", msg);
		return 1;
	}
	printf("detached %s\n", req.name);
	return 0;
}

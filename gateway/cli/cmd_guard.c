// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_guard.c - `sentry guard` and `sentry unguard`: put a namespace or
 * interface whose traffic the kernel routes under a policy (the NFQUEUE
 * source, gateway/daemon/nfq.c), and take it out again
 *
 * The daemon must run in the namespace that routes the bottle's traffic
 * (the host, or a router namespace): it hooks the forward path there,
 * where the bottle cannot remove the rules. The bottle is named by its
 * interface there and its addresses, or by its namespace (a file, a
 * process, a Podman container), whose interface and addresses
 * guard_target.c finds.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/ctl_client.h"
#include "cli/guard_target.h"
#include "num.h"

static int call(const char *cmd, const char *sock_opt, const char *config,
		const struct ctl_request *req)
{
	char sockbuf[128], msg[512];
	struct sbuf reply = { 0 };
	const char *sock;
	int rc;

	sock = ctl_socket_path(sock_opt, config, sockbuf, sizeof(sockbuf), msg, sizeof(msg));
	if (!sock) {
		fprintf(stderr, "sentry %s: %s\n", cmd, msg);
		return 2;
	}
	rc = ctl_call(sock, req, NULL, 0, &reply, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "sentry %s: %s\n", cmd, msg);
		sbuf_free(&reply);
		return rc > 0 ? 1 : 2;
	}
	fputs(!strncmp(reply.p, "ok ", 3) ? reply.p + 3 : reply.p, stdout);
	sbuf_free(&reply);
	return 0;
}

/* --addr4 or --addr6: one host address of @family, as a /32 or /128 prefix */
static int host_opt(const char *arg, uint8_t family, struct ctl_prefix *out)
{
	if (addr_parse(arg, &out->addr) || out->addr.family != family)
		return -1;
	out->plen = family == ADDR_FAMILY_V4 ? 32 : 128;
	out->set = true;
	return 0;
}

int cmd_guard(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "addr4", required_argument, NULL, 'a' },
		{ "addr6", required_argument, NULL, '6' },
		{ "policy", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "queue", required_argument, NULL, 'q' },
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "netns", required_argument, NULL, 'N' },
		{ "pid", required_argument, NULL, 'P' },
		{ "container", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock_opt = NULL, *config = NULL, *netns = NULL, *container = NULL;
	struct ctl_request req = { .verb = CTL_GUARD, .has_queue = true };
	char sockbuf[128], msg[512];
	const char *sock;
	int c, pid = 0, targets = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (strlen(optarg) >= sizeof(req.iface))
				return usage_error("guard", "interface name too long");
			snprintf(req.iface, sizeof(req.iface), "%s", optarg);
			break;
		case 'a':
			if (host_opt(optarg, ADDR_FAMILY_V4, &req.addr4))
				return usage_error("guard", "--addr4: not an IPv4 address: %s", optarg);
			break;
		case '6':
			if (host_opt(optarg, ADDR_FAMILY_V6, &req.addr6))
				return usage_error("guard", "--addr6: not an IPv6 address: %s", optarg);
			break;
		case 'p':
			snprintf(req.policy, sizeof(req.policy), "%s", optarg);
			break;
		case 'n':
			if (!ctl_bottle_name_valid(optarg))
				return usage_error("guard", "bad bottle name '%s'", optarg);
			snprintf(req.name, sizeof(req.name), "%s", optarg);
			break;
		case 'q':
			if (num_u32(optarg, 0, 65535, &req.queue))
				return usage_error("guard", "--queue: 0..65535");
			break;
		case 's': sock_opt = optarg; break;
		case 'c': config = optarg; break;
		case 'N':
			netns = optarg;
			targets++;
			break;
		case 'P':
			if (num_u32(optarg, 1, 0x3fffffff, (uint32_t *)&pid))
				return usage_error("guard", "--pid: expected a process id");
			targets++;
			break;
		case 'C':
			container = optarg;
			targets++;
			break;
		case 'h':
			printf("usage: sentry guard (--netns PATH | --pid PID | --container NAME|ID |\n"
			       "                    --interface IFNAME [--addr4 A] [--addr6 A])\n"
			       "                    --policy NAME [--name BOTTLE] [--queue N]\n"
			       "                    [--socket PATH | -c sentry.ini]\n");
			return 0;
		default:
			return usage_error("guard", "bad option");
		}
	}
	if (!req.policy[0])
		return usage_error("guard", "--policy is required");
	if (targets + (req.iface[0] != '\0') != 1)
		return usage_error("guard", "give one of --netns, --pid, --container, --interface");
	if (targets && (req.addr4.set || req.addr6.set))
		return usage_error("guard", "--addr4/--addr6 go with --interface: a namespace's "
				   "addresses are found in it");
	if (!targets && !req.addr4.set && !req.addr6.set)
		return usage_error("guard", "--interface needs --addr4 or --addr6 (or both)");
	if (targets) {
		sock = ctl_socket_path(sock_opt, config, sockbuf, sizeof(sockbuf), msg,
				       sizeof(msg));
		if (!sock) {
			fprintf(stderr, "sentry guard: %s\n", msg);
			return 2;
		}
		if (container && guard_container_pid(container, &pid, msg, sizeof(msg))) {
			fprintf(stderr, "sentry guard: %s\n", msg);
			return 1;
		}
		if (guard_target_resolve(sock, netns, pid, &req, msg, sizeof(msg))) {
			fprintf(stderr, "sentry guard: %s\n", msg);
			return 1;
		}
		if (!req.name[0] && container && ctl_bottle_name_valid(container))
			snprintf(req.name, sizeof(req.name), "%s", container);
		if (!req.name[0] && netns && ctl_bottle_name_valid(strrchr(netns, '/') ?
								   strrchr(netns, '/') + 1 : netns))
			snprintf(req.name, sizeof(req.name), "%s", strrchr(netns, '/') ?
				 strrchr(netns, '/') + 1 : netns);
		if (!req.name[0] && pid)
			snprintf(req.name, sizeof(req.name), "pid%d", pid);
		if (!req.name[0])
			return usage_error("guard", "give the bottle a --name");
		sock_opt = sock;
	}
	if (!req.name[0])
		snprintf(req.name, sizeof(req.name), "%s", req.iface);
	return call("guard", sock_opt, config, &req);
}

int cmd_unguard(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock_opt = NULL, *config = NULL;
	struct ctl_request req = { .verb = CTL_UNGUARD };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock_opt = optarg; break;
		case 'c': config = optarg; break;
		default:
			return usage_error("unguard", "bad option");
		}
	}
	if (optind != argc - 1 || !ctl_bottle_name_valid(argv[optind]))
		return usage_error("unguard", "expected one bottle name");
	snprintf(req.name, sizeof(req.name), "%s", argv[optind]);
	return call("unguard", sock_opt, config, &req);
}

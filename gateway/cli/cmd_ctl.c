// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_ctl.c - `sentry ctl bottles|stats|flows|names|reload|detach|ping`
 *
 * Prints the daemon's reply without its "ok" line. Exit status: 0, 1 if the
 * daemon answered with an error, 2 if it could not be reached or the
 * command line was wrong.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/ctl_client.h"

static const struct {
	const char *word;
	enum ctl_verb verb;
	uint8_t takes_name;	/* 1: optional NAME, 2: required */
	const char *summary;
} ctl_cmds[] = {
	{ "bottles", CTL_BOTTLES, 0, "the bottles attached: name, policy, addresses, uptime" },
	{ "stats", CTL_STATS, 1, "counters: packets, flows, DNS, drops by reason, tables" },
	{ "flows", CTL_FLOWS, 1, "live flows" },
	{ "names", CTL_NAMES, 1, "addresses learnt from DNS answers, with their TTL" },
	{ "reload", CTL_RELOAD, 0, "re-read every policy in use from the store" },
	{ "detach", CTL_DETACH, 2, "end a bottle" },
	{ "ping", CTL_PING, 0, "is the daemon there?" },
	{ "metrics", CTL_METRICS, 0, "every counter in Prometheus's text format" },
};

#define NCTL (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void ctl_usage(FILE *f)
{
	fprintf(f, "usage: sentry ctl [--json] [--socket PATH | -c sentry.ini] COMMAND [NAME]\n\n");
	for (size_t i = 0; i < NCTL; i++)
		fprintf(f, "  %-8s %-7s %s\n", ctl_cmds[i].word,
			ctl_cmds[i].takes_name == 2 ? "NAME" :
			ctl_cmds[i].takes_name ? "[NAME]" : "", ctl_cmds[i].summary);
}

int cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock_opt = NULL, *config = NULL, *sock, *body;
	struct ctl_request req = { 0 };
	char sockbuf[128], msg[512];
	struct sbuf reply = { 0 };
	size_t which = NCTL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': req.json = true; break;
		case 's': sock_opt = optarg; break;
		case 'c': config = optarg; break;
		case 'h':
			ctl_usage(stdout);
			return 0;
		default:
			return usage_error("ctl", "bad option");
		}
	}
	if (optind >= argc) {
		ctl_usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < NCTL; i++)
		if (!strcmp(argv[optind], ctl_cmds[i].word))
			which = i;
	if (which == NCTL)
		return usage_error("ctl", "unknown command '%s'", argv[optind]);
	req.verb = ctl_cmds[which].verb;
	/* --json may also follow the command */
	for (int i = optind + 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			req.json = true;
		} else if (ctl_cmds[which].takes_name && !req.name[0] &&
			   ctl_bottle_name_valid(argv[i])) {
			snprintf(req.name, sizeof(req.name), "%s", argv[i]);
		} else {
			return usage_error("ctl", "unexpected argument '%s'", argv[i]);
		}
	}
	if (ctl_cmds[which].takes_name == 2 && !req.name[0])
		return usage_error("ctl", "%s needs a bottle name", ctl_cmds[which].word);
	sock = ctl_socket_path(sock_opt, config, sockbuf, sizeof(sockbuf), msg, sizeof(msg));
	if (!sock) {
		fprintf(stderr, "sentry ctl: %s\n", msg);
		return 2;
	}
	rc = ctl_call(sock, &req, NULL, 0, &reply, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "sentry ctl: %s\n", msg);
		sbuf_free(&reply);
		return rc > 0 ? 1 : 2;
	}
	/* "ok" alone on its line is the protocol's; "ok detached x" is news */
	body = reply.p;
	if (!strncmp(body, "ok\n", 3) || !strncmp(body, "ok ", 3))
		body += 3;
	fputs(body, stdout);
	sbuf_free(&reply);
	return 0;
}

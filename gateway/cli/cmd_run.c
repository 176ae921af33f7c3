// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_run.c - `sentry run -c sentry.ini`: the daemon, in the foreground */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "config/config.h"
#include "daemon/daemon.h"

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = CONFIG_DEFAULT_PATH;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			printf("usage: sentry run [-c FILE]\n\n"
			       "Runs the gateway daemon in the foreground, in the current network\n"
			       "namespace, with the configuration FILE (default %s).\n"
			       "SIGTERM/SIGINT stop it; SIGHUP reopens the decision log and\n"
			       "reloads the policies.\n", CONFIG_DEFAULT_PATH);
			return 0;
		default:
			return usage_error("run", "bad option");
		}
	}
	if (optind != argc)
		return usage_error("run", "unexpected argument '%s'", argv[optind]);
	return daemon_main(config);
}

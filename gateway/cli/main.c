// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - the sentry program: one table drives dispatch and usage
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "helpers/helper.h"
#include "lib/version.h"
#include "log.h"


struct command {
	const char *name;
	const char *args;
	const char *summary;
	int (*fn)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct command commands[] = {
	{ "run", "[-c sentry.ini]", "run the gateway daemon", cmd_run },
	{ "check", "[-c sentry.ini]", "check the configuration and the policy store",
	  cmd_check },
	{ "attach", "(--netns PATH | --pid PID) [--policy NAME] ...",
	  "put a network namespace behind the daemon", cmd_attach },
	{ "detach", "NAME", "end a bottle", cmd_detach },
	{ "guard", "--interface IFNAME --addr4 A --policy NAME [--name BOTTLE] [--queue N]",
	  "put a kernel-routed bottle under a policy (NFQUEUE)", cmd_guard },
	{ "unguard", "NAME", "lift a guard and its nftables table", cmd_unguard },
	{ "ctl", "bottles|stats|flows|names|reload|detach|ping",
	  "ask the running daemon", cmd_ctl },
	{ "log", "[-c sentry.ini | FILE | -] [-f] [-o json] [--verdict V] ...",
	  "read the decision log", cmd_log },
	{ "policy", "load|list|show|remove|test|sync --db DIR ...",
	  "manage the policy store", cmd_policy },
	{ "replay", "--db DIR --policy NAME [--decisions FILE] IN.pcap",
	  "run a packet capture through the decision pipeline", cmd_replay },
	{ "version", "", "print the version", cmd_version },
	{ "help", "", "this text", cmd_help },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: sentry COMMAND [ARGS...]\n\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %-50s %s\n", commands[i].name,
			commands[i].args, commands[i].summary);
	fprintf(f, "\n`sentry COMMAND --help` describes one command.\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("sentry %s\n", SENTRY_VERSION);
	return 0;
}

/* Installed as "pasta" or "slirp4netns", sentry is Podman's network helper */
static const char *prog_name(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

	return slash ? slash + 1 : argv0 ? argv0 : "";
}

int main(int argc, char **argv)
{
	const char *prog = prog_name(argv[0]);

	if (!strcmp(prog, "pasta"))
		return pasta_main(argc, argv);
	if (!strcmp(prog, "slirp4netns"))
		return slirp_main(argc, argv);
	log_init("sentry", LOG_LVL_INFO, false);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sentry: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}

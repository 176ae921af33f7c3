// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - the sentry program: one table drives dispatch and usage
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"

#define SENTRY_VERSION "0.1.0"

struct command {
	const char *name;
	const char *args;
	const char *summary;
	int (*fn)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct command commands[] = {
	{ "policy", "load|list|show|remove|test --db DIR ...",
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

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sentry %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'sentry %s --help'.\n", cmd);
	return 2;
}

int main(int argc, char **argv)
{
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * commands.h - the `sentry` subcommands
 *
 * Each takes the arguments after its own name (argv[0] is the subcommand)
 * and returns the process exit status. main.c's table maps names to these
 * and prints the usage from the same table.
 */
#ifndef SENTRY_COMMANDS_H
#define SENTRY_COMMANDS_H

int cmd_check(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_guard(int argc, char **argv);
int cmd_unguard(int argc, char **argv);
int cmd_ctl(int argc, char **argv);
int cmd_log(int argc, char **argv);

/* usage_error() - print "sentry CMD: MSG" and a usage hint; returns 2 */
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* SENTRY_COMMANDS_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_policy.h - `sentry policy` subcommands that live in their own files
 *
 * Each takes the store, opened by cmd_policy.c as the subcommand's table
 * entry asks, and the arguments after --db DIR; returns the exit status.
 */
#ifndef SENTRY_CMD_POLICY_H
#define SENTRY_CMD_POLICY_H

struct pstore;

/* policy_sync() - `sentry policy sync --db DIR DIRECTORY [--dry-run]` */
int policy_sync(struct pstore *s, int argc, char **argv);

/*
 * policy_suggest() - `sentry policy suggest [--bottle B] [--name P] [LOG...]`:
 * takes no store (argv[0] is "suggest"); prints a policy from decision logs
 */
int policy_suggest(int argc, char **argv);

#endif /* SENTRY_CMD_POLICY_H */

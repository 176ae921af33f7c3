/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policies.h - the daemon's policies, from the store to the engine (main thread)
 */
#ifndef SENTRY_DAEMON_POLICIES_H
#define SENTRY_DAEMON_POLICIES_H

#include <stdbool.h>
#include <stddef.h>

struct daemon;
struct engine_policy;

/*
 * policies_get() - the engine slot for policy @name, loaded from the store
 * the first time, with a reference taken
 * Return: the slot, or NULL with a message for the client in @err
 */
struct engine_policy *policies_get(struct daemon *d, const char *name,
				   char *err, size_t errlen);

/*
 * policies_reload() - recompile every policy in use from the store, if its
 * generation moved since the last time (or always, with @force); a policy
 * gone from the store denies everything from now on
 */
void policies_reload(struct daemon *d, bool force);

#endif /* SENTRY_DAEMON_POLICIES_H */

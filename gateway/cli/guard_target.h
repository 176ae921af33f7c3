/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guard_target.h - `sentry guard --netns/--pid/--container`: from a
 * namespace to the interface and addresses the daemon's table matches
 */
#ifndef SENTRY_CLI_GUARD_TARGET_H
#define SENTRY_CLI_GUARD_TARGET_H

#include <stddef.h>

#include "ctl_proto.h"

/*
 * guard_container_pid() - ask rootful Podman (`podman inspect`, under a
 * time limit; Podman's own environment, such as CONTAINERS_STORAGE_CONF,
 * passes through) for running container @name's process id.
 * Return: 0 with @pid, or -errno with @err: -ENOENT no such container,
 * -ESRCH it is not running, -ENOEXEC Podman failed or is missing.
 */
int guard_container_pid(const char *name, int *pid, char *err, size_t len);

/*
 * guard_target_resolve() - fill @req's iface, shared, addr4 and addr6 from
 * the namespace at @path (or of process @pid), seen from the namespace of
 * the daemon at @sock; prints what it found on stdout.
 * Return: 0, or -errno with @err.
 */
int guard_target_resolve(const char *sock, const char *path, int pid,
			 struct ctl_request *req, char *err, size_t len);

#endif /* SENTRY_CLI_GUARD_TARGET_H */

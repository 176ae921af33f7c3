/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * standalone.h - a private daemon for one bottle, when no daemon runs
 *
 * With `[helper] standalone = yes` in sentry.ini, a helper personality that
 * finds no daemon starts one for its bottle: a detached process, in a
 * network namespace of its own, that serves that bottle and exits when it
 * goes. Its egress namespace is either
 *   - [helper] egress_netns, a namespace the administrator joined to the
 *     host (a veth pair and NAT, a VPN...), or
 *   - a new one, joined to the host by Debian's real pasta (passt), which
 *     needs no privilege over the host's network: the deployment for
 *     rootless Podman users with no system daemon.
 * Its control socket, log and pasta's PID file live in
 * $XDG_RUNTIME_DIR/sentry/ (or /run/sentry/standalone/ for root).
 */
#ifndef SENTRY_STANDALONE_H
#define SENTRY_STANDALONE_H

#include <stddef.h>

#include "config/config.h"

/*
 * standalone_start() - start the private daemon for bottle @name
 * @cfg:	sentry.ini as loaded
 * @sock:	receives the daemon's control socket path, for attaching
 * Return: 0 once the daemon answers, or -errno with a message in @err.
 */
int standalone_start(const struct sentry_config *cfg, const char *name,
		     char *sock, size_t socklen, char *err, size_t errlen);

#endif /* SENTRY_STANDALONE_H */

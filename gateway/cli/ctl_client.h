/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl_client.h - talking to the daemon's control socket */
#ifndef SENTRY_CTL_CLIENT_H
#define SENTRY_CTL_CLIENT_H

#include "ctl_proto.h"
#include "lib/sbuf.h"

#define CTL_SOCKET_DEFAULT	"/run/sentry/control.sock"

/*
 * ctl_socket_path() - which socket to use: @opt (--socket), else the
 * control_socket of config file @config (-c), else $SENTRY_SOCKET, else
 * CTL_SOCKET_DEFAULT. Returns NULL and fills @err if @config is unreadable.
 */
const char *ctl_socket_path(const char *opt, const char *config, char *buf,
			    size_t len, char *err, size_t errlen);

/*
 * ctl_call() - send @req (with @nfds descriptors) and read the whole reply
 * @reply:	the reply text, first line "ok..." or "error ..."
 * Return: 0 if the daemon said ok; 1 if it said error (message in @err);
 * -errno if it could not be reached (message in @err).
 */
int ctl_call(const char *path, const struct ctl_request *req, const int *fds,
	     int nfds, struct sbuf *reply, char *err, size_t errlen);

/*
 * ctl_peer_pid() - the process id of the daemon at @path (SO_PEERCRED), to
 * find its network namespace. Return: 0 with @pid set, or -errno with @err.
 */
int ctl_peer_pid(const char *path, int *pid, char *err, size_t errlen);

#endif /* SENTRY_CTL_CLIENT_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * slirp_hostfwd.h - the slirp4netns personality's --api-socket: ports
 * published while the container runs (Podman 4's port_handler=slirp4netns)
 *
 * Each add_hostfwd binds its port where the helper runs (publish_bind.h),
 * tells the daemon (a `publish` control request: [helper] publish = deny
 * refuses it, and the mapping shows in `sentry ctl bottles`) and starts a
 * relay for that one mapping (publish_relay.h); remove_hostfwd stops that
 * relay and tells the daemon (`unpublish`). Requests and answers are
 * slirp4netns's (slirp_api.h). At most CTL_PUBLISH_MAX at once.
 */
#ifndef SENTRY_SLIRP_HOSTFWD_H
#define SENTRY_SLIRP_HOSTFWD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "helpers/attach.h"
#include "helpers/slirp_api.h"

struct hostfwd {
	bool used;
	int id;
	struct slirp_api_req req;	/* the add_hostfwd as given */
	pid_t relay;
};

/**
 * struct hostfwd_ctx - the API socket's state
 * @a:		the attached bottle (socket, name, netns, TUN, addresses)
 * @listen_fd:	the API socket
 * @next_id:	the next id add_hostfwd returns (from 1, as slirp4netns)
 * @fwd:	the live forwards
 */
struct hostfwd_ctx {
	const struct attach *a;
	int listen_fd;
	int next_id;
	struct hostfwd fwd[CTL_PUBLISH_MAX];
};

/**
 * hostfwd_listen() - make the API socket at @path
 * @ctx:	zeroed, then @ctx->a set
 * @path:	--api-socket's value
 * @err:	message buffer
 * @len:	size of @err
 *
 * Return: 0, or -errno with @err set
 */
int hostfwd_listen(struct hostfwd_ctx *ctx, const char *path, char *err, size_t len);

/**
 * hostfwd_serve() - answer one connection on the API socket
 * @ctx:	state
 */
void hostfwd_serve(struct hostfwd_ctx *ctx);

/**
 * hostfwd_stop() - stop every relay and close the API socket
 * @ctx:	state
 */
void hostfwd_stop(struct hostfwd_ctx *ctx);

#endif /* SENTRY_SLIRP_HOSTFWD_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bottles.h - the daemon's bottles: attach, detach, look-up, and what ends
 * them (main thread; workers read a bottle only while it is live,
 * daemon/threads.h)
 */
#ifndef SENTRY_DAEMON_BOTTLES_H
#define SENTRY_DAEMON_BOTTLES_H

#include <stdbool.h>
#include <stdint.h>
#include "bottle.h"
#include "ctl_proto.h"
#include "addr.h"

struct daemon;

struct gw_bottle {
	struct bottle eb;		/* the engine's view: id, name, policy, counters */
	bool used;
	uint32_t slot;
	int fds[CTL_QUEUES_MAX];
	uint32_t nfds;
	int pidfd;			/* -1 if none */
	int nswatch;			/* the client's inotify fd on the netns directory, or -1 */
	int watch_wd;			/* inotify watch on the netns file's directory, or -1 */
	bool keep;			/* stay when the netns file goes */
	char netns[CTL_PATH_MAX];	/* "" if none */
	bool has_e4, has_e6;
	struct ipaddr egress4, egress6;	/* source addresses on the egress side */
	uint8_t plen4, plen6;
	bool vnet;			/* its TUN has a virtio-net header */
	bool live;			/* atomic: published to the workers */
	struct ctl_request req;		/* what attach asked for (addresses, gateway, dns) */
	uint64_t attached_wall_ns;	/* CLOCK_REALTIME */
	uint64_t attached_ns;		/* CLOCK_MONOTONIC */
	uid_t owner;			/* the attaching peer's uid (SO_PEERCRED) */
	/* published ports (req.publish): what the relay reported (inbound.h) */
	uint64_t inbound_allowed, inbound_refused, inbound_unlogged;
	uint64_t inbound_window;	/* CLOCK_MONOTONIC second of @inbound_used */
	uint32_t inbound_used;		/* lines logged in that second */
};

int bottles_init(struct daemon *d);
void bottles_fini(struct daemon *d);
/*
 * bottle_attach() - take over a bottle from an attach request
 * @fds:	req->queues TUN fds, then a pidfd if req->pidfd; owned by the
 *		bottle on success, by the caller on failure
 * Return: 0 (@err then holds a warning for the client, or ""), or -errno
 * with a message in @err for the client.
 */
int bottle_attach(struct daemon *d, const struct ctl_request *req, int *fds,
		  char *err, size_t errlen);
void bottle_detach(struct daemon *d, struct gw_bottle *b, const char *why);
struct gw_bottle *bottle_by_name(struct daemon *d, const char *name);
struct gw_bottle *bottle_by_zone(struct daemon *d, uint32_t zone);
/* bottle_by_egress() - the bottle whose egress address is @dst, or NULL */
struct gw_bottle *bottle_by_egress(struct daemon *d, const uint8_t *dst,
				   uint8_t family);
/*
 * bottle_slot_by_egress() - the slot egress address @dst belongs to,
 * whether or not a bottle holds it, or -1 (any thread: reads only the
 * configuration)
 */
int bottle_slot_by_egress(const struct daemon *d, const uint8_t *dst,
			  uint8_t family);
/* bottles_netns_event() - a file was deleted in a watched directory */
void bottles_inotify(struct daemon *d);
void bottles_pidfd(struct daemon *d, uint32_t slot);
/* bottles_nswatch() - events on bottle @slot's own netns watch */
void bottles_nswatch(struct daemon *d, uint32_t slot);

#endif /* SENTRY_DAEMON_BOTTLES_H */

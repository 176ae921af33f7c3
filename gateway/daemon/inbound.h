/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inbound.h - published ports on the daemon's side: the policy check at
 * attach, and the decision line per inbound connection
 *
 * The connections themselves never reach the daemon: the helper's relay
 * (helpers/publish_relay.h) moves their bytes between the kernel's sockets
 * on both sides. The daemon decides whether a bottle may publish at all
 * ([helper] publish), shows the mappings (`sentry ctl bottles`) and logs
 * what the relay reports: one `inbound` request per connection, from the
 * bottle's owner only, at most INBOUND_RATE a second per bottle (the rest
 * counted, not logged). Main thread.
 */
#ifndef SENTRY_DAEMON_INBOUND_H
#define SENTRY_DAEMON_INBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

#define INBOUND_RATE	100	/* decision lines per second per bottle */

struct daemon;
struct sbuf;

/*
 * inbound_attach_check() - may a bottle with @req's mappings attach?
 * Return: 0, or -EPERM with the message for Podman's user in @err
 */
int inbound_attach_check(const struct daemon *d, const struct ctl_request *req,
			 char *err, size_t len);

/*
 * inbound_report() - answer an `inbound` request from peer @uid (@admin:
 * root or the daemon's user): "ok" after a decision line (or the count of
 * one suppressed), "error ..." for a stranger's bottle or a port the
 * bottle does not publish
 */
void inbound_report(struct daemon *d, const struct ctl_request *req, uint32_t uid,
		    bool admin, struct sbuf *out);

/*
 * inbound_publish() - answer `publish` (@add) or `unpublish` for a live
 * bottle: its helper serves slirp4netns's add_hostfwd/remove_hostfwd.
 * Owner or admin only; [helper] publish = deny refuses; at most
 * CTL_PUBLISH_MAX mappings, a host port not twice.
 */
void inbound_publish(struct daemon *d, const struct ctl_request *req, bool add,
		     uint32_t uid, bool admin, struct sbuf *out);

/* inbound_map_text() - "tcp 127.0.0.1:8081->80", "udp *:5353-5354->53-54" */
void inbound_map_text(const struct ctl_publish *m, char *buf, size_t len);

#endif /* SENTRY_DAEMON_INBOUND_H */

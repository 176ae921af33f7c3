/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl_views.h - what `sentry ctl` shows: replies to the read-only requests */
#ifndef SENTRY_CTL_VIEWS_H
#define SENTRY_CTL_VIEWS_H

#include <stdbool.h>
#include <sys/types.h>

#include "ctl_proto.h"
#include "lib/sbuf.h"

struct daemon;

/*
 * struct ctl_peer - who asks: an admin (root, the daemon's own user) sees
 * and acts on everything; anyone else on the bottles it attached only
 */
struct ctl_peer {
	uid_t uid;
	bool admin;
};

/*
 * ctl_view() - answer @req (any verb but attach) from @peer into @out: "ok"
 * or "error MESSAGE" on the first line, then the body, text or JSON (req->json)
 */
void ctl_view(struct daemon *d, const struct ctl_request *req,
	      const struct ctl_peer *peer, struct sbuf *out);

#endif /* SENTRY_CTL_VIEWS_H */

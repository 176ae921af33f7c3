/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl_views.h - what `sentry ctl` shows: replies to the read-only requests */
#ifndef SENTRY_CTL_VIEWS_H
#define SENTRY_CTL_VIEWS_H

#include "ctl_proto.h"
#include "lib/sbuf.h"

struct daemon;

/*
 * ctl_view() - answer @req (any verb but attach) into @out: "ok" or
 * "error MESSAGE" on the first line, then the body, text or JSON (req->json)
 */
void ctl_view(struct daemon *d, const struct ctl_request *req, struct sbuf *out);

#endif /* SENTRY_CTL_VIEWS_H */

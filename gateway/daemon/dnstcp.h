/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dnstcp.h - bottles' DNS over TCP, which nftables redirects to the daemon
 * (main thread)
 */
#ifndef SENTRY_DAEMON_DNSTCP_H
#define SENTRY_DAEMON_DNSTCP_H

#include <stddef.h>
#include <stdint.h>

struct daemon;

int dnstcp_init(struct daemon *d);
void dnstcp_fini(struct daemon *d);
void dnstcp_accept(struct daemon *d, uint32_t index);
void dnstcp_ready(struct daemon *d, uint32_t index, uint32_t events);
/* dnstcp_answer() - send a DNS message on bottle connection @conn, framed */
void dnstcp_answer(struct daemon *d, int conn, const uint8_t *msg, size_t len);
void dnstcp_tick(struct daemon *d, uint64_t now);
/* dnstcp_forget_bottle() - close the connections of a departing bottle */
void dnstcp_forget_bottle(struct daemon *d, uint32_t zone);

#endif /* SENTRY_DAEMON_DNSTCP_H */

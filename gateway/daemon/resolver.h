/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resolver.h - allowed queries to the upstream resolvers and their answers
 * back to the bottles (main thread)
 */
#ifndef SENTRY_DAEMON_RESOLVER_H
#define SENTRY_DAEMON_RESOLVER_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "dns.h"

struct daemon;
struct gw_bottle;

/* How a query came to sentry, and so how its answer goes back */
enum dns_via {
	DNS_VIA_UDP,	/* a datagram: the answer is written to the bottle's TUN */
	DNS_VIA_TCP,	/* DNS over TCP: the answer goes on its connection (dnstcp.c) */
	DNS_VIA_GONE,	/* that connection closed: the answer is dropped */
};

/*
 * Answers taken per recvmmsg(): one call reads what a wake-up finds, where
 * recvfrom() took one call per answer and one more to hit EAGAIN (README,
 * Performance). Each has a whole packet buffer (PKT_BUF_SIZE), so an answer
 * is written back in place, its headers in front of it.
 */
#define RESOLVER_RX_BATCH	16

int resolver_init(struct daemon *d);
void resolver_fini(struct daemon *d);
/*
 * resolver_query() - send an allowed query on behalf of bottle @b
 * @msg, @len:	the query as the bottle sent it, @m parsed from it; what goes
 *		upstream is rebuilt from them (dns_clean_query())
 * @m:		the parsed query (question, EDNS)
 * @via, @conn:	how the query came, so how its answer goes back: DNS_VIA_UDP
 *		(through the bottle's TUN), or DNS_VIA_TCP on dnstcp.c's
 *		connection @conn
 */
void resolver_query(struct daemon *d, struct gw_bottle *b,
		    const uint8_t *msg, size_t len, const struct dns_msg *m,
		    const struct ipaddr *client, uint16_t cport,
		    const struct ipaddr *server, uint16_t sport, enum dns_via via,
		    uint16_t conn);
/* struct resolver_clean - what dns_clean_query() left out, since start */
struct resolver_clean {
	uint64_t queries;	/* queries forwarded with something left out */
	uint64_t options;	/* EDNS options dropped */
	uint64_t option_bytes;	/* their bytes */
	uint64_t bits;		/* header and OPT flag bits cleared */
};

/* resolver_clean_stats() - the counters above (zero before resolver_init) */
void resolver_clean_stats(const struct daemon *d, struct resolver_clean *out);
/*
 * resolver_batch_begin(), resolver_batch_end() - the queries asked between
 * them leave together, a sendmmsg() per address family, when the batch ends
 * (main thread; a batch is not left open across a return to the loop)
 */
void resolver_batch_begin(struct daemon *d);
void resolver_batch_end(struct daemon *d);
void resolver_udp_ready(struct daemon *d, uint32_t index);
void resolver_tcp_ready(struct daemon *d, uint32_t index, uint32_t events);
void resolver_tick(struct daemon *d, uint64_t now);
/*
 * resolver_forget_tcp() - a bottle's TCP connection @conn closed: its
 * queries become DNS_VIA_GONE, and their answers are dropped
 */
void resolver_forget_tcp(struct daemon *d, uint16_t conn);
uint32_t resolver_pending(const struct daemon *d);

/* resolver_slot_stats() - queries share slot @slot has in flight, and lost to evictions */
void resolver_slot_stats(const struct daemon *d, uint32_t slot, uint32_t *used,
			 uint64_t *evicted);
/* resolver_families() - address families of the upstream sockets, 0 before init */
uint32_t resolver_families(const struct daemon *d);

#endif /* SENTRY_DAEMON_RESOLVER_H */

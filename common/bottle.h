/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bottle.h - what the engine knows of one bottle
 *
 * The gateway wraps this in its own structure (file descriptors, egress
 * address); the engine needs only identity, addresses, policy and counters.
 */
#ifndef SENTRY_BOTTLE_H
#define SENTRY_BOTTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "drop.h"

#define BOTTLE_NAME_MAX	63

struct engine_policy;

struct bottle_counters {
	uint64_t pkts_out, bytes_out;	/* from the bottle */
	uint64_t pkts_in, bytes_in;	/* to the bottle */
	uint64_t forwarded, dropped;	/* packets, both directions */
	uint64_t flows_allowed, flows_denied;
	uint64_t dns_allowed, dns_denied;
	struct drop_counters drops;
	/* its share of the tables (share.h): filled when shown, not counted */
	struct {
		uint64_t flows, learnt, pending_dns;
		uint64_t flows_evicted, learnt_evicted, pending_dns_evicted;
	} tables;
};

/* A token bucket, in millitokens so integer arithmetic keeps sub-token rates */
struct token_bucket {
	uint64_t last_ns;
	uint64_t tokens_milli;
};

struct bottle {
	uint32_t id;			/* flow zone; unique among live bottles */
	uint32_t slot;			/* its share of the tables (share.h):
					 * unique among live bottles, below
					 * engine_config.owners; 0 by default */
	char name[BOTTLE_NAME_MAX + 1];
	struct engine_policy *policy;
	bool has4, has6;
	struct ipaddr addr4, addr6;	/* inside addresses */
	struct token_bucket dns_bucket;
	struct bottle_counters c;
	/* a worker's copy of a bottle: the one whose dns_bucket it takes from
	 * (engine.h, "Threading"); NULL: this one */
	struct bottle *shared;
};

#endif /* SENTRY_BOTTLE_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * frag.h - verdicts of fragmented datagrams, so later fragments follow the first
 *
 * Theory of operation: sentry never reassembles. The first fragment (offset
 * 0) carries the transport header, so it alone is decided by policy; its
 * verdict is remembered under (zone, family, protocol, id, source,
 * destination) together with where its data ends. A later fragment follows
 * that verdict. A later fragment is dropped when:
 *   - no first fragment is known (it arrived first, or the first was never
 *     seen): DROP_FRAG_NO_FIRST. Out-of-order delivery costs a retransmit;
 *     admitting headerless data would let a bottle smuggle ports past policy.
 *   - it overlaps the first fragment's data (offset below the first's end):
 *     DROP_FRAG_BAD. Overlaps are how a transport header is rewritten after
 *     the first fragment passed (RFC 1858, RFC 5722).
 * Entries live frag_timeout seconds after their last fragment; a full table
 * evicts its oldest entry. Fixed size, no allocation after frag_new().
 */
#ifndef SENTRY_FRAG_H
#define SENTRY_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "drop.h"
#include "packet.h"

struct frag_table;

struct frag_stats {
	uint32_t capacity, used;
	uint64_t evicted;
};

/* frag_new() - table for @capacity datagrams, entries kept @timeout_s; NULL on error */
struct frag_table *frag_new(uint32_t capacity, uint32_t timeout_s);
void frag_free(struct frag_table *t);
size_t frag_table_bytes(uint32_t capacity);

/*
 * frag_first() - remember the verdict of first fragment @p
 * @allow:	whether later fragments may pass
 */
void frag_first(struct frag_table *t, uint32_t zone, const struct pkt *p,
		bool allow, uint64_t now);

/*
 * frag_later() - verdict for later fragment @p
 * Return: DROP_NONE (follow: pass), DROP_POLICY (the first was denied),
 * DROP_FRAG_NO_FIRST or DROP_FRAG_BAD.
 */
enum drop_reason frag_later(struct frag_table *t, uint32_t zone,
			    const struct pkt *p, uint64_t now);

void frag_stats(const struct frag_table *t, uint64_t now, struct frag_stats *s);

#endif /* SENTRY_FRAG_H */

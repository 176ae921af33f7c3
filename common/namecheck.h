/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * namecheck.h - the name a flow presents must be one its policy allows
 *
 * Theory of operation
 *
 * A flow to an address learnt from DNS is admitted for the names the
 * address was learnt from. Many names share an address (a CDN, a shared
 * host), so the flow could name another one to the server and reach it.
 * When a flow is admitted by a name rule or by the default (not by a CIDR
 * rule), its first bytes are read for the name they present:
 *
 *   TCP  a TLS ClientHello's server_name (tls_sni.c), or an HTTP/1.x
 *        request's Host and absolute target (http_host.c);
 *   UDP  port 443: every client QUIC Initial (quic_initial.c), whose
 *        CRYPTO frames carry the ClientHello.
 *
 * The name must be one the policy allows for that protocol and port, as a
 * new flow to an address learnt for that name would be decided
 * (policy_decide_name(), then the default). A flow that presents no name
 * (SSH, a ClientHello without server_name) goes on as decided. A name the
 * policy refuses, or bytes that claim TLS/HTTP/QUIC and cannot be read,
 * refuse the flow: the packet is dropped, the bottle gets an RST (TCP)
 * and the flow stays denied (NC_REFUSED) whatever happens to the policy.
 * One decision line names the presented name and the reason.
 *
 * States (flow->name_check), outbound packets only:
 *
 *   NC_NONE     not checked: CIDR-admitted, denied, DNS, or check off
 *   NC_SYN      TCP, opened by something other than a SYN: the first
 *               payload's sequence number is taken as the stream's start
 *   NC_WAIT     TCP: waiting for the first payload at name_seq (SYN + 1)
 *   NC_READING  TCP: the first bytes were split; a slot holds them
 *   NC_QUIC     UDP/443: every long-header Initial is read (a new Initial
 *               on the same ports may open a new connection)
 *   NC_DONE     TCP: read and passed; a new SYN on the same ports re-arms
 *   NC_REFUSED  refused; kept denied
 *
 * The order matters to namecheck_wants(): the states that read a payload
 * (NC_SYN .. NC_QUIC), then those a SYN re-arms (.. NC_DONE).
 *
 * Cost: established TCP flows pay one byte compare; a pending flow's
 * bare ACKs return at once. Only a flow's first payload is parsed, from
 * the packet itself when it holds the whole message; split messages go to
 * a slot: NAMECHECK_SLOTS per engine, NAMECHECK_BUF bytes each, taken
 * from a fixed pool, freed when the name is read, reclaimed after
 * NAMECHECK_SLOT_NS idle. Nothing is allocated per packet.
 *
 * Threading: an engine's own (its flow table's thread); the policy is
 * read under the engine's read lock.
 */
#ifndef SENTRY_NAMECHECK_H
#define SENTRY_NAMECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drop.h"
#include "flow.h"
#include "packet.h"
#include "wire.h"

#define NAMECHECK_SLOTS		32		/* split first messages read at once, per engine */
#define NAMECHECK_BUF		8192		/* bytes read for a name: a post-quantum ClientHello is ~1.8k */
#define NAMECHECK_SLOT_NS	5000000000ull	/* a slot idle this long may be taken */
#define NAMECHECK_RANGES	16		/* QUIC: disjoint CRYPTO ranges held per slot */

enum namecheck_state {
	NC_NONE = 0,
	NC_SYN,
	NC_WAIT,
	NC_READING,
	NC_QUIC,
	NC_DONE,
	NC_REFUSED,
};

struct engine;
struct bottle;
struct verdict;
struct namecheck;

/* namecheck_new() - one engine's slots and QUIC scratch; NULL on failure */
struct namecheck *namecheck_new(void);
void namecheck_free(struct namecheck *nc);

/* namecheck_bytes() - memory one engine's namecheck_new() takes */
size_t namecheck_bytes(void);

/*
 * namecheck_arm() - after a new flow's decision: does this flow present a
 * name to be checked? Sets f->name_check (under the engine's read lock).
 */
void namecheck_arm(struct engine *e, const struct bottle *b, struct flow *f,
		   const struct pkt *p, const struct verdict *v);

/*
 * namecheck_wants() - must namecheck_packet() see outbound packet @p?
 * Every packet of every flow asks, so the common answer (no) is one
 * branch on values computed without branches: the flow's state is random
 * from packet to packet, and a branch on it would be mispredicted. Yes
 * for a SYN on an armed flow (a connection (re)opens), a payload on a
 * flow still to be read, and a QUIC long header.
 */
static inline bool namecheck_wants(const struct flow *f, const struct pkt *p)
{
	unsigned int s = f->name_check;
	bool reads = s - NC_SYN <= NC_QUIC - NC_SYN;	/* wraps for NC_NONE */
	bool armed = s - NC_SYN <= NC_DONE - NC_SYN;
	bool syn = p->tcp_flags & TCP_SYN;

	if (__builtin_expect(!((armed & syn) | (reads & (p->payload_len != 0))), 1))
		return false;
	if (s == NC_QUIC)
		return p->data[p->payload_off] & QUIC_LONG_HEADER;
	return true;
}

/*
 * namecheck_packet() - read outbound packet @p of flow @f
 * Return: DROP_NONE (forward as the flow's verdict says; a refusal has
 * already turned it to deny, so the caller's apply rejects), or
 * DROP_NAME_GAP / DROP_NAME_BUSY: drop this packet only (the sender will
 * send it again).
 */
enum drop_reason namecheck_packet(struct engine *e, struct bottle *b,
				  struct flow *f, const struct pkt *p,
				  uint64_t now);

#endif /* SENTRY_NAMECHECK_H */

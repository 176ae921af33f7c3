/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dns.h - DNS wire format: named constants, parsing, learning, synthesis
 *
 * Theory of operation
 *
 * A bottle's DNS query is parsed by dns_parse_query(), strictly: one
 * question, no answer or authority records, at most one additional record
 * and that one an EDNS0 OPT, no compression in the question, no trailing
 * bytes. The question name comes out normalised (struct dns_name): lower
 * case, no trailing dot, and every byte outside [a-z0-9_-] written as a
 * \DDD escape, so that a label holding a '.' can never pass for two labels
 * and the text is safe to put in a log once JSON escaping doubles the
 * backslashes. Policy rules only ever hold [a-z0-9_-] labels.
 *
 * An upstream answer is parsed by dns_parse_response(), which walks every
 * record of every section before anything is believed:
 *   - names: labels <= 63 bytes, names <= 255 bytes on the wire, label types
 *     0x40 and 0x80 refused;
 *   - compression pointers point strictly backwards: a pointer's target is
 *     below the pointer itself and below every target already followed for
 *     this name, so a chain of pointers always terminates;
 *   - a pointer may not point into the 12-byte header;
 *   - each section's count is checked against the bytes left (a record
 *     needs at least 11) before the loop over it starts;
 *   - A is 4 bytes, AAAA 16, a CNAME's rdata is exactly one name;
 *   - OPT appears at most once, at the root, in the additional section;
 *   - nothing may follow the last record.
 *
 * dns_learn() then follows the CNAME chain from the question name only,
 * with a visited set, and collects A, AAAA and the ipv4hint/ipv6hint of
 * HTTPS/SVCB records whose owner is on the chain. Records about any other
 * owner are counted and ignored: an answer for a.example cannot teach an
 * address for b.example.
 *
 * dns_synth_refusal() turns a parsed query into an NXDOMAIN or REFUSED
 * answer in the same buffer, as a recursive resolver would send it;
 * dns_synth_truncate() cuts an answer too long for a UDP client down to its
 * question, with TC set.
 *
 * All offsets in the structures below index the message buffer the parser
 * was given; nothing is copied except names into struct dns_name.
 */
#ifndef SENTRY_DNS_H
#define SENTRY_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "drop.h"
#include "wire.h"

/*
 * The wire format (header offsets, flags, rcodes, types, EDNS and EDE
 * codes) is in wire.h; what follows are sentry's own bounds.
 *
 * The longest query sentry forwards, over UDP or TCP: the EDNS payload size
 * of DNS Flag Day 2020. A real query is a name and an OPT record, far
 * shorter; a longer one is refused (DROP_DNS_TOO_LONG) before it is
 * decided, so nothing is logged as allowed that cannot go upstream. The
 * resolver's pending queries and the workers' hand-off hold this much.
 */
#define DNS_QUERY_MAX		1232
/* Presentation form: at most 255 wire bytes, each possibly written as \DDD */
#define DNS_NAME_TEXT_MAX	1024
/* UDP payload size sentry advertises (the DNS flag day 2020 value) */
#define DNS_EDNS_UDP_SIZE	1232

/* Bounds on what one answer can teach */
#define DNS_CHAIN_MAX		16	/* names on a CNAME chain, query name included */
#define DNS_LEARN_MAX		64	/* addresses taken from one answer */

struct dns_name {
	uint16_t text_len;		/* strlen(text) */
	uint16_t wire_len;		/* uncompressed wire length, root byte included */
	char text[DNS_NAME_TEXT_MAX];	/* normalised presentation form, NUL-terminated */
};

struct dns_header {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount, ancount, nscount, arcount;
};

struct dns_question {
	struct dns_name name;
	uint16_t qtype;
	uint16_t qclass;
	uint16_t off;		/* offset of the question in the message */
	uint16_t end;		/* offset just past it */
};

struct dns_edns {
	bool present;
	uint8_t version;
	bool do_bit;
	uint16_t udp_size;
	uint16_t off;		/* offset of the OPT record */
};

struct dns_msg {
	const uint8_t *buf;
	size_t len;
	struct dns_header hdr;
	struct dns_question q;
	struct dns_edns edns;
	uint16_t an_off;	/* offset of the first answer record (responses) */
};

static inline unsigned int dns_rcode(const struct dns_msg *m)
{
	return m->hdr.flags & DNS_RCODE_MASK;
}

/*
 * dns_parse_query() - parse and validate a query from a bottle
 * Return: DROP_NONE or a DROP_DNS_* reason.
 */
enum drop_reason dns_parse_query(const uint8_t *buf, size_t len,
				 struct dns_msg *m);

/*
 * dns_parse_response() - parse and validate a whole answer from upstream
 * Return: DROP_NONE or a DROP_DNS_* reason. QDCOUNT must be 1.
 */
enum drop_reason dns_parse_response(const uint8_t *buf, size_t len,
				    struct dns_msg *m);

/* dns_question_equal() - same name (normalised), type and class */
bool dns_question_equal(const struct dns_question *a,
			const struct dns_question *b);

struct dns_learnt {
	struct ipaddr addr;
	uint32_t ttl;		/* seconds, as in the record (not yet clamped) */
	uint16_t rrtype;	/* A, AAAA, HTTPS or SVCB */
};

struct dns_learn_result {
	uint32_t naddrs;
	struct dns_learnt addrs[DNS_LEARN_MAX];
	uint32_t addrs_over;		/* addresses past DNS_LEARN_MAX, not taken */
	uint32_t off_chain;		/* records ignored: owner not on the chain */
	uint32_t chain_len;		/* names on the chain, query name included */
	bool chain_loop;		/* a CNAME pointed back into the chain */
	bool chain_long;		/* chain longer than DNS_CHAIN_MAX, cut there */
	struct dns_name target;		/* last name of the chain (canonical name) */
};

/*
 * dns_learn() - addresses an answer gives for its question name
 * @m:		a message accepted by dns_parse_response()
 * @out:	filled; out->naddrs may be 0 (NXDOMAIN, NODATA)
 *
 * Only records in the answer section count. Duplicate addresses are
 * reported once, with the larger TTL.
 */
void dns_learn(const struct dns_msg *m, struct dns_learn_result *out);

struct wcursor;

/*
 * dns_synth_opt() - write an OPT record at @w: version 0, sentry's payload
 * size (DNS_EDNS_UDP_SIZE), the DO bit if @do_bit, and an RDLENGTH of
 * @rdlen for the options the caller writes next (0: none)
 */
void dns_synth_opt(struct wcursor *w, bool do_bit, uint16_t rdlen);

/*
 * dns_synth_refusal() - rewrite the query in @buf into a refusal, in place
 * @buf:	holds the query that dns_parse_query() accepted into @m
 * @cap:	bytes writable at @buf (>= m->len)
 * @m:		the parsed query
 * @rcode:	DNS_RCODE_NXDOMAIN or DNS_RCODE_REFUSED
 * @ede:	Extended DNS Error info-code to attach if the query had EDNS0,
 *		or -1 for none
 *
 * The answer echoes the ID, the question as the client wrote it (case
 * included) and the RD and CD bits; sets QR and RA; clears AA, TC and AD;
 * has no records except an OPT when the query had one.
 *
 * Return: the answer's length, -ENOSPC if @cap is too small, or -EINVAL
 * if @rcode does not fit 4 bits, @ede 16 bits, or @m holds no question.
 */
int dns_synth_refusal(uint8_t *buf, size_t cap, const struct dns_msg *m,
		      unsigned int rcode, int ede);

/* What dns_clean_query() left out of a query, for counters and the log */
struct dns_clean_stats {
	uint32_t options;	/* EDNS options dropped (all of them) */
	uint32_t option_bytes;	/* their bytes, headers included */
	uint16_t first_code;	/* the first one's code, for the log */
	uint16_t flags;		/* header flag bits cleared (Z, AA, TC, RA...) */
	uint16_t opt_bits;	/* OPT flag bits cleared (all but DO) */
	bool size;		/* the payload size differed from sentry's */
	bool version;		/* the EDNS version was not 0 */
};

/*
 * dns_clean_query() - the query sentry forwards upstream, rebuilt from
 * what it parsed rather than copied
 * @out:	where the query is written; may be the buffer @m was parsed from
 *		(the clean query is never longer, and is built front to back
 *		over bytes already read)
 * @cap:	bytes writable at @out
 * @m:		a query accepted by dns_parse_query(), m->buf its bytes
 * @st:		what was left out (zeroed first)
 *
 * The query: a header with ID 0 (the resolver gives it a fresh one), only
 * the RD, AD and CD flags, one question as the client wrote it (its
 * letter case included: a validating stub's 0x20 check needs it), and,
 * when the query had EDNS, an OPT record of sentry's own: version 0,
 * payload size DNS_EDNS_UDP_SIZE (the one sentry takes, whatever the
 * client said: the resolver truncates for the client), the DO bit as the
 * client set it (a validating stub needs signatures), and no options.
 * Options go because each is bytes the client chose and the name policy
 * does not see: cookies (a client cookie is 8 free bytes, and sentry, not
 * the bottle, is the upstream's client), padding (only for encrypted
 * transports), client subnet (leaks the bottle's address), keepalive,
 * and anything unknown.
 *
 * Return: the clean query's length, or -ENOSPC if @cap is too small.
 */
int dns_clean_query(uint8_t *out, size_t cap, const struct dns_msg *m,
		    struct dns_clean_stats *st);

/*
 * dns_synth_truncate() - cut an upstream answer to what a UDP client can take
 * @buf:	an answer from upstream, rewritten in place
 * @len:	its length
 * @max:	the client's UDP payload size (its EDNS size, or 512)
 *
 * An answer of @max bytes or fewer is left as it is. A longer one becomes
 * what a server sends when the answer does not fit (RFC 1035 4.2.1, RFC
 * 2181 9): the header and the question only, TC set, ANCOUNT, NSCOUNT and
 * ARCOUNT zero, every other header bit and the question kept; the client
 * asks again over TCP. The question is kept even if it alone exceeds @max.
 * The answer must first pass dns_parse_response() (one question, every
 * record framed): nothing is cut out of a message that cannot be read.
 *
 * Return: the length to send (@len, or the offset just past the question);
 * -EBADMSG, with nothing written, if the answer is longer than @max and
 * does not parse, or has no question, or is longer than any DNS message.
 */
int dns_synth_truncate(uint8_t *buf, size_t len, size_t max);

/*
 * dns_name_from_text() - normalise a name given as text (a CLI argument)
 * Accepts a trailing dot and upper case; refuses empty labels, labels over
 * 63 bytes and names over 253 characters. Bytes outside [A-Za-z0-9_-] are
 * escaped as the wire parser would. A \DDD escape (the form the parser
 * writes) stands for one byte, so a name copied from a log reads back the
 * same; any other backslash is refused. "" and "." are the root.
 * Return: 0 or -EINVAL
 */
int dns_name_from_text(const char *s, struct dns_name *out);

#endif /* SENTRY_DNS_H */

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_reply.c - libFuzzer harness: every reply sentry builds for a packet
 *
 * The input is one IP packet. If it parses, each reply that can be built
 * for it must parse back with DROP_NONE and carry correct checksums; a
 * refusal must be -EINVAL (the room given is always enough). An ICMP
 * error's quote rewrite must keep a valid outer checksum valid, keep a
 * valid quoted IPv4 header checksum valid, and put the address back when
 * rewritten back. A DNS query to port 53 must turn into a refusal that
 * parses as the answer to the same question. Any broken promise aborts.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon \
 *     test/fuzz/fuzz_reply.c common/reply.c common/packet.c common/ipv4.c \
 *     common/ipv6.c common/tcp.c common/udp.c common/icmp.c common/csum.c \
 *     common/addr.c common/drop.c common/dns_parse.c common/dns_name.c \
 *     common/dns_synth.c
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "cursor.h"
#include "dns.h"
#include "packet.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROOM	(65536 + 128)

static uint8_t pkt[ROOM], out[ROOM], before[ROOM];

static size_t csum_off(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP:
		return 16;
	case PROTO_UDP:
		return 6;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		return 2;
	default:
		return 0;
	}
}

/* l4_ok() - the transport checksum of a whole packet @v is right */
static bool l4_ok(const struct pkt *v)
{
	size_t off = csum_off(v->proto);
	uint16_t stored;

	if (!off || v->frag != PKT_FRAG_NONE || v->l4_off + off + 2 > v->len)
		return true;
	memcpy(&stored, v->data + v->l4_off + off, 2);
	return stored == csum_l4(v);
}

/* built() - @n bytes at @b are a valid packet: parse and checksums */
static void built(uint8_t *b, int n)
{
	struct pkt v;

	if (n < 0 || pkt_parse(b, (size_t)n, &v) != DROP_NONE ||
	    v.len != (uint32_t)n || !l4_ok(&v))
		abort();
	if (v.family == ADDR_FAMILY_V4 && csum_ipv4_header(b, v.l3_hdr_len))
		abort();
}

static void quote_rewrite(const struct pkt *p)
{
	static const uint8_t to[16] = { 10, 0, 0, 2, [15] = 2 };
	size_t alen = pkt_addr_len(p), qoff = p->payload_off, ihl = 0;
	bool outer_ok = l4_ok(p), inner_ok = false;
	uint8_t old[16];
	struct pkt v = *p;
	int bit;

	if (p->icmp_kind != ICMP_KIND_ERROR)
		return;
	if (p->family == ADDR_FAMILY_V4 && p->payload_len >= 20) {
		ihl = (size_t)(p->data[qoff] & 0xf) * 4;
		inner_ok = ihl >= 20 && ihl <= p->payload_len &&
			   !csum_ipv4_header(p->data + qoff, ihl);
	}
	for (bit = 0; bit < 2; bit++) {
		uint8_t *a = p->data + qoff + (p->family == ADDR_FAMILY_V4 ?
					       (bit ? 16 : 12) : (bit ? 24 : 8));

		memcpy(before, p->data, p->len);
		if (pkt_rewrite_quote_addr(&v, bit, to)) {
			if (memcmp(before, p->data, p->len))
				abort();	/* refused, yet written */
			return;
		}
		memcpy(old, before + (a - p->data), alen);
		if (memcmp(a, to, alen))
			abort();
		if (outer_ok && !l4_ok(p))
			abort();
		if (inner_ok && csum_ipv4_header(p->data + qoff, ihl))
			abort();
		if (pkt_rewrite_quote_addr(&v, bit, old) || memcmp(a, old, alen))
			abort();
		if (outer_ok && !l4_ok(p))
			abort();
	}
}

static void dns_refusal(struct pkt *p, size_t size)
{
	struct dns_msg q, r;
	struct dns_question want;
	int n;

	if (p->proto != PROTO_UDP || p->dport != DNS_PORT ||
	    p->frag != PKT_FRAG_NONE)
		return;
	if (dns_parse_query(p->data + p->payload_off, p->payload_len, &q) !=
	    DROP_NONE)
		return;
	want = q.q;
	n = reply_dns_refusal(p, size + 64, &q, DNS_RCODE_NXDOMAIN,
			      size & 1 ? EDE_BLOCKED : -1);
	if (n == -EINVAL && !p->sport)
		return;
	built(p->data, n);
	if (dns_parse_response(p->data + p->payload_off, p->payload_len, &r) !=
	    DROP_NONE || !dns_question_equal(&r.q, &want) ||
	    dns_rcode(&r) != DNS_RCODE_NXDOMAIN)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipaddr s, d;
	struct pkt p;
	int n;

	if (size > ROOM - 64)
		return 0;
	memcpy(pkt, data, size);
	if (pkt_parse(pkt, size, &p) != DROP_NONE)
		return 0;

	n = reply_tcp_rst(&p, out, sizeof(out));
	if (n != -EINVAL)
		built(out, n);
	n = reply_icmp_prohibited(&p, out, sizeof(out));
	if (n != -EINVAL)
		built(out, n);

	/* the packet as a payload, wrapped for the bottle */
	pkt_dst_addr(&p, &s);
	pkt_src_addr(&p, &d);
	if (p.sport) {
		size_t room = reply_udp_headroom(s.family);

		memcpy(out + room, data, size);
		n = reply_udp_build(out, sizeof(out), &s, 53, &d, p.sport, size);
		if (n != -EMSGSIZE)
			built(out, n);
	}

	quote_rewrite(&p);
	dns_refusal(&p, size);
	return 0;
}

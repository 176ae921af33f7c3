// SPDX-License-Identifier: GPL-2.0-or-later
/* test_flow.c - the flow table: canonical keys, states, LRU, expiry, stress */
#include <errno.h>
#include <stdlib.h>

#include "flow.h"
#include "t.h"

#define SEC	1000000000ULL

/* A packet view with just what flow.c reads; addresses at their IP offsets */
struct tpkt {
	uint8_t buf[40];
	struct pkt p;
};

static void mkpkt(struct tpkt *t, const char *src, uint16_t sport,
		  const char *dst, uint16_t dport, uint8_t proto,
		  uint8_t flags, uint32_t len)
{
	struct ipaddr s, d;

	memset(t, 0, sizeof(*t));
	if (addr_parse(src, &s) || addr_parse(dst, &d))
		abort();
	t->p.data = t->buf;
	t->p.family = s.family;
	memcpy(pkt_src(&t->p), s.b, addr_len(&s));
	memcpy(pkt_dst(&t->p), d.b, addr_len(&d));
	t->p.proto = proto;
	t->p.sport = sport;
	t->p.dport = dport;
	t->p.tcp_flags = flags;
	t->p.len = len;
}

static struct flow_table *table(uint32_t cap)
{
	struct flow_table *t = flow_table_new(cap, 1, NULL);

	if (!t)
		abort();
	return t;
}

/* Key, hash, lookup in one go */
static struct flow *find(struct flow_table *t, const struct tpkt *tp,
			 uint32_t zone, uint64_t now, int *src_end)
{
	struct flow_key k;

	flow_key_from_pkt(&k, zone, &tp->p, src_end);
	return flow_lookup(t, &k, flow_hash(t, &k), now);
}

/* Look up, insert on a miss (bottle is the packet's source), touch */
static struct flow *pass(struct flow_table *t, const struct tpkt *tp,
			 uint64_t now)
{
	struct flow_key k;
	struct flow *f;
	uint64_t h;
	int se;

	flow_key_from_pkt(&k, 1, &tp->p, &se);
	h = flow_hash(t, &k);
	f = flow_lookup(t, &k, h, now);
	if (!f)
		f = flow_insert(t, &k, h, 0, se, now);
	flow_touch(t, f, &tp->p, se, now);
	return f;
}

static uint32_t used(const struct flow_table *t)
{
	struct flow_stats s;

	flow_stats(t, &s);
	return s.used;
}

TEST(key_canonical_v4)
{
	struct tpkt a, b;
	struct flow_key ka, kb;
	int sa, sb;

	mkpkt(&a, "198.18.0.9", 40000, "10.0.0.2", 443, PROTO_TCP, TCP_SYN, 60);
	mkpkt(&b, "10.0.0.2", 443, "198.18.0.9", 40000, PROTO_TCP,
	      TCP_SYN | TCP_ACK, 60);
	memset(&ka, 0xaa, sizeof(ka));
	memset(&kb, 0x55, sizeof(kb));
	flow_key_from_pkt(&ka, 7, &a.p, &sa);
	flow_key_from_pkt(&kb, 7, &b.p, &sb);
	CHECK(!memcmp(&ka, &kb, sizeof(ka)));
	CHECK_EQ(sa, 1);	/* 198.18.0.9 sorts after 10.0.0.2 */
	CHECK_EQ(sb, 0);
	CHECK_EQ(ka.zone, 7);
	CHECK_EQ(ka.family, ADDR_FAMILY_V4);
	CHECK_EQ(ka.proto, PROTO_TCP);
	CHECK_EQ(ka.addr[0][0], 10);
	CHECK_EQ(ka.port[0], 443);
	CHECK_EQ(ka.port[1], 40000);
	/* unused address bytes are zero whatever the key held before */
	for (int i = 4; i < 16; i++)
		CHECK(!ka.addr[0][i] && !ka.addr[1][i]);
}

TEST(key_canonical_v6_and_same_address)
{
	struct tpkt a, b;
	struct flow_key ka, kb;
	int sa, sb;

	mkpkt(&a, "2001:db8::1", 5000, "2001:db8::1:0", 53, PROTO_UDP, 0, 80);
	mkpkt(&b, "2001:db8::1:0", 53, "2001:db8::1", 5000, PROTO_UDP, 0, 80);
	flow_key_from_pkt(&ka, 1, &a.p, &sa);
	flow_key_from_pkt(&kb, 1, &b.p, &sb);
	CHECK(!memcmp(&ka, &kb, sizeof(ka)));
	CHECK_EQ(sa, 0);
	CHECK_EQ(sb, 1);
	CHECK_EQ(ka.family, ADDR_FAMILY_V6);
	CHECK_EQ(ka.addr[1][13], 1);

	/* same address both ends: the port decides */
	mkpkt(&a, "10.1.1.1", 9000, "10.1.1.1", 80, PROTO_TCP, 0, 40);
	mkpkt(&b, "10.1.1.1", 80, "10.1.1.1", 9000, PROTO_TCP, 0, 40);
	flow_key_from_pkt(&ka, 1, &a.p, &sa);
	flow_key_from_pkt(&kb, 1, &b.p, &sb);
	CHECK(!memcmp(&ka, &kb, sizeof(ka)));
	CHECK_EQ(sa, 1);
	CHECK_EQ(sb, 0);
	CHECK_EQ(ka.port[0], 80);
}

TEST(key_icmp_echo)
{
	struct tpkt req, rep, other;
	struct flow_key kq, kr, ko;
	int sq, sr, so;

	mkpkt(&req, "10.0.0.2", 0x1234, "198.18.0.1", 0x1234, PROTO_ICMP, 0, 84);
	mkpkt(&rep, "198.18.0.1", 0x1234, "10.0.0.2", 0x1234, PROTO_ICMP, 0, 84);
	mkpkt(&other, "10.0.0.2", 0x1235, "198.18.0.1", 0x1235, PROTO_ICMP, 0, 84);
	flow_key_from_pkt(&kq, 1, &req.p, &sq);
	flow_key_from_pkt(&kr, 1, &rep.p, &sr);
	flow_key_from_pkt(&ko, 1, &other.p, &so);
	CHECK(!memcmp(&kq, &kr, sizeof(kq)));
	CHECK(sq != sr);
	CHECK(memcmp(&kq, &ko, sizeof(kq)));

	mkpkt(&req, "fd00::2", 7, "2001:db8::5", 7, PROTO_ICMPV6, 0, 64);
	mkpkt(&rep, "2001:db8::5", 7, "fd00::2", 7, PROTO_ICMPV6, 0, 64);
	flow_key_from_pkt(&kq, 1, &req.p, &sq);
	flow_key_from_pkt(&kr, 1, &rep.p, &sr);
	CHECK(!memcmp(&kq, &kr, sizeof(kq)));
	CHECK(sq != sr);
}

TEST(key_zone_proto_family_differ)
{
	struct tpkt a;
	struct flow_key k1, k2;
	struct ipaddr s, d;
	int e1, e2;

	mkpkt(&a, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP, 0, 40);
	flow_key_from_pkt(&k1, 1, &a.p, &e1);
	flow_key_from_pkt(&k2, 2, &a.p, &e2);
	CHECK(memcmp(&k1, &k2, sizeof(k1)));
	a.p.proto = PROTO_UDP;
	flow_key_from_pkt(&k2, 1, &a.p, &e2);
	CHECK(memcmp(&k1, &k2, sizeof(k1)));

	/* IPv6 addresses whose first 4 bytes are the IPv4 ones: family differs */
	mkpkt(&a, "a00:2::", 1000, "c612:1::", 80, PROTO_TCP, 0, 40);
	flow_key_from_pkt(&k2, 1, &a.p, &e2);
	CHECK(memcmp(&k1, &k2, sizeof(k1)));

	/* flow_key_make() agrees, even with junk past an IPv4 address */
	CHECK(!addr_parse("10.0.0.2", &s));
	CHECK(!addr_parse("198.18.0.1", &d));
	memset(s.b + 4, 0xee, 12);
	memset(d.b + 4, 0x11, 12);
	flow_key_make(&k2, 1, PROTO_TCP, &s, 1000, &d, 80, &e2);
	CHECK(!memcmp(&k1, &k2, sizeof(k1)));
	CHECK_EQ(e1, e2);
	flow_key_make(&k2, 1, PROTO_TCP, &d, 80, &s, 1000, &e2);
	CHECK(!memcmp(&k1, &k2, sizeof(k1)));
	CHECK_EQ(e2, !e1);
}

TEST(new_rejects_bad_capacity)
{
	errno = 0;
	CHECK(!flow_table_new(0, 1, NULL));
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(!flow_table_new((UINT32_C(1) << 31) + 1, 1, NULL));
	CHECK_EQ(errno, EINVAL);
	CHECK(flow_table_bytes(1) < flow_table_bytes(2));
	CHECK(flow_table_bytes(1000) >= 1000 * sizeof(struct flow));
}

TEST(insert_lookup_remove)
{
	struct flow_table *t = table(16);
	struct tpkt a, r;
	struct flow_key k;
	struct flow_stats st;
	struct flow *f;
	struct ipaddr ep;
	uint16_t port;
	int se;

	mkpkt(&a, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP, TCP_SYN, 60);
	mkpkt(&r, "198.18.0.1", 80, "10.0.0.2", 1000, PROTO_TCP, TCP_ACK, 52);
	CHECK(!find(t, &a, 1, 0, &se));
	flow_key_from_pkt(&k, 1, &a.p, &se);
	f = flow_insert(t, &k, flow_hash(t, &k), 0, se, 5);
	CHECK(f);
	CHECK_EQ(f->state, FLOW_NEW);
	CHECK_EQ(f->bottle_end, se);
	CHECK_EQ(f->created, 5);
	CHECK_EQ(f->verdict, 0);
	CHECK_EQ(f->packets[0] + f->packets[1], 0);
	CHECK(find(t, &a, 1, 5, &se) == f);
	CHECK(find(t, &r, 1, 5, &se) == f);
	CHECK_EQ(se, !f->bottle_end);
	CHECK(!find(t, &a, 2, 5, &se));		/* other zone */

	flow_endpoint(f, f->bottle_end, &ep, &port);
	CHECK_EQ(ep.family, ADDR_FAMILY_V4);
	CHECK_EQ(ep.b[0], 10);
	CHECK_EQ(ep.b[3], 2);
	CHECK_EQ(port, 1000);
	flow_endpoint(f, !f->bottle_end, &ep, &port);
	CHECK_EQ(ep.b[0], 198);
	CHECK_EQ(port, 80);

	flow_stats(t, &st);
	CHECK_EQ(st.capacity, 16);
	CHECK_EQ(st.used, 1);
	CHECK_EQ(st.inserted, 1);
	flow_remove(t, f);
	CHECK(!find(t, &a, 1, 5, &se));
	flow_stats(t, &st);
	CHECK_EQ(st.used, 0);
	CHECK_EQ(st.expired, 0);
	CHECK_EQ(st.evicted, 0);
	flow_table_free(t);
}

TEST(capacity_one)
{
	struct flow_table *t = table(1);
	struct tpkt a, b;
	struct flow_stats st;
	int se;

	mkpkt(&a, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP, TCP_SYN, 60);
	mkpkt(&b, "10.0.0.2", 1001, "198.18.0.1", 80, PROTO_TCP, TCP_SYN, 60);
	pass(t, &a, SEC);
	CHECK(find(t, &a, 1, SEC, &se));
	pass(t, &b, 2 * SEC);
	CHECK(!find(t, &a, 1, 2 * SEC, &se));
	CHECK(find(t, &b, 1, 2 * SEC, &se));
	pass(t, &a, 3 * SEC);
	CHECK(find(t, &a, 1, 3 * SEC, &se));
	CHECK(!find(t, &b, 1, 3 * SEC, &se));
	flow_stats(t, &st);
	CHECK_EQ(st.used, 1);
	CHECK_EQ(st.inserted, 3);
	CHECK_EQ(st.evicted, 2);
	CHECK_EQ(st.expired, 0);
	flow_table_free(t);
}

TEST(capacity_n_evicts_longest_idle)
{
	enum { N = 8, K = 3 };
	struct flow_table *t = table(N);
	struct tpkt p[N + K];
	struct flow_stats st;
	uint64_t now = SEC;
	int se;

	for (int i = 0; i < N + K; i++)
		mkpkt(&p[i], "10.0.0.2", (uint16_t)(1000 + i), "198.18.0.1",
		      443, PROTO_UDP, 0, 100);
	for (int i = 0; i < N; i++)
		pass(t, &p[i], now++);
	/* 0, 1 and 2 are used again, a second later (the LRU's grain, flow.h):
	 * 3, 4 and 5 are now idle the longest */
	now += 2 * SEC;
	for (int i = 0; i < 3; i++)
		pass(t, &p[i], now++);
	for (int i = N; i < N + K; i++)
		pass(t, &p[i], now++);
	for (int i = 0; i < N + K; i++) {
		bool gone = i >= 3 && i < 6;

		CHECK_EQ(!find(t, &p[i], 1, now, &se), gone);
	}
	flow_stats(t, &st);
	CHECK_EQ(st.used, N);
	CHECK_EQ(st.evicted, K);
	CHECK_EQ(st.inserted, N + K);
	flow_table_free(t);
}

/* Within a FLOW_LRU_CLOCK() tick a packet does not reorder the LRU: eviction's order is
 * last use to within about a second */
TEST(lru_moves_once_per_grain)
{
	enum { N = 2 };
	struct flow_table *t = table(N);
	struct tpkt p[N + 1];
	uint64_t now = SEC;
	int se;

	for (int i = 0; i < N + 1; i++)
		mkpkt(&p[i], "10.0.0.2", (uint16_t)(2000 + i), "198.18.0.1",
		      443, PROTO_UDP, 0, 100);
	pass(t, &p[0], now);
	pass(t, &p[1], now + 1);
	/* 0 again, 1 ms on: it stays at the tail */
	pass(t, &p[0], now + SEC / 1000);
	pass(t, &p[2], now + SEC / 500);
	CHECK(!find(t, &p[0], 1, now + SEC / 500, &se));
	CHECK(find(t, &p[1], 1, now + SEC / 500, &se));
	/* 1 again, two seconds on: it moves, so 2 is now the tail */
	pass(t, &p[1], now + 2 * SEC);
	pass(t, &p[0], now + 2 * SEC + 1);
	CHECK(find(t, &p[1], 1, now + 2 * SEC + 1, &se));
	CHECK(!find(t, &p[2], 1, now + 2 * SEC + 1, &se));
	flow_table_free(t);
}

TEST(tcp_states_and_timeouts)
{
	struct flow_table *t = table(4);
	struct tpkt syn, synack, ack, fin_c, fin_s, last;
	struct flow *f;
	uint64_t now = 100 * SEC;

	mkpkt(&syn, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP, TCP_SYN, 60);
	mkpkt(&synack, "198.18.0.1", 80, "10.0.0.2", 1000, PROTO_TCP,
	      TCP_SYN | TCP_ACK, 60);
	mkpkt(&ack, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP, TCP_ACK, 52);
	mkpkt(&fin_c, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP,
	      TCP_FIN | TCP_ACK, 52);
	mkpkt(&fin_s, "198.18.0.1", 80, "10.0.0.2", 1000, PROTO_TCP,
	      TCP_FIN | TCP_ACK, 52);
	mkpkt(&last, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP, TCP_ACK, 52);

	f = pass(t, &syn, now);
	CHECK_EQ(f->state, FLOW_NEW);
	CHECK_EQ(f->expires, now + 60 * SEC);
	/* a retransmitted SYN is still NEW, and refreshes the expiry */
	now += SEC;
	CHECK(pass(t, &syn, now) == f);
	CHECK_EQ(f->state, FLOW_NEW);
	CHECK_EQ(f->expires, now + 60 * SEC);
	CHECK_EQ(f->last_seen, now);

	now += SEC;
	pass(t, &synack, now);
	CHECK_EQ(f->state, FLOW_ESTABLISHED);
	CHECK_EQ(f->expires, now + 7440 * SEC);
	pass(t, &ack, ++now);
	CHECK_EQ(f->state, FLOW_ESTABLISHED);

	pass(t, &fin_c, ++now);
	CHECK_EQ(f->state, FLOW_CLOSING);
	CHECK_EQ(f->expires, now + 120 * SEC);
	/* the same side's FIN again does not close */
	pass(t, &fin_c, ++now);
	CHECK_EQ(f->state, FLOW_CLOSING);
	pass(t, &fin_s, ++now);
	CHECK_EQ(f->state, FLOW_CLOSED);
	CHECK_EQ(f->expires, now + 10 * SEC);
	pass(t, &last, ++now);
	CHECK_EQ(f->state, FLOW_CLOSED);
	CHECK_EQ(f->expires, now + 10 * SEC);

	/* counters, per key endpoint as source */
	{
		int cs;
		struct flow_key k;

		flow_key_from_pkt(&k, 1, &syn.p, &cs);
		CHECK_EQ(f->packets[cs], 6);
		CHECK_EQ(f->packets[!cs], 2);
		CHECK_EQ(f->bytes[cs], 60 + 60 + 52 * 4);
		CHECK_EQ(f->bytes[!cs], 60 + 52);
		CHECK_EQ(f->bottle_end, cs);
		CHECK_EQ(f->created, 100 * SEC);
	}

	/* a bare SYN on the closed flow starts a new connection */
	pass(t, &syn, ++now);
	CHECK_EQ(f->state, FLOW_NEW);
	pass(t, &synack, ++now);
	CHECK_EQ(f->state, FLOW_ESTABLISHED);
	flow_table_free(t);
}

TEST(tcp_rst_closes)
{
	struct flow_table *t = table(4);
	struct tpkt syn, rst, ack, synack;
	struct flow *f;
	uint64_t now = SEC;

	mkpkt(&syn, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP, TCP_SYN, 60);
	mkpkt(&rst, "198.18.0.1", 80, "10.0.0.2", 1000, PROTO_TCP,
	      TCP_RST | TCP_ACK, 40);
	mkpkt(&ack, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP, TCP_ACK, 40);
	mkpkt(&synack, "198.18.0.1", 80, "10.0.0.2", 1000, PROTO_TCP,
	      TCP_SYN | TCP_ACK, 60);

	f = pass(t, &syn, now);
	pass(t, &rst, ++now);
	CHECK_EQ(f->state, FLOW_CLOSED);
	CHECK_EQ(f->expires, now + 10 * SEC);
	/* neither a stray ACK nor a SYN+ACK reopens it */
	pass(t, &ack, ++now);
	CHECK_EQ(f->state, FLOW_CLOSED);
	pass(t, &synack, ++now);
	CHECK_EQ(f->state, FLOW_CLOSED);

	/* RST in the middle of an established connection, from the client */
	pass(t, &syn, ++now);
	pass(t, &synack, ++now);
	CHECK_EQ(f->state, FLOW_ESTABLISHED);
	mkpkt(&rst, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP, TCP_RST, 40);
	pass(t, &rst, ++now);
	CHECK_EQ(f->state, FLOW_CLOSED);
	flow_table_free(t);
}

TEST(tcp_first_packet_not_syn)
{
	struct flow_table *t = table(4);
	struct tpkt a, b;
	struct flow *f;

	/* a flow met mid-stream (the table lost it): whoever spoke first is
	 * the initiator, an answer from the other side establishes */
	mkpkt(&a, "198.18.0.1", 80, "10.0.0.2", 1000, PROTO_TCP, TCP_ACK, 1500);
	mkpkt(&b, "10.0.0.2", 1000, "198.18.0.1", 80, PROTO_TCP, TCP_ACK, 52);
	f = pass(t, &a, SEC);
	CHECK_EQ(f->state, FLOW_NEW);
	pass(t, &a, 2 * SEC);
	CHECK_EQ(f->state, FLOW_NEW);
	pass(t, &b, 3 * SEC);
	CHECK_EQ(f->state, FLOW_ESTABLISHED);
	flow_table_free(t);
}

TEST(udp_one_way_and_answered)
{
	struct flow_table *t = table(4);
	struct tpkt q, r;
	struct flow *f;
	uint64_t now = SEC;

	mkpkt(&q, "10.0.0.2", 5353, "198.18.0.1", 4500, PROTO_UDP, 0, 100);
	mkpkt(&r, "198.18.0.1", 4500, "10.0.0.2", 5353, PROTO_UDP, 0, 100);
	f = pass(t, &q, now);
	CHECK_EQ(f->state, FLOW_NEW);
	CHECK_EQ(f->expires, now + 30 * SEC);
	pass(t, &q, now += 10 * SEC);
	CHECK_EQ(f->state, FLOW_NEW);
	CHECK_EQ(f->expires, now + 30 * SEC);
	pass(t, &r, now += SEC);
	CHECK_EQ(f->state, FLOW_ESTABLISHED);
	CHECK_EQ(f->expires, now + 180 * SEC);
	pass(t, &q, now += SEC);
	CHECK_EQ(f->state, FLOW_ESTABLISHED);
	CHECK_EQ(f->expires, now + 180 * SEC);
	flow_table_free(t);
}

TEST(icmp_and_other_timeouts)
{
	struct flow_timeouts to;
	struct flow_table *t;
	struct tpkt q, r, g;
	struct flow *f;

	flow_timeouts_default(&to);
	CHECK_EQ(to.tcp_established, 7440);
	to.icmp = 7;
	to.other = 11;
	t = flow_table_new(4, 1, &to);
	CHECK(t);
	mkpkt(&q, "10.0.0.2", 9, "198.18.0.1", 9, PROTO_ICMP, 0, 84);
	mkpkt(&r, "198.18.0.1", 9, "10.0.0.2", 9, PROTO_ICMP, 0, 84);
	f = pass(t, &q, SEC);
	CHECK_EQ(f->state, FLOW_NEW);
	CHECK_EQ(f->expires, 8 * SEC);
	pass(t, &r, 2 * SEC);
	CHECK_EQ(f->state, FLOW_ESTABLISHED);
	CHECK_EQ(f->expires, 9 * SEC);

	mkpkt(&g, "10.0.0.2", 0, "198.18.0.1", 0, 47, 0, 200);
	f = pass(t, &g, SEC);
	CHECK_EQ(f->expires, 12 * SEC);
	flow_table_free(t);
}

TEST(expiry_via_lookup)
{
	struct flow_table *t = table(4);
	struct flow_stats st;
	struct tpkt q;
	struct flow *f;
	int se;

	mkpkt(&q, "10.0.0.2", 5353, "198.18.0.1", 4500, PROTO_UDP, 0, 100);
	f = pass(t, &q, SEC);
	CHECK_EQ(f->expires, 31 * SEC);
	CHECK(find(t, &q, 1, 31 * SEC - 1, &se) == f);	/* last live ns */
	CHECK(!find(t, &q, 1, 31 * SEC, &se));		/* expired at expires */
	flow_stats(t, &st);
	CHECK_EQ(st.used, 0);
	CHECK_EQ(st.expired, 1);
	/* the slot is free again */
	f = pass(t, &q, 40 * SEC);
	CHECK_EQ(f->created, 40 * SEC);
	CHECK_EQ(used(t), 1);
	flow_table_free(t);
}

TEST(flow_expire_budget_and_skip)
{
	enum { N = 300 };
	struct flow_table *t = table(N);
	struct flow_stats st;
	struct tpkt p[N];
	int se;

	for (int i = 0; i < N; i++)
		mkpkt(&p[i], "10.0.0.2", (uint16_t)(1000 + i), "198.18.0.1",
		      53, PROTO_UDP, 0, 60);
	/* five one-way flows, oldest first, expiring at 31..35 s */
	for (int i = 0; i < 5; i++)
		pass(t, &p[i], (uint64_t)(i + 1) * SEC);
	CHECK_EQ(flow_expire(t, 30 * SEC, 100), 0);
	CHECK_EQ(flow_expire(t, 34 * SEC, 2), 2);	/* budget */
	CHECK_EQ(flow_expire(t, 34 * SEC, 100), 2);	/* 33 and 34 */
	CHECK(find(t, &p[4], 1, 34 * SEC, &se));
	CHECK_EQ(flow_expire(t, 35 * SEC, 100), 1);
	CHECK_EQ(used(t), 0);
	flow_stats(t, &st);
	CHECK_EQ(st.expired, 5);

	/* a live answered flow at the tail does not hide expired ones */
	{
		struct tpkt r;

		mkpkt(&r, "198.18.0.1", 53, "10.0.0.2", 1011, PROTO_UDP, 0, 60);
		pass(t, &p[11], 1 * SEC);
		pass(t, &r, 2 * SEC);		/* answered: expires at 182 s */
	}
	pass(t, &p[10], 3 * SEC);		/* expires at 33 s */
	pass(t, &p[12], 4 * SEC);		/* expires at 34 s */
	CHECK_EQ(flow_expire(t, 40 * SEC, 100), 2);
	CHECK(!find(t, &p[10], 1, 40 * SEC, &se));
	CHECK(!find(t, &p[12], 1, 40 * SEC, &se));
	CHECK(find(t, &p[11], 1, 40 * SEC, &se));
	flow_remove(t, find(t, &p[11], 1, 40 * SEC, &se));
	CHECK_EQ(used(t), 0);

	/* many live flows at the tail: the walk gives up (bounded work), the
	 * expired flow is still a miss for lookup, which reclaims it */
	{
		struct flow_timeouts to;
		struct flow_table *t2;

		flow_timeouts_default(&to);
		to.other = 1000;
		t2 = flow_table_new(N, 1, &to);
		CHECK(t2);
		for (int i = 0; i < 200; i++) {
			p[i].p.proto = 47;
			pass(t2, &p[i], SEC);		/* expire at 1001 s */
		}
		pass(t2, &p[250], 2 * SEC);		/* UDP, expires at 32 s */
		CHECK_EQ(flow_expire(t2, 100 * SEC, 100), 0);
		CHECK(!find(t2, &p[250], 1, 100 * SEC, &se));
		flow_stats(t2, &st);
		CHECK_EQ(st.expired, 1);
		CHECK_EQ(st.used, 200);
		CHECK_EQ(flow_expire(t2, 1001 * SEC, 150), 150);
		CHECK_EQ(flow_expire(t2, 1001 * SEC, 150), 50);
		flow_table_free(t2);
	}
	flow_table_free(t);
}

TEST(insert_reclaims_expired_before_evicting)
{
	struct flow_table *t = table(2);
	struct flow_stats st;
	struct tpkt a, b, c;
	int se;

	mkpkt(&a, "10.0.0.2", 1, "198.18.0.1", 53, PROTO_UDP, 0, 60);
	mkpkt(&b, "10.0.0.2", 2, "198.18.0.1", 53, PROTO_UDP, 0, 60);
	mkpkt(&c, "10.0.0.2", 3, "198.18.0.1", 53, PROTO_UDP, 0, 60);
	pass(t, &a, 1 * SEC);
	pass(t, &b, 2 * SEC);
	pass(t, &c, 31 * SEC);		/* a expired at 31 s: reclaimed */
	flow_stats(t, &st);
	CHECK_EQ(st.expired, 1);
	CHECK_EQ(st.evicted, 0);
	CHECK(find(t, &b, 1, 31 * SEC, &se));
	CHECK(find(t, &c, 1, 31 * SEC, &se));
	pass(t, &a, 31 * SEC);		/* b is live: evicted */
	flow_stats(t, &st);
	CHECK_EQ(st.expired, 1);
	CHECK_EQ(st.evicted, 1);
	CHECK(!find(t, &b, 1, 31 * SEC, &se));
	flow_table_free(t);
}

static int collect(struct flow *f, void *arg)
{
	uint16_t **out = arg;

	*(*out)++ = f->key.port[0] == 53 ? f->key.port[1] : f->key.port[0];
	return 0;
}

static int stop_at_second(struct flow *f, void *arg)
{
	int *n = arg;

	(void)f;
	return ++*n == 2 ? 42 : 0;
}

TEST(foreach_most_recent_first)
{
	struct flow_table *t = table(8);
	struct tpkt p[4];
	uint16_t got[4], *w = got;
	int n = 0;

	CHECK_EQ(flow_foreach(t, collect, &w), 0);
	CHECK(w == got);
	for (int i = 0; i < 4; i++) {
		mkpkt(&p[i], "10.0.0.2", (uint16_t)(100 + i), "198.18.0.1", 53,
		      PROTO_UDP, 0, 60);
		pass(t, &p[i], SEC + (uint64_t)i);
	}
	pass(t, &p[1], 10 * SEC);
	CHECK_EQ(flow_foreach(t, collect, &w), 0);
	CHECK(w == got + 4);
	CHECK_EQ(got[0], 101);
	CHECK_EQ(got[1], 103);
	CHECK_EQ(got[2], 102);
	CHECK_EQ(got[3], 100);
	CHECK_EQ(flow_foreach(t, stop_at_second, &n), 42);
	CHECK_EQ(n, 2);
	flow_table_free(t);
}

/*
 * Stress: random inserts, lookups (with touch), removes and expiry runs
 * against a naive reference that scans an array. All timeouts are equal, so
 * expiry follows the LRU order exactly and the reference can be simple:
 * eviction and flow_expire() both take the least recently used first.
 */
enum { S_CAP = 64, S_KEYS = 160, S_STEPS = 100000 };

struct ref {
	bool in;
	uint64_t seq;		/* last move to the LRU head */
	uint16_t lru_at;	/* FLOW_LRU_CLOCK() then */
	uint64_t expires;
};

/* flow.c's bounds on live flows stepped over, looking for expired ones */
#define REF_EXPIRE_SKIP	64
#define REF_INSERT_SKIP	8

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void skey(struct flow_key *k, int i, int *se)
{
	struct ipaddr a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.family = b.family = (i & 1) ? ADDR_FAMILY_V6 : ADDR_FAMILY_V4;
	a.b[0] = 10;
	a.b[3] = (uint8_t)(i % 3);
	b.b[0] = 198;
	b.b[3] = (uint8_t)(i % 5);
	flow_key_make(k, (uint32_t)(i % 3), (uint8_t)(i % 7 ? PROTO_UDP : 47),
		      &a, (uint16_t)(1000 + i), &b, 53, se);
}

static int ref_count(const struct ref *r)
{
	int n = 0;

	for (int i = 0; i < S_KEYS; i++)
		n += r[i].in;
	return n;
}

static int ref_oldest(const struct ref *r)
{
	int best = -1;

	for (int i = 0; i < S_KEYS; i++)
		if (r[i].in && (best < 0 || r[i].seq < r[best].seq))
			best = i;
	return best;
}

/* flow.c's reclaim(): from the LRU tail up, expired flows go (at most
 * @budget), past at most @skip_max live ones; returns how many went */
static uint32_t ref_reclaim(struct ref *r, uint64_t now, uint32_t budget,
			    uint32_t skip_max)
{
	uint32_t done = 0, skipped = 0;
	uint64_t after = 0;

	while (done < budget) {
		int o = -1;

		for (int i = 0; i < S_KEYS; i++)
			if (r[i].in && r[i].seq >= after &&
			    (o < 0 || r[i].seq < r[o].seq))
				o = i;
		if (o < 0)
			break;
		after = r[o].seq + 1;
		if (now >= r[o].expires) {
			r[o].in = false;
			done++;
		} else if (++skipped > skip_max) {
			break;
		}
	}
	return done;
}

struct order {
	const struct ref *r;
	uint64_t last;
	int bad;
};

static int check_order(struct flow *f, void *arg)
{
	struct order *o = arg;
	int i = (f->key.port[0] == 53 ? f->key.port[1] : f->key.port[0]) - 1000;

	if (i < 0 || i >= S_KEYS || !o->r[i].in || o->r[i].seq >= o->last)
		o->bad = 1;
	else
		o->last = o->r[i].seq;
	return 0;
}

TEST(stress_against_reference)
{
	struct flow_timeouts to = {
		.tcp_new = 50, .tcp_established = 50, .tcp_closing = 50,
		.tcp_closed = 50, .udp_new = 50, .udp_established = 50,
		.icmp = 50, .other = 50,
	};
	struct flow_table *t = flow_table_new(S_CAP, 1, &to);
	static struct ref r[S_KEYS];
	struct flow_stats st;
	struct flow_key k;
	struct tpkt tp;
	uint64_t now = SEC, seq = 0, expired = 0, evicted = 0;

	CHECK(t);
	mkpkt(&tp, "10.0.0.1", 1, "10.0.0.2", 2, PROTO_UDP, 0, 10);
	for (int step = 0; step < S_STEPS; step++) {
		int i = (int)(rnd() % S_KEYS), op = (int)(rnd() % 100), se;
		uint64_t h;
		struct flow *f;

		/* alternate phases: slow clock (a full table, evictions) and
		 * fast clock (flows time out) */
		now += rnd() % ((step / 5000) % 2 ? 2 * SEC : SEC / 4);
		skey(&k, i, &se);
		h = flow_hash(t, &k);
		f = flow_lookup(t, &k, h, now);
		if (r[i].in && now >= r[i].expires) {
			r[i].in = false;
			expired++;
		}
		CHECK_EQ(!!f, r[i].in);
		if (op < 60) {			/* packet: lookup or insert, touch */
			if (!f) {
				if (ref_count(r) == S_CAP) {
					if (ref_reclaim(r, now, 1, REF_INSERT_SKIP)) {
						expired++;
					} else {
						r[ref_oldest(r)].in = false;
						evicted++;
					}
				}
				f = flow_insert(t, &k, h, 0, se, now);
				r[i].in = true;
				r[i].seq = ++seq;
				r[i].lru_at = FLOW_LRU_CLOCK(now);
			}
			flow_touch(t, f, &tp.p, se, now);
			if (FLOW_LRU_MOVES(FLOW_LRU_CLOCK(now), r[i].lru_at)) {
				r[i].seq = ++seq;
				r[i].lru_at = FLOW_LRU_CLOCK(now);
			}
			r[i].expires = now + 50 * SEC;
		} else if (op < 85) {		/* remove */
			if (f) {
				flow_remove(t, f);
				r[i].in = false;
			}
		} else if (op < 95) {		/* expiry run */
			uint32_t budget = (uint32_t)(rnd() % 8);
			uint32_t n = ref_reclaim(r, now, budget, REF_EXPIRE_SKIP);

			expired += n;
			CHECK_EQ(flow_expire(t, now, budget), n);
		} else {			/* full membership and order */
			struct order ord = { r, UINT64_MAX, 0 };

			for (int j = 0; j < S_KEYS; j++) {
				skey(&k, j, &se);
				f = flow_lookup(t, &k, flow_hash(t, &k), now);
				if (r[j].in && now >= r[j].expires) {
					r[j].in = false;
					expired++;
				}
				CHECK_EQ(!!f, r[j].in);
			}
			flow_foreach(t, check_order, &ord);
			CHECK(!ord.bad);
		}
		flow_stats(t, &st);
		CHECK_EQ(st.used, ref_count(r));
		CHECK_EQ(st.expired, expired);
		CHECK_EQ(st.evicted, evicted);
	}
	/* the run went through every path it models */
	CHECK(evicted > 1000 && expired > 1000);
	CHECK(st.inserted > 10000);
	flow_table_free(t);
}

int main(void)
{
	RUN(key_canonical_v4);
	RUN(key_canonical_v6_and_same_address);
	RUN(key_icmp_echo);
	RUN(key_zone_proto_family_differ);
	RUN(new_rejects_bad_capacity);
	RUN(insert_lookup_remove);
	RUN(capacity_one);
	RUN(capacity_n_evicts_longest_idle);
	RUN(lru_moves_once_per_grain);
	RUN(tcp_states_and_timeouts);
	RUN(tcp_rst_closes);
	RUN(tcp_first_packet_not_syn);
	RUN(udp_one_way_and_answered);
	RUN(icmp_and_other_timeouts);
	RUN(expiry_via_lookup);
	RUN(flow_expire_budget_and_skip);
	RUN(insert_reclaims_expired_before_evicting);
	RUN(foreach_most_recent_first);
	RUN(stress_against_reference);
	return t_done();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_engine.c - the decision pipeline, packet by packet
 *
 * Each test builds an engine with a policy compiled from text, one bottle
 * (10.0.2.100, fd00::100 when IPv6 is on), and feeds it packets built
 * byte by byte, checking the action, the drop reason, and the decision log
 * lines it emits. The replay cases cover the same ground from captures;
 * these pin the corners: caching, revocation, epochs, audit, fragments,
 * rate limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_build.h"
#include "engine.h"
#include "pktbuild.h"
#include "policy_ini.h"
#include "t.h"

#define NS	1000000000ULL

static const char base_policy[] =
	"[policy]\nname = t\nmin_ttl = 5\nmax_ttl = 60\n"
	"[allow]\n"
	"domain = web.test tcp/80\n"
	"domain = *.wild.test\n"
	"domain = shared.test tcp/443\n"
	"domain = rebind.test\n"
	"cidr = 198.18.5.0/24 udp/123 icmp\n"
	"[deny]\n"
	"domain = ads.test\n"
	"domain = evil.test tcp/443\n"
	"cidr = 198.18.5.66/32\n";

static struct engine *e;
static struct bottle b;
static char lines[64][DECISION_LINE_MAX];
static int nlines;
static uint8_t buf[4096];
static struct wb wb;

static void sink(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	if (nlines < 64) {
		snprintf(lines[nlines], sizeof(lines[0]), "%.*s", (int)len, line);
		nlines++;
	}
}

static struct policy *compile(const char *text)
{
	char err[POLICY_ERR_MAX];
	struct policy *p;

	if (policy_compile_text(text, strlen(text), "t.ini", &p, err)) {
		printf("# %s\n", err);
		return NULL;
	}
	return p;
}

static int setup_with(const char *policy, bool audit, uint32_t dns_rate)
{
	struct engine_config cfg;
	struct engine_policy *ep;
	struct policy *p = compile(policy);

	if (!p)
		return -1;
	engine_config_default(&cfg);
	cfg.flow_capacity = 256;
	cfg.audit = audit;
	cfg.dns_rate = dns_rate;
	cfg.dns_burst = dns_rate;
	cfg.log_refusals_per_s = 0;
	addr_parse("100.127.0.0", &cfg.pools[0].net);
	cfg.pools[0].plen = 16;
	engine_free(e);
	e = engine_new(&cfg);
	if (!e)
		return -1;
	engine_set_sink(e, &(struct decision_sink){ sink, NULL });
	ep = engine_policy_get(e, "t", p);
	engine_bottle_init(&b, 7, "b", ep);
	addr_parse("10.0.2.100", &b.addr4);
	b.has4 = true;
	nlines = 0;
	return 0;
}

static int setup(void)
{
	return setup_with(base_policy, false, 0);
}

static void query(unsigned int id, const char *name)
{
	wb.n = 0;
	whdr(&wb, id, 0x0100, 1, 0, 0, 0);
	wq(&wb, name, 1, 1);
}

/* An answer giving @name the addresses in @addrs (NULL-terminated) */
static void answer(unsigned int id, const char *name, uint32_t ttl,
		   const char *const *addrs)
{
	unsigned int n = 0;

	while (addrs[n])
		n++;
	wb.n = 0;
	whdr(&wb, id, 0x8180, 1, n, 0, 0);
	wq(&wb, name, 1, 1);
	for (unsigned int i = 0; i < n; i++) {
		struct ipaddr a;
		size_t at;

		addr_parse(addrs[i], &a);
		wname(&wb, name);
		at = wrr(&wb, a.family == ADDR_FAMILY_V4 ? 1 : 28, 1, ttl);
		wbytes(&wb, a.b, addr_len(&a));
		wrr_end(&wb, at);
	}
}

static enum engine_action out(size_t len, uint64_t now, struct engine_result *r)
{
	static struct pkt p;

	if (pkt_parse(buf, len, &p) != DROP_NONE)
		return (enum engine_action)-1;
	return engine_outbound(e, &b, &p, now, r);
}

static enum engine_action in(size_t len, uint64_t now, struct engine_result *r)
{
	static struct pkt p;

	if (pkt_parse(buf, len, &p) != DROP_NONE)
		return (enum engine_action)-1;
	return engine_inbound(e, &b, &p, now, r);
}

/* Learn @addrs for @name as the answer to an allowed query */
static enum drop_reason learn(const char *name, uint32_t ttl,
			      const char *const *addrs, uint64_t now)
{
	struct dns_msg q;
	struct ipaddr c, s;

	query(1, name);
	if (dns_parse_query(wb.b, wb.n, &q) != DROP_NONE)
		return DROP_MAX;
	answer(1, name, ttl, addrs);
	addr_parse("10.0.2.100", &c);
	addr_parse("10.0.2.3", &s);
	return engine_dns_answer(e, &b, &q.q, &c, 4000, &s, 53, wb.b, wb.n, now,
				 engine_scratch_answer(e));
}

static bool last_has(const char *needle)
{
	return nlines && strstr(lines[nlines - 1], needle);
}

TEST(dns_query_allowed_and_denied)
{
	struct engine_result r;

	CHECK(!setup());
	query(0x1111, "web.test");
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 4000, "10.0.2.3", 53, wb.b, wb.n), NS, &r),
		 ENGINE_DNS);
	CHECK(r.dns_allow);
	CHECK(last_has("\"verdict\":\"allow\"") && last_has("\"qname\":\"web.test\""));
	/* any address on port 53 is DNS, and a denied name is answered locally */
	query(0x2222, "ADS.test");
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 4001, "198.18.9.9", 53, wb.b, wb.n), NS, &r),
		 ENGINE_DNS);
	CHECK(!r.dns_allow);
	CHECK_EQ(r.reason, DROP_DNS_DENIED);
	CHECK(last_has("\"rule\":\"deny domain ads.test\"") &&
	      last_has("\"dst\":\"198.18.9.9\""));
	/* not a query at all */
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 4002, "10.0.2.3", 53, (const uint8_t *)"xx", 2),
		     NS, &r), ENGINE_DROP);
	CHECK_EQ(r.reason, DROP_DNS_TRUNCATED);
	CHECK_EQ(engine_stats(e)->dns_allowed, 1);
	CHECK_EQ(engine_stats(e)->dns_denied, 1);
}

TEST(cidr_flow_cached)
{
	struct engine_result r;

	CHECK(!setup());
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 5000, "198.18.5.7", 123, NULL, 0), NS, &r),
		 ENGINE_FORWARD);
	CHECK(r.new_flow);
	CHECK_EQ(nlines, 1);
	CHECK(last_has("\"rule\":\"allow cidr 198.18.5.0/24 udp/123 icmp\""));
	/* the second packet hits the flow: no new decision */
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 5000, "198.18.5.7", 123, NULL, 0), NS, &r),
		 ENGINE_FORWARD);
	CHECK(!r.new_flow);
	CHECK_EQ(nlines, 1);
	/* the reply comes in on the same flow */
	CHECK_EQ(in(udp4(buf, "198.18.5.7", 123, "10.0.2.100", 5000, NULL, 0), NS, &r),
		 ENGINE_FORWARD);
	/* a CIDR deny beats the CIDR allow around it */
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 5001, "198.18.5.66", 123, NULL, 0), NS, &r),
		 ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_POLICY);
	CHECK(last_has("\"rule\":\"deny cidr 198.18.5.66/32\""));
	/* unsolicited inbound */
	CHECK_EQ(in(udp4(buf, "198.18.5.8", 123, "10.0.2.100", 5999, NULL, 0), NS, &r),
		 ENGINE_DROP);
	CHECK_EQ(r.reason, DROP_NO_FLOW);
}

TEST(learnt_name_and_ports)
{
	static const char *const a[] = { "198.18.7.1", NULL };
	struct engine_result r;

	CHECK(!setup());
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6000, "198.18.7.1", 80, TCP_SYN), NS, &r),
		 ENGINE_REJECT);
	CHECK(last_has("\"reason\":\"default\""));
	CHECK_EQ(learn("web.test", 30, a, NS), DROP_NONE);
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6001, "198.18.7.1", 80, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	CHECK(last_has("\"name\":\"web.test\""));
	/* the rule says tcp/80 only */
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6002, "198.18.7.1", 8080, TCP_SYN), NS, &r),
		 ENGINE_REJECT);
	/* port 853 is DNS over TLS: refused whatever the name */
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6003, "198.18.7.1", 853, TCP_SYN), NS, &r),
		 ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_DOT_DENIED);
}

/* TCP to port 53 is a DNS flow (no policy decision) only from a bare SYN,
 * and never to sentry's pools (issue 11: RST/FIN data leak, co-tenant channel) */
TEST(dns_flow_needs_syn_and_not_the_pools)
{
	static const uint8_t flags[] = { TCP_RST, TCP_RST | TCP_ACK,
					 TCP_FIN | TCP_ACK, TCP_SYN | TCP_ACK,
					 TCP_ACK, TCP_ACK | TCP_PSH };
	struct engine_result r;

	CHECK(!setup());
	for (size_t i = 0; i < sizeof(flags); i++) {
		CHECK_EQ(out(tcp4(buf, "10.0.2.100", (uint16_t)(7000 + i),
				  "198.18.0.13", 53, flags[i]), NS, &r),
			 ENGINE_DROP);
		CHECK_EQ(r.reason, DROP_DNS_TCP_NO_SYN);
		CHECK(!r.dns_flow);
	}
	CHECK(last_has("\"reason\":\"dns_tcp_no_syn\""));
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 7100, "100.127.0.2", 53, TCP_SYN), NS, &r),
		 ENGINE_DROP);
	CHECK_EQ(r.reason, DROP_DNS_TCP_POOL);
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 7101, "198.18.0.13", 53, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	CHECK(r.dns_flow);
	/* the flow exists now: its later segments pass as DNS */
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 7101, "198.18.0.13", 53, TCP_ACK), NS, &r),
		 ENGINE_FORWARD);
	CHECK(r.dns_flow);
}

/* A refused connection is decided again once its address is learnt */
TEST(denied_flow_reconsidered_after_learning)
{
	static const char *const a[] = { "198.18.7.2", NULL };
	struct engine_result r;

	CHECK(!setup());
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6100, "198.18.7.2", 80, TCP_SYN), NS, &r),
		 ENGINE_REJECT);
	CHECK_EQ(learn("web.test", 30, a, NS), DROP_NONE);
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6100, "198.18.7.2", 80, TCP_SYN), 2 * NS, &r),
		 ENGINE_FORWARD);
	CHECK(last_has("\"verdict\":\"allow\""));
}

/* One address, two names: any deny rule that applies beats any allow */
TEST(shared_address_deny_wins)
{
	static const char *const a[] = { "198.18.7.3", NULL };
	struct engine_result r;

	CHECK(!setup());
	CHECK_EQ(learn("shared.test", 30, a, NS), DROP_NONE);
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6200, "198.18.7.3", 443, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(learn("evil.test", 30, a, NS), DROP_NONE);
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6201, "198.18.7.3", 443, TCP_SYN), NS, &r),
		 ENGINE_REJECT);
	CHECK(last_has("\"rule\":\"deny domain evil.test tcp/443\"") &&
	      last_has("\"name\":\"evil.test\""));
}

TEST(ttl_expiry_keeps_established)
{
	static const char *const a[] = { "198.18.7.4", NULL };
	struct engine_result r;

	CHECK(!setup());
	/* TTL 1 is clamped up to min_ttl = 5 s */
	CHECK_EQ(learn("web.test", 1, a, NS), DROP_NONE);
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6300, "198.18.7.4", 80, TCP_SYN), 3 * NS, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6300, "198.18.7.4", 80, TCP_ACK), 10 * NS, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6301, "198.18.7.4", 80, TCP_SYN), 10 * NS, &r),
		 ENGINE_REJECT);
}

TEST(policy_change_revokes)
{
	static const char *const a[] = { "198.18.7.5", NULL };
	struct engine_result r;
	struct policy *p;

	CHECK(!setup());
	CHECK_EQ(learn("web.test", 30, a, NS), DROP_NONE);
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6400, "198.18.7.5", 80, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	p = compile("[policy]\nname = t\n[allow]\ndomain = other.test\n");
	CHECK(p);
	engine_policy_replace(e, b.policy, p);
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6400, "198.18.7.5", 80, TCP_ACK), 2 * NS, &r),
		 ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_FLOW_REVOKED);
	CHECK(last_has("\"reason\":\"flow_revoked\""));
	CHECK_EQ(engine_stats(e)->revoked, 1);
	/* and replies on it are dropped from then on */
	CHECK_EQ(in(tcp4(buf, "198.18.7.5", 80, "10.0.2.100", 6400, TCP_ACK), 2 * NS, &r),
		 ENGINE_DROP);
	/* a policy that vanished from the store denies everything */
	engine_policy_replace(e, b.policy, NULL);
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 5000, "198.18.5.7", 123, NULL, 0), 3 * NS, &r),
		 ENGINE_REJECT);
	CHECK(last_has("policy not in the store"));
}

TEST(rebinding_refused)
{
	static const char *const lo[] = { "127.0.0.1", NULL };
	static const char *const mixed[] = { "198.18.7.6", "10.1.2.3", NULL };
	static const char *const v4mapped[] = { "::ffff:198.18.7.7", NULL };
	struct engine_result r;

	CHECK(!setup());
	CHECK_EQ(learn("rebind.test", 30, lo, NS), DROP_DNS_PRIVATE_ANSWER);
	CHECK(last_has("answer 127.0.0.1 is loopback"));
	CHECK_EQ(learn("rebind.test", 30, mixed, NS), DROP_DNS_PRIVATE_ANSWER);
	/* nothing of a refused answer is learnt, not even its public address */
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6500, "198.18.7.6", 80, TCP_SYN), NS, &r),
		 ENGINE_REJECT);
	/* IPv4 dressed as IPv6 is no way round it */
	CHECK_EQ(learn("rebind.test", 30, v4mapped, NS), DROP_DNS_PRIVATE_ANSWER);
	CHECK(last_has("is embeds-ipv4"));
	CHECK(!setup_with("[policy]\nname = t\nprivate_answers = allow\n"
			  "[allow]\ndomain = rebind.test\n", false, 0));
	CHECK_EQ(learn("rebind.test", 30, mixed, NS), DROP_NONE);
}

TEST(spoofed_and_ipv6_disabled)
{
	struct engine_result r;
	size_t n;

	CHECK(!setup());
	CHECK_EQ(out(udp4(buf, "10.0.2.99", 5000, "198.18.5.7", 123, NULL, 0), NS, &r),
		 ENGINE_DROP);
	CHECK_EQ(r.reason, DROP_SPOOFED_SOURCE);
	CHECK(last_has("\"reason\":\"spoofed_source\""));
	n = v6(buf, PROTO_UDP, 8);
	udp(buf + n, 5000, 123, 8);
	CHECK_EQ(out(48, NS, &r), ENGINE_DROP);
	CHECK_EQ(r.reason, DROP_IPV6_DISABLED);
	CHECK_EQ(engine_stats(e)->drops.n[DROP_SPOOFED_SOURCE], 1);
	CHECK_EQ(b.c.drops.n[DROP_IPV6_DISABLED], 1);
}

TEST(audit_forwards_would_deny)
{
	struct engine_result r;

	CHECK(!setup_with(base_policy, true, 0));
	CHECK_EQ(out(tcp4(buf, "10.0.2.100", 6600, "198.18.9.1", 80, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	CHECK(last_has("\"verdict\":\"would_deny\""));
	query(0x3333, "ads.test");
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 4000, "10.0.2.3", 53, wb.b, wb.n), NS, &r),
		 ENGINE_DNS);
	CHECK(r.dns_allow);
	CHECK(last_has("\"verdict\":\"would_deny\""));
}

TEST(fragments_follow_the_first)
{
	struct engine_result r;

	CHECK(!setup());
	/* first fragment of UDP to an allowed CIDR: 8 bytes header + 16 data */
	v4(buf, PROTO_UDP, 20 + 24);
	udp(buf + 20, 5100, 123, 8 + 40);
	v4_addrs(buf, "10.0.2.100", "198.18.5.9");
	v4_frag(buf, true, 0);
	CHECK_EQ(out(44, NS, &r), ENGINE_FORWARD);
	/* the rest, from offset 24 */
	v4(buf, PROTO_UDP, 20 + 24);
	v4_addrs(buf, "10.0.2.100", "198.18.5.9");
	v4_frag(buf, false, 24);
	CHECK_EQ(out(44, NS, &r), ENGINE_FORWARD);
	/* overlapping the first fragment's data: refused */
	v4_frag(buf, false, 16);
	CHECK_EQ(out(44, NS, &r), ENGINE_DROP);
	CHECK_EQ(r.reason, DROP_FRAG_BAD);
	/* a later fragment of a datagram whose first was never seen */
	put_be16(buf + 4, 0x4321);
	v4_frag(buf, false, 24);
	CHECK_EQ(out(44, NS, &r), ENGINE_DROP);
	CHECK_EQ(r.reason, DROP_FRAG_NO_FIRST);
}

TEST(dns_rate_limit)
{
	struct engine_result r;

	CHECK(!setup_with(base_policy, false, 2));
	for (int i = 0; i < 2; i++) {
		query(0x4000u + (unsigned)i, "web.test");
		CHECK_EQ(out(udp4(buf, "10.0.2.100", 4000, "10.0.2.3", 53, wb.b, wb.n), NS, &r),
			 ENGINE_DNS);
		CHECK(r.dns_allow);
	}
	query(0x4002, "web.test");
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 4000, "10.0.2.3", 53, wb.b, wb.n), NS, &r),
		 ENGINE_DNS);
	CHECK(!r.dns_allow);
	CHECK_EQ(r.reason, DROP_DNS_RATE);
	/* half a second later one token is back (2 per second) */
	query(0x4003, "web.test");
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 4000, "10.0.2.3", 53, wb.b, wb.n),
		     NS + NS / 2, &r), ENGINE_DNS);
	CHECK(r.dns_allow);
}

/* A query for @name padded (EDNS option 12) to exactly @len bytes */
static void padded_query(unsigned int id, const char *name, size_t len)
{
	size_t at, pad;

	wb.n = 0;
	whdr(&wb, id, 0x0100, 1, 0, 0, 1);
	wq(&wb, name, 1, 1);
	w8(&wb, 0);
	at = wrr(&wb, 41, 1232, 0);
	pad = len - wb.n - 4;
	w16(&wb, 12);
	w16(&wb, (unsigned int)pad);
	memset(wb.b + wb.n, 0, pad);
	wb.n += pad;
	wrr_end(&wb, at);
}

TEST(dns_query_too_long_is_refused_not_allowed)
{
	struct engine_result r;

	CHECK(!setup());
	/* the longest query that can go upstream is decided as usual */
	padded_query(0x5000, "web.test", DNS_QUERY_MAX);
	CHECK_EQ(wb.n, DNS_QUERY_MAX);
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 4000, "10.0.2.3", 53, wb.b, wb.n), NS, &r),
		 ENGINE_DNS);
	CHECK(r.dns_allow);
	/* one byte more: refused (answered by sentry), never logged as allowed */
	nlines = 0;
	padded_query(0x5001, "web.test", DNS_QUERY_MAX + 1);
	CHECK_EQ(out(udp4(buf, "10.0.2.100", 4001, "10.0.2.3", 53, wb.b, wb.n), NS, &r),
		 ENGINE_DNS);
	CHECK(!r.dns_allow);
	CHECK_EQ(r.reason, DROP_DNS_TOO_LONG);
	CHECK(last_has("\"verdict\":\"deny\"") && last_has("\"reason\":\"dns_too_long\""));
	CHECK_EQ(b.c.drops.n[DROP_DNS_TOO_LONG], 1);
	CHECK_EQ(engine_stats(e)->dns_allowed, 1);
}

TEST(mismatched_answer)
{
	static const char *const a[] = { "198.18.7.8", NULL };
	struct dns_msg q;
	struct ipaddr c, s;

	CHECK(!setup());
	query(1, "web.test");
	CHECK_EQ(dns_parse_query(wb.b, wb.n, &q), DROP_NONE);
	answer(1, "other.test", 30, a);
	addr_parse("10.0.2.100", &c);
	addr_parse("10.0.2.3", &s);
	CHECK_EQ(engine_dns_answer(e, &b, &q.q, &c, 4000, &s, 53, wb.b, wb.n, NS,
				   engine_scratch_answer(e)), DROP_DNS_MISMATCH);
}

int main(void)
{
	RUN(dns_query_allowed_and_denied);
	RUN(cidr_flow_cached);
	RUN(learnt_name_and_ports);
	RUN(dns_flow_needs_syn_and_not_the_pools);
	RUN(denied_flow_reconsidered_after_learning);
	RUN(shared_address_deny_wins);
	RUN(ttl_expiry_keeps_established);
	RUN(policy_change_revokes);
	RUN(rebinding_refused);
	RUN(spoofed_and_ipv6_disabled);
	RUN(audit_forwards_would_deny);
	RUN(fragments_follow_the_first);
	RUN(dns_rate_limit);
	RUN(dns_query_too_long_is_refused_not_allowed);
	RUN(mismatched_answer);
	engine_free(e);
	return t_done();
}

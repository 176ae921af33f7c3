// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dns_learn.c - what an answer may teach: CNAME chain, A/AAAA, SVCB hints
 */
#include "dns.h"
#include "t.h"
#include "dns_build.h"

static struct wb W;
static struct dns_msg M;
static struct dns_learn_result L;

#define QNAME		12

/* Start an answer to "@q A IN"; the caller adds records and sets counts */
static void begin(const char *q)
{
	whdr(&W, 0x4242, 0x8180, 1, 0, 0, 0);
	wq(&W, q, 1, 1);
}

/* Parse what was built with @an answer records, then learn from it */
static enum drop_reason finish(unsigned int an)
{
	enum drop_reason r;

	wcount(&W, 1, an);
	r = dns_parse_response(W.b, W.n, &M);
	if (r == DROP_NONE)
		dns_learn(&M, &L);
	return r;
}

static void waaaa(const char *owner, uint32_t ttl, const uint8_t a[16])
{
	size_t at;

	wname(&W, owner);
	at = wrr(&W, 28, 1, ttl);
	wbytes(&W, a, 16);
	wrr_end(&W, at);
}

static const uint8_t v6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
};

static bool has_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	for (uint32_t i = 0; i < L.naddrs; i++) {
		const struct ipaddr *x = &L.addrs[i].addr;

		if (x->family == ADDR_FAMILY_V4 && x->b[0] == a &&
		    x->b[1] == b && x->b[2] == c && x->b[3] == d)
			return true;
	}
	return false;
}

TEST(learn_a_and_aaaa)
{
	begin("www.example.com");
	wa(&W, NULL, 300, 198, 18, 0, 1);
	waaaa("www.example.com", 60, v6);
	CHECK_EQ(finish(2), DROP_NONE);
	CHECK_EQ(L.naddrs, 2);
	CHECK_EQ(L.addrs[0].addr.family, ADDR_FAMILY_V4);
	CHECK(has_v4(198, 18, 0, 1));
	CHECK_EQ(L.addrs[0].ttl, 300);
	CHECK_EQ(L.addrs[0].rrtype, DNS_TYPE_A);
	CHECK_EQ(L.addrs[1].addr.family, ADDR_FAMILY_V6);
	CHECK(!memcmp(L.addrs[1].addr.b, v6, 16));
	CHECK_EQ(L.addrs[1].ttl, 60);
	CHECK_EQ(L.addrs[1].rrtype, DNS_TYPE_AAAA);
	CHECK_EQ(L.chain_len, 1);
	CHECK(!L.chain_loop);
	CHECK(!L.chain_long);
	CHECK_EQ(L.off_chain, 0);
	CHECK_EQ(L.addrs_over, 0);
	CHECK_STR(L.target.text, "www.example.com");
}

TEST(learn_nothing_from_nxdomain)
{
	begin("nope.example");
	W.b[3] = 0x83;
	CHECK_EQ(finish(0), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
	CHECK_EQ(L.chain_len, 1);
	CHECK_STR(L.target.text, "nope.example");
}

TEST(learn_cname_chain_ignores_injected_record)
{
	begin("www.example.com");
	wcname(&W, "www.example.com", "cdn.example.net", 300);
	wcname(&W, "cdn.example.net", "edge.example.org", 300);
	wa(&W, "edge.example.org", 20, 198, 18, 0, 5);
	wa(&W, "evil.example", 20, 198, 18, 0, 66);
	CHECK_EQ(finish(4), DROP_NONE);
	CHECK_EQ(L.naddrs, 1);
	CHECK(has_v4(198, 18, 0, 5));
	CHECK(!has_v4(198, 18, 0, 66));
	CHECK_EQ(L.off_chain, 1);
	CHECK_EQ(L.chain_len, 3);
	CHECK_STR(L.target.text, "edge.example.org");
}

TEST(learn_chain_in_any_order)
{
	begin("www.example.com");
	wa(&W, "edge.example.org", 20, 198, 18, 0, 5);
	wcname(&W, "cdn.example.net", "edge.example.org", 300);
	wcname(&W, "www.example.com", "cdn.example.net", 300);
	CHECK_EQ(finish(3), DROP_NONE);
	CHECK_EQ(L.naddrs, 1);
	CHECK(has_v4(198, 18, 0, 5));
	CHECK_EQ(L.chain_len, 3);
	CHECK_EQ(L.off_chain, 0);
}

TEST(learn_chain_case_insensitive)
{
	begin("www.example.com");
	wcname(&W, "WWW.Example.com", "CDN.example.NET", 300);
	wa(&W, "cdn.EXAMPLE.net", 20, 198, 18, 0, 7);
	CHECK_EQ(finish(2), DROP_NONE);
	CHECK_EQ(L.naddrs, 1);
	CHECK(has_v4(198, 18, 0, 7));
	CHECK_STR(L.target.text, "cdn.example.net");
}

TEST(learn_chain_from_question_only)
{
	/* a chain that does not start at the question teaches nothing */
	begin("www.example.com");
	wcname(&W, "other.example", "edge.example.org", 300);
	wa(&W, "edge.example.org", 20, 198, 18, 0, 5);
	CHECK_EQ(finish(2), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
	CHECK_EQ(L.off_chain, 2);
	CHECK_EQ(L.chain_len, 1);
}

TEST(learn_cname_loop)
{
	begin("www.example.com");
	wcname(&W, "www.example.com", "a.example", 300);
	wcname(&W, "a.example", "www.example.com", 300);
	wa(&W, "a.example", 20, 198, 18, 0, 9);
	CHECK_EQ(finish(3), DROP_NONE);
	CHECK(L.chain_loop);
	CHECK(!L.chain_long);
	CHECK_EQ(L.chain_len, 2);
	CHECK(has_v4(198, 18, 0, 9));
	CHECK_STR(L.target.text, "a.example");

	begin("www.example.com");
	wcname(&W, "www.example.com", "www.example.com", 300);
	CHECK_EQ(finish(1), DROP_NONE);
	CHECK(L.chain_loop);
	CHECK_EQ(L.chain_len, 1);
}

/* Chain n0 (the question) -> n1 -> ... -> n@cnames, an A on every name */
static enum drop_reason chain_of(unsigned int cnames)
{
	char a[16], b[16];

	begin("n0");
	for (unsigned int i = 0; i < cnames; i++) {
		snprintf(a, sizeof(a), "n%u", i);
		snprintf(b, sizeof(b), "n%u", i + 1);
		wcname(&W, a, b, 300);
	}
	for (unsigned int i = 0; i <= cnames; i++) {
		snprintf(a, sizeof(a), "n%u", i);
		wa(&W, a, 60, 198, 18, 1, (uint8_t)i);
	}
	return finish(2 * cnames + 1);
}

TEST(learn_chain_max)
{
	/* DNS_CHAIN_MAX names, question included: whole */
	CHECK_EQ(chain_of(DNS_CHAIN_MAX - 1), DROP_NONE);
	CHECK(!L.chain_long);
	CHECK(!L.chain_loop);
	CHECK_EQ(L.chain_len, DNS_CHAIN_MAX);
	CHECK_EQ(L.naddrs, DNS_CHAIN_MAX);
	CHECK_EQ(L.off_chain, 0);

	/* one more: cut at DNS_CHAIN_MAX, the last name's records ignored */
	CHECK_EQ(chain_of(DNS_CHAIN_MAX), DROP_NONE);
	CHECK(L.chain_long);
	CHECK(!L.chain_loop);
	CHECK_EQ(L.chain_len, DNS_CHAIN_MAX);
	CHECK_EQ(L.naddrs, DNS_CHAIN_MAX);
	CHECK(has_v4(198, 18, 1, DNS_CHAIN_MAX - 1));
	CHECK(!has_v4(198, 18, 1, DNS_CHAIN_MAX));
	CHECK_EQ(L.off_chain, 1);
	CHECK_STR(L.target.text, "n15");
}

/* An HTTPS/SVCB record: priority, root target, then @params as given */
static void wsvcb(const char *owner, unsigned int type, uint32_t ttl,
		  unsigned int prio, const uint8_t *params, size_t n)
{
	size_t at;

	wname(&W, owner);
	at = wrr(&W, type, 1, ttl);
	w16(&W, prio);
	w8(&W, 0);
	wbytes(&W, params, n);
	wrr_end(&W, at);
}

static const uint8_t good_params[] = {
	0, 1, 0, 3, 2, 'h', '2',			/* alpn "h2" */
	0, 4, 0, 8, 198, 18, 2, 1, 198, 18, 2, 2,	/* ipv4hint x2 */
	0, 6, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 1,				/* ipv6hint */
};

TEST(learn_https_hints)
{
	begin("www.example.com");
	wsvcb("www.example.com", DNS_TYPE_HTTPS, 120, 1, good_params,
	      sizeof(good_params));
	CHECK_EQ(finish(1), DROP_NONE);
	CHECK_EQ(L.naddrs, 3);
	CHECK(has_v4(198, 18, 2, 1));
	CHECK(has_v4(198, 18, 2, 2));
	CHECK_EQ(L.addrs[2].addr.family, ADDR_FAMILY_V6);
	CHECK(!memcmp(L.addrs[2].addr.b, v6, 16));
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(L.addrs[i].rrtype, DNS_TYPE_HTTPS);
		CHECK_EQ(L.addrs[i].ttl, 120);
	}

	/* SVCB the same, at the end of a CNAME chain */
	begin("www.example.com");
	wcname(&W, "www.example.com", "svc.example", 300);
	wsvcb("svc.example", DNS_TYPE_SVCB, 30, 2, good_params,
	      sizeof(good_params));
	wsvcb("other.example", DNS_TYPE_SVCB, 30, 2, good_params,
	      sizeof(good_params));
	CHECK_EQ(finish(3), DROP_NONE);
	CHECK_EQ(L.naddrs, 3);
	CHECK_EQ(L.addrs[0].rrtype, DNS_TYPE_SVCB);
	CHECK_EQ(L.off_chain, 1);
}

/* One HTTPS record with @params for the question; expect no address */
static enum drop_reason https_only(unsigned int prio, const uint8_t *params,
				   size_t n)
{
	begin("www.example.com");
	wsvcb("www.example.com", DNS_TYPE_HTTPS, 120, prio, params, n);
	return finish(1);
}

TEST(learn_https_malformed_gives_nothing)
{
	static const uint8_t decreasing[] = {
		0, 6, 0, 16, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0, 4, 0, 4, 198, 18, 2, 1,
	};
	static const uint8_t repeated[] = {
		0, 4, 0, 4, 198, 18, 2, 1,
		0, 4, 0, 4, 198, 18, 2, 2,
	};
	static const uint8_t v4_len6[] = { 0, 4, 0, 6, 198, 18, 2, 1, 0, 0 };
	static const uint8_t v4_len0[] = { 0, 4, 0, 0 };
	static const uint8_t v6_len4[] = { 0, 6, 0, 4, 1, 2, 3, 4 };
	static const uint8_t overrun[] = { 0, 4, 0, 8, 198, 18, 2, 1 };
	static const uint8_t half_key[] = { 0, 4, 0, 4, 198, 18, 2, 1, 0 };

	CHECK_EQ(https_only(1, decreasing, sizeof(decreasing)), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
	CHECK_EQ(https_only(1, repeated, sizeof(repeated)), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
	CHECK_EQ(https_only(1, v4_len6, sizeof(v4_len6)), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
	CHECK_EQ(https_only(1, v4_len0, sizeof(v4_len0)), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
	CHECK_EQ(https_only(1, v6_len4, sizeof(v6_len4)), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
	CHECK_EQ(https_only(1, overrun, sizeof(overrun)), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
	CHECK_EQ(https_only(1, half_key, sizeof(half_key)), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
	/* the well-formed prefix of half_key does give its address */
	CHECK_EQ(https_only(1, half_key, sizeof(half_key) - 1), DROP_NONE);
	CHECK_EQ(L.naddrs, 1);
	/* AliasMode: SvcParams ignored */
	CHECK_EQ(https_only(0, good_params, sizeof(good_params)), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
}

TEST(learn_https_bad_target_or_short_rdata)
{
	size_t at;

	/* TargetName compressed: not allowed in SVCB */
	begin("www.example.com");
	wptr(&W, QNAME);
	at = wrr(&W, DNS_TYPE_HTTPS, 1, 60);
	w16(&W, 1);
	wptr(&W, QNAME);
	wbytes(&W, good_params, sizeof(good_params));
	wrr_end(&W, at);
	CHECK_EQ(finish(1), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);

	/* one byte of rdata */
	begin("www.example.com");
	wptr(&W, QNAME);
	at = wrr(&W, DNS_TYPE_HTTPS, 1, 60);
	w8(&W, 1);
	wrr_end(&W, at);
	CHECK_EQ(finish(1), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);

	/* priority, then a target name running out of the rdata */
	begin("www.example.com");
	wptr(&W, QNAME);
	at = wrr(&W, DNS_TYPE_HTTPS, 1, 60);
	w16(&W, 1);
	w8(&W, 3);
	w8(&W, 'a');
	wrr_end(&W, at);
	CHECK_EQ(finish(1), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
}

TEST(learn_duplicates_merged)
{
	static const uint8_t hint[] = { 0, 4, 0, 4, 198, 18, 0, 1 };

	begin("www.example.com");
	wa(&W, NULL, 100, 198, 18, 0, 1);
	wa(&W, NULL, 300, 198, 18, 0, 1);
	wa(&W, NULL, 200, 198, 18, 0, 1);
	wsvcb("www.example.com", DNS_TYPE_HTTPS, 900, 1, hint, sizeof(hint));
	CHECK_EQ(finish(4), DROP_NONE);
	CHECK_EQ(L.naddrs, 1);
	CHECK_EQ(L.addrs[0].ttl, 900);
	CHECK_EQ(L.addrs[0].rrtype, DNS_TYPE_A);

	/* the same four bytes as A and inside an AAAA are different addresses */
	begin("www.example.com");
	wa(&W, NULL, 100, 32, 1, 13, 184);
	waaaa("www.example.com", 100, v6);
	CHECK_EQ(finish(2), DROP_NONE);
	CHECK_EQ(L.naddrs, 2);
}

TEST(learn_cap)
{
	begin("www.example.com");
	for (unsigned int i = 0; i < DNS_LEARN_MAX + 6; i++)
		wa(&W, NULL, 60, 198, 18, 3, (uint8_t)i);
	/* a duplicate of an address taken is merged, not counted as over */
	wa(&W, NULL, 60, 198, 18, 3, 0);
	CHECK_EQ(finish(DNS_LEARN_MAX + 7), DROP_NONE);
	CHECK_EQ(L.naddrs, DNS_LEARN_MAX);
	CHECK_EQ(L.addrs_over, 6);
	CHECK(has_v4(198, 18, 3, DNS_LEARN_MAX - 1));
	CHECK(!has_v4(198, 18, 3, DNS_LEARN_MAX));
}

TEST(learn_answer_section_only)
{
	begin("www.example.com");
	wa(&W, NULL, 60, 198, 18, 0, 1);
	wa(&W, NULL, 60, 198, 18, 0, 2);
	wa(&W, NULL, 60, 198, 18, 0, 3);
	wcount(&W, 2, 1);
	wcount(&W, 3, 1);
	CHECK_EQ(finish(1), DROP_NONE);
	CHECK_EQ(L.naddrs, 1);
	CHECK(has_v4(198, 18, 0, 1));
	CHECK_EQ(L.off_chain, 0);
}

TEST(learn_class_in_only)
{
	size_t at;

	begin("www.example.com");
	wptr(&W, QNAME);
	at = wrr(&W, DNS_TYPE_A, 3, 60);
	w32(&W, 0xc6120001);
	wrr_end(&W, at);
	/* and a CHAOS CNAME does not extend the chain */
	wptr(&W, QNAME);
	at = wrr(&W, DNS_TYPE_CNAME, 3, 60);
	wname(&W, "x.example");
	wrr_end(&W, at);
	wa(&W, "x.example", 60, 198, 18, 0, 2);
	CHECK_EQ(finish(3), DROP_NONE);
	CHECK_EQ(L.naddrs, 0);
	CHECK_EQ(L.chain_len, 1);
	CHECK_EQ(L.off_chain, 1);
}

TEST(learn_ttl_top_bit_is_zero)
{
	begin("www.example.com");
	wa(&W, NULL, 0x80000001u, 198, 18, 0, 1);
	wa(&W, NULL, 0x7fffffffu, 198, 18, 0, 2);
	CHECK_EQ(finish(2), DROP_NONE);
	CHECK_EQ(L.naddrs, 2);
	CHECK_EQ(L.addrs[0].ttl, 0);
	CHECK_EQ(L.addrs[1].ttl, 0x7fffffffu);
}

TEST(learn_mapped_aaaa_stays_v6)
{
	static const uint8_t mapped[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1,
	};

	begin("www.example.com");
	waaaa("www.example.com", 60, mapped);
	CHECK_EQ(finish(1), DROP_NONE);
	CHECK_EQ(L.naddrs, 1);
	CHECK_EQ(L.addrs[0].addr.family, ADDR_FAMILY_V6);
	CHECK_EQ(addr_classify(&L.addrs[0].addr), ADDR_EMBEDS_V4);
}

TEST(learn_compressed_chain)
{
	size_t at, cdn;

	/* www.example.com CNAME cdn.<ptr example.com>; A owned by a pointer to it */
	begin("www.example.com");
	wptr(&W, QNAME);
	at = wrr(&W, DNS_TYPE_CNAME, 1, 60);
	cdn = W.n;
	w8(&W, 3);
	wbytes(&W, "CDN", 3);
	wptr(&W, QNAME + 4);
	wrr_end(&W, at);
	wptr(&W, (unsigned int)cdn);
	at = wrr(&W, DNS_TYPE_A, 1, 60);
	w32(&W, 0xc6120063);
	wrr_end(&W, at);
	CHECK_EQ(finish(2), DROP_NONE);
	CHECK_EQ(L.chain_len, 2);
	CHECK_STR(L.target.text, "cdn.example.com");
	CHECK_EQ(L.naddrs, 1);
	CHECK(has_v4(198, 18, 0, 0x63));
}

int main(void)
{
	RUN(learn_a_and_aaaa);
	RUN(learn_nothing_from_nxdomain);
	RUN(learn_cname_chain_ignores_injected_record);
	RUN(learn_chain_in_any_order);
	RUN(learn_chain_case_insensitive);
	RUN(learn_chain_from_question_only);
	RUN(learn_cname_loop);
	RUN(learn_chain_max);
	RUN(learn_https_hints);
	RUN(learn_https_malformed_gives_nothing);
	RUN(learn_https_bad_target_or_short_rdata);
	RUN(learn_duplicates_merged);
	RUN(learn_cap);
	RUN(learn_answer_section_only);
	RUN(learn_class_in_only);
	RUN(learn_ttl_top_bit_is_zero);
	RUN(learn_mapped_aaaa_stays_v6);
	RUN(learn_compressed_chain);
	return t_done();
}

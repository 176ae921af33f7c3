// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dns_clean.c - dns_clean_query(): the query forwarded upstream holds
 * the question and sentry's own header and OPT, nothing the client added
 */
#include <errno.h>
#include <string.h>

#include "dns.h"
#include "t.h"
#include "dns_build.h"

static struct wb wb;
static uint8_t out[2048];

/* A query for @name with @flags; EDNS if @udp, then @nopts options of @olen */
static void query(unsigned int flags, unsigned int udp, unsigned int ttl,
		  unsigned int nopts, unsigned int olen)
{
	whdr(&wb, 0x1234, flags, 1, 0, 0, udp ? 1 : 0);
	wq(&wb, "Www.Example.COM", 1, 1);
	if (udp) {
		size_t at;

		w8(&wb, 0);
		at = wrr(&wb, 41, udp, ttl);
		for (unsigned int i = 0; i < nopts; i++) {
			w16(&wb, 65001 + i);
			w16(&wb, olen);
			for (unsigned int j = 0; j < olen; j++)
				w8(&wb, 0xAA);
		}
		wrr_end(&wb, at);
	}
}

static size_t qend(void)
{
	return 12 + 17 + 4;	/* header, "Www.Example.COM" (17 wire bytes), type, class */
}

TEST(no_edns_header_kept_flags_only)
{
	struct dns_msg m;
	struct dns_clean_stats st;
	int n;

	/* RD, CD, AD kept; Z (0x0040), AA, TC, RA cleared */
	query(0x0100 | 0x0010 | 0x0020 | 0x0040 | 0x0400 | 0x0200 | 0x0080, 0, 0, 0, 0);
	CHECK_EQ(dns_parse_query(wb.b, wb.n, &m), DROP_NONE);
	n = dns_clean_query(out, sizeof(out), &m, &st);
	CHECK_EQ(n, (int)qend());
	CHECK_EQ(out[0], 0);
	CHECK_EQ(out[1], 0);			/* ID: the resolver's */
	CHECK_EQ(out[2], 0x01);
	CHECK_EQ(out[3], 0x30);			/* RD, AD, CD */
	CHECK_EQ(out[11], 0);			/* ARCOUNT */
	CHECK(!memcmp(out + 12, wb.b + 12, qend() - 12));	/* case kept */
	CHECK_EQ(st.flags, 0x0400 | 0x0200 | 0x0080 | 0x0040);
	CHECK_EQ(st.options, 0u);
}

TEST(options_dropped_counted)
{
	struct dns_msg m;
	struct dns_clean_stats st;
	int n;

	/* a 600-byte unknown option, payload 4096, version 0, DO and Z bits */
	query(0x0100, 4096, 0x8000 | 0x0001, 1, 600);
	CHECK_EQ(dns_parse_query(wb.b, wb.n, &m), DROP_NONE);
	n = dns_clean_query(out, sizeof(out), &m, &st);
	CHECK_EQ(n, (int)qend() + 11);
	CHECK_EQ(out[11], 1);			/* ARCOUNT: the OPT */
	{
		static const uint8_t opt[11] = { 0, 0, 41, 0x04, 0xd0, 0, 0,
						 0x80, 0, 0, 0 };
		CHECK(!memcmp(out + qend(), opt, sizeof(opt)));	/* 1232, DO, no options */
	}
	CHECK_EQ(st.options, 1u);
	CHECK_EQ(st.option_bytes, 604u);
	CHECK_EQ(st.first_code, 65001);
	CHECK_EQ(st.opt_bits, 0x0001);
	CHECK(st.size);
	CHECK(!st.version);
	/* what sentry built parses, with the same question */
	{
		struct dns_msg c;

		CHECK_EQ(dns_parse_query(out, (size_t)n, &c), DROP_NONE);
		CHECK(dns_question_equal(&c.q, &m.q));
		CHECK(c.edns.present && c.edns.do_bit && c.edns.udp_size == 1232);
	}
}

TEST(no_do_version_reset_many_options)
{
	struct dns_msg m;
	struct dns_clean_stats st;

	query(0, 512, 1u << 16, 3, 0);	/* version 1, three empty options */
	CHECK_EQ(dns_parse_query(wb.b, wb.n, &m), DROP_NONE);
	CHECK_EQ(dns_clean_query(out, sizeof(out), &m, &st), (int)qend() + 11);
	CHECK_EQ(out[qend() + 6], 0);		/* version 0 */
	CHECK_EQ(out[qend() + 7], 0);		/* no DO */
	CHECK_EQ(st.options, 3u);
	CHECK_EQ(st.option_bytes, 12u);
	CHECK(st.version);
}

TEST(in_place)
{
	struct dns_msg m;
	struct dns_clean_stats st;
	uint8_t q[WB_CAP];
	size_t len;

	query(0x0100, 1232, 0x8000, 2, 10);
	memcpy(q, wb.b, wb.n);
	len = wb.n;
	CHECK_EQ(dns_parse_query(q, len, &m), DROP_NONE);
	CHECK_EQ(dns_clean_query(q, len, &m, &st), (int)qend() + 11);
	CHECK(!memcmp(q + 12, wb.b + 12, qend() - 12));
	CHECK_EQ(st.options, 2u);
	CHECK(!st.size);
}

TEST(capacity_boundaries)
{
	struct dns_msg m;
	struct dns_clean_stats st;

	query(0x0100, 1232, 0, 0, 0);
	CHECK_EQ(dns_parse_query(wb.b, wb.n, &m), DROP_NONE);
	CHECK_EQ(dns_clean_query(out, qend() + 11, &m, &st), (int)qend() + 11);
	CHECK_EQ(dns_clean_query(out, qend() + 10, &m, &st), -ENOSPC);
	CHECK_EQ(dns_clean_query(out, qend(), &m, &st), -ENOSPC);
	CHECK_EQ(dns_clean_query(out, 11, &m, &st), -ENOSPC);
	CHECK_EQ(dns_clean_query(out, 0, &m, &st), -ENOSPC);
	query(0x0100, 0, 0, 0, 0);
	CHECK_EQ(dns_parse_query(wb.b, wb.n, &m), DROP_NONE);
	CHECK_EQ(dns_clean_query(out, qend(), &m, &st), (int)qend());
	CHECK_EQ(dns_clean_query(out, qend() - 1, &m, &st), -ENOSPC);
}

int main(void)
{
	RUN(no_edns_header_kept_flags_only);
	RUN(options_dropped_counted);
	RUN(no_do_version_reset_many_options);
	RUN(in_place);
	RUN(capacity_boundaries);
	return t_done();
}

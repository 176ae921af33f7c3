// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dns.c - DNS queries from bottles, and names: wire rules, text form
 *
 * Responses are in test_dns_response.c, learning in test_dns_learn.c,
 * refusals in test_dns_synth.c.
 */
#include <errno.h>

#include "dns.h"
#include "t.h"
#include "dns_build.h"

static struct wb W;
static struct dns_msg M;

#define QUERY(w, m)	dns_parse_query((w)->b, (w)->n, (m))

/* "www.Example.COM" A IN, RD set */
static void minimal_query(struct wb *w)
{
	whdr(w, 0x1234, 0x0100, 1, 0, 0, 0);
	wq(w, "www.Example.COM", 1, 1);
}

TEST(query_minimal)
{
	minimal_query(&W);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	CHECK_EQ(M.hdr.id, 0x1234);
	CHECK_EQ(M.hdr.flags, 0x0100);
	CHECK_EQ(M.hdr.qdcount, 1);
	CHECK_STR(M.q.name.text, "www.example.com");
	CHECK_EQ(M.q.name.text_len, 15);
	CHECK_EQ(M.q.name.wire_len, 17);
	CHECK_EQ(M.q.qtype, DNS_TYPE_A);
	CHECK_EQ(M.q.qclass, DNS_CLASS_IN);
	CHECK_EQ(M.q.off, 12);
	CHECK_EQ(M.q.end, 12 + 17 + 4);
	CHECK(!M.edns.present);
	CHECK(M.buf == W.b);
	CHECK_EQ(M.len, W.n);
}

TEST(query_edns)
{
	minimal_query(&W);
	wcount(&W, 3, 1);
	wopt(&W, 4096, 0, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	CHECK(M.edns.present);
	CHECK_EQ(M.edns.udp_size, 4096);
	CHECK_EQ(M.edns.version, 0);
	CHECK(M.edns.do_bit);
	CHECK_EQ(M.edns.off, 12 + 17 + 4);

	minimal_query(&W);
	wcount(&W, 3, 1);
	wopt(&W, 512, 1, 0);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	CHECK_EQ(M.edns.udp_size, 512);
	CHECK_EQ(M.edns.version, 1);
	CHECK(!M.edns.do_bit);
}

TEST(query_root)
{
	whdr(&W, 1, 0, 1, 0, 0, 0);
	wq(&W, "", 2, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	CHECK_STR(M.q.name.text, "");
	CHECK_EQ(M.q.name.text_len, 0);
	CHECK_EQ(M.q.name.wire_len, 1);
	CHECK_EQ(M.q.qtype, 2);
}

/* A query with an OPT carrying one 4-byte option: every field has a last byte */
static void query_with_option(struct wb *w)
{
	size_t at;

	whdr(w, 7, 0, 1, 0, 0, 1);
	wq(w, "a.b", 28, 1);
	w8(w, 0);
	at = wrr(w, 41, 1232, 0);
	w16(w, 10);	/* COOKIE */
	w16(w, 0);
	wrr_end(w, at);
}

TEST(query_every_prefix_is_truncated)
{
	size_t full, rdata;

	query_with_option(&W);
	full = W.n;
	rdata = full - 4;
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	for (size_t n = 0; n < full; n++) {
		enum drop_reason want = DROP_DNS_TRUNCATED;

		/* the fixed fields are whole, the option is not */
		if (n >= rdata)
			want = DROP_DNS_RDATA;
		if (dns_parse_query(W.b, n, &M) != want) {
			t_fail_at("prefix %zu: %s, want %s", n,
				  drop_name(dns_parse_query(W.b, n, &M)),
				  drop_name(want));
			return;
		}
	}
}

TEST(query_trailing)
{
	minimal_query(&W);
	w8(&W, 0);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_TRAILING);

	query_with_option(&W);
	w8(&W, 0);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_TRAILING);

	/* nothing past 65535 bytes is a DNS message */
	minimal_query(&W);
	CHECK_EQ(dns_parse_query(W.b, 65536, &M), DROP_DNS_TRAILING);
}

TEST(query_not_query)
{
	static const unsigned int opcodes[] = { 1, 2, 4, 5, 15 };

	minimal_query(&W);
	W.b[2] |= 0x80;			/* QR */
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_NOT_QUERY);

	for (size_t i = 0; i < sizeof(opcodes) / sizeof(opcodes[0]); i++) {
		minimal_query(&W);
		W.b[2] |= (uint8_t)(opcodes[i] << 3);
		CHECK_EQ(QUERY(&W, &M), DROP_DNS_NOT_QUERY);
	}
}

TEST(query_qdcount)
{
	minimal_query(&W);
	wcount(&W, 0, 0);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_QDCOUNT);
	wcount(&W, 0, 2);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_QDCOUNT);
}

TEST(query_sections)
{
	minimal_query(&W);
	wcount(&W, 1, 1);
	wa(&W, NULL, 60, 198, 18, 0, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_SECTIONS);

	minimal_query(&W);
	wcount(&W, 2, 1);
	wa(&W, NULL, 60, 198, 18, 0, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_SECTIONS);
}

TEST(query_opt_rules)
{
	size_t at;

	/* two additional records */
	minimal_query(&W);
	wcount(&W, 3, 2);
	wopt(&W, 1232, 0, 0);
	wopt(&W, 1232, 0, 0);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_OPT);

	/* one, but not an OPT */
	minimal_query(&W);
	wcount(&W, 3, 1);
	wa(&W, "", 60, 198, 18, 0, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_OPT);

	/* an OPT, but not at the root */
	minimal_query(&W);
	wcount(&W, 3, 1);
	wname(&W, "x");
	at = wrr(&W, 41, 1232, 0);
	wrr_end(&W, at);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_OPT);

	/* arcount says 1, nothing there */
	minimal_query(&W);
	wcount(&W, 3, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_TRUNCATED);
}

TEST(query_opt_options_must_tile)
{
	size_t at;

	/* option header says 5 bytes of value, 4 are there */
	minimal_query(&W);
	wcount(&W, 3, 1);
	w8(&W, 0);
	at = wrr(&W, 41, 1232, 0);
	w16(&W, 10);
	w16(&W, 5);
	w32(&W, 0);
	wrr_end(&W, at);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_RDATA);

	/* a lone byte after a whole option */
	minimal_query(&W);
	wcount(&W, 3, 1);
	w8(&W, 0);
	at = wrr(&W, 41, 1232, 0);
	w16(&W, 12);
	w16(&W, 0);
	w8(&W, 0);
	wrr_end(&W, at);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_RDATA);

	/* exactly tiled: padding of 3 zero bytes */
	minimal_query(&W);
	wcount(&W, 3, 1);
	w8(&W, 0);
	at = wrr(&W, 41, 1232, 0);
	w16(&W, 12);
	w16(&W, 3);
	w16(&W, 0);
	w8(&W, 0);
	wrr_end(&W, at);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
}

TEST(query_pointer_in_question)
{
	/* "www" then a pointer: refused whatever it points at */
	whdr(&W, 1, 0, 1, 0, 0, 0);
	w8(&W, 3);
	wbytes(&W, "www", 3);
	wptr(&W, 12);
	w16(&W, 1);
	w16(&W, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_POINTER_IN_QUERY);

	/* a bare pointer as the whole name */
	whdr(&W, 1, 0, 1, 0, 0, 0);
	wptr(&W, 12);
	w16(&W, 1);
	w16(&W, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_POINTER_IN_QUERY);
}

TEST(query_label_types)
{
	whdr(&W, 1, 0, 1, 0, 0, 0);
	w8(&W, 0x41);		/* extended label type */
	W.n += 0x41;
	w8(&W, 0);
	w16(&W, 1);
	w16(&W, 1);
	memset(W.b + 13, 'a', 0x41);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_LABEL_TYPE);

	W.b[12] = 0x80;		/* reserved */
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_LABEL_TYPE);
	W.b[12] = 0xbf;
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_LABEL_TYPE);
}

/* A question whose name is labels of the given lengths, all 'x' */
static void query_labels(struct wb *w, const unsigned int *lens, size_t n)
{
	whdr(w, 1, 0, 1, 0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		w8(w, lens[i]);
		memset(w->b + w->n, 'x', lens[i]);
		w->n += lens[i];
	}
	w8(w, 0);
	w16(w, 1);
	w16(w, 1);
}

TEST(query_label_63_ok_64_bad)
{
	static const unsigned int l63[] = { 63, 3 }, l64[] = { 64, 3 };

	query_labels(&W, l63, 2);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	CHECK_EQ(M.q.name.wire_len, 1 + 63 + 1 + 3 + 1);
	CHECK_EQ(M.q.name.text_len, 63 + 1 + 3);
	/* 64 is 0x40: on the wire it can only be the extended label type */
	query_labels(&W, l64, 2);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_LABEL_TYPE);
}

TEST(query_name_255_ok_256_bad)
{
	static const unsigned int l255[] = { 63, 63, 63, 61 };
	static const unsigned int l256[] = { 63, 63, 63, 62 };
	static const unsigned int many[] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2,
	};

	query_labels(&W, l255, 4);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	CHECK_EQ(M.q.name.wire_len, 255);
	CHECK_EQ(M.q.name.text_len, 250 + 3);

	query_labels(&W, l256, 4);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_NAME_LEN);

	/* 127 one-byte labels: 254 + root = 255 */
	query_labels(&W, many, 127);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	CHECK_EQ(M.q.name.wire_len, 255);
	/* the last one two bytes long: 256 */
	query_labels(&W, many, 128);
	CHECK_EQ(QUERY(&W, &M), DROP_DNS_NAME_LEN);
}

TEST(query_name_too_long_before_truncation)
{
	static const unsigned int l256[] = { 63, 63, 63, 62 };

	/* the length is known from the length byte, before its label is read */
	query_labels(&W, l256, 4);
	CHECK_EQ(dns_parse_query(W.b, 12 + 3 * 64 + 1, &M), DROP_DNS_NAME_LEN);
}

TEST(query_name_normalised)
{
	/* one label: "A.b \\" then 0x80, 0xff, 0xc1 ('A' | 0x80), "_-z9" */
	static const uint8_t label[] = {
		'A', '.', 'b', ' ', '\\', 0x80, 0xff, 0xc1, '_', '-', 'z', '9',
	};

	whdr(&W, 1, 0, 1, 0, 0, 0);
	w8(&W, sizeof(label));
	wbytes(&W, label, sizeof(label));
	wname(&W, "EXAMPLE");
	w16(&W, 1);
	w16(&W, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	CHECK_STR(M.q.name.text,
		  "a\\046b\\032\\092\\128\\255\\193_-z9.example");
	CHECK_EQ(M.q.name.text_len, strlen(M.q.name.text));
	CHECK_EQ(M.q.name.wire_len, 1 + 12 + 1 + 7 + 1);
}

TEST(query_dot_in_label_is_not_two_labels)
{
	struct dns_name two;

	whdr(&W, 1, 0, 1, 0, 0, 0);
	w8(&W, 3);
	wbytes(&W, "a.b", 3);
	w8(&W, 0);
	w16(&W, 1);
	w16(&W, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	CHECK_STR(M.q.name.text, "a\\046b");
	CHECK_EQ(dns_name_from_text("a.b", &two), 0);
	CHECK(strcmp(two.text, M.q.name.text) != 0);
}

TEST(name_from_text_basic)
{
	struct dns_name n;

	CHECK_EQ(dns_name_from_text("WWW.Example.COM.", &n), 0);
	CHECK_STR(n.text, "www.example.com");
	CHECK_EQ(n.text_len, 15);
	CHECK_EQ(n.wire_len, 17);
	CHECK_EQ(dns_name_from_text("www.example.com", &n), 0);
	CHECK_STR(n.text, "www.example.com");
	CHECK_EQ(dns_name_from_text("_dmarc.x-y.example", &n), 0);
	CHECK_STR(n.text, "_dmarc.x-y.example");

	CHECK_EQ(dns_name_from_text(".", &n), 0);
	CHECK_STR(n.text, "");
	CHECK_EQ(n.wire_len, 1);
	CHECK_EQ(dns_name_from_text("", &n), 0);
	CHECK_EQ(n.wire_len, 1);
}

TEST(name_from_text_refuses)
{
	struct dns_name n;

	CHECK_EQ(dns_name_from_text("a..b", &n), -EINVAL);
	CHECK_EQ(dns_name_from_text(".a", &n), -EINVAL);
	CHECK_EQ(dns_name_from_text("a..", &n), -EINVAL);
	CHECK_EQ(dns_name_from_text("..", &n), -EINVAL);
	CHECK_EQ(dns_name_from_text("a\\", &n), -EINVAL);
	CHECK_EQ(dns_name_from_text("a\\12", &n), -EINVAL);
	CHECK_EQ(dns_name_from_text("a\\256", &n), -EINVAL);
	CHECK_EQ(dns_name_from_text("a\\x", &n), -EINVAL);
}

TEST(name_from_text_lengths)
{
	char s[300];
	struct dns_name n;

	memset(s, 'a', 63);
	s[63] = '\0';
	CHECK_EQ(dns_name_from_text(s, &n), 0);
	CHECK_EQ(n.wire_len, 65);
	s[63] = 'a';
	s[64] = '\0';
	CHECK_EQ(dns_name_from_text(s, &n), -EINVAL);

	/* 63.63.63.61 = 253 characters: 255 on the wire */
	memset(s, 'b', 253);
	s[63] = s[127] = s[191] = '.';
	s[253] = '\0';
	CHECK_EQ(dns_name_from_text(s, &n), 0);
	CHECK_EQ(n.wire_len, 255);
	CHECK_EQ(n.text_len, 253);
	s[253] = '.';		/* a trailing dot is not a character more */
	s[254] = '\0';
	CHECK_EQ(dns_name_from_text(s, &n), 0);
	CHECK_EQ(n.wire_len, 255);
	s[253] = 'b';		/* 254 characters */
	CHECK_EQ(dns_name_from_text(s, &n), -EINVAL);
}

TEST(name_from_text_escapes)
{
	struct dns_name n;

	CHECK_EQ(dns_name_from_text("a b.Z", &n), 0);
	CHECK_STR(n.text, "a\\032b.z");
	CHECK_EQ(n.wire_len, 1 + 3 + 1 + 1 + 1);
	CHECK_EQ(dns_name_from_text("a\\046B", &n), 0);
	CHECK_STR(n.text, "a\\046b");
	CHECK_EQ(n.wire_len, 1 + 3 + 1);
	/* \065 is 'A': folded like any other upper-case byte */
	CHECK_EQ(dns_name_from_text("\\065", &n), 0);
	CHECK_STR(n.text, "a");
	CHECK_EQ(dns_name_from_text("\\000\\255", &n), 0);
	CHECK_STR(n.text, "\\000\\255");
	CHECK_EQ(n.wire_len, 4);
	/* an escaped byte counts once towards the 63 */
	{
		char s[63 * 4 + 1];

		for (int i = 0; i < 63; i++)
			memcpy(s + 4 * i, "\\046", 4);
		s[63 * 4] = '\0';
		CHECK_EQ(dns_name_from_text(s, &n), 0);
		CHECK_EQ(n.wire_len, 65);
		CHECK_EQ(n.text_len, 63 * 4);
	}
}

TEST(name_text_round_trip)
{
	struct dns_name back;

	/* wire -> text -> from_text gives the same name */
	whdr(&W, 1, 0, 1, 0, 0, 0);
	w8(&W, 5);
	wbytes(&W, "\x00.\\\xfe ", 5);
	wname(&W, "Mixed.Case");
	w16(&W, 1);
	w16(&W, 1);
	CHECK_EQ(QUERY(&W, &M), DROP_NONE);
	CHECK_STR(M.q.name.text, "\\000\\046\\092\\254\\032.mixed.case");
	CHECK_EQ(dns_name_from_text(M.q.name.text, &back), 0);
	CHECK_STR(back.text, M.q.name.text);
	CHECK_EQ(back.wire_len, M.q.name.wire_len);
}

TEST(question_equal)
{
	struct dns_msg a, b;
	static struct wb w2;

	minimal_query(&W);
	CHECK_EQ(QUERY(&W, &a), DROP_NONE);
	whdr(&w2, 9, 0x8180, 1, 0, 0, 0);
	wq(&w2, "WWW.EXAMPLE.com", 1, 1);
	CHECK_EQ(dns_parse_response(w2.b, w2.n, &b), DROP_NONE);
	CHECK(dns_question_equal(&a.q, &b.q));

	whdr(&w2, 9, 0x8180, 1, 0, 0, 0);
	wq(&w2, "www.example.com", 28, 1);
	CHECK_EQ(dns_parse_response(w2.b, w2.n, &b), DROP_NONE);
	CHECK(!dns_question_equal(&a.q, &b.q));

	whdr(&w2, 9, 0x8180, 1, 0, 0, 0);
	wq(&w2, "www.example.com", 1, 3);
	CHECK_EQ(dns_parse_response(w2.b, w2.n, &b), DROP_NONE);
	CHECK(!dns_question_equal(&a.q, &b.q));

	whdr(&w2, 9, 0x8180, 1, 0, 0, 0);
	wq(&w2, "www.example.co", 1, 1);
	CHECK_EQ(dns_parse_response(w2.b, w2.n, &b), DROP_NONE);
	CHECK(!dns_question_equal(&a.q, &b.q));

	/* "a.b" as one label against "a" "b": different names */
	whdr(&W, 1, 0, 1, 0, 0, 0);
	wq(&W, "a.b", 1, 1);
	CHECK_EQ(QUERY(&W, &a), DROP_NONE);
	whdr(&w2, 1, 0x8000, 1, 0, 0, 0);
	w8(&w2, 3);
	wbytes(&w2, "a.b", 3);
	w8(&w2, 0);
	w16(&w2, 1);
	w16(&w2, 1);
	CHECK_EQ(dns_parse_response(w2.b, w2.n, &b), DROP_NONE);
	CHECK(!dns_question_equal(&a.q, &b.q));
}

int main(void)
{
	RUN(query_minimal);
	RUN(query_edns);
	RUN(query_root);
	RUN(query_every_prefix_is_truncated);
	RUN(query_trailing);
	RUN(query_not_query);
	RUN(query_qdcount);
	RUN(query_sections);
	RUN(query_opt_rules);
	RUN(query_opt_options_must_tile);
	RUN(query_pointer_in_question);
	RUN(query_label_types);
	RUN(query_label_63_ok_64_bad);
	RUN(query_name_255_ok_256_bad);
	RUN(query_name_too_long_before_truncation);
	RUN(query_name_normalised);
	RUN(query_dot_in_label_is_not_two_labels);
	RUN(name_from_text_basic);
	RUN(name_from_text_refuses);
	RUN(name_from_text_lengths);
	RUN(name_from_text_escapes);
	RUN(name_text_round_trip);
	RUN(question_equal);
	return t_done();
}

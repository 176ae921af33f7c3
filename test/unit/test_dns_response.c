// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dns_response.c - upstream answers: counts, records, pointers, OPT
 */
#include "dns.h"
#include "t.h"
#include "dns_build.h"

static struct wb W;
static struct dns_msg M;

#define RESP(w, m)	dns_parse_response((w)->b, (w)->n, (m))

/* Offset of the question name: pointers to it are the usual compression */
#define QNAME		12

/* "www.example.com" A IN, answered with two A records (owners compressed) */
static void basic_answer(struct wb *w)
{
	whdr(w, 0xbeef, 0x8180, 1, 2, 0, 0);
	wq(w, "www.example.com", 1, 1);
	wa(w, NULL, 300, 198, 18, 0, 1);
	wa(w, NULL, 300, 198, 18, 0, 2);
}

TEST(response_basic)
{
	basic_answer(&W);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);
	CHECK_EQ(M.hdr.id, 0xbeef);
	CHECK_EQ(M.hdr.ancount, 2);
	CHECK_EQ(dns_rcode(&M), DNS_RCODE_NOERROR);
	CHECK_STR(M.q.name.text, "www.example.com");
	CHECK_EQ(M.q.end, 12 + 17 + 4);
	CHECK_EQ(M.an_off, M.q.end);
	CHECK(!M.edns.present);
}

TEST(response_nxdomain_no_records)
{
	whdr(&W, 1, 0x8183, 1, 0, 0, 0);
	wq(&W, "nope.example", 1, 1);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);
	CHECK_EQ(dns_rcode(&M), DNS_RCODE_NXDOMAIN);
}

TEST(response_not_response)
{
	basic_answer(&W);
	W.b[2] &= 0x7f;
	CHECK_EQ(RESP(&W, &M), DROP_DNS_NOT_RESPONSE);
}

TEST(response_qdcount)
{
	basic_answer(&W);
	wcount(&W, 0, 0);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_QDCOUNT);
	wcount(&W, 0, 2);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_QDCOUNT);
}

TEST(response_header_truncated)
{
	basic_answer(&W);
	for (size_t n = 0; n < 12; n++)
		CHECK_EQ(dns_parse_response(W.b, n, &M), DROP_DNS_TRUNCATED);
	/* header only, qdcount 1 */
	CHECK_EQ(dns_parse_response(W.b, 12, &M), DROP_DNS_TRUNCATED);
}

/* Two minimal records: root owner, type 16, class IN, no rdata: 11 bytes each */
static void two_minimal_records(struct wb *w)
{
	whdr(w, 1, 0x8000, 1, 2, 0, 0);
	wq(w, "a", 16, 1);
	for (int i = 0; i < 2; i++) {
		w8(w, 0);
		wrr_end(w, wrr(w, 16, 1, 0));
	}
}

TEST(response_counts_boundary)
{
	two_minimal_records(&W);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);

	/* 2 records cannot fit in 21 bytes */
	CHECK_EQ(dns_parse_response(W.b, W.n - 1, &M), DROP_DNS_COUNTS);

	/* 3 records cannot fit in the 22 bytes left */
	wcount(&W, 1, 3);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_COUNTS);
	/* whichever section claims them */
	wcount(&W, 1, 2);
	wcount(&W, 2, 1);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_COUNTS);
	wcount(&W, 2, 0);
	wcount(&W, 3, 1);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_COUNTS);

	/* the largest counts a header can hold: no overflow, no loop */
	wcount(&W, 1, 0xffff);
	wcount(&W, 2, 0xffff);
	wcount(&W, 3, 0xffff);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_COUNTS);

	/* fewer records claimed than present: the rest is trailing */
	two_minimal_records(&W);
	wcount(&W, 1, 1);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_TRAILING);
}

TEST(response_trailing)
{
	basic_answer(&W);
	w8(&W, 0);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_TRAILING);
}

TEST(response_every_prefix_refused)
{
	size_t full;

	basic_answer(&W);
	wcount(&W, 3, 1);
	wopt(&W, 1232, 0, 1);
	full = W.n;
	CHECK_EQ(RESP(&W, &M), DROP_NONE);
	for (size_t n = 0; n < full; n++) {
		enum drop_reason r = dns_parse_response(W.b, n, &M);

		if (r != DROP_DNS_TRUNCATED && r != DROP_DNS_RDATA &&
		    r != DROP_DNS_COUNTS) {
			t_fail_at("prefix %zu: %s", n, drop_name(r));
			return;
		}
	}
}

TEST(response_record_field_boundaries)
{
	size_t rdlen_end;

	/* one A record: cut inside the fixed fields, then inside the rdata */
	whdr(&W, 1, 0x8000, 1, 1, 0, 0);
	wq(&W, "a", 1, 1);
	wa(&W, NULL, 60, 198, 18, 0, 1);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);
	rdlen_end = W.n - 4;
	/* below 11 bytes left, the counts check answers first */
	for (size_t n = W.n - 16 + 11; n < rdlen_end; n++)
		CHECK_EQ(dns_parse_response(W.b, n, &M), DROP_DNS_TRUNCATED);
	for (size_t n = rdlen_end; n < W.n; n++)
		CHECK_EQ(dns_parse_response(W.b, n, &M), DROP_DNS_RDATA);
}

TEST(response_rdata_lengths)
{
	size_t at;

	/* A with 3 and 5 bytes */
	for (unsigned int len = 3; len <= 5; len += 2) {
		whdr(&W, 1, 0x8000, 1, 1, 0, 0);
		wq(&W, "a", 1, 1);
		wptr(&W, QNAME);
		at = wrr(&W, 1, 1, 60);
		for (unsigned int i = 0; i < len; i++)
			w8(&W, i);
		wrr_end(&W, at);
		CHECK_EQ(RESP(&W, &M), DROP_DNS_RDATA);
	}

	/* AAAA with 4 and 17 bytes; 16 is fine */
	for (unsigned int len = 4; len <= 17; len++) {
		whdr(&W, 1, 0x8000, 1, 1, 0, 0);
		wq(&W, "a", 28, 1);
		wptr(&W, QNAME);
		at = wrr(&W, 28, 1, 60);
		for (unsigned int i = 0; i < len; i++)
			w8(&W, i);
		wrr_end(&W, at);
		CHECK_EQ(RESP(&W, &M), len == 16 ? DROP_NONE : DROP_DNS_RDATA);
	}

	/* a CHAOS "A" has its own layout: not ours to check */
	whdr(&W, 1, 0x8000, 1, 1, 0, 0);
	wq(&W, "a", 1, 3);
	wptr(&W, QNAME);
	at = wrr(&W, 1, 3, 60);
	wname(&W, "ch");
	w16(&W, 0x1234);
	wrr_end(&W, at);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);
}

TEST(response_cname_rdata)
{
	size_t at;

	/* exactly one name, compressed into the question: fine */
	whdr(&W, 1, 0x8000, 1, 1, 0, 0);
	wq(&W, "www.example.com", 1, 1);
	wptr(&W, QNAME);
	at = wrr(&W, 5, 1, 60);
	wname(&W, "cdn");
	W.n--;
	wptr(&W, QNAME + 4);	/* "example.com" */
	wrr_end(&W, at);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);

	/* a byte after the name */
	whdr(&W, 1, 0x8000, 1, 1, 0, 0);
	wq(&W, "www.example.com", 1, 1);
	wptr(&W, QNAME);
	at = wrr(&W, 5, 1, 60);
	wname(&W, "cdn.example");
	w8(&W, 0);
	wrr_end(&W, at);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_RDATA);

	/* rdlength stops inside the name (the name's root is the next record) */
	whdr(&W, 1, 0x8000, 1, 2, 0, 0);
	wq(&W, "www.example.com", 1, 1);
	wptr(&W, QNAME);
	at = wrr(&W, 5, 1, 60);
	wname(&W, "cdn");
	W.n--;
	wrr_end(&W, at);
	w8(&W, 0);
	wrr_end(&W, wrr(&W, 16, 1, 0));
	CHECK_EQ(RESP(&W, &M), DROP_DNS_RDATA);

	/* no rdata at all */
	whdr(&W, 1, 0x8000, 1, 1, 0, 0);
	wq(&W, "www.example.com", 1, 1);
	wptr(&W, QNAME);
	wrr_end(&W, wrr(&W, 5, 1, 60));
	CHECK_EQ(RESP(&W, &M), DROP_DNS_RDATA);

	/* a broken name in the rdata keeps its own reason */
	whdr(&W, 1, 0x8000, 1, 1, 0, 0);
	wq(&W, "www.example.com", 1, 1);
	wptr(&W, QNAME);
	at = wrr(&W, 5, 1, 60);
	w8(&W, 0x80);
	w8(&W, 0);
	wrr_end(&W, at);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_LABEL_TYPE);
}

TEST(response_opt)
{
	/* in the additional section, once: read */
	basic_answer(&W);
	wcount(&W, 3, 1);
	wopt(&W, 1400, 0, 1);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);
	CHECK(M.edns.present);
	CHECK_EQ(M.edns.udp_size, 1400);
	CHECK(M.edns.do_bit);
	CHECK_EQ(M.edns.off, W.n - 11);

	/* twice */
	wcount(&W, 3, 2);
	wopt(&W, 1400, 0, 1);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_OPT);

	/* in the answer section */
	whdr(&W, 1, 0x8000, 1, 1, 0, 0);
	wq(&W, "a", 1, 1);
	wopt(&W, 1232, 0, 0);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_OPT);

	/* in the authority section */
	whdr(&W, 1, 0x8000, 1, 0, 1, 0);
	wq(&W, "a", 1, 1);
	wopt(&W, 1232, 0, 0);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_OPT);

	/* not at the root */
	whdr(&W, 1, 0x8000, 1, 0, 0, 1);
	wq(&W, "a", 1, 1);
	wptr(&W, QNAME);
	wrr_end(&W, wrr(&W, 41, 1232, 0));
	CHECK_EQ(RESP(&W, &M), DROP_DNS_OPT);
}

/* Answer whose single record's owner is the bytes @owner, @n long */
static void answer_owned_by(struct wb *w, const uint8_t *owner, size_t n)
{
	whdr(w, 1, 0x8000, 1, 1, 0, 0);
	wq(w, "www.example.com", 1, 1);
	wbytes(w, owner, n);
	wrr_end(w, wrr(w, 16, 1, 0));
}

TEST(pointer_rules)
{
	size_t here;
	uint8_t p[4];

	/* at the question: the usual case */
	p[0] = 0xc0;
	p[1] = QNAME;
	answer_owned_by(&W, p, 2);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);
	/* into the middle of the question name, at a label */
	p[1] = QNAME + 4;
	answer_owned_by(&W, p, 2);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);

	/* into the header, just below the question */
	for (unsigned int t = 0; t < QNAME; t++) {
		p[1] = (uint8_t)t;
		answer_owned_by(&W, p, 2);
		CHECK_EQ(RESP(&W, &M), DROP_DNS_POINTER);
	}

	/* at itself */
	here = 12 + 17 + 4;
	p[0] = (uint8_t)(0xc0 | here >> 8);
	p[1] = (uint8_t)here;
	answer_owned_by(&W, p, 2);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_POINTER);

	/* forward, and past the end of the message */
	p[1] = (uint8_t)(here + 2);
	answer_owned_by(&W, p, 2);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_POINTER);
	p[0] = 0xff;
	p[1] = 0xff;
	answer_owned_by(&W, p, 2);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_POINTER);

	/* a label, then a pointer back at that label: a loop */
	p[0] = 1;
	p[1] = 'x';
	p[2] = (uint8_t)(0xc0 | here >> 8);
	p[3] = (uint8_t)here;
	answer_owned_by(&W, p, 4);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_POINTER);

	/* the pointer's second byte missing */
	whdr(&W, 1, 0x8000, 1, 0, 0, 0);
	wq(&W, "a", 1, 1);
	W.n -= 4;
	W.b[W.n - 1] = 0xc0;
	CHECK_EQ(RESP(&W, &M), DROP_DNS_TRUNCATED);
}

TEST(pointer_pair_pointing_at_each_other)
{
	size_t r1, r2, at;

	/*
	 * Record 1 (TXT, opaque rdata) holds at r1 a pointer to r2, at r2
	 * (= r1 + 2) a pointer to r1. Record 2's owner enters the pair at r2:
	 * r2 -> r1 is backwards and taken, r1 -> r2 goes above the last target.
	 */
	whdr(&W, 1, 0x8000, 1, 2, 0, 0);
	wq(&W, "a", 16, 1);
	wptr(&W, QNAME);
	at = wrr(&W, 16, 1, 0);
	r1 = W.n;
	r2 = r1 + 2;
	wptr(&W, (unsigned int)r2);
	wptr(&W, (unsigned int)r1);
	wrr_end(&W, at);
	wptr(&W, (unsigned int)r2);
	wrr_end(&W, wrr(&W, 16, 1, 0));
	CHECK_EQ(RESP(&W, &M), DROP_DNS_POINTER);
}

TEST(pointer_targets_strictly_decrease)
{
	size_t a, b, at;

	/*
	 * Legal on its own: at a, "x" + pointer to the question; at b,
	 * "y" + pointer to a. Then an owner pointing to b: b -> a -> 12.
	 */
	whdr(&W, 1, 0x8000, 1, 2, 0, 0);
	wq(&W, "a", 16, 1);
	wptr(&W, QNAME);
	at = wrr(&W, 16, 1, 0);
	a = W.n;
	w8(&W, 1);
	w8(&W, 'x');
	wptr(&W, QNAME);
	b = W.n;
	w8(&W, 1);
	w8(&W, 'y');
	wptr(&W, (unsigned int)a);
	wrr_end(&W, at);
	wptr(&W, (unsigned int)b);
	wrr_end(&W, wrr(&W, 16, 1, 0));
	CHECK_EQ(RESP(&W, &M), DROP_NONE);

	/* now make a's pointer go to b + 1 (above a, below the owner): refused */
	W.b[a + 3] = (uint8_t)(b + 1);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_POINTER);
}

/* @hops pointers in a row: owner -> p[n-1] -> ... -> p[0] -> question */
static void pointer_chain(struct wb *w, unsigned int hops)
{
	size_t at, first;

	whdr(w, 1, 0x8000, 1, 2, 0, 0);
	wq(w, "a", 16, 1);
	wptr(w, QNAME);
	at = wrr(w, 16, 1, 0);
	first = w->n;
	wptr(w, QNAME);
	for (unsigned int i = 1; i < hops - 1; i++)
		wptr(w, (unsigned int)(first + 2 * (i - 1)));
	wrr_end(w, at);
	wptr(w, (unsigned int)(w->n - 2));	/* the last one */
	wrr_end(w, wrr(w, 16, 1, 0));
}

TEST(pointer_chain_bound)
{
	pointer_chain(&W, 128);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);
	pointer_chain(&W, 129);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_POINTER);
}

TEST(response_name_lengths)
{
	static const char l63[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	size_t at;
	char name[256];

	/*
	 * A CNAME target that is 255 bytes only once decompressed: 3 labels
	 * of 63 here, then a pointer to "a" + "xx..x" (61) elsewhere.
	 */
	whdr(&W, 1, 0x8000, 1, 2, 0, 0);
	snprintf(name, sizeof(name), "a.%.61s", l63);
	wq(&W, name, 1, 1);
	wptr(&W, QNAME);
	at = wrr(&W, 5, 1, 60);
	snprintf(name, sizeof(name), "%s.%s.%s", l63, l63, l63);
	wname(&W, name);
	W.n--;
	wptr(&W, QNAME + 2);	/* the 61-byte label, then the root */
	wrr_end(&W, at);
	w8(&W, 0);
	wrr_end(&W, wrr(&W, 16, 1, 0));
	CHECK_EQ(RESP(&W, &M), DROP_NONE);

	/* point at "a" + the 61 instead: 257 */
	W.b[W.n - 11 - 1] = QNAME;
	CHECK_EQ(RESP(&W, &M), DROP_DNS_NAME_LEN);
}

TEST(response_label_types)
{
	uint8_t p[2] = { 0x40, 0 };

	answer_owned_by(&W, p, 2);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_LABEL_TYPE);
	p[0] = 0x80;
	answer_owned_by(&W, p, 2);
	CHECK_EQ(RESP(&W, &M), DROP_DNS_LABEL_TYPE);
}

TEST(response_opaque_records_framed)
{
	size_t at;

	/* NS and SOA rdata are not interpreted, but must lie in the message */
	whdr(&W, 1, 0x8000, 1, 0, 2, 0);
	wq(&W, "example.com", 1, 1);
	wptr(&W, QNAME);
	at = wrr(&W, 2, 1, 3600);
	wname(&W, "ns1.example.com");
	wrr_end(&W, at);
	wptr(&W, QNAME);
	at = wrr(&W, 6, 1, 3600);
	for (int i = 0; i < 22; i++)
		w8(&W, i);
	wrr_end(&W, at);
	CHECK_EQ(RESP(&W, &M), DROP_NONE);
	W.b[W.n - 22 - 1] = 23;		/* rdlength one past the end */
	CHECK_EQ(RESP(&W, &M), DROP_DNS_RDATA);
}

int main(void)
{
	RUN(response_basic);
	RUN(response_nxdomain_no_records);
	RUN(response_not_response);
	RUN(response_qdcount);
	RUN(response_header_truncated);
	RUN(response_counts_boundary);
	RUN(response_trailing);
	RUN(response_every_prefix_refused);
	RUN(response_record_field_boundaries);
	RUN(response_rdata_lengths);
	RUN(response_cname_rdata);
	RUN(response_opt);
	RUN(pointer_rules);
	RUN(pointer_pair_pointing_at_each_other);
	RUN(pointer_targets_strictly_decrease);
	RUN(pointer_chain_bound);
	RUN(response_name_lengths);
	RUN(response_label_types);
	RUN(response_opaque_records_framed);
	return t_done();
}

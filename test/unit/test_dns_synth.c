// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dns_synth.c - refusals written over the query, read back as answers
 */
#include <errno.h>

#include "cursor.h"
#include "dns.h"
#include "t.h"
#include "dns_build.h"

static struct wb W;
static uint8_t orig[512];
static size_t orig_len;
static struct dns_msg Q, R;

/* A query for "WwW.ExAmple.com" AAAA with @flags; OPT if @udp is non-zero */
static void query(unsigned int flags, unsigned int udp, int do_bit,
		  int cookie)
{
	size_t at;

	whdr(&W, 0xa55a, flags, 1, 0, 0, udp ? 1 : 0);
	wq(&W, "WwW.ExAmple.com", 28, 1);
	if (udp) {
		w8(&W, 0);
		at = wrr(&W, 41, udp, do_bit ? 0x8000 : 0);
		if (cookie) {
			w16(&W, 10);
			w16(&W, 8);
			w32(&W, 0x01020304);
			w32(&W, 0x05060708);
		}
		wrr_end(&W, at);
	}
	memcpy(orig, W.b, W.n);
	orig_len = W.n;
}

/* The OPT record's rdata in R, and its length */
static const uint8_t *opt_rdata(uint16_t *rdlength)
{
	const uint8_t *p = R.buf + R.edns.off;

	*rdlength = get_be16(p + 9);
	return p + 11;
}

TEST(synth_nxdomain_without_edns)
{
	int n;

	query(0x0100 | DNS_FLAG_CD, 0, 0, 0);
	CHECK_EQ(dns_parse_query(W.b, W.n, &Q), DROP_NONE);
	n = dns_synth_refusal(W.b, sizeof(W.b), &Q, DNS_RCODE_NXDOMAIN,
			      EDE_BLOCKED);
	CHECK_EQ(n, (int)orig_len);
	CHECK_EQ(dns_parse_response(W.b, (size_t)n, &R), DROP_NONE);
	CHECK_EQ(R.hdr.id, 0xa55a);
	CHECK(R.hdr.flags & DNS_FLAG_QR);
	CHECK_EQ(R.hdr.flags & DNS_OPCODE_MASK, 0);
	CHECK(R.hdr.flags & DNS_FLAG_RA);
	CHECK(R.hdr.flags & DNS_FLAG_RD);
	CHECK(R.hdr.flags & DNS_FLAG_CD);
	CHECK(!(R.hdr.flags & DNS_FLAG_AA));
	CHECK(!(R.hdr.flags & DNS_FLAG_TC));
	CHECK(!(R.hdr.flags & DNS_FLAG_AD));
	CHECK_EQ(dns_rcode(&R), DNS_RCODE_NXDOMAIN);
	CHECK_EQ(R.hdr.qdcount, 1);
	CHECK_EQ(R.hdr.ancount, 0);
	CHECK_EQ(R.hdr.nscount, 0);
	CHECK_EQ(R.hdr.arcount, 0);
	CHECK(!R.edns.present);
	/* the question byte for byte, case included */
	CHECK(!memcmp(W.b + 12, orig + 12, Q.q.end - 12));
	CHECK(dns_question_equal(&Q.q, &R.q));
	CHECK_STR(R.q.name.text, "www.example.com");
}

TEST(synth_flags_cleared_and_echoed)
{
	int n;

	/* AA, TC, AD set by a confused client; RD and CD clear */
	query(DNS_FLAG_AA | DNS_FLAG_TC | DNS_FLAG_AD | 0x0040, 0, 0, 0);
	CHECK_EQ(dns_parse_query(W.b, W.n, &Q), DROP_NONE);
	n = dns_synth_refusal(W.b, sizeof(W.b), &Q, DNS_RCODE_REFUSED, -1);
	CHECK_EQ(n, (int)orig_len);
	CHECK_EQ(dns_parse_response(W.b, (size_t)n, &R), DROP_NONE);
	CHECK_EQ(R.hdr.flags, DNS_FLAG_QR | DNS_FLAG_RA | DNS_RCODE_REFUSED);
}

TEST(synth_refused_with_edns_and_ede)
{
	const uint8_t *o;
	uint16_t rdlen;
	int n;

	query(0x0100, 4096, 1, 1);
	CHECK_EQ(dns_parse_query(W.b, W.n, &Q), DROP_NONE);
	n = dns_synth_refusal(W.b, sizeof(W.b), &Q, DNS_RCODE_REFUSED,
			      EDE_PROHIBITED);
	/* the client's 12-byte cookie option gives way to the 6-byte EDE */
	CHECK_EQ(n, Q.q.end + 11 + 6);
	CHECK(n < (int)orig_len);
	CHECK_EQ(dns_parse_response(W.b, (size_t)n, &R), DROP_NONE);
	CHECK_EQ(dns_rcode(&R), DNS_RCODE_REFUSED);
	CHECK_EQ(R.hdr.arcount, 1);
	CHECK(R.edns.present);
	CHECK_EQ(R.edns.udp_size, DNS_EDNS_UDP_SIZE);
	CHECK_EQ(R.edns.version, 0);
	CHECK(R.edns.do_bit);
	CHECK_EQ(R.edns.off, Q.q.end);
	CHECK_EQ(R.buf[R.edns.off + 5], 0);	/* extended rcode */
	o = opt_rdata(&rdlen);
	CHECK_EQ(rdlen, 6);
	CHECK_EQ(get_be16(o), EDNS_OPT_EDE);
	CHECK_EQ(get_be16(o + 2), 2);
	CHECK_EQ(get_be16(o + 4), EDE_PROHIBITED);
	CHECK(!memcmp(W.b + 12, orig + 12, Q.q.end - 12));
}

TEST(synth_edns_without_ede)
{
	uint16_t rdlen;
	int n;

	query(0, 1232, 0, 0);
	CHECK_EQ(dns_parse_query(W.b, W.n, &Q), DROP_NONE);
	n = dns_synth_refusal(W.b, sizeof(W.b), &Q, DNS_RCODE_NXDOMAIN, -1);
	CHECK_EQ(n, Q.q.end + 11);
	CHECK_EQ(dns_parse_response(W.b, (size_t)n, &R), DROP_NONE);
	CHECK(R.edns.present);
	CHECK(!R.edns.do_bit);
	CHECK_EQ(R.edns.udp_size, DNS_EDNS_UDP_SIZE);
	opt_rdata(&rdlen);
	CHECK_EQ(rdlen, 0);
	CHECK(!(R.hdr.flags & DNS_FLAG_RD));
	CHECK_EQ(dns_rcode(&R), DNS_RCODE_NXDOMAIN);
}

TEST(synth_grows_past_query)
{
	int n;

	/* a bare OPT (11 bytes) becomes OPT + EDE (17): needs 6 more */
	query(0x0100, 512, 0, 0);
	CHECK_EQ(dns_parse_query(W.b, W.n, &Q), DROP_NONE);
	n = dns_synth_refusal(W.b, orig_len + 5, &Q, DNS_RCODE_NXDOMAIN,
			      EDE_BLOCKED);
	CHECK_EQ(n, -ENOSPC);
	/* nothing written on failure */
	CHECK(!memcmp(W.b, orig, orig_len));
	n = dns_synth_refusal(W.b, orig_len + 6, &Q, DNS_RCODE_NXDOMAIN,
			      EDE_BLOCKED);
	CHECK_EQ(n, (int)orig_len + 6);
	CHECK_EQ(dns_parse_response(W.b, (size_t)n, &R), DROP_NONE);
	CHECK_EQ(R.edns.udp_size, DNS_EDNS_UDP_SIZE);
}

TEST(synth_too_small)
{
	query(0, 0, 0, 0);
	CHECK_EQ(dns_parse_query(W.b, W.n, &Q), DROP_NONE);
	CHECK_EQ(dns_synth_refusal(W.b, orig_len - 1, &Q, DNS_RCODE_NXDOMAIN,
				   -1), -ENOSPC);
	CHECK_EQ(dns_synth_refusal(W.b, 0, &Q, DNS_RCODE_NXDOMAIN, -1),
		 -ENOSPC);
	CHECK_EQ(dns_synth_refusal(W.b, orig_len, &Q, DNS_RCODE_NXDOMAIN,
				   -1), (int)orig_len);
}

TEST(synth_bad_arguments)
{
	struct dns_msg empty;

	query(0, 1232, 0, 0);
	CHECK_EQ(dns_parse_query(W.b, W.n, &Q), DROP_NONE);
	CHECK_EQ(dns_synth_refusal(W.b, sizeof(W.b), &Q, 16, -1), -EINVAL);
	CHECK_EQ(dns_synth_refusal(W.b, sizeof(W.b), &Q, DNS_RCODE_REFUSED,
				   0x10000), -EINVAL);
	/* a message that never parsed has no question to keep */
	CHECK(dns_parse_query(W.b, 5, &empty) != DROP_NONE);
	CHECK_EQ(dns_synth_refusal(W.b, sizeof(W.b), &empty,
				   DNS_RCODE_REFUSED, -1), -EINVAL);
	CHECK(!memcmp(W.b, orig, orig_len));
}

/*
 * Truncation. An answer for "example.com" A: flags QR|AA|RD|RA|AD with
 * NOERROR, two A records, one NS-section A record, and an OPT. The
 * question ends at 12 + 13 + 4 = 29.
 */
#define TQ_END	29
#define TFLAGS	(DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RD | DNS_FLAG_RA | DNS_FLAG_AD)

static void answer(void)
{
	size_t at;

	whdr(&W, 0xbeef, TFLAGS, 1, 2, 1, 1);
	wq(&W, "example.com", DNS_TYPE_A, DNS_CLASS_IN);
	wa(&W, NULL, 300, 198, 18, 0, 1);
	wa(&W, NULL, 300, 198, 18, 0, 2);
	wa(&W, "example.com", 300, 198, 18, 0, 3);
	w8(&W, 0);
	at = wrr(&W, DNS_TYPE_OPT, 1232, 0);
	wrr_end(&W, at);
	memcpy(orig, W.b, W.n);
	orig_len = W.n;
}

TEST(truncate_exactly_the_size)
{
	answer();
	CHECK_EQ(dns_synth_truncate(W.b, W.n, W.n), (int)W.n);
	CHECK(!memcmp(W.b, orig, orig_len));
	CHECK_EQ(dns_synth_truncate(W.b, W.n, 65535), (int)W.n);
	CHECK(!memcmp(W.b, orig, orig_len));
}

TEST(truncate_one_over)
{
	int n;

	answer();
	n = dns_synth_truncate(W.b, W.n, W.n - 1);
	CHECK_EQ(n, TQ_END);
	/* a valid answer: the question, no records, TC */
	CHECK_EQ(dns_parse_response(W.b, (size_t)n, &R), DROP_NONE);
	CHECK_EQ(R.hdr.id, 0xbeef);
	CHECK_EQ(R.hdr.flags, TFLAGS | DNS_FLAG_TC);
	CHECK_EQ(R.hdr.qdcount, 1);
	CHECK_EQ(R.hdr.ancount, 0);
	CHECK_EQ(R.hdr.nscount, 0);
	CHECK_EQ(R.hdr.arcount, 0);
	CHECK(!R.edns.present);
	CHECK_STR(R.q.name.text, "example.com");
	CHECK_EQ(R.q.qtype, DNS_TYPE_A);
	/* only the flags and the three counts changed; the question is intact */
	CHECK(!memcmp(W.b, orig, DNS_FLAGS_OFF));
	CHECK_EQ(W.b[DNS_FLAGS_OFF], orig[DNS_FLAGS_OFF] | DNS_FLAG_TC >> 8);
	CHECK_EQ(W.b[DNS_FLAGS_OFF + 1], orig[DNS_FLAGS_OFF + 1]);
	CHECK(!memcmp(W.b + DNS_QDCOUNT_OFF, orig + DNS_QDCOUNT_OFF, 2));
	CHECK(!memcmp(W.b + DNS_HDR_LEN, orig + DNS_HDR_LEN, TQ_END - DNS_HDR_LEN));
	/* nothing past the question was touched */
	CHECK(!memcmp(W.b + TQ_END, orig + TQ_END, orig_len - TQ_END));
}

TEST(truncate_keeps_tc_and_rcode)
{
	int n;

	/* already TC, and SERVFAIL: both stay as they were */
	answer();
	put_be16(W.b + DNS_FLAGS_OFF, TFLAGS | DNS_FLAG_TC | DNS_RCODE_SERVFAIL);
	n = dns_synth_truncate(W.b, W.n, W.n - 1);
	CHECK_EQ(n, TQ_END);
	CHECK_EQ(get_be16(W.b + DNS_FLAGS_OFF),
		 TFLAGS | DNS_FLAG_TC | DNS_RCODE_SERVFAIL);
}

TEST(truncate_question_longer_than_max)
{
	/* the question is sent whole even past @max: there is nothing smaller */
	answer();
	CHECK_EQ(dns_synth_truncate(W.b, W.n, 0), TQ_END);
	/* the result, itself one byte over: the same again */
	CHECK_EQ(dns_synth_truncate(W.b, TQ_END, TQ_END - 1), TQ_END);
}

TEST(truncate_malformed)
{
	/* a record cut short: refused, nothing written */
	answer();
	CHECK_EQ(dns_synth_truncate(W.b, W.n - 1, W.n - 2), -EBADMSG);
	CHECK(!memcmp(W.b, orig, orig_len));
	/* a byte of trailing garbage */
	answer();
	W.b[W.n] = 0;
	memcpy(orig, W.b, W.n + 1);
	CHECK_EQ(dns_synth_truncate(W.b, W.n + 1, W.n), -EBADMSG);
	CHECK(!memcmp(W.b, orig, orig_len + 1));
	/* only a header */
	answer();
	CHECK_EQ(dns_synth_truncate(W.b, DNS_HDR_LEN, DNS_HDR_LEN - 1), -EBADMSG);
	CHECK(!memcmp(W.b, orig, orig_len));
	/* longer than any DNS message, whatever @max says */
	answer();
	CHECK_EQ(dns_synth_truncate(W.b, DNS_MSG_MAX + 1, (size_t)-1), -EBADMSG);
	CHECK(!memcmp(W.b, orig, orig_len));
}

TEST(truncate_no_question)
{
	/* QDCOUNT 0: no question to keep */
	whdr(&W, 0x1234, DNS_FLAG_QR | DNS_FLAG_RA, 0, 1, 0, 0);
	wa(&W, "example.com", 300, 198, 18, 0, 1);
	memcpy(orig, W.b, W.n);
	orig_len = W.n;
	CHECK_EQ(dns_synth_truncate(W.b, W.n, W.n - 1), -EBADMSG);
	CHECK(!memcmp(W.b, orig, orig_len));
	/* two questions: which one to keep is not ours to guess */
	whdr(&W, 0x1234, DNS_FLAG_QR | DNS_FLAG_RA, 2, 0, 0, 0);
	wq(&W, "example.com", DNS_TYPE_A, DNS_CLASS_IN);
	wq(&W, "example.org", DNS_TYPE_A, DNS_CLASS_IN);
	memcpy(orig, W.b, W.n);
	orig_len = W.n;
	CHECK_EQ(dns_synth_truncate(W.b, W.n, W.n - 1), -EBADMSG);
	CHECK(!memcmp(W.b, orig, orig_len));
}

int main(void)
{
	RUN(synth_nxdomain_without_edns);
	RUN(synth_flags_cleared_and_echoed);
	RUN(synth_refused_with_edns_and_ede);
	RUN(synth_edns_without_ede);
	RUN(synth_grows_past_query);
	RUN(synth_too_small);
	RUN(synth_bad_arguments);
	RUN(truncate_exactly_the_size);
	RUN(truncate_one_over);
	RUN(truncate_keeps_tc_and_rcode);
	RUN(truncate_question_longer_than_max);
	RUN(truncate_malformed);
	RUN(truncate_no_question);
	return t_done();
}

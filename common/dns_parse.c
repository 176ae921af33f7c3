// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dns_parse.c - validation of whole DNS messages: bottle queries, upstream answers
 *
 * Theory of operation
 *
 * A query from a bottle has exactly one shape worth forwarding: a header,
 * one question written without compression, and optionally one EDNS0 OPT
 * record. Anything else is refused with the first reason found, in the order
 * the guards below appear, before the question name is believed.
 *
 * An answer from upstream is walked record by record over all three
 * sections before dns_learn() may look at any of them. The section counts
 * are checked against the bytes left before the walk starts (every record
 * needs DNS_RR_MIN bytes), so a header claiming 65535 records in a 40-byte
 * message costs nothing. Records sentry never interprets (NS, SOA, RRSIG,
 * ...) are still fully framed, owner name included, so that the walk ends
 * exactly on the last byte or the message is refused.
 *
 * A and AAAA lengths are checked for class IN only: other classes give the
 * same type numbers other layouts (CHAOS A carries a name and an address),
 * and dns_learn() only takes class IN anyway.
 */
#include "cursor.h"
#include "dns_internal.h"

enum section { SEC_ANSWER, SEC_AUTHORITY, SEC_ADDITIONAL };

static void msg_init(const uint8_t *buf, size_t len, struct dns_msg *m)
{
	m->buf = buf;
	m->len = len;
	m->hdr = (struct dns_header){ 0 };
	m->edns = (struct dns_edns){ 0 };
	m->q.name.text[0] = '\0';
	m->q.name.text_len = 0;
	m->q.name.wire_len = 0;
	m->q.qtype = m->q.qclass = 0;
	m->q.off = m->q.end = 0;
	m->an_off = 0;
}

/* Header of @len bytes at @buf into @h; false if it does not fit */
static bool read_header(const uint8_t *buf, size_t len, struct dns_header *h)
{
	struct cursor c;

	cur_init(&c, buf, len);
	h->id = cur_u16(&c);
	h->flags = cur_u16(&c);
	h->qdcount = cur_u16(&c);
	h->ancount = cur_u16(&c);
	h->nscount = cur_u16(&c);
	h->arcount = cur_u16(&c);
	return cur_ok(&c);
}

static enum drop_reason read_question(struct dns_msg *m, unsigned int flags)
{
	struct dns_wname w;
	enum drop_reason r;
	struct cursor c;
	size_t end;

	r = dns_name_read(m->buf, m->len, DNS_HDR_LEN, flags, &w, &end);
	if (r)
		return r;

	cur_init(&c, m->buf, m->len);
	cur_seek(&c, end);
	m->q.qtype = cur_u16(&c);
	m->q.qclass = cur_u16(&c);
	if (!cur_ok(&c))
		return DROP_DNS_TRUNCATED;

	dns_name_text(&w, &m->q.name);
	m->q.off = DNS_HDR_LEN;
	m->q.end = (uint16_t)c.off;
	return DROP_NONE;
}

enum drop_reason dns_rr_read(const uint8_t *buf, size_t len, size_t off,
			     struct dns_rr *rr, struct dns_wname *owner)
{
	enum drop_reason r;
	struct cursor c;
	size_t name_end;

	r = dns_name_read(buf, len, off, 0, owner, &name_end);
	if (r)
		return r;

	cur_init(&c, buf, len);
	cur_seek(&c, name_end);
	rr->off = off;
	rr->type = cur_u16(&c);
	rr->rclass = cur_u16(&c);
	rr->ttl = cur_u32(&c);
	rr->rdlength = cur_u16(&c);
	if (!cur_ok(&c))
		return DROP_DNS_TRUNCATED;
	rr->rdata = c.off;
	cur_skip(&c, rr->rdlength);
	if (!cur_ok(&c))
		return DROP_DNS_RDATA;
	rr->end = c.off;

	/* RFC 2181 s8: a TTL with the top bit set means zero (OPT's is flags) */
	if (rr->type != DNS_TYPE_OPT && (rr->ttl & DNS_TTL_NEGATIVE))
		rr->ttl = 0;
	return DROP_NONE;
}

/* The OPT record @rr, owned by @owner, into @e */
static enum drop_reason read_opt(const uint8_t *buf, const struct dns_rr *rr,
				 const struct dns_wname *owner,
				 struct dns_edns *e)
{
	struct cursor c;

	/* RFC 6891 6.1.2: the owner is the root */
	if (owner->len != 1)
		return DROP_DNS_OPT;

	/* options are {code, length, value}; they must tile the rdata */
	cur_init(&c, buf + rr->rdata, rr->rdlength);
	while (cur_ok(&c) && cur_left(&c)) {
		uint16_t len;

		cur_u16(&c);
		len = cur_u16(&c);
		cur_skip(&c, len);
	}
	if (!cur_ok(&c))
		return DROP_DNS_RDATA;

	e->present = true;
	e->udp_size = rr->rclass;
	e->version = (uint8_t)(rr->ttl >> DNS_EDNS_VERSION_SHIFT);
	e->do_bit = !!(rr->ttl & DNS_EDNS_DO);
	e->off = (uint16_t)rr->off;
	return DROP_NONE;
}

enum drop_reason dns_parse_query(const uint8_t *buf, size_t len,
				 struct dns_msg *m)
{
	struct dns_wname owner;
	enum drop_reason r;
	struct dns_rr rr;
	size_t off;

	msg_init(buf, len, m);

	/* longer than any DNS message can be: bytes after the last record */
	if (len > DNS_MSG_MAX)
		return DROP_DNS_TRAILING;
	if (!read_header(buf, len, &m->hdr))
		return DROP_DNS_TRUNCATED;
	/* an answer, or NOTIFY/UPDATE/IQUERY: nothing a bottle should send us */
	if (m->hdr.flags & (DNS_FLAG_QR | DNS_OPCODE_MASK))
		return DROP_DNS_NOT_QUERY;
	/* RFC 9619: exactly one question */
	if (m->hdr.qdcount != 1)
		return DROP_DNS_QDCOUNT;
	/* records in a query can only smuggle data */
	if (m->hdr.ancount || m->hdr.nscount)
		return DROP_DNS_SECTIONS;
	/* only room for the OPT */
	if (m->hdr.arcount > 1)
		return DROP_DNS_OPT;

	r = read_question(m, DNS_NAME_NO_POINTER);
	if (r)
		return r;
	off = m->q.end;
	m->an_off = m->q.end;

	if (m->hdr.arcount) {
		r = dns_rr_read(buf, len, off, &rr, &owner);
		if (r)
			return r;
		/* TSIG, SIG(0), or anything else we will not vouch for */
		if (rr.type != DNS_TYPE_OPT)
			return DROP_DNS_OPT;
		r = read_opt(buf, &rr, &owner, &m->edns);
		if (r)
			return r;
		off = rr.end;
	}

	if (off != len)
		return DROP_DNS_TRAILING;
	return DROP_NONE;
}

/* A CNAME's rdata is one name, with nothing before or after it */
static enum drop_reason check_cname(const uint8_t *buf, const struct dns_rr *rr)
{
	enum drop_reason r;
	size_t end;

	/*
	 * Bounding the buffer at the rdata's end keeps the name inside it;
	 * pointer targets lie below the pointer, so they are all reachable.
	 */
	r = dns_name_read(buf, rr->end, rr->rdata, 0, NULL, &end);
	if (r == DROP_DNS_TRUNCATED || (r == DROP_NONE && end != rr->end))
		return DROP_DNS_RDATA;
	return r;
}

static enum drop_reason check_rr(struct dns_msg *m, const struct dns_rr *rr,
				 const struct dns_wname *owner,
				 enum section sec)
{
	switch (rr->type) {
	case DNS_TYPE_A:
		if (rr->rclass == DNS_CLASS_IN && rr->rdlength != IPV4_ADDR_LEN)
			return DROP_DNS_RDATA;
		break;
	case DNS_TYPE_AAAA:
		if (rr->rclass == DNS_CLASS_IN && rr->rdlength != IPV6_ADDR_LEN)
			return DROP_DNS_RDATA;
		break;
	case DNS_TYPE_CNAME:
		return check_cname(m->buf, rr);
	case DNS_TYPE_OPT:
		/* RFC 6891 6.1.1: once, in the additional section */
		if (sec != SEC_ADDITIONAL || m->edns.present)
			return DROP_DNS_OPT;
		return read_opt(m->buf, rr, owner, &m->edns);
	}
	return DROP_NONE;
}

enum drop_reason dns_parse_response(const uint8_t *buf, size_t len,
				    struct dns_msg *m)
{
	size_t off, nrr, an, ns;
	enum drop_reason r;

	msg_init(buf, len, m);

	if (len > DNS_MSG_MAX)
		return DROP_DNS_TRAILING;
	if (!read_header(buf, len, &m->hdr))
		return DROP_DNS_TRUNCATED;
	if (!(m->hdr.flags & DNS_FLAG_QR))
		return DROP_DNS_NOT_RESPONSE;
	/* the answer must say which question it answers, and only one */
	if (m->hdr.qdcount != 1)
		return DROP_DNS_QDCOUNT;

	r = read_question(m, 0);
	if (r)
		return r;
	off = m->q.end;
	m->an_off = m->q.end;

	an = m->hdr.ancount;
	ns = m->hdr.nscount;
	nrr = an + ns + m->hdr.arcount;
	/* bound the loop before it starts */
	if (nrr * DNS_RR_MIN > len - off)
		return DROP_DNS_COUNTS;

	for (size_t i = 0; i < nrr; i++) {
		enum section sec = i < an ? SEC_ANSWER :
				   i < an + ns ? SEC_AUTHORITY : SEC_ADDITIONAL;
		struct dns_wname owner;
		struct dns_rr rr;

		r = dns_rr_read(buf, len, off, &rr, &owner);
		if (r)
			return r;
		r = check_rr(m, &rr, &owner, sec);
		if (r)
			return r;
		off = rr.end;
	}

	if (off != len)
		return DROP_DNS_TRAILING;
	return DROP_NONE;
}

bool dns_question_equal(const struct dns_question *a,
			const struct dns_question *b)
{
	return a->qtype == b->qtype && a->qclass == b->qclass &&
	       a->name.text_len == b->name.text_len &&
	       !memcmp(a->name.text, b->name.text, a->name.text_len);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dns_learn.c - what an accepted answer teaches: addresses for the question name
 *
 * Theory of operation
 *
 * An upstream answer may hold records about any name; a resolver (or an
 * attacker on its path) can add "evil.example A 198.18.0.9" to the answer
 * for "good.example". sentry believes a record only if its owner is on the
 * CNAME chain that starts at the question name:
 *
 *   1. chain[0] is the question name. Repeatedly, find a class IN CNAME in
 *      the answer section owned by the last name of the chain and append its
 *      target. The chain is its own visited set: a target already on it is
 *      a loop (chain_loop), and a chain that would grow past DNS_CHAIN_MAX
 *      is cut (chain_long). Either way what was built so far stands; the
 *      caller decides what a looping or long chain is worth.
 *   2. Every class IN answer record owned by a chain name gives addresses:
 *      A and AAAA their rdata, HTTPS and SVCB the ipv4hint and ipv6hint
 *      SvcParams. Records owned by any other name are counted in off_chain
 *      and otherwise ignored.
 *
 * Only the answer section is read: authority and additional records are
 * referrals and glue, never answers for the question.
 *
 * SVCB rdata (RFC 9460 2.2) is SvcPriority, an uncompressed TargetName, then
 * SvcParams as {key, length, value}, keys strictly increasing. A record whose
 * rdata does not parse exactly, or whose hints have a length that is not a
 * whole number of addresses, gives nothing: a hint from a malformed record
 * is not worth believing. AliasMode records (priority 0) give nothing either,
 * as RFC 9460 tells recipients to ignore their SvcParams.
 *
 * The message was already validated by dns_parse_response(), so the walks
 * here cannot fail; they are still bounded by the cursor, and simply stop if
 * handed something else.
 */
#include "cursor.h"
#include "dns_internal.h"

struct chain {
	unsigned int n;
	struct dns_wname names[DNS_CHAIN_MAX];
};

static bool on_chain(const struct chain *ch, const struct dns_wname *w)
{
	for (unsigned int i = 0; i < ch->n; i++)
		if (dns_wname_equal(&ch->names[i], w))
			return true;
	return false;
}

/*
 * find_cname() - the target of the first class IN CNAME owned by @name
 * Return: true and @target filled, or false if there is none.
 */
static bool find_cname(const struct dns_msg *m, const struct dns_wname *name,
		       struct dns_wname *target)
{
	size_t off = m->an_off;

	for (unsigned int i = 0; i < m->hdr.ancount; i++) {
		struct dns_wname owner;
		struct dns_rr rr;
		size_t end;

		/* the owner is copied only for the records that can match */
		if (dns_rr_read(m->buf, m->len, off, &rr, NULL))
			return false;
		off = rr.end;
		if (rr.type != DNS_TYPE_CNAME || rr.rclass != DNS_CLASS_IN)
			continue;
		if (dns_name_read(m->buf, m->len, rr.off, 0, &owner, &end) ||
		    !dns_wname_equal(&owner, name))
			continue;
		if (dns_name_read(m->buf, rr.end, rr.rdata, 0, target, &end))
			return false;
		return true;
	}
	return false;
}

static void add(struct dns_learn_result *out, const uint8_t *bytes,
		size_t len, uint32_t ttl, uint16_t rrtype)
{
	struct dns_learnt *l;
	struct ipaddr a;

	addr_set(&a, bytes, len);
	for (uint32_t i = 0; i < out->naddrs; i++) {
		l = &out->addrs[i];
		if (!addr_equal(&l->addr, &a))
			continue;
		if (ttl > l->ttl)
			l->ttl = ttl;
		return;
	}
	if (out->naddrs == DNS_LEARN_MAX) {
		out->addrs_over++;
		return;
	}
	l = &out->addrs[out->naddrs++];
	l->addr = a;
	l->ttl = ttl;
	l->rrtype = rrtype;
}

/* True if the SvcParams from @c's offset to its end are well formed */
static bool svc_params_ok(struct cursor c)
{
	int last = -1;

	while (cur_ok(&c) && cur_left(&c)) {
		uint16_t key = cur_u16(&c);
		uint16_t vlen = cur_u16(&c);

		cur_skip(&c, vlen);
		if (!cur_ok(&c))
			return false;
		/* RFC 9460 2.2: strictly increasing, so no key twice */
		if ((int)key <= last)
			return false;
		last = key;
		if (key == SVC_KEY_IPV4HINT && (!vlen || vlen % IPV4_ADDR_LEN))
			return false;
		if (key == SVC_KEY_IPV6HINT && (!vlen || vlen % IPV6_ADDR_LEN))
			return false;
	}
	return cur_ok(&c);
}

static void svcb_hints(const uint8_t *buf, const struct dns_rr *rr,
		       struct dns_learn_result *out)
{
	uint16_t priority;
	struct cursor c;
	size_t end;

	cur_init(&c, buf, rr->end);
	cur_seek(&c, rr->rdata);
	priority = cur_u16(&c);
	if (!cur_ok(&c))
		return;
	/* TargetName is never compressed (RFC 9460 2.2) */
	if (dns_name_read(buf, rr->end, c.off, DNS_NAME_NO_POINTER, NULL, &end))
		return;
	/* AliasMode: SvcParams are to be ignored */
	if (!priority)
		return;

	cur_seek(&c, end);
	if (!svc_params_ok(c))
		return;

	while (cur_left(&c)) {
		uint16_t key = cur_u16(&c);
		uint16_t vlen = cur_u16(&c);
		const uint8_t *v = cur_bytes(&c, vlen);
		size_t step;

		if (!v)
			return;
		if (key == SVC_KEY_IPV4HINT)
			step = IPV4_ADDR_LEN;
		else if (key == SVC_KEY_IPV6HINT)
			step = IPV6_ADDR_LEN;
		else
			continue;
		for (size_t i = 0; i + step <= vlen; i += step)
			add(out, v + i, step, rr->ttl, rr->type);
	}
}

static void take(const struct dns_msg *m, const struct dns_rr *rr,
		 struct dns_learn_result *out)
{
	switch (rr->type) {
	case DNS_TYPE_A:
		if (rr->rdlength == IPV4_ADDR_LEN)
			add(out, m->buf + rr->rdata, IPV4_ADDR_LEN, rr->ttl, rr->type);
		break;
	case DNS_TYPE_AAAA:
		if (rr->rdlength == IPV6_ADDR_LEN)
			add(out, m->buf + rr->rdata, IPV6_ADDR_LEN, rr->ttl, rr->type);
		break;
	case DNS_TYPE_SVCB:
	case DNS_TYPE_HTTPS:
		svcb_hints(m->buf, rr, out);
		break;
	}
}

void dns_learn(const struct dns_msg *m, struct dns_learn_result *out)
{
	struct chain ch;
	size_t off, end;

	out->naddrs = 0;
	out->addrs_over = 0;
	out->off_chain = 0;
	out->chain_len = 0;
	out->chain_loop = false;
	out->chain_long = false;
	out->target.text[0] = '\0';
	out->target.text_len = 0;
	out->target.wire_len = 0;

	if (dns_name_read(m->buf, m->len, m->q.off, 0, &ch.names[0], &end))
		return;
	ch.n = 1;

	for (;;) {
		struct dns_wname next;

		if (!find_cname(m, &ch.names[ch.n - 1], &next))
			break;
		if (on_chain(&ch, &next)) {
			out->chain_loop = true;
			break;
		}
		if (ch.n == DNS_CHAIN_MAX) {
			out->chain_long = true;
			break;
		}
		ch.names[ch.n++] = next;
	}
	out->chain_len = ch.n;
	dns_name_text(&ch.names[ch.n - 1], &out->target);

	off = m->an_off;
	for (unsigned int i = 0; i < m->hdr.ancount; i++) {
		struct dns_wname owner;
		struct dns_rr rr;

		if (dns_rr_read(m->buf, m->len, off, &rr, &owner))
			return;
		off = rr.end;
		if (rr.rclass != DNS_CLASS_IN)
			continue;
		if (!on_chain(&ch, &owner)) {
			out->off_chain++;
			continue;
		}
		take(m, &rr, out);
	}
}

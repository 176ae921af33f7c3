// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pstore_rec.c - the records of the policy store, to bytes and back
 *
 * Each decoder walks its record through a struct cursor and accepts only
 * what the encoder writes: exact lengths, known enums, zero reserved bytes,
 * canonical patterns, networks without host bits. The same rule check
 * guards pstore_put(), so the store never holds what it would call corrupt.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "dns.h"
#include "packet.h"
#include "pstore_int.h"

static uint16_t cur_le16(struct cursor *c)
{
	const uint8_t *p = cur_bytes(c, 2);

	return p ? get_le16(p) : 0;
}

static uint32_t cur_le32(struct cursor *c)
{
	const uint8_t *p = cur_bytes(c, 4);

	return p ? get_le32(p) : 0;
}

/* Every key of a policy's records starts with its name and a NUL. */
size_t pstore_rec_key_prefix(uint8_t *k, const char *name)
{
	size_t n = strlen(name);

	memcpy(k, name, n);
	k[n] = 0;
	return n + 1;
}

void pstore_rec_plens_add(struct plens *pl, const struct rule *r)
{
	if (r->net.family == ADDR_FAMILY_V4)
		pl->v4 |= 1ULL << r->plen;
	else
		pl->v6[r->plen / 8] |= (uint8_t)(1 << (r->plen % 8));
}

bool pstore_rec_plens_has(const struct plens *pl, uint8_t family, unsigned int n)
{
	if (family == ADDR_FAMILY_V4)
		return n <= 32 && (pl->v4 >> n & 1);
	return n <= 128 && (pl->v6[n / 8] >> (n % 8) & 1);
}

static bool ports_valid(const struct rule *r)
{
	unsigned int i;

	for (i = 0; i < r->nports; i++) {
		const struct port_range *pr = &r->ports[i];

		if (pr->proto == PROTO_ICMP) {
			if (pr->lo || pr->hi)
				return false;
		} else if (pr->proto == PROTO_TCP || pr->proto == PROTO_UDP) {
			/* port 0 only as the lower end of "any port" */
			if (pr->lo > pr->hi || (!pr->lo && pr->hi != 65535))
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* pstore_rec_rule_valid() - what rule_parse_*() could have produced, nothing else */
bool pstore_rec_rule_valid(const struct rule *r)
{
	char text[RULE_PATTERN_MAX + 3];
	struct rule canon;
	struct ipaddr m;

	if (r->action > ACTION_ALLOW || r->nports > RULE_PORTS_MAX ||
	    !ports_valid(r))
		return false;
	switch (r->kind) {
	case RULE_CIDR:
		if (r->net.family == ADDR_FAMILY_V4 ? r->plen > 32 :
		    r->net.family != ADDR_FAMILY_V6 || r->plen > 128)
			return false;
		m = r->net;
		addr_mask(&m, r->plen);
		return addr_equal(&m, &r->net) && !r->pattern_len;
	case RULE_DOMAIN:
	case RULE_WILDCARD:
		if (!r->pattern_len || r->pattern_len > RULE_PATTERN_MAX ||
		    memchr(r->pattern, 0, r->pattern_len) || r->plen)
			return false;
		snprintf(text, sizeof(text), "%s%.*s",
			 r->kind == RULE_WILDCARD ? "*." : "",
			 (int)r->pattern_len, r->pattern);
		return !rule_parse_pattern(text, &canon) &&
		       canon.kind == r->kind &&
		       canon.pattern_len == r->pattern_len &&
		       !memcmp(canon.pattern, r->pattern, r->pattern_len);
	default:
		return false;
	}
}

size_t pstore_rec_encode_rule(const struct rule *r, uint8_t *b)
{
	size_t off = PSTORE_RULE_FIXED;
	unsigned int i;

	memset(b, 0, PSTORE_RULE_FIXED);
	b[0] = r->action;
	b[1] = r->kind;
	b[2] = r->kind == RULE_CIDR ? r->plen : 0;
	b[3] = r->nports;
	put_le32(b + 4, r->line);
	if (r->kind == RULE_CIDR) {
		b[8] = r->net.family;
		memcpy(b + 9, r->net.b, addr_len(&r->net));
	}
	for (i = 0; i < r->nports; i++, off += PSTORE_PORT_LEN) {
		b[off] = r->ports[i].proto;
		put_le16(b + off + 1, r->ports[i].lo);
		put_le16(b + off + 3, r->ports[i].hi);
	}
	put_le16(b + off, r->kind == RULE_CIDR ? 0 : r->pattern_len);
	off += 2;
	if (r->kind != RULE_CIDR) {
		memcpy(b + off, r->pattern, r->pattern_len);
		off += r->pattern_len;
	}
	return off;
}

int pstore_rec_decode_rule(const MDB_val *v, struct rule *r)
{
	const uint8_t *net, *pat;
	struct cursor c;
	uint8_t family;
	unsigned int i;

	cur_init(&c, v->mv_data, v->mv_size);
	memset(r, 0, sizeof(*r));
	r->action = cur_u8(&c);
	r->kind = cur_u8(&c);
	r->plen = cur_u8(&c);
	r->nports = cur_u8(&c);
	r->line = cur_le32(&c);
	family = cur_u8(&c);
	net = cur_bytes(&c, 16);
	/* a count that would overrun ports[] */
	if (!cur_ok(&c) || r->nports > RULE_PORTS_MAX)
		return -EPROTO;
	for (i = 0; i < r->nports; i++) {
		r->ports[i].proto = cur_u8(&c);
		r->ports[i].lo = cur_le16(&c);
		r->ports[i].hi = cur_le16(&c);
	}
	r->pattern_len = cur_le16(&c);
	/* a pattern longer than the field, or bytes after the record */
	if (!cur_ok(&c) || r->pattern_len > RULE_PATTERN_MAX ||
	    cur_left(&c) != r->pattern_len)
		return -EPROTO;
	pat = cur_bytes(&c, r->pattern_len);
	memcpy(r->pattern, pat, r->pattern_len);
	if (r->kind == RULE_CIDR) {
		static const uint8_t zero[12];

		/* IPv4 lives in the first 4 bytes; the rest must be clear */
		if (family == ADDR_FAMILY_V4 && memcmp(net + 4, zero, 12))
			return -EPROTO;
		r->net.family = family;
		memcpy(r->net.b, net, 16);
	} else {
		static const uint8_t zero[16];

		/* a domain rule carries no address */
		if (family || memcmp(net, zero, 16))
			return -EPROTO;
	}
	return pstore_rec_rule_valid(r) ? 0 : -EPROTO;
}

void pstore_rec_encode_header(const struct policy *p, const struct plens *pl,
			  uint8_t *b)
{
	memset(b, 0, PSTORE_HDR_LEN);
	b[0] = p->default_action;
	b[1] = p->private_answers;
	b[2] = p->dns_refusal;
	b[3] = p->name_check;
	put_le32(b + 4, p->min_ttl);
	put_le32(b + 8, p->max_ttl);
	put_le32(b + 12, p->nrules);
	/* /0../31 in the first word, /32 in bit 0 of the next (pstore.h) */
	put_le32(b + 16, (uint32_t)pl->v4);
	put_le32(b + 20, (uint32_t)(pl->v4 >> 32));
	memcpy(b + 24, pl->v6, sizeof(pl->v6));
}

bool pstore_rec_settings_valid(const struct policy *p)
{
	return p->default_action <= ACTION_ALLOW &&
	       p->private_answers <= ACTION_ALLOW &&
	       (p->dns_refusal == DNS_RCODE_NXDOMAIN ||
		p->dns_refusal == DNS_RCODE_REFUSED) &&
	       p->name_check <= NAME_CHECK_OFF &&
	       p->min_ttl <= p->max_ttl && p->nrules <= POLICY_RULES_MAX;
}

/* pstore_rec_decode_header() - settings into @p (may be NULL), bitmaps into @pl */
int pstore_rec_decode_header(const MDB_val *v, struct policy *p, uint32_t *nrules,
			 struct plens *pl)
{
	const uint8_t *b = v->mv_data;
	struct policy tmp = { 0 };

	if (v->mv_size != PSTORE_HDR_LEN)
		return -EPROTO;
	tmp.default_action = b[0];
	tmp.private_answers = b[1];
	tmp.dns_refusal = b[2];
	tmp.name_check = b[3];
	tmp.min_ttl = get_le32(b + 4);
	tmp.max_ttl = get_le32(b + 8);
	tmp.nrules = get_le32(b + 12);
	pl->v4 = get_le32(b + 16) | (uint64_t)get_le32(b + 20) << 32;
	memcpy(pl->v6, b + 24, sizeof(pl->v6));
	/* bits past /32 and /128, enums */
	if (pl->v4 >> 33 || pl->v6[16] & 0xfe || !pstore_rec_settings_valid(&tmp))
		return -EPROTO;
	*nrules = tmp.nrules;
	if (p) {
		p->default_action = tmp.default_action;
		p->private_answers = tmp.private_answers;
		p->dns_refusal = tmp.dns_refusal;
		p->name_check = tmp.name_check;
		p->min_ttl = tmp.min_ttl;
		p->max_ttl = tmp.max_ttl;
	}
	return 0;
}

/* pstore_rec_index_key() - the domains or cidrs key of rule @r after @prefix */
size_t pstore_rec_index_key(uint8_t *k, size_t n, const struct rule *r)
{
	if (r->kind == RULE_CIDR) {
		k[n] = r->net.family;
		k[n + 1] = r->plen;
		memcpy(k + n + 2, r->net.b, addr_len(&r->net));
		return n + 2 + addr_len(&r->net);
	}
	k[n] = r->kind;
	memcpy(k + n + 1, r->pattern, r->pattern_len);
	return n + 1 + r->pattern_len;
}

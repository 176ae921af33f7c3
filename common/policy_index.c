// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy_index.c - the compiled lookup index of a policy
 *
 * Theory of operation
 *
 * The index answers "which rules match" in a handful of hash probes, once
 * per new flow and once per DNS query, whatever the size of the policy.
 *
 * Domains: one open-addressing table keyed by (kind, pattern). A name is
 * looked up exactly (RULE_DOMAIN), then each proper suffix that starts
 * after a '.' is looked up as a wildcard suffix (RULE_WILDCARD): for
 * "a.b.example.com" that is "b.example.com", "example.com" and "com". In
 * the normalised form (dns.h) a '.' inside a label is written \046, so
 * every literal '.' is a label boundary. Bitmaps of the pattern lengths
 * present skip the probes that cannot hit, so a name usually costs one or
 * two SipHash calls.
 *
 * CIDRs: one table keyed by (family, prefix length, network), and per
 * family the list of prefix lengths present. An address is masked to each
 * present length and looked up; a policy rarely has more than a few.
 *
 * Every slot holds the rules with its key as a run of ascending rule
 * indexes in one shared array, so a lookup returns allow and deny rules
 * alike; precedence is policy_decide()'s business, not the index's.
 *
 * Tables are at most half full, so a probe always meets an empty slot.
 * They are keyed with a random SipHash key: names come from the bottle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "siphash.h"

struct slot {
	uint32_t tag;		/* high half of the hash */
	uint32_t first;		/* rule index holding the key */
	uint32_t off;		/* first entry in ridx[] */
	uint32_t n;		/* rules with this key; 0: empty slot */
};

struct table {
	struct slot *slots;
	uint32_t mask;
};

struct policy_index {
	struct siphash_key key;
	struct table dom, cidr;
	uint32_t *ridx;			/* rule indexes, grouped by slot */
	uint64_t exact_len[4];		/* bit n: an exact pattern of length n */
	uint64_t wild_len[4];		/* bit n: a wildcard suffix of length n */
	uint8_t nplens[2];		/* [0] IPv4, [1] IPv6 */
	uint8_t plens[2][129];		/* prefix lengths present, longest first */
};

static bool bit_test(const uint64_t *map, size_t n)
{
	return n < 256 && (map[n / 64] >> (n % 64) & 1);
}

static void bit_set(uint64_t *map, size_t n)
{
	if (n < 256)
		map[n / 64] |= 1ULL << (n % 64);
}

static int table_init(struct table *t, uint32_t n)
{
	uint32_t size = 8;

	while (size < 2 * n)
		size *= 2;
	t->slots = calloc(size, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = size - 1;
	return 0;
}

void policy_index_free(struct policy_index *ix)
{
	if (!ix)
		return;
	free(ix->dom.slots);
	free(ix->cidr.slots);
	free(ix->ridx);
	free(ix);
}

static uint64_t dom_hash(const struct policy_index *ix, uint8_t kind,
			 const char *s, size_t len)
{
	/* the kind moves the slot, so "x" and "*.x" do not share a chain */
	return siphash(&ix->key, s, len) ^ kind;
}

static bool dom_key_eq(const struct rule *r, uint8_t kind, const char *s,
		       size_t len)
{
	return r->kind == kind && r->pattern_len == len &&
	       !memcmp(r->pattern, s, len);
}

static size_t fam_index(uint8_t family)
{
	return family == ADDR_FAMILY_V4 ? 0 : 1;
}

/* cidr_key() - (family, plen, network of @a masked to @plen); its length */
static size_t cidr_key(uint8_t *buf, const struct ipaddr *a, unsigned int plen)
{
	size_t alen = addr_len(a), full = plen / 8;

	buf[0] = a->family;
	buf[1] = (uint8_t)plen;
	memset(buf + 2, 0, alen);
	memcpy(buf + 2, a->b, full);
	if (plen % 8)
		buf[2 + full] = a->b[full] & (uint8_t)(0xff << (8 - plen % 8));
	return 2 + alen;
}

static bool cidr_key_eq(const struct rule *r, const uint8_t *key)
{
	return r->net.family == key[0] && r->plen == key[1] &&
	       !memcmp(r->net.b, key + 2, addr_len(&r->net));
}

/* probe() - the slot holding a key, or the empty slot where it belongs */
static struct slot *probe(const struct policy *p, const struct table *t,
			  uint64_t h, const void *key, size_t len, uint8_t kind)
{
	uint32_t i = (uint32_t)h & t->mask, tag = (uint32_t)(h >> 32);

	for (;; i = (i + 1) & t->mask) {
		struct slot *s = &t->slots[i];
		const struct rule *r;

		if (!s->n)
			return s;
		if (s->tag != tag)
			continue;
		r = &p->rules[s->first];
		if (kind == RULE_CIDR ? cidr_key_eq(r, key) :
		    dom_key_eq(r, kind, key, len))
			return s;
	}
}

/*
 * A rule with host bits set, or a length past its family, can match no
 * address (addr_in_prefix() says the same): leave it out of the index.
 */
static bool cidr_indexable(const struct rule *r)
{
	struct ipaddr m = r->net;

	if (r->net.family == ADDR_FAMILY_V4 ? r->plen > 32 :
	    r->net.family != ADDR_FAMILY_V6 || r->plen > 128)
		return false;
	addr_mask(&m, r->plen);
	return addr_equal(&m, &r->net);
}

/* slot_of() - claim or find the slot of rule @i in pass one */
static struct slot *slot_of(const struct policy *p, struct policy_index *ix,
			    uint32_t i)
{
	const struct rule *r = &p->rules[i];
	uint8_t key[18];
	struct slot *s;
	uint64_t h;

	if (r->kind == RULE_CIDR) {
		size_t klen = cidr_key(key, &r->net, r->plen);

		h = siphash(&ix->key, key, klen);
		s = probe(p, &ix->cidr, h, key, klen, RULE_CIDR);
	} else {
		h = dom_hash(ix, r->kind, r->pattern, r->pattern_len);
		s = probe(p, &ix->dom, h, r->pattern, r->pattern_len, r->kind);
	}
	if (!s->n) {
		s->tag = (uint32_t)(h >> 32);
		s->first = i;
	}
	s->n++;
	return s;
}

static void note_plen(struct policy_index *ix, const struct rule *r)
{
	size_t f = fam_index(r->net.family);
	unsigned int j;

	for (j = 0; j < ix->nplens[f]; j++)
		if (ix->plens[f][j] == r->plen)
			return;
	/* insertion keeps longest first: no reason but a stable order */
	for (j = ix->nplens[f]; j > 0 && ix->plens[f][j - 1] < r->plen; j--)
		ix->plens[f][j] = ix->plens[f][j - 1];
	ix->plens[f][j] = r->plen;
	ix->nplens[f]++;
}

static bool indexable(const struct rule *r)
{
	if (r->kind == RULE_CIDR)
		return cidr_indexable(r);
	return (r->kind == RULE_DOMAIN || r->kind == RULE_WILDCARD) &&
	       r->pattern_len <= RULE_PATTERN_MAX;
}

static void fill_offsets(struct table *t, uint32_t *run)
{
	uint32_t i;

	for (i = 0; i <= t->mask; i++) {
		struct slot *s = &t->slots[i];

		if (!s->n)
			continue;
		s->off = *run;
		*run += s->n;
		s->n = 0;	/* refilled by pass two */
	}
}

int policy_build_index(struct policy *p)
{
	struct policy_index *ix;
	struct slot **where = NULL;
	uint32_t nd = 0, nc = 0, i, run = 0;
	int ret;

	policy_index_free(p->index);
	p->index = NULL;
	ix = calloc(1, sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	ret = siphash_key_random(&ix->key);
	if (ret)
		goto err_ix;
	ret = -ENOMEM;
	for (i = 0; i < p->nrules; i++) {
		if (!indexable(&p->rules[i]))
			continue;
		if (p->rules[i].kind == RULE_CIDR)
			nc++;
		else
			nd++;
	}
	if (table_init(&ix->dom, nd) || table_init(&ix->cidr, nc))
		goto err_ix;
	ix->ridx = malloc(((size_t)nd + nc + 1) * sizeof(*ix->ridx));
	where = malloc(((size_t)p->nrules + 1) * sizeof(*where));
	if (!ix->ridx || !where)
		goto err_where;

	/* pass one: claim slots and count each key's rules */
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		where[i] = NULL;
		if (!indexable(r))
			continue;
		where[i] = slot_of(p, ix, i);
		if (r->kind == RULE_CIDR)
			note_plen(ix, r);
		else if (r->kind == RULE_DOMAIN)
			bit_set(ix->exact_len, r->pattern_len);
		else
			bit_set(ix->wild_len, r->pattern_len);
	}
	fill_offsets(&ix->dom, &run);
	fill_offsets(&ix->cidr, &run);
	/* pass two: in rule order, so each run is ascending */
	for (i = 0; i < p->nrules; i++)
		if (where[i]) {
			where[i]->n++;
			ix->ridx[where[i]->off + where[i]->n - 1] = i;
		}
	free(where);
	p->index = ix;
	return 0;

err_where:
	free(where);
err_ix:
	policy_index_free(ix);
	return ret;
}

static size_t emit(const struct policy *p, const struct policy_index *ix,
		   const struct slot *s, const struct rule **out, size_t max,
		   size_t total)
{
	uint32_t j;

	for (j = 0; j < s->n; j++, total++)
		if (total < max)
			out[total] = &p->rules[ix->ridx[s->off + j]];
	return total;
}

/* Without an index (never built, or a rule added since): the naive scan. */
static size_t scan_domains(const struct policy *p, const char *name,
			   size_t len, const struct rule **out, size_t max)
{
	size_t total = 0;
	uint32_t i;

	for (i = 0; i < p->nrules; i++)
		if (rule_name_matches(&p->rules[i], name, len)) {
			if (total < max)
				out[total] = &p->rules[i];
			total++;
		}
	return total;
}

size_t policy_domain_candidates(const struct policy *p, const char *name,
				size_t len, const struct rule **out, size_t max)
{
	const struct policy_index *ix = p->index;
	const struct slot *s;
	size_t total = 0, i;

	if (!ix)
		return scan_domains(p, name, len, out, max);
	if (bit_test(ix->exact_len, len)) {
		s = probe(p, &ix->dom, dom_hash(ix, RULE_DOMAIN, name, len),
			  name, len, RULE_DOMAIN);
		total = emit(p, ix, s, out, max, total);
	}
	/* i > 0: a wildcard needs a non-empty label in front of the suffix */
	for (i = 1; i + 1 < len; i++) {
		const char *suf = name + i + 1;
		size_t slen = len - i - 1;

		if (name[i] != '.' || !bit_test(ix->wild_len, slen))
			continue;
		s = probe(p, &ix->dom, dom_hash(ix, RULE_WILDCARD, suf, slen),
			  suf, slen, RULE_WILDCARD);
		total = emit(p, ix, s, out, max, total);
	}
	return total;
}

static size_t scan_cidrs(const struct policy *p, const struct ipaddr *a,
			 const struct rule **out, size_t max)
{
	size_t total = 0;
	uint32_t i;

	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (r->kind == RULE_CIDR && addr_in_prefix(a, &r->net, r->plen)) {
			if (total < max)
				out[total] = r;
			total++;
		}
	}
	return total;
}

size_t policy_cidr_candidates(const struct policy *p, const struct ipaddr *a,
			      const struct rule **out, size_t max)
{
	const struct policy_index *ix = p->index;
	size_t total = 0, f;
	unsigned int j;

	if (a->family != ADDR_FAMILY_V4 && a->family != ADDR_FAMILY_V6)
		return 0;
	if (!ix)
		return scan_cidrs(p, a, out, max);
	f = fam_index(a->family);
	for (j = 0; j < ix->nplens[f]; j++) {
		uint8_t key[18];
		size_t klen = cidr_key(key, a, ix->plens[f][j]);
		const struct slot *s;

		s = probe(p, &ix->cidr, siphash(&ix->key, key, klen), key, klen,
			  RULE_CIDR);
		total = emit(p, ix, s, out, max, total);
	}
	return total;
}

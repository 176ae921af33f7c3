// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pstore_direct.c - candidate rules straight from LMDB, without compiling
 *
 * The same questions as policy_index.c, asked of the domains and cidrs
 * databases in one read transaction: the exact name, then each proper
 * suffix after a '.' as a wildcard; or the address masked to each prefix
 * length the header lists. Every index entry is followed to its rule
 * record, and the rule must carry the key it was found under.
 */
#include <errno.h>
#include <string.h>

#include "cursor.h"
#include "pstore_int.h"

#define DIRECT_MAX	256	/* rules gathered by one direct lookup */

struct direct {
	struct pstore *s;
	MDB_txn *txn;
	uint32_t nrules;
	struct rule *rules;		/* the caller's, @max of them */
	size_t max, cnt;
	uint32_t idx[DIRECT_MAX];	/* rule index of each of rules[] */
};

/*
 * direct_key() - the rules listed under index key @key (prefix @n bytes),
 * each read from the rules db and checked to carry that very key
 */
static int direct_key(struct direct *d, MDB_dbi dbi, uint8_t *key,
		      size_t klen, size_t n)
{
	uint8_t rkey[PSTORE_RULE_KEY_MAX], own[PSTORE_KEY_MAX];
	MDB_val k = { klen, key }, v, rv;
	const uint8_t *b;
	uint32_t r, prev = 0;
	size_t i;
	int rc, ret;

	rc = mdb_get(d->txn, dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return pstore_lmdb_err(rc);
	/* whole u32s, at least one */
	if (!v.mv_size || v.mv_size % 4)
		return -EPROTO;
	b = v.mv_data;
	memcpy(rkey, key, n);
	memcpy(own, key, n);
	for (i = 0; i < v.mv_size / 4; i++, prev = r) {
		r = get_le32(b + 4 * i);
		/* a rule of this policy, and ascending */
		if (r >= d->nrules || (i && r <= prev))
			return -EPROTO;
		if (d->cnt >= d->max || d->cnt >= DIRECT_MAX)
			return -E2BIG;
		put_be32(rkey + n, r);
		k = (MDB_val){ n + 4, rkey };
		rc = mdb_get(d->txn, d->s->rules, &k, &rv);
		if (rc)
			return rc == MDB_NOTFOUND ? -EPROTO : pstore_lmdb_err(rc);
		ret = pstore_rec_decode_rule(&rv, &d->rules[d->cnt]);
		if (ret)
			return ret;
		/* the index points at a rule that has another key */
		if ((d->rules[d->cnt].kind == RULE_CIDR) != (dbi == d->s->cidrs) ||
		    pstore_rec_index_key(own, n, &d->rules[d->cnt]) != klen ||
		    memcmp(own, key, klen))
			return -EPROTO;
		d->idx[d->cnt++] = r;
	}
	return 0;
}

/* direct_begin() - the read transaction and the policy's rule count */
static int direct_begin(struct direct *d, struct pstore *s, const char *policy,
			struct rule *rules, size_t max, struct plens *pl)
{
	int ret;

	if (!policy_name_valid(policy))
		return -EINVAL;
	d->s = s;
	d->rules = rules;
	d->max = max;
	d->cnt = 0;
	ret = pstore_txn_begin(s, MDB_RDONLY, &d->txn);
	if (ret)
		return ret;
	ret = pstore_get_header(s, d->txn, policy, NULL, &d->nrules, pl);
	if (ret)
		mdb_txn_abort(d->txn);
	return ret;
}

/* direct_end() - rules in ascending rule order, as the index gives them */
static int direct_end(struct direct *d, int ret)
{
	size_t i, j;

	mdb_txn_abort(d->txn);
	if (ret)
		return ret;
	for (i = 1; i < d->cnt; i++)
		for (j = i; j > 0 && d->idx[j - 1] > d->idx[j]; j--) {
			struct rule r = d->rules[j];
			uint32_t x = d->idx[j];

			d->rules[j] = d->rules[j - 1];
			d->rules[j - 1] = r;
			d->idx[j] = d->idx[j - 1];
			d->idx[j - 1] = x;
		}
	return (int)d->cnt;
}

int pstore_direct_domain(struct pstore *s, const char *policy,
			 const char *name, size_t len, struct rule *rules,
			 size_t max)
{
	uint8_t key[PSTORE_KEY_MAX];
	struct direct d;
	struct plens pl;
	size_t n, i;
	int ret;

	ret = direct_begin(&d, s, policy, rules, max, &pl);
	if (ret)
		return ret;
	n = pstore_rec_key_prefix(key, policy);
	if (len <= RULE_PATTERN_MAX) {
		key[n] = RULE_DOMAIN;
		memcpy(key + n + 1, name, len);
		ret = direct_key(&d, s->doms, key, n + 1 + len, n);
	}
	/* each proper suffix after a '.', as in policy_index.c */
	for (i = 1; !ret && i + 1 < len; i++) {
		size_t slen = len - i - 1;

		if (name[i] != '.' || slen > RULE_PATTERN_MAX)
			continue;
		key[n] = RULE_WILDCARD;
		memcpy(key + n + 1, name + i + 1, slen);
		ret = direct_key(&d, s->doms, key, n + 1 + slen, n);
	}
	return direct_end(&d, ret);
}

int pstore_direct_cidr(struct pstore *s, const char *policy,
		       const struct ipaddr *a, struct rule *rules, size_t max)
{
	uint8_t key[PSTORE_KEY_MAX];
	unsigned int plen, bits;
	struct direct d;
	struct plens pl;
	struct ipaddr m;
	size_t n;
	int ret;

	if (a->family != ADDR_FAMILY_V4 && a->family != ADDR_FAMILY_V6)
		return -EINVAL;
	ret = direct_begin(&d, s, policy, rules, max, &pl);
	if (ret)
		return ret;
	n = pstore_rec_key_prefix(key, policy);
	bits = (unsigned int)addr_len(a) * 8;
	for (plen = 0; !ret && plen <= bits; plen++) {
		if (!pstore_rec_plens_has(&pl, a->family, plen))
			continue;
		m = *a;
		addr_mask(&m, plen);
		key[n] = m.family;
		key[n + 1] = (uint8_t)plen;
		memcpy(key + n + 2, m.b, addr_len(&m));
		ret = direct_key(&d, s->cidrs, key, n + 2 + addr_len(&m), n);
	}
	return direct_end(&d, ret);
}

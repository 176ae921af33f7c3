/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pstore_int.h - what pstore.c, pstore_rec.c and pstore_direct.c share;
 * not for use outside the store
 *
 * pstore_rec.c encodes and decodes the records of the schema in pstore.h
 * (no LMDB calls); pstore_direct.c answers the direct lookups; pstore.c
 * owns the environment and the transactions.
 */
#ifndef SENTRY_PSTORE_INT_H
#define SENTRY_PSTORE_INT_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pstore.h"

#define PSTORE_HDR_LEN		41	/* 24 bytes, then the 17-byte IPv6 bitmap */
#define PSTORE_RULE_FIXED	25	/* action, kind, plen, nports, line, family, net */
#define PSTORE_PORT_LEN		5
#define PSTORE_RULE_MAX		(PSTORE_RULE_FIXED + RULE_PORTS_MAX * PSTORE_PORT_LEN + \
				 2 + RULE_PATTERN_MAX)
/* "NAME\0", then kind and pattern, or family, length and network */
#define PSTORE_KEY_MAX		(POLICY_NAME_MAX + 1 + 2 + RULE_PATTERN_MAX)
/* "NAME\0" and a big-endian rule index */
#define PSTORE_RULE_KEY_MAX	(POLICY_NAME_MAX + 1 + 4)

struct pstore {
	MDB_env *env;
	MDB_dbi meta, pols, rules, doms, cidrs;
	bool readonly;
};

/* The prefix lengths present, per family, as the header stores them. */
struct plens {
	uint64_t v4;		/* bit n: a /n, n = 0..32 */
	uint8_t v6[17];		/* bit n % 8 of byte n / 8: a /n, n = 0..128 */
};

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

/* pstore.c */

/* pstore_lmdb_err() - an LMDB return code as 0 or -errno */
int pstore_lmdb_err(int rc);

/* pstore_txn_begin() - mdb_txn_begin(), adopting a map grown by another process */
int pstore_txn_begin(struct pstore *s, unsigned int flags, MDB_txn **txn);

/*
 * pstore_get_header() - decode the header of policy @name in @txn
 * @p:		receives the settings (may be NULL)
 * Return: 0, -ENOENT or -EPROTO
 */
int pstore_get_header(struct pstore *s, MDB_txn *txn, const char *name,
		      struct policy *p, uint32_t *nrules, struct plens *pl);

/* pstore_rec.c */

/* pstore_rec_key_prefix() - "NAME\0" into @k; its length */
size_t pstore_rec_key_prefix(uint8_t *k, const char *name);

/* pstore_rec_index_key() - the domains or cidrs key of @r after the @n-byte prefix; its length */
size_t pstore_rec_index_key(uint8_t *k, size_t n, const struct rule *r);

void pstore_rec_plens_add(struct plens *pl, const struct rule *r);
bool pstore_rec_plens_has(const struct plens *pl, uint8_t family, unsigned int n);

/* pstore_rec_rule_valid() - what rule_parse_*() could have produced, nothing else */
bool pstore_rec_rule_valid(const struct rule *r);

/* pstore_rec_settings_valid() - enums, TTL order and rule count of @p */
bool pstore_rec_settings_valid(const struct policy *p);

/* pstore_rec_encode_rule() - @r as a rules record into @b (PSTORE_RULE_MAX); its length */
size_t pstore_rec_encode_rule(const struct rule *r, uint8_t *b);

/* pstore_rec_decode_rule() - a rules record into @r; 0 or -EPROTO */
int pstore_rec_decode_rule(const MDB_val *v, struct rule *r);

/* pstore_rec_encode_header() - the policies record of @p into @b (PSTORE_HDR_LEN) */
void pstore_rec_encode_header(const struct policy *p, const struct plens *pl,
			      uint8_t *b);

/*
 * pstore_rec_decode_header() - a policies record: settings into @p (may be
 * NULL), the rule count into @nrules, the bitmaps into @pl
 * Return: 0 or -EPROTO
 */
int pstore_rec_decode_header(const MDB_val *v, struct policy *p,
			     uint32_t *nrules, struct plens *pl);

#endif /* SENTRY_PSTORE_INT_H */

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pstore.c - the policy store on LMDB (schema: pstore.h)
 *
 * Theory of operation
 *
 * LMDB codes stop at this file: every MDB_* error becomes a -errno here.
 * Records are decoded by pstore_rec.c and checked field by field; a record
 * that does not decode exactly (length, enums, canonical pattern, host
 * bits, rule numbering, the prefix-length bitmaps of the header) is
 * -EPROTO, never a crash and never half a policy.
 *
 * Writes delete every record of a policy (its header, and the rules,
 * domains and cidrs keys under "NAME\0") before writing the new ones, all
 * in one transaction, so a reader sees the old policy or the new one and
 * no stale rule survives a shrink.
 *
 * The environment is opened MDB_NOTLS: a read transaction is tied to its
 * MDB_txn, not to the thread, so the daemon may read from any thread.
 */
#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cursor.h"
#include "pstore_int.h"

int pstore_lmdb_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
	case MDB_DBS_FULL:
	case MDB_TXN_FULL:
	case MDB_PAGE_FULL:
		return -ENOSPC;
	case MDB_READERS_FULL:
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	case MDB_TLS_FULL:
		return -ENOMEM;
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INCOMPATIBLE:
		return -EPROTO;
	case MDB_BAD_RSLOT:
	case MDB_BAD_TXN:
	case MDB_BAD_VALSIZE:
	case MDB_BAD_DBI:
		return -EINVAL;
	default:
		return rc > 0 ? -rc : -EIO;	/* MDB_PANIC, MDB_CURSOR_FULL */
	}
}

const char *pstore_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -ENOENT:
		return "no such policy";
	case -EPROTO:
		return "not a sentry policy store, another schema version, or "
		       "a corrupt record";
	case -ENOSPC:
		return "policy store full (LMDB map size reached)";
	case -EROFS:
		return "policy store opened read-only";
	case -EINVAL:
		return "invalid argument (a policy name, rule or setting the "
		       "store cannot hold)";
	case -E2BIG:
		return "more matching rules than the caller can take";
	case -EAGAIN:
		return "policy store busy (too many readers), try again";
	default:
		return strerror(-err);
	}
}

const char *pstore_open_strerror(const char *dir, int err, char *buf, size_t len)
{
	struct stat st;

	if (err != -ENOENT)
		snprintf(buf, len, "%s", pstore_strerror(err));
	else if (stat(dir, &st))
		snprintf(buf, len, "no such directory (create the store with: "
			 "sentry policy load --db %s FILE.ini)", dir);
	else
		snprintf(buf, len, "the directory holds no policy store (no data.mdb; "
			 "create it with: sentry policy load --db %s FILE.ini)", dir);
	return buf;
}

int pstore_txn_begin(struct pstore *s, unsigned int flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, flags, txn);

	/* another process grew the map: adopt its size and retry once */
	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(s->env, 0);
		rc = mdb_txn_begin(s->env, NULL, flags, txn);
	}
	return pstore_lmdb_err(rc);
}

/* open_db() - a named database of the store; a missing one means foreign */
static int open_db(MDB_txn *txn, const char *name, unsigned int flags,
		   MDB_dbi *dbi)
{
	int rc = mdb_dbi_open(txn, name, flags, dbi);

	return rc == MDB_NOTFOUND ? -EPROTO : pstore_lmdb_err(rc);
}

static int check_meta(struct pstore *s, MDB_txn *txn)
{
	char k_schema[] = "schema", k_magic[] = "magic";
	MDB_val k = { sizeof(k_schema) - 1, k_schema }, v;
	int rc;

	rc = mdb_get(txn, s->meta, &k, &v);
	if (rc)
		return rc == MDB_NOTFOUND ? -EPROTO : pstore_lmdb_err(rc);
	if (v.mv_size != 4 || get_le32(v.mv_data) != PSTORE_SCHEMA_VERSION)
		return -EPROTO;
	k.mv_size = sizeof(k_magic) - 1;
	k.mv_data = k_magic;
	rc = mdb_get(txn, s->meta, &k, &v);
	if (rc)
		return rc == MDB_NOTFOUND ? -EPROTO : pstore_lmdb_err(rc);
	if (v.mv_size != strlen(PSTORE_MAGIC) ||
	    memcmp(v.mv_data, PSTORE_MAGIC, v.mv_size))
		return -EPROTO;
	return 0;
}

/* init_store() - a brand-new environment becomes an empty store */
static int init_store(struct pstore *s, MDB_txn *txn)
{
	char k_schema[] = "schema", k_magic[] = "magic", magic[] = PSTORE_MAGIC;
	uint8_t ver[4];
	MDB_val k, v;
	MDB_stat st;
	MDB_dbi root;
	int rc;

	/* anything already in the environment makes it someone else's */
	rc = mdb_dbi_open(txn, NULL, 0, &root);
	if (!rc)
		rc = mdb_stat(txn, root, &st);
	if (rc)
		return pstore_lmdb_err(rc);
	if (st.ms_entries)
		return -EPROTO;
	rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta);
	if (rc)
		return pstore_lmdb_err(rc);
	put_le32(ver, PSTORE_SCHEMA_VERSION);
	k = (MDB_val){ sizeof(k_schema) - 1, k_schema };
	v = (MDB_val){ sizeof(ver), ver };
	rc = mdb_put(txn, s->meta, &k, &v, 0);
	if (!rc) {
		k = (MDB_val){ sizeof(k_magic) - 1, k_magic };
		v = (MDB_val){ sizeof(magic) - 1, magic };
		rc = mdb_put(txn, s->meta, &k, &v, 0);
	}
	return pstore_lmdb_err(rc);
}

static int open_dbs(struct pstore *s, bool create)
{
	unsigned int flags = 0;
	MDB_txn *txn;
	int ret, rc;

	ret = pstore_txn_begin(s, s->readonly ? MDB_RDONLY : 0, &txn);
	if (ret)
		return ret;
	rc = mdb_dbi_open(txn, "meta", 0, &s->meta);
	if (rc == MDB_NOTFOUND && create && !s->readonly) {
		ret = init_store(s, txn);
		flags = MDB_CREATE;
	} else if (rc) {
		ret = rc == MDB_NOTFOUND ? -EPROTO : pstore_lmdb_err(rc);
	} else {
		ret = check_meta(s, txn);
	}
	if (!ret)
		ret = open_db(txn, "policies", flags, &s->pols);
	if (!ret)
		ret = open_db(txn, "rules", flags, &s->rules);
	if (!ret)
		ret = open_db(txn, "domains", flags, &s->doms);
	if (!ret)
		ret = open_db(txn, "cidrs", flags, &s->cidrs);
	if (ret) {
		mdb_txn_abort(txn);
		return ret;
	}
	/* committing (even read-only) keeps the handles for the env */
	return pstore_lmdb_err(mdb_txn_commit(txn));
}

static int env_open(const char *dir, bool create, bool readonly,
		    struct pstore **out)
{
	struct pstore *s = calloc(1, sizeof(*s));
	int rc, ret;

	if (!s)
		return -ENOMEM;
	s->readonly = readonly;
	rc = mdb_env_create(&s->env);
	if (rc) {
		free(s);
		return pstore_lmdb_err(rc);
	}
	rc = mdb_env_set_maxdbs(s->env, 8);
	if (!rc)
		rc = mdb_env_set_mapsize(s->env, PSTORE_MAP_SIZE);
	if (!rc)
		rc = mdb_env_open(s->env, dir,
				  MDB_NOTLS | (readonly ? MDB_RDONLY : 0), 0644);
	ret = rc ? pstore_lmdb_err(rc) : open_dbs(s, create);
	if (ret) {
		pstore_close(s);
		return ret;
	}
	*out = s;
	return 0;
}

/* mkdir_parents() - create the missing directories above @path, as mkdir -p */
static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

int pstore_open(const char *dir, bool create, bool readonly,
		struct pstore **out)
{
	char path[PATH_MAX];
	struct pstore *tmp = NULL;
	struct stat st;
	bool fresh = false;
	int ret;

	*out = NULL;
	if (stat(dir, &st)) {
		if (errno != ENOENT || !create)
			return -errno;
		ret = mkdir_parents(dir);
		if (ret)
			return ret;
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
	} else if (!S_ISDIR(st.st_mode)) {
		return -ENOTDIR;
	}
	if (snprintf(path, sizeof(path), "%s/data.mdb", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st)) {
		/* a directory without data.mdb is not a store (yet) */
		if (errno != ENOENT || !create)
			return -errno;
		fresh = true;
	} else if (!st.st_size && !create) {
		/* an empty data.mdb (a crash while creating, a truncated copy)
		 * is no store; LMDB alone would say "Bad file descriptor" */
		return -EPROTO;
	}
	if (fresh && readonly) {
		ret = env_open(dir, true, false, &tmp);
		if (ret)
			return ret;
		pstore_close(tmp);
	}
	return env_open(dir, create, readonly, out);
}

void pstore_close(struct pstore *s)
{
	if (!s)
		return;
	mdb_env_close(s->env);
	free(s);
}

uint64_t pstore_generation(struct pstore *s)
{
	MDB_envinfo info;

	/* reads the meta page from the shared map: no system call */
	if (mdb_env_info(s->env, &info))
		return 0;
	return info.me_last_txnid;
}

/* del_prefix() - delete every key of @dbi starting with @prefix */
static int del_prefix(MDB_txn *txn, MDB_dbi dbi, uint8_t *prefix, size_t n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return pstore_lmdb_err(rc);
	for (;;) {
		k = (MDB_val){ n, prefix };
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND || (!rc && (k.mv_size < n ||
						 memcmp(k.mv_data, prefix, n)))) {
			rc = 0;
			break;
		}
		if (!rc)
			rc = mdb_cursor_del(cur, 0);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	return pstore_lmdb_err(rc);
}

/* delete_policy() - every record of @name; *@found says if it existed */
static int delete_policy(struct pstore *s, MDB_txn *txn, const char *name,
			 bool *found)
{
	uint8_t prefix[POLICY_NAME_MAX + 1];
	size_t n = pstore_rec_key_prefix(prefix, name);
	MDB_val k = { n - 1, prefix };
	int rc, ret;

	rc = mdb_del(txn, s->pols, &k, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return pstore_lmdb_err(rc);
	if (found)
		*found = !rc;
	ret = del_prefix(txn, s->rules, prefix, n);
	if (!ret)
		ret = del_prefix(txn, s->doms, prefix, n);
	if (!ret)
		ret = del_prefix(txn, s->cidrs, prefix, n);
	return ret;
}

static int dom_cmp(const void *a, const void *b, void *ctx)
{
	const struct rule *rules = ctx;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const struct rule *x = &rules[i], *y = &rules[j];
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->pattern_len != y->pattern_len)
		return x->pattern_len < y->pattern_len ? -1 : 1;
	c = memcmp(x->pattern, y->pattern, x->pattern_len);
	if (c)
		return c;
	return i < j ? -1 : i > j;
}

static int cidr_cmp(const void *a, const void *b, void *ctx)
{
	const struct rule *rules = ctx;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const struct rule *x = &rules[i], *y = &rules[j];
	int c;

	if (x->net.family != y->net.family)
		return x->net.family < y->net.family ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	c = memcmp(x->net.b, y->net.b, addr_len(&x->net));
	if (c)
		return c;
	return i < j ? -1 : i > j;
}

/*
 * write_index() - group the rules of one kind by key, one record per key
 * holding its rule indexes in ascending order (the sort's last key)
 */
static int write_index(MDB_txn *txn, MDB_dbi dbi, const struct policy *p,
		       bool cidr, uint32_t *idx, uint8_t *val)
{
	uint8_t key[PSTORE_KEY_MAX], next[PSTORE_KEY_MAX];
	size_t n = pstore_rec_key_prefix(key, p->name), cnt = 0, klen, i, j;
	MDB_val k, v;
	int rc;

	for (i = 0; i < p->nrules; i++)
		if ((p->rules[i].kind == RULE_CIDR) == cidr)
			idx[cnt++] = (uint32_t)i;
	qsort_r(idx, cnt, sizeof(*idx), cidr ? cidr_cmp : dom_cmp, p->rules);
	memcpy(next, key, n);
	for (i = 0; i < cnt; i = j) {
		klen = pstore_rec_index_key(key, n, &p->rules[idx[i]]);
		for (j = i; j < cnt; j++) {
			if (pstore_rec_index_key(next, n, &p->rules[idx[j]]) != klen ||
			    memcmp(next, key, klen))
				break;
			put_le32(val + 4 * (j - i), idx[j]);
		}
		k = (MDB_val){ klen, key };
		v = (MDB_val){ 4 * (j - i), val };
		rc = mdb_put(txn, dbi, &k, &v, 0);
		if (rc)
			return pstore_lmdb_err(rc);
	}
	return 0;
}

static int write_policy(struct pstore *s, MDB_txn *txn, const struct policy *p)
{
	uint8_t key[PSTORE_RULE_KEY_MAX], hdr[PSTORE_HDR_LEN];
	uint8_t rec[PSTORE_RULE_MAX];
	struct plens pl = { 0 };
	size_t n = pstore_rec_key_prefix(key, p->name);
	uint32_t *idx = NULL;
	uint8_t *val = NULL;
	MDB_val k, v;
	uint32_t i;
	int rc, ret = -ENOMEM;

	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == RULE_CIDR)
			pstore_rec_plens_add(&pl, &p->rules[i]);
	pstore_rec_encode_header(p, &pl, hdr);
	k = (MDB_val){ n - 1, key };
	v = (MDB_val){ sizeof(hdr), hdr };
	rc = mdb_put(txn, s->pols, &k, &v, 0);
	if (rc)
		return pstore_lmdb_err(rc);
	for (i = 0; i < p->nrules; i++) {
		put_be32(key + n, i);
		k = (MDB_val){ n + 4, key };
		v = (MDB_val){ pstore_rec_encode_rule(&p->rules[i], rec), rec };
		rc = mdb_put(txn, s->rules, &k, &v, 0);
		if (rc)
			return pstore_lmdb_err(rc);
	}
	idx = malloc(((size_t)p->nrules + 1) * sizeof(*idx));
	val = malloc(((size_t)p->nrules + 1) * 4);
	if (idx && val) {
		ret = write_index(txn, s->doms, p, false, idx, val);
		if (!ret)
			ret = write_index(txn, s->cidrs, p, true, idx, val);
	}
	free(idx);
	free(val);
	return ret;
}

int pstore_put(struct pstore *s, struct policy *const *pols, size_t n)
{
	MDB_txn *txn;
	size_t i;
	uint32_t j;
	int ret;

	if (s->readonly)
		return -EROFS;
	/* refuse before writing anything: what get() would call corrupt */
	for (i = 0; i < n; i++) {
		if (!policy_name_valid(pols[i]->name) ||
		    !pstore_rec_settings_valid(pols[i]))
			return -EINVAL;
		for (j = 0; j < pols[i]->nrules; j++)
			if (!pstore_rec_rule_valid(&pols[i]->rules[j]))
				return -EINVAL;
	}
	ret = pstore_txn_begin(s, 0, &txn);
	if (ret)
		return ret;
	for (i = 0; i < n && !ret; i++) {
		ret = delete_policy(s, txn, pols[i]->name, NULL);
		if (!ret)
			ret = write_policy(s, txn, pols[i]);
	}
	if (ret) {
		mdb_txn_abort(txn);
		return ret;
	}
	return pstore_lmdb_err(mdb_txn_commit(txn));
}

int pstore_remove(struct pstore *s, const char *name)
{
	MDB_txn *txn;
	bool found = false;
	int ret;

	if (s->readonly)
		return -EROFS;
	if (!policy_name_valid(name))
		return -EINVAL;
	ret = pstore_txn_begin(s, 0, &txn);
	if (ret)
		return ret;
	ret = delete_policy(s, txn, name, &found);
	if (!ret && !found)
		ret = -ENOENT;
	if (ret) {
		mdb_txn_abort(txn);
		return ret;
	}
	return pstore_lmdb_err(mdb_txn_commit(txn));
}

/* in_set() - whether @name (@len bytes, no NUL) names one of @pols */
static bool in_set(struct policy *const *pols, size_t n, const char *name,
		   size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(pols[i]->name) == len && !memcmp(pols[i]->name, name, len))
			return true;
	return false;
}

int pstore_sync(struct pstore *s, struct policy *const *pols, const bool *write,
		size_t n, void (*removed)(const char *name, void *arg), void *arg,
		bool dry_run)
{
	char name[POLICY_NAME_MAX + 1];
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int rc, ret;

	if (s->readonly)
		return -EROFS;
	for (size_t i = 0; i < n; i++) {
		if (!policy_name_valid(pols[i]->name) ||
		    !pstore_rec_settings_valid(pols[i]))
			return -EINVAL;
		for (uint32_t j = 0; j < pols[i]->nrules; j++)
			if (!pstore_rec_rule_valid(&pols[i]->rules[j]))
				return -EINVAL;
	}
	ret = pstore_txn_begin(s, 0, &txn);
	if (ret)
		return ret;
	/*
	 * Removals first, by walking the names: each delete_policy() reopens
	 * its own cursors, so restart the walk after the name just removed.
	 */
	name[0] = '\0';
	for (;;) {
		size_t len = strlen(name);

		rc = mdb_cursor_open(txn, s->pols, &cur);
		if (rc) {
			ret = pstore_lmdb_err(rc);
			break;
		}
		k = (MDB_val){ len, name };
		rc = len ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) :
			   mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		while (!rc && ((k.mv_size == len && !memcmp(k.mv_data, name, len)) ||
			       in_set(pols, n, k.mv_data, k.mv_size)))
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		mdb_cursor_close(cur);
		if (rc == MDB_NOTFOUND)
			break;
		if (rc || k.mv_size > POLICY_NAME_MAX) {
			ret = rc ? pstore_lmdb_err(rc) : -EPROTO;
			break;
		}
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		ret = delete_policy(s, txn, name, NULL);
		if (ret)
			break;
		if (removed)
			removed(name, arg);
	}
	for (size_t i = 0; i < n && !ret; i++) {
		if (write && !write[i])
			continue;
		ret = delete_policy(s, txn, pols[i]->name, NULL);
		if (!ret)
			ret = write_policy(s, txn, pols[i]);
	}
	if (ret || dry_run) {
		mdb_txn_abort(txn);
		return ret;
	}
	return pstore_lmdb_err(mdb_txn_commit(txn));
}

/* pstore_get_header() - the header of @name in @txn */
int pstore_get_header(struct pstore *s, MDB_txn *txn, const char *name,
		      struct policy *p, uint32_t *nrules, struct plens *pl)
{
	char key[POLICY_NAME_MAX + 1];
	MDB_val k = { strlen(name), key }, v;
	int rc;

	memcpy(key, name, k.mv_size);
	rc = mdb_get(txn, s->pols, &k, &v);
	if (rc)
		return pstore_lmdb_err(rc);
	return pstore_rec_decode_header(&v, p, nrules, pl);
}

/* read_rules() - rules 0..@nrules-1 of the policy in @p, and nothing more */
static int read_rules(struct pstore *s, MDB_txn *txn, struct policy *p,
		      uint32_t nrules, struct plens *pl)
{
	uint8_t key[PSTORE_RULE_KEY_MAX];
	size_t n = pstore_rec_key_prefix(key, p->name);
	MDB_cursor *cur;
	MDB_val k, v;
	uint32_t i;
	int rc, ret = 0;

	rc = mdb_cursor_open(txn, s->rules, &cur);
	if (rc)
		return pstore_lmdb_err(rc);
	put_be32(key + n, 0);
	k = (MDB_val){ n + 4, key };
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (i = 0; i < nrules && !ret; i++) {
		if (rc) {
			/* fewer rules than the header counts */
			ret = rc == MDB_NOTFOUND ? -EPROTO : pstore_lmdb_err(rc);
			break;
		}
		/* every index in turn, under this policy's prefix */
		put_be32(key + n, i);
		if (k.mv_size != n + 4 || memcmp(k.mv_data, key, n + 4)) {
			ret = -EPROTO;
			break;
		}
		ret = pstore_rec_decode_rule(&v, &p->rules[i]);
		if (ret)
			break;
		p->nrules = i + 1;
		if (p->rules[i].kind == RULE_CIDR)
			pstore_rec_plens_add(pl, &p->rules[i]);
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	/* more rules than the header counts */
	if (!ret && !rc && k.mv_size >= n && !memcmp(k.mv_data, key, n))
		ret = -EPROTO;
	else if (!ret && rc && rc != MDB_NOTFOUND)
		ret = pstore_lmdb_err(rc);
	mdb_cursor_close(cur);
	return ret;
}

int pstore_get(struct pstore *s, const char *name, struct policy **out)
{
	struct plens hdr_pl = { 0 }, pl = { 0 };
	struct policy *p;
	uint32_t nrules = 0;
	MDB_txn *txn;
	int ret;

	*out = NULL;
	if (!policy_name_valid(name))
		return -EINVAL;
	p = policy_new(name);
	if (!p)
		return -ENOMEM;
	ret = pstore_txn_begin(s, MDB_RDONLY, &txn);
	if (ret)
		goto err;
	ret = pstore_get_header(s, txn, name, p, &nrules, &hdr_pl);
	if (!ret) {
		p->rules = malloc(((size_t)nrules + 1) * sizeof(*p->rules));
		ret = p->rules ? read_rules(s, txn, p, nrules, &pl) : -ENOMEM;
	}
	mdb_txn_abort(txn);
	/* the header's bitmaps drive direct lookups: they must be the truth */
	if (!ret && (pl.v4 != hdr_pl.v4 || memcmp(pl.v6, hdr_pl.v6, sizeof(pl.v6))))
		ret = -EPROTO;
	if (!ret)
		ret = policy_build_index(p);
	if (ret)
		goto err;
	*out = p;
	return 0;
err:
	policy_free(p);
	return ret;
}

int pstore_list(struct pstore *s, int (*fn)(const char *name, void *arg),
		void *arg)
{
	char (*names)[POLICY_NAME_MAX + 1] = NULL, (*grown)[POLICY_NAME_MAX + 1];
	size_t n = 0, cap = 0, i;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int rc, ret;

	ret = pstore_txn_begin(s, MDB_RDONLY, &txn);
	if (ret)
		return ret;
	rc = mdb_cursor_open(txn, s->pols, &cur);
	if (rc) {
		mdb_txn_abort(txn);
		return pstore_lmdb_err(rc);
	}
	/* copy the names out: @fn may well open a transaction of its own */
	while (!ret && !(rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			names = grown;
		}
		if (!k.mv_size || k.mv_size > POLICY_NAME_MAX) {
			ret = -EPROTO;
			break;
		}
		memcpy(names[n], k.mv_data, k.mv_size);
		names[n][k.mv_size] = '\0';
		if (!policy_name_valid(names[n++]))
			ret = -EPROTO;
	}
	if (!ret && rc != MDB_NOTFOUND)
		ret = pstore_lmdb_err(rc);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	for (i = 0; i < n && !ret; i++)
		ret = fn(names[i], arg);
	free(names);
	return ret;
}

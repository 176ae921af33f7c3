// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pstore.c - the LMDB policy store: opening, records, generations */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy_ini.h"
#include "pstore_int.h"
#include "t.h"

static const char example[] =
	"[policy]\nname = builds\nmin_ttl = 10\nmax_ttl = 20\ndns_refusal = refused\n"
	"[allow]\n"
	"domain = deb.debian.org\n"
	"domain = *.pythonhosted.org tcp/443\n"
	"domain = github.com tcp/443 tcp/22\n"
	"cidr = 198.18.0.0/24 udp/123\n"
	"cidr = 0.0.0.0/0 tcp/1-1024\n"
	"cidr = 203.0.113.7/32 icmp\n"
	"cidr = 2001:db8::/32\n"
	"cidr = ::/0 udp\n"
	"cidr = 2001:db8::1/128\n"
	"[deny]\n"
	"domain = ads.example.com\n"
	"domain = github.com tcp/22\n"
	"cidr = 169.254.169.254/32\n";

static char top[] = "/tmp/sentry-pstore-XXXXXX";
static int seq;

/* fresh() - a new path under the test's directory (not created) */
static const char *fresh(void)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/s%d", top, seq++);
	return path;
}

static void rm_store(const char *dir)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

static struct policy *example_policy(const char *name)
{
	char err[POLICY_ERR_MAX];
	struct policy *p;

	if (policy_compile_text(example, strlen(example), "e.ini", &p, err))
		return NULL;
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

static bool rules_equal(const struct rule *a, const struct rule *b)
{
	unsigned int i;

	if (a->action != b->action || a->kind != b->kind || a->line != b->line ||
	    a->nports != b->nports || a->pattern_len != b->pattern_len ||
	    memcmp(a->pattern, b->pattern, a->pattern_len) || a->plen != b->plen)
		return false;
	if (a->kind == RULE_CIDR && !addr_equal(&a->net, &b->net))
		return false;
	for (i = 0; i < a->nports; i++)
		if (a->ports[i].proto != b->ports[i].proto ||
		    a->ports[i].lo != b->ports[i].lo ||
		    a->ports[i].hi != b->ports[i].hi)
			return false;
	return true;
}

static bool policies_equal(const struct policy *a, const struct policy *b)
{
	uint32_t i;

	if (strcmp(a->name, b->name) || a->default_action != b->default_action ||
	    a->private_answers != b->private_answers ||
	    a->dns_refusal != b->dns_refusal || a->min_ttl != b->min_ttl ||
	    a->max_ttl != b->max_ttl || a->nrules != b->nrules)
		return false;
	for (i = 0; i < a->nrules; i++)
		if (!rules_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

/* Raw LMDB, for what the store must refuse to do itself. */
static MDB_env *raw_open(const char *dir)
{
	MDB_env *env;

	if (mdb_env_create(&env))
		return NULL;
	mdb_env_set_maxdbs(env, 8);
	if (mdb_env_open(env, dir, 0, 0644)) {
		mdb_env_close(env);
		return NULL;
	}
	return env;
}

/* raw_put() - put (or with @v NULL delete) one record of db @db */
static int raw_put(const char *dir, const char *db, const void *k, size_t klen,
		   const void *v, size_t vlen)
{
	MDB_env *env = raw_open(dir);
	MDB_val key = { klen, (void *)(uintptr_t)k };
	MDB_val val = { vlen, (void *)(uintptr_t)v };
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;

	if (!env)
		return -1;
	rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (!rc) {
		rc = mdb_dbi_open(txn, db, MDB_CREATE, &dbi);
		if (!rc)
			rc = v ? mdb_put(txn, dbi, &key, &val, 0) :
				 mdb_del(txn, dbi, &key, NULL);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	mdb_env_close(env);
	return rc;
}

/* raw_get() - copy one record out; its length or -1 */
static int raw_get(const char *dir, const char *db, const void *k, size_t klen,
		   void *out, size_t cap)
{
	MDB_env *env = raw_open(dir);
	MDB_val key = { klen, (void *)(uintptr_t)k }, val;
	MDB_txn *txn;
	MDB_dbi dbi;
	int ret = -1;

	if (!env)
		return -1;
	if (!mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) {
		if (!mdb_dbi_open(txn, db, 0, &dbi) &&
		    !mdb_get(txn, dbi, &key, &val) && val.mv_size <= cap) {
			memcpy(out, val.mv_data, val.mv_size);
			ret = (int)val.mv_size;
		}
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return ret;
}

static long raw_count(const char *dir, const char *db)
{
	MDB_env *env = raw_open(dir);
	MDB_txn *txn;
	MDB_stat st;
	MDB_dbi dbi;
	long n = -1;

	if (!env)
		return -1;
	if (!mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) {
		if (!mdb_dbi_open(txn, db, 0, &dbi) && !mdb_stat(txn, dbi, &st))
			n = (long)st.ms_entries;
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return n;
}

/* rule_key() - "NAME\0" u32be(i) */
static size_t rule_key(uint8_t *k, const char *name, uint32_t i)
{
	size_t n = strlen(name) + 1;

	memcpy(k, name, n);
	k[n] = (uint8_t)(i >> 24);
	k[n + 1] = (uint8_t)(i >> 16);
	k[n + 2] = (uint8_t)(i >> 8);
	k[n + 3] = (uint8_t)i;
	return n + 4;
}

/* stored() - a store at a fresh path holding example_policy(@name) */
static const char *stored(const char *name)
{
	const char *dir = fresh();
	struct policy *p = example_policy(name);
	struct pstore *s;
	int ret = -1;

	if (p && !pstore_open(dir, true, false, &s)) {
		ret = pstore_put(s, &p, 1);
		pstore_close(s);
	}
	policy_free(p);
	return ret ? NULL : dir;
}

static int get_ret(const char *dir, const char *name)
{
	struct pstore *s;
	struct policy *p;
	int ret = pstore_open(dir, false, true, &s);

	if (ret)
		return ret;
	ret = pstore_get(s, name, &p);
	if (!ret)
		policy_free(p);
	pstore_close(s);
	return ret;
}

TEST(open_missing)
{
	const char *dir = fresh();
	struct pstore *s = (struct pstore *)1;
	char path[160], msg[512];
	struct stat st;
	mode_t mask;

	CHECK_EQ(pstore_open(dir, false, false, &s), -ENOENT);
	CHECK(!s);
	CHECK_EQ(pstore_open(dir, false, true, &s), -ENOENT);
	/* a directory without data.mdb is no store either */
	CHECK_EQ(mkdir(dir, 0755), 0);
	CHECK_EQ(pstore_open(dir, false, true, &s), -ENOENT);
	CHECK_EQ(pstore_open(dir, false, false, &s), -ENOENT);
	/* the message says which: the store in the directory */
	CHECK(strstr(pstore_open_strerror(dir, -ENOENT, msg, sizeof(msg)), "no data.mdb"));
	CHECK(strstr(msg, "sentry policy load --db"));
	/* and nothing was created on the way */
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	CHECK(access(path, F_OK) && errno == ENOENT);
	rmdir(dir);
	/* or the directory itself */
	CHECK(strstr(pstore_open_strerror(dir, -ENOENT, msg, sizeof(msg)), "no such directory"));
	CHECK(!strcmp(pstore_strerror(-ENOENT), "no such policy"));
	/* a writer creates missing parents, as mkdir -p (a fresh /var/lib/sentry) */
	mask = umask(0);
	umask(mask);
	snprintf(path, sizeof(path), "%s/a/b/c", top);
	CHECK_EQ(pstore_open(path, true, false, &s), 0);
	pstore_close(s);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0755 & ~mask);
	rm_store(path);
	snprintf(path, sizeof(path), "%s/a/b", top);
	CHECK_EQ(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/a", top);
	CHECK_EQ(rmdir(path), 0);
	/* a file is not a directory */
	snprintf(path, sizeof(path), "%s/file", top);
	CHECK(close(open(path, O_CREAT | O_WRONLY, 0644)) == 0);
	CHECK_EQ(pstore_open(path, true, false, &s), -ENOTDIR);
	unlink(path);
}

TEST(create_then_reopen)
{
	const char *dir = fresh();
	struct pstore *s;
	struct policy *p;
	char path[160];

	CHECK_EQ(pstore_open(dir, true, false, &s), 0);
	pstore_close(s);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	CHECK_EQ(access(path, F_OK), 0);
	CHECK_EQ(pstore_open(dir, false, false, &s), 0);
	CHECK_EQ(pstore_get(s, "none", &p), -ENOENT);
	CHECK(!p);
	pstore_close(s);
	CHECK_EQ(pstore_open(dir, false, true, &s), 0);
	CHECK_EQ(pstore_put(s, &p, 0), -EROFS);
	CHECK_EQ(pstore_remove(s, "x"), -EROFS);
	pstore_close(s);
	/* create on an existing store just opens it */
	CHECK_EQ(pstore_open(dir, true, false, &s), 0);
	pstore_close(s);
	rm_store(dir);
	/* read-only and create: made, then opened read-only */
	dir = fresh();
	CHECK_EQ(pstore_open(dir, true, true, &s), 0);
	CHECK_EQ(pstore_put(s, &p, 0), -EROFS);
	pstore_close(s);
	rm_store(dir);
}

TEST(foreign_random_file)
{
	const char *dir = fresh();
	uint8_t junk[8192], back[8192];
	struct pstore *s;
	char path[160];
	FILE *f;
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	CHECK_EQ(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	f = fopen(path, "w");
	CHECK(f);
	CHECK_EQ(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	fclose(f);
	CHECK_EQ(pstore_open(dir, false, true, &s), -EPROTO);
	CHECK_EQ(pstore_open(dir, false, false, &s), -EPROTO);
	CHECK_EQ(pstore_open(dir, true, false, &s), -EPROTO);
	/* and it was left alone */
	f = fopen(path, "r");
	CHECK(f);
	CHECK_EQ(fread(back, 1, sizeof(back), f), sizeof(back));
	fclose(f);
	CHECK(!memcmp(junk, back, sizeof(junk)));
	rm_store(dir);
}

TEST(empty_data_mdb)
{
	const char *dir = fresh();
	struct pstore *s;
	struct stat st;
	char path[160];

	/* a zero-length data.mdb (a crash while creating, a truncated copy):
	 * readers call it what it is, not "Bad file descriptor" */
	CHECK_EQ(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	CHECK(close(open(path, O_CREAT | O_WRONLY, 0644)) == 0);
	CHECK_EQ(pstore_open(dir, false, true, &s), -EPROTO);
	CHECK_EQ(pstore_open(dir, false, false, &s), -EPROTO);
	CHECK(stat(path, &st) == 0 && st.st_size == 0);
	/* a writer allowed to create makes it a store, as for a new directory */
	CHECK_EQ(pstore_open(dir, true, false, &s), 0);
	pstore_close(s);
	CHECK_EQ(pstore_open(dir, false, true, &s), 0);
	pstore_close(s);
	rm_store(dir);
}

TEST(foreign_lmdb)
{
	const char *dir = fresh();
	struct pstore *s;

	/* someone else's LMDB environment, with a record of its own */
	CHECK_EQ(mkdir(dir, 0755), 0);
	CHECK_EQ(raw_put(dir, NULL, "user", 4, "alice", 5), 0);
	CHECK_EQ(pstore_open(dir, false, true, &s), -EPROTO);
	CHECK_EQ(pstore_open(dir, false, false, &s), -EPROTO);
	CHECK_EQ(pstore_open(dir, true, false, &s), -EPROTO);
	CHECK_EQ(raw_count(dir, NULL), 1);
	rm_store(dir);
	/* a "meta" that is a plain record, not a database */
	dir = fresh();
	CHECK_EQ(mkdir(dir, 0755), 0);
	CHECK_EQ(raw_put(dir, NULL, "meta", 4, "x", 1), 0);
	CHECK_EQ(pstore_open(dir, true, false, &s), -EPROTO);
	CHECK_EQ(pstore_open(dir, false, true, &s), -EPROTO);
	rm_store(dir);
	/* a meta database without our records */
	dir = fresh();
	CHECK_EQ(mkdir(dir, 0755), 0);
	CHECK_EQ(raw_put(dir, "meta", "other", 5, "x", 1), 0);
	CHECK_EQ(pstore_open(dir, true, false, &s), -EPROTO);
	CHECK_EQ(pstore_open(dir, false, true, &s), -EPROTO);
	rm_store(dir);
	CHECK(strstr(pstore_strerror(-EPROTO), "not a sentry policy store"));
}

TEST(wrong_schema_or_magic)
{
	const char *dir = stored("a");
	uint8_t v2[4] = { 2, 0, 0, 0 }, v1[4] = { 1, 0, 0, 0 };

	CHECK(dir);
	CHECK_EQ(get_ret(dir, "a"), 0);
	CHECK_EQ(raw_put(dir, "meta", "schema", 6, v2, 4), 0);
	CHECK_EQ(get_ret(dir, "a"), -EPROTO);
	CHECK_EQ(raw_put(dir, "meta", "schema", 6, v1, 3), 0);
	CHECK_EQ(get_ret(dir, "a"), -EPROTO);
	CHECK_EQ(raw_put(dir, "meta", "schema", 6, v1, 4), 0);
	CHECK_EQ(get_ret(dir, "a"), 0);
	CHECK_EQ(raw_put(dir, "meta", "magic", 5, "sentry-policy-stor", 18), 0);
	CHECK_EQ(get_ret(dir, "a"), -EPROTO);
	CHECK_EQ(raw_put(dir, "meta", "magic", 5, PSTORE_MAGIC, strlen(PSTORE_MAGIC)), 0);
	CHECK_EQ(get_ret(dir, "a"), 0);
	CHECK_EQ(raw_put(dir, "meta", "schema", 6, NULL, 0), 0);
	CHECK_EQ(get_ret(dir, "a"), -EPROTO);
	rm_store(dir);
}

static int collect(const char *name, void *arg)
{
	char *buf = arg;

	strcat(buf, name);
	strcat(buf, ",");
	return 0;
}

static int stop_at_b(const char *name, void *arg)
{
	(void)arg;
	return name[0] == 'b' ? 42 : 0;
}

TEST(put_get_list_remove)
{
	struct policy *a = example_policy("alpha"), *b = example_policy("beta");
	struct policy *pols[2] = { b, a }, *got;
	const char *dir = fresh();
	struct policy_match m1, m2;
	struct pstore *s;
	char names[256] = "";
	uint64_t gen;

	CHECK(a && b);
	b->default_action = ACTION_ALLOW;
	b->private_answers = ACTION_ALLOW;
	CHECK_EQ(pstore_open(dir, true, false, &s), 0);
	gen = pstore_generation(s);
	CHECK_EQ(pstore_put(s, pols, 2), 0);
	/* two policies, one transaction */
	CHECK_EQ(pstore_generation(s), gen + 1);
	CHECK_EQ(pstore_get(s, "alpha", &got), 0);
	CHECK(policies_equal(a, got));
	CHECK(got->index);
	policy_decide_query(got, "x.pythonhosted.org", 18, &m1);
	policy_decide_query(a, "x.pythonhosted.org", 18, &m2);
	CHECK_EQ(m1.action, ACTION_ALLOW);
	CHECK_EQ(m1.rule, m2.rule);
	policy_free(got);
	CHECK_EQ(pstore_get(s, "beta", &got), 0);
	CHECK(policies_equal(b, got));
	policy_free(got);
	CHECK_EQ(pstore_list(s, collect, names), 0);
	CHECK_STR(names, "alpha,beta,");
	CHECK_EQ(pstore_list(s, stop_at_b, NULL), 42);
	CHECK_EQ(pstore_get(s, "gamma", &got), -ENOENT);
	CHECK_EQ(pstore_get(s, "bad name", &got), -EINVAL);
	CHECK_EQ(pstore_remove(s, "alpha"), 0);
	CHECK_EQ(pstore_remove(s, "alpha"), -ENOENT);
	CHECK_EQ(pstore_remove(s, "-x"), -EINVAL);
	CHECK_EQ(pstore_get(s, "alpha", &got), -ENOENT);
	names[0] = '\0';
	CHECK_EQ(pstore_list(s, collect, names), 0);
	CHECK_STR(names, "beta,");
	pstore_close(s);
	/* only beta's records are left */
	CHECK_EQ(raw_count(dir, "rules"), b->nrules);
	CHECK_EQ(raw_count(dir, "policies"), 1);
	policy_free(a);
	policy_free(b);
	rm_store(dir);
}

TEST(put_refuses_what_get_would_call_corrupt)
{
	struct policy *p = example_policy("ok");
	const char *dir = fresh();
	struct pstore *s;
	uint64_t gen;

	CHECK(p);
	CHECK_EQ(pstore_open(dir, true, false, &s), 0);
	gen = pstore_generation(s);
	snprintf(p->name, sizeof(p->name), "no good");
	CHECK_EQ(pstore_put(s, &p, 1), -EINVAL);
	snprintf(p->name, sizeof(p->name), "ok");
	p->rules[3].net.b[3] = 1;	/* host bits under a /24 */
	CHECK_EQ(pstore_put(s, &p, 1), -EINVAL);
	p->rules[3].net.b[3] = 0;
	p->rules[0].pattern[0] = 'D';	/* not normalised */
	CHECK_EQ(pstore_put(s, &p, 1), -EINVAL);
	p->rules[0].pattern[0] = 'd';
	p->dns_refusal = 0;
	CHECK_EQ(pstore_put(s, &p, 1), -EINVAL);
	p->dns_refusal = 3;
	p->rules[1].ports[0].lo = 0;	/* port 0 outside "any" */
	CHECK_EQ(pstore_put(s, &p, 1), -EINVAL);
	p->rules[1].ports[0].lo = 443;
	CHECK_EQ(pstore_generation(s), gen);
	CHECK_EQ(pstore_put(s, &p, 1), 0);
	CHECK_EQ(pstore_generation(s), gen + 1);
	pstore_close(s);
	policy_free(p);
	rm_store(dir);
}

TEST(replace_leaves_no_stale_records)
{
	struct policy *big = policy_new("a"), *small = example_policy("a");
	struct policy *other = example_policy("ab"), *got;
	const char *dir = fresh();
	struct pstore *s;
	char spec[64];
	struct rule r;
	int i;

	CHECK(big && small && other);
	for (i = 0; i < 300; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(spec, sizeof(spec), i % 2 ? "h%d.example" : "*.w%d.example", i);
		if (i % 3 == 0) {
			snprintf(spec, sizeof(spec), "10.%d.%d.0/24", i / 256, i % 256);
			r.kind = RULE_CIDR;
			CHECK_EQ(addr_parse_prefix(spec, true, &r.net, &r.plen), 0);
		} else {
			CHECK_EQ(rule_parse_pattern(spec, &r), 0);
		}
		CHECK_EQ(policy_add_rule(big, &r), 0);
	}
	CHECK_EQ(pstore_open(dir, true, false, &s), 0);
	CHECK_EQ(pstore_put(s, &other, 1), 0);
	CHECK_EQ(pstore_put(s, &big, 1), 0);
	CHECK_EQ(pstore_put(s, &small, 1), 0);
	CHECK_EQ(pstore_get(s, "a", &got), 0);
	CHECK(policies_equal(small, got));
	policy_free(got);
	CHECK_EQ(pstore_get(s, "ab", &got), 0);
	CHECK(policies_equal(other, got));
	policy_free(got);
	pstore_close(s);
	/* "a" and "ab": two example policies' worth, nothing of big's */
	CHECK_EQ(raw_count(dir, "rules"), 2 * small->nrules);
	/* example: 4 distinct domain keys, 7 distinct networks */
	CHECK_EQ(raw_count(dir, "domains"), 2 * 4);
	CHECK_EQ(raw_count(dir, "cidrs"), 2 * 7);
	policy_free(big);
	policy_free(small);
	policy_free(other);
	rm_store(dir);
}

/* writer() - in a child: open its own environment, put, exit */
static pid_t writer(const char *dir, const char *name, uint8_t def)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct policy *p = example_policy(name);
		struct pstore *s;
		int ret = -1;

		if (p && !pstore_open(dir, false, false, &s)) {
			p->default_action = def;
			ret = pstore_put(s, &p, 1);
			pstore_close(s);
		}
		_exit(ret ? 1 : 0);
	}
	return pid;
}

static int wait_ok(pid_t pid)
{
	int st;

	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

TEST(generation_seen_across_processes)
{
	const char *dir = stored("first");
	struct pstore *reader;
	struct policy *p;
	uint64_t g0, g1, g2;

	CHECK(dir);
	/* the daemon's side: read-only, opened before any of the writes */
	CHECK_EQ(pstore_open(dir, false, true, &reader), 0);
	g0 = pstore_generation(reader);
	CHECK(g0 > 0);
	CHECK_EQ(pstore_get(reader, "second", &p), -ENOENT);
	CHECK(wait_ok(writer(dir, "second", ACTION_ALLOW)));
	g1 = pstore_generation(reader);
	CHECK(g1 > g0);
	CHECK_EQ(pstore_get(reader, "second", &p), 0);
	CHECK_EQ(p->default_action, ACTION_ALLOW);
	policy_free(p);
	CHECK(wait_ok(writer(dir, "second", ACTION_DENY)));
	g2 = pstore_generation(reader);
	CHECK(g2 > g1);
	CHECK_EQ(pstore_get(reader, "second", &p), 0);
	CHECK_EQ(p->default_action, ACTION_DENY);
	policy_free(p);
	/* reads alone do not move it */
	CHECK_EQ(pstore_generation(reader), g2);
	pstore_close(reader);
	rm_store(dir);
}

TEST(direct_lookups)
{
	const char *dir = stored("d");
	struct rule rules[8];
	struct pstore *s;
	struct ipaddr a;

	CHECK(dir);
	CHECK_EQ(pstore_open(dir, false, true, &s), 0);
	CHECK_EQ(pstore_direct_domain(s, "d", "github.com", 10, rules, 8), 2);
	CHECK_EQ(rules[0].action, ACTION_ALLOW);
	CHECK_EQ(rules[0].line, 9);
	CHECK_EQ(rules[1].action, ACTION_DENY);
	CHECK_EQ(rules[1].line, 18);
	CHECK_EQ(pstore_direct_domain(s, "d", "github.com", 10, rules, 1), -E2BIG);
	CHECK_EQ(pstore_direct_domain(s, "d", "a.b.pythonhosted.org", 20, rules, 8), 1);
	CHECK_EQ(rules[0].kind, RULE_WILDCARD);
	CHECK_EQ(pstore_direct_domain(s, "d", "pythonhosted.org", 16, rules, 8), 0);
	CHECK_EQ(pstore_direct_domain(s, "nope", "github.com", 10, rules, 8), -ENOENT);
	CHECK_EQ(addr_parse("2001:db8::1", &a), 0);
	/* ::/0, 2001:db8::/32 and the /128, in rule order */
	CHECK_EQ(pstore_direct_cidr(s, "d", &a, rules, 8), 3);
	CHECK_EQ(rules[0].plen, 32);
	CHECK_EQ(rules[1].plen, 0);
	CHECK_EQ(rules[2].plen, 128);
	CHECK_EQ(addr_parse("203.0.113.7", &a), 0);
	CHECK_EQ(pstore_direct_cidr(s, "d", &a, rules, 8), 2);
	CHECK_EQ(rules[0].plen, 0);
	CHECK_EQ(rules[1].plen, 32);
	CHECK_EQ(addr_parse("169.254.169.254", &a), 0);
	CHECK_EQ(pstore_direct_cidr(s, "d", &a, rules, 8), 2);
	CHECK_EQ(rules[1].action, ACTION_DENY);
	pstore_close(s);
	rm_store(dir);
}

/* corrupt() - put @v (NULL: delete) at rule record @i of a fresh store */
static int corrupt_rule(uint32_t i, const void *v, size_t vlen)
{
	const char *dir = stored("c");
	uint8_t k[80];
	int ret;

	if (!dir)
		return 1;
	if (raw_put(dir, "rules", k, rule_key(k, "c", i), v, vlen))
		return 2;
	ret = get_ret(dir, "c");
	rm_store(dir);
	return ret;
}

TEST(corrupt_rules_are_eproto)
{
	const char *dir = stored("c");
	uint8_t good[400], bad[400], k[80];
	int n;

	CHECK(dir);
	/* rule 1: *.pythonhosted.org tcp/443 */
	n = raw_get(dir, "rules", k, rule_key(k, "c", 1), good, sizeof(good));
	CHECK_EQ(n, 25 + 5 + 2 + 16);
	rm_store(dir);
	CHECK_EQ(corrupt_rule(1, good, (size_t)n), 0);	/* the control */
	memcpy(bad, good, (size_t)n);
	bad[0] = 2;					/* action */
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[1] = 9;					/* kind */
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[3] = 17;					/* nports past the array */
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[3] = 2;					/* nports past the record */
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[25] = 99;					/* protocol */
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[26] = 0xff;					/* lo > hi */
	bad[27] = 0xff;
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[32] = 'P';					/* pattern not normalised */
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[30] = 17;					/* pattern_len */
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[30] = 0xff;
	bad[31] = 0xff;
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[8] = 4;					/* a family on a domain rule */
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[n] = 0;					/* a trailing byte */
	CHECK_EQ(corrupt_rule(1, bad, (size_t)n + 1), -EPROTO);
	CHECK_EQ(corrupt_rule(1, good, (size_t)n - 1), -EPROTO);
	CHECK_EQ(corrupt_rule(1, good, 0), -EPROTO);
	CHECK_EQ(corrupt_rule(1, good, 10), -EPROTO);
	CHECK_EQ(corrupt_rule(1, NULL, 0), -EPROTO);	/* a rule missing */
	CHECK_EQ(corrupt_rule(12, good, (size_t)n), -EPROTO);	/* one too many */
	CHECK_EQ(corrupt_rule(11, NULL, 0), -EPROTO);	/* the last missing */
}

TEST(corrupt_cidr_and_header_are_eproto)
{
	const char *dir = stored("c");
	uint8_t good[400], bad[400], k[80], hdr[64];
	int n, h;

	CHECK(dir);
	/* rule 3: 198.18.0.0/24 udp/123 */
	n = raw_get(dir, "rules", k, rule_key(k, "c", 3), good, sizeof(good));
	CHECK_EQ(n, 25 + 5 + 2);
	h = raw_get(dir, "policies", "c", 1, hdr, sizeof(hdr));
	CHECK_EQ(h, 41);
	rm_store(dir);
	memcpy(bad, good, (size_t)n);
	bad[12] = 1;					/* host bits */
	CHECK_EQ(corrupt_rule(3, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[2] = 33;					/* /33 */
	CHECK_EQ(corrupt_rule(3, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[8] = 5;					/* family */
	CHECK_EQ(corrupt_rule(3, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[20] = 1;					/* IPv4 with bytes past 4 */
	CHECK_EQ(corrupt_rule(3, bad, (size_t)n), -EPROTO);
	memcpy(bad, good, (size_t)n);
	bad[2] = 25;		/* still a valid rule, but the header has no /25 */
	CHECK_EQ(corrupt_rule(3, bad, (size_t)n), -EPROTO);

	/* the header */
	for (int i = 0; i < 9; i++) {
		static const struct {
			int off;
			uint8_t v;
		} cases[] = {
			{ 0, 2 }, { 1, 7 }, { 2, 4 }, { 3, 3 }, { 4, 0xff },
			{ 12, 17 }, { 20, 2 }, { 40, 2 }, { 16, 0 },
		};
		const char *d = stored("c");

		CHECK(d);
		memcpy(bad, hdr, 41);
		bad[cases[i].off] = cases[i].v;
		CHECK_EQ(raw_put(d, "policies", "c", 1, bad, 41), 0);
		if (get_ret(d, "c") != -EPROTO) {
			t_fail_at("header byte %d = %u accepted", cases[i].off, cases[i].v);
			return;
		}
		CHECK_EQ(raw_put(d, "policies", "c", 1, hdr, 40), 0);
		CHECK_EQ(get_ret(d, "c"), -EPROTO);
		CHECK_EQ(raw_put(d, "policies", "c", 1, hdr, 41), 0);
		CHECK_EQ(get_ret(d, "c"), 0);
		rm_store(d);
	}
}

TEST(corrupt_index_is_eproto_for_direct)
{
	const char *dir = stored("c");
	uint8_t k[80], v[8];
	struct rule rules[8];
	struct pstore *s;
	size_t kl;

	CHECK(dir);
	/* the domains key of github.com lists rules 2 and 10 */
	memcpy(k, "c\0\001github.com", 13);
	kl = 13;
	CHECK_EQ(raw_get(dir, "domains", k, kl, v, sizeof(v)), 8);
	CHECK_EQ(v[0], 2);
	CHECK_EQ(v[4], 10);
	v[4] = 0;		/* not ascending, and rule 0 is deb.debian.org */
	CHECK_EQ(raw_put(dir, "domains", k, kl, v, 8), 0);
	CHECK_EQ(pstore_open(dir, false, true, &s), 0);
	CHECK_EQ(pstore_direct_domain(s, "c", "github.com", 10, rules, 8), -EPROTO);
	pstore_close(s);
	v[0] = 0;		/* ascending now, but the wrong rule */
	v[4] = 10;
	CHECK_EQ(raw_put(dir, "domains", k, kl, v, 8), 0);
	CHECK_EQ(pstore_open(dir, false, true, &s), 0);
	CHECK_EQ(pstore_direct_domain(s, "c", "github.com", 10, rules, 8), -EPROTO);
	pstore_close(s);
	v[0] = 99;		/* past the rule count */
	CHECK_EQ(raw_put(dir, "domains", k, kl, v, 4), 0);
	CHECK_EQ(pstore_open(dir, false, true, &s), 0);
	CHECK_EQ(pstore_direct_domain(s, "c", "github.com", 10, rules, 8), -EPROTO);
	pstore_close(s);
	v[0] = 2;
	CHECK_EQ(raw_put(dir, "domains", k, kl, v, 3), 0);	/* not whole u32s */
	CHECK_EQ(pstore_open(dir, false, true, &s), 0);
	CHECK_EQ(pstore_direct_domain(s, "c", "github.com", 10, rules, 8), -EPROTO);
	pstore_close(s);
	CHECK_EQ(raw_put(dir, "domains", k, kl, v, 4), 0);	/* fine again */
	CHECK_EQ(pstore_open(dir, false, true, &s), 0);
	CHECK_EQ(pstore_direct_domain(s, "c", "github.com", 10, rules, 8), 1);
	pstore_close(s);
	rm_store(dir);
}

TEST(lmdb_errors_are_errnos)
{
	CHECK_EQ(pstore_lmdb_err(MDB_SUCCESS), 0);
	CHECK_EQ(pstore_lmdb_err(MDB_NOTFOUND), -ENOENT);
	CHECK_EQ(pstore_lmdb_err(MDB_KEYEXIST), -EEXIST);
	CHECK_EQ(pstore_lmdb_err(MDB_MAP_FULL), -ENOSPC);
	CHECK_EQ(pstore_lmdb_err(MDB_TXN_FULL), -ENOSPC);
	CHECK_EQ(pstore_lmdb_err(MDB_READERS_FULL), -EAGAIN);
	CHECK_EQ(pstore_lmdb_err(MDB_INVALID), -EPROTO);
	CHECK_EQ(pstore_lmdb_err(MDB_VERSION_MISMATCH), -EPROTO);
	CHECK_EQ(pstore_lmdb_err(MDB_CORRUPTED), -EPROTO);
	CHECK_EQ(pstore_lmdb_err(MDB_INCOMPATIBLE), -EPROTO);
	CHECK_EQ(pstore_lmdb_err(MDB_BAD_TXN), -EINVAL);
	CHECK_EQ(pstore_lmdb_err(MDB_PANIC), -EIO);
	CHECK_EQ(pstore_lmdb_err(EACCES), -EACCES);
	CHECK_EQ(pstore_lmdb_err(ENOMEM), -ENOMEM);
	CHECK(strstr(pstore_strerror(-ENOSPC), "map size"));
	CHECK_STR(pstore_strerror(-EACCES), strerror(EACCES));
}

/* as_nobody() - pstore_open(@dir) read-only in a child that is not root */
static int as_nobody(const char *dir)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct pstore *s;
		int ret;

		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(200);
		ret = pstore_open(dir, false, true, &s);
		if (!ret)
			pstore_close(s);
		_exit(-ret);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST(unreadable_store_is_eacces)
{
	const char *dir = stored("u");
	char path[160];
	int ret;

	CHECK(dir);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	/* the directory above cannot be searched (mkdtemp made it 0700) */
	ret = as_nobody(dir);
	if (ret == 200) {
		printf("#   cannot drop to nobody: the EACCES checks did not run\n");
		rm_store(dir);
		return;
	}
	CHECK_EQ(ret, EACCES);
	/* the directory can be searched, but the store cannot be read */
	CHECK_EQ(chmod(top, 0711), 0);
	CHECK_EQ(chmod(path, 0), 0);
	ret = as_nobody(dir);
	chmod(top, 0700);
	chmod(path, 0644);
	CHECK_EQ(ret, EACCES);
	rm_store(dir);
}

int main(void)
{
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(open_missing);
	RUN(create_then_reopen);
	RUN(foreign_random_file);
	RUN(empty_data_mdb);
	RUN(foreign_lmdb);
	RUN(wrong_schema_or_magic);
	RUN(put_get_list_remove);
	RUN(put_refuses_what_get_would_call_corrupt);
	RUN(replace_leaves_no_stale_records);
	RUN(generation_seen_across_processes);
	RUN(direct_lookups);
	RUN(corrupt_rules_are_eproto);
	RUN(corrupt_cidr_and_header_are_eproto);
	RUN(corrupt_index_is_eproto_for_direct);
	RUN(lmdb_errors_are_errnos);
	RUN(unreadable_store_is_eacces);
	while (seq-- > 0) {
		char path[128];

		snprintf(path, sizeof(path), "%s/s%d", top, seq);
		rm_store(path);
	}
	rmdir(top);
	return t_done();
}

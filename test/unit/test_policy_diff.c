// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_policy_diff.c - the compiled index and the store's direct lookups
 * against a deliberately naive evaluator, on random policies
 *
 * Policies are drawn from a small alphabet of labels, a few anchor networks
 * and a few ports, so that rules collide, nest and overlap; inputs are
 * drawn from the same pieces, plus addresses a few bit flips away from the
 * anchors. Every decision is taken four ways and must agree:
 *   1. naive(): a linear scan with rule_name_matches()/addr_in_prefix() and
 *      precedence written out here;
 *   2. policy_decide_*() through the index;
 *   3. policy_decide() on the candidates pstore_direct_*() read from LMDB;
 *   4. policy_decide_*() on the policy read back with pstore_get().
 * The candidate sets of 2 and 3 must also equal the naive matching set.
 * A failure prints the seed of the policy that broke.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packet.h"
#include "policy.h"
#include "pstore.h"
#include "t.h"

#define NPOLICIES	400
#define BATCH		40	/* policies written per transaction */
#define NINPUTS		60	/* inputs of each kind per policy */
#define SEED		0x5e7e1d0c0ffee000ULL
#define MAXC		256

static const char *const labels[] = {
	"a", "b", "c", "ex", "www", "x-y", "_s", "1",
};
/* only in names: an escaped dot must never act as a label boundary */
static const char *const name_only[] = { "a\\046b", "ex\\046a" };

static const char *const anchors4[] = {
	"10.0.0.0", "10.1.2.3", "192.0.2.77", "0.0.0.0", "255.255.255.255",
	"169.254.169.254",
};
static const char *const anchors6[] = {
	"2001:db8::", "2001:db8:1::5", "fe80::1", "::",
	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:10.0.0.0",
};
static const uint16_t some_ports[] = { 0, 1, 22, 53, 80, 443, 999, 1000,
				       1500, 2000, 2001, 65535 };
static const uint8_t protos[] = { PROTO_TCP, PROTO_UDP, PROTO_ICMP,
				  PROTO_ICMPV6, 132 };

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64*: fixed seeds, same sequence on every machine */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

#define PICK(a)	((a)[rnd(sizeof(a) / sizeof((a)[0]))])

static void random_name(char *buf, size_t cap, unsigned int nlabels,
			bool escapes)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < nlabels; i++) {
		const char *l = escapes && !rnd(8) ? PICK(name_only) : PICK(labels);

		off += (size_t)snprintf(buf + off, cap - off, "%s%s", i ? "." : "", l);
	}
}

static void random_addr(struct ipaddr *a, bool v6)
{
	unsigned int flips = rnd(4), i;

	addr_parse(v6 ? PICK(anchors6) : PICK(anchors4), a);
	for (i = 0; i < flips; i++) {
		unsigned int bit = rnd((unsigned int)addr_len(a) * 8);

		a->b[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
	}
}

static void random_ports(struct rule *r)
{
	unsigned int n = rnd(4) ? rnd(3) : 0, i;

	for (i = 0; i < n; i++) {
		struct port_range *pr = &r->ports[r->nports++];

		pr->proto = protos[rnd(3)];
		pr->lo = pr->hi = 0;
		if (pr->proto == PROTO_ICMP)
			continue;
		switch (rnd(4)) {
		case 0:		/* "tcp": any port */
			pr->hi = 65535;
			break;
		case 1:
			pr->lo = pr->hi = (uint16_t)(PICK(some_ports) | 1);
			break;
		default:
			pr->lo = (uint16_t)(PICK(some_ports) | 1);
			pr->hi = (uint16_t)(pr->lo + rnd(1200));
			if (pr->hi < pr->lo)
				pr->hi = 65535;
		}
	}
}

static struct policy *random_policy(const char *name)
{
	struct policy *p = policy_new(name);
	unsigned int n = 1 + rnd(60), i;
	char buf[128];
	struct rule r;

	if (!p)
		return NULL;
	p->default_action = (uint8_t)rnd(2);
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.action = (uint8_t)rnd(2);
		r.line = i + 1;		/* how copies are mapped back to rules[] */
		if (rnd(3)) {
			random_name(buf + 2, sizeof(buf) - 2, 1 + rnd(3), false);
			buf[0] = '*';
			buf[1] = '.';
			if (rule_parse_pattern(rnd(2) ? buf : buf + 2, &r))
				goto err;
		} else {
			bool v6 = rnd(2);
			unsigned int max = v6 ? 128 : 32;

			r.kind = RULE_CIDR;
			random_addr(&r.net, v6);
			/* favour the extremes and a few common lengths */
			switch (rnd(4)) {
			case 0:
				r.plen = (uint8_t)(rnd(2) ? 0 : max);
				break;
			case 1:
				r.plen = (uint8_t)(v6 ? 32 + 16 * rnd(6) : 8 * rnd(5));
				break;
			default:
				r.plen = (uint8_t)rnd(max + 1);
			}
			addr_mask(&r.net, r.plen);
		}
		random_ports(&r);
		if (policy_add_rule(p, &r))
			goto err;
	}
	if (policy_build_index(p))
		goto err;
	return p;
err:
	policy_free(p);
	return NULL;
}

static bool naive_ports(const struct rule *r, uint8_t proto, uint16_t port)
{
	unsigned int i;

	if (!r->nports)
		return true;
	for (i = 0; i < r->nports; i++) {
		const struct port_range *pr = &r->ports[i];

		if (pr->proto == PROTO_ICMP &&
		    (proto == PROTO_ICMP || proto == PROTO_ICMPV6))
			return true;
		if (pr->proto != PROTO_ICMP && pr->proto == proto &&
		    pr->lo <= port && port <= pr->hi)
			return true;
	}
	return false;
}

enum mode { QUERY, NAME, CIDR };

struct input {
	enum mode mode;
	char name[128];
	size_t len;
	struct ipaddr a;
	uint8_t proto;
	uint16_t port;
};

static bool matches(const struct rule *r, const struct input *in)
{
	if (in->mode == CIDR)
		return r->kind == RULE_CIDR && addr_in_prefix(&in->a, &r->net, r->plen);
	return rule_name_matches(r, in->name, in->len);
}

/* naive() - the whole decision by linear scan; false if no rule applied */
static bool naive(const struct policy *p, const struct input *in,
		  struct policy_match *m)
{
	bool deny = false, allow = false;
	uint32_t d = 0, a = 0, i;

	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (!matches(r, in))
			continue;
		if (in->mode == QUERY ? r->action == ACTION_DENY && r->nports :
		    !naive_ports(r, in->proto, in->port))
			continue;
		if (r->action == ACTION_DENY && !deny) {
			deny = true;
			d = i;
		} else if (r->action == ACTION_ALLOW && !allow) {
			allow = true;
			a = i;
		}
	}
	if (!deny && !allow)
		return false;
	m->action = deny ? ACTION_DENY : ACTION_ALLOW;
	m->rule = deny ? d : a;
	return true;
}

/* decide() - through the index, as the engine asks */
static bool decide(const struct policy *p, const struct input *in,
		   struct policy_match *m)
{
	switch (in->mode) {
	case QUERY:
		policy_decide_query(p, in->name, in->len, m);
		/* the default is not a rule: report it as "none applied" */
		return m->rule != RULE_DEFAULT;
	case NAME:
		return policy_decide_name(p, in->name, in->len, in->proto,
					  in->port, m);
	default:
		return policy_decide_cidr(p, &in->a, in->proto, in->port, m);
	}
}

static void random_input(struct input *in, enum mode mode)
{
	memset(in, 0, sizeof(*in));
	in->mode = mode;
	in->proto = PICK(protos);
	in->port = rnd(4) ? PICK(some_ports) : (uint16_t)rnd(65536);
	if (mode == CIDR) {
		random_addr(&in->a, rnd(2));
	} else {
		random_name(in->name, sizeof(in->name), 1 + rnd(5), true);
		in->len = strlen(in->name);
	}
}

static int idx_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool same_rule(const struct rule *a, const struct rule *b)
{
	unsigned int i;

	if (a->action != b->action || a->kind != b->kind || a->line != b->line ||
	    a->nports != b->nports || a->pattern_len != b->pattern_len ||
	    a->plen != b->plen || memcmp(a->pattern, b->pattern, a->pattern_len) ||
	    (a->kind == RULE_CIDR && !addr_equal(&a->net, &b->net)))
		return false;
	for (i = 0; i < a->nports; i++)
		if (a->ports[i].proto != b->ports[i].proto ||
		    a->ports[i].lo != b->ports[i].lo || a->ports[i].hi != b->ports[i].hi)
			return false;
	return true;
}

static bool same_match(bool da, const struct policy_match *a, bool db,
		       const struct policy_match *b)
{
	return da == db && (!da || (a->action == b->action && a->rule == b->rule));
}

static char fail_why[256];

/* check_one() - all four ways agree on @in; false with fail_why set */
static bool check_one(struct pstore *s, const struct policy *p,
		      const struct policy *q, const struct input *in)
{
	static struct rule copies[MAXC];
	const struct rule *c[MAXC];
	uint32_t want[MAXC], got[MAXC];
	size_t nw = 0, n, i;
	struct policy_match mn = { 0, 0 }, mi = { 0, 0 }, md = { 0, 0 }, mq = { 0, 0 };
	bool dn, di, dd, dq;
	int k;

	dn = naive(p, in, &mn);
	di = decide(p, in, &mi);
	dq = decide(q, in, &mq);
	if (!same_match(dn, &mn, di, &mi) || !same_match(dn, &mn, dq, &mq)) {
		snprintf(fail_why, sizeof(fail_why), "decision: naive %d/%u/%u "
			 "index %d/%u/%u stored %d/%u/%u", dn, mn.action, mn.rule,
			 di, mi.action, mi.rule, dq, mq.action, mq.rule);
		return false;
	}
	for (i = 0; i < p->nrules; i++)
		if (matches(&p->rules[i], in))
			want[nw++] = (uint32_t)i;

	/* the index's candidates are the naive matching set */
	n = in->mode == CIDR ? policy_cidr_candidates(p, &in->a, c, MAXC) :
			       policy_domain_candidates(p, in->name, in->len, c, MAXC);
	for (i = 0; i < n && i < MAXC; i++)
		got[i] = (uint32_t)(c[i] - p->rules);
	qsort(got, n, sizeof(*got), idx_cmp);
	if (n != nw || memcmp(got, want, n * sizeof(*got))) {
		snprintf(fail_why, sizeof(fail_why), "index candidates: %zu, "
			 "naive %zu", n, nw);
		return false;
	}

	/* ... and so are the store's, which decide the same */
	k = in->mode == CIDR ? pstore_direct_cidr(s, p->name, &in->a, copies, MAXC) :
			       pstore_direct_domain(s, p->name, in->name, in->len,
						    copies, MAXC);
	if (k < 0 || (size_t)k != nw) {
		snprintf(fail_why, sizeof(fail_why), "direct: %d, naive %zu", k, nw);
		return false;
	}
	for (i = 0; i < nw; i++) {
		uint32_t at = copies[i].line - 1;

		/* in rule order, each the very rule it claims to be */
		if (at != want[i] || !same_rule(&copies[i], &p->rules[at])) {
			snprintf(fail_why, sizeof(fail_why), "direct rule %zu", i);
			return false;
		}
		c[i] = &p->rules[at];
	}
	dd = policy_decide(p, c, nw, in->mode == QUERY, in->proto, in->port, &md);
	if (!same_match(dn, &mn, dd, &md)) {
		snprintf(fail_why, sizeof(fail_why), "direct decision");
		return false;
	}
	return true;
}

static const char *mode_name(enum mode m)
{
	return m == QUERY ? "query" : m == NAME ? "name" : "cidr";
}

static void report(uint64_t seed, const struct policy *p, const struct input *in)
{
	char a[ADDR_TEXT_MAX], line[600];
	uint32_t i;

	t_fail_at("seed 0x%016" PRIx64 ": %s %s proto %u port %u: %s", seed,
		  mode_name(in->mode), in->mode == CIDR ? addr_format(&in->a, a) :
		  in->name, in->proto, in->port, fail_why);
	for (i = 0; i < p->nrules; i++) {
		rule_format(&p->rules[i], line, sizeof(line));
		printf("#     %u %s %s\n", i,
		       p->rules[i].action == ACTION_ALLOW ? "allow" : "deny ", line);
	}
}

TEST(index_and_store_agree_with_naive)
{
	char dir[] = "/tmp/sentry-diff-XXXXXX", path[64];
	struct policy *batch[BATCH] = { 0 };
	struct pstore *s = NULL;
	unsigned int b, j, k;
	uint64_t checked = 0;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store", dir);
	CHECK_EQ(pstore_open(path, true, false, &s), 0);
	for (b = 0; b < NPOLICIES / BATCH; b++) {
		for (j = 0; j < BATCH; j++) {
			char name[32];

			rng = SEED + b * BATCH + j;
			snprintf(name, sizeof(name), "p%u", b * BATCH + j);
			batch[j] = random_policy(name);
			if (!batch[j])
				goto out;
		}
		if (pstore_put(s, batch, BATCH)) {
			t_fail_at("pstore_put failed");
			goto out;
		}
		for (j = 0; j < BATCH; j++) {
			uint64_t seed = SEED + b * BATCH + j;
			struct policy *p = batch[j], *q;
			struct input in;

			if (pstore_get(s, p->name, &q)) {
				t_fail_at("seed 0x%016" PRIx64 ": pstore_get", seed);
				goto out;
			}
			/* rng continues from the policy's own sequence */
			for (k = 0; k < 3 * NINPUTS; k++) {
				random_input(&in, (enum mode)(k % 3));
				if (!check_one(s, p, q, &in)) {
					report(seed, p, &in);
					policy_free(q);
					goto out;
				}
				checked++;
			}
			/* the same once more with no index: the fallback scans */
			policy_index_free(q->index);
			q->index = NULL;
			for (k = 0; k < NINPUTS; k++) {
				random_input(&in, (enum mode)(k % 3));
				if (!check_one(s, p, q, &in)) {
					report(seed, p, &in);
					policy_free(q);
					goto out;
				}
				checked++;
			}
			policy_free(q);
		}
		for (j = 0; j < BATCH; j++) {
			policy_free(batch[j]);
			batch[j] = NULL;
		}
	}
	printf("# %" PRIu64 " decisions checked four ways\n", checked);
out:
	for (j = 0; j < BATCH; j++)
		policy_free(batch[j]);
	pstore_close(s);
	snprintf(path, sizeof(path), "%s/store/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store/lock.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store", dir);
	rmdir(path);
	rmdir(dir);
}

TEST(the_test_can_fail)
{
	/* a planted bug in a copy of a policy must be caught by check_one() */
	struct policy *p, *q;
	struct input in;
	struct rule r;
	char dir[] = "/tmp/sentry-diff-XXXXXX", path[64];
	struct pstore *s;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store", dir);
	CHECK_EQ(pstore_open(path, true, false, &s), 0);
	p = policy_new("plant");
	q = policy_new("plant");
	CHECK(p && q);
	memset(&r, 0, sizeof(r));
	CHECK_EQ(rule_parse_pattern("*.ex", &r), 0);
	r.line = 1;
	CHECK_EQ(policy_add_rule(p, &r), 0);
	r.action = ACTION_ALLOW;	/* the plant: q allows what p denies */
	CHECK_EQ(policy_add_rule(q, &r), 0);
	CHECK_EQ(policy_build_index(p), 0);
	CHECK_EQ(policy_build_index(q), 0);
	CHECK_EQ(pstore_put(s, &p, 1), 0);
	memset(&in, 0, sizeof(in));
	in.mode = QUERY;
	strcpy(in.name, "a.ex");
	in.len = 4;
	CHECK(!check_one(s, p, q, &in));
	CHECK(check_one(s, p, p, &in));
	policy_free(p);
	policy_free(q);
	pstore_close(s);
	snprintf(path, sizeof(path), "%s/store/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store/lock.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	RUN(index_and_store_agree_with_naive);
	RUN(the_test_can_fail);
	return t_done();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_lookup.c - policy lookups: LMDB read directly, against the
 * compiled snapshot, on one core
 *
 * Theory of operation
 *
 * The question the README answers with these figures: should a new flow's
 * rules come straight from LMDB, or from a policy compiled into memory and
 * rebuilt when the store's transaction id moves? Both paths end in the same
 * policy_decide(), so only the candidate gathering differs:
 *
 *   LMDB      pstore_direct_domain() / pstore_direct_cidr(): one read
 *             transaction per lookup, index record then each rule record,
 *             decoded into copies
 *   snapshot  policy_domain_candidates() / policy_cidr_candidates(): hash
 *             probes into the compiled index, pointers to the rules
 *
 * Inputs, the same for both: 4096 names (half under *.cdn.example, a
 * quarter s<N>.example.net - exact rules of the large policy only - and a
 * quarter unknown) and 4096 IPv4 addresses (half in the CIDR rule). A flow
 * to tcp/443 is decided for each. Two policies: the small one every bench
 * uses (bench.h), and a large one (10000 exact names, 1000 wildcards, 1000
 * prefixes of every length /16../32, so 17 probes per address).
 *
 * Before timing, both paths decide every input and must agree, and some
 * inputs must match and some not: a broken path fails instead of looking
 * fast. Each rate is the median of REPS runs.
 */
#include <getopt.h>
#include <sched.h>

#include "bench.h"
#include "packet.h"

#define INPUTS		4096
#define LMDB_COUNT	200000		/* lookups per run, LMDB */
#define SNAP_COUNT	4000000		/* lookups per run, snapshot */

struct lookups {
	struct pstore *store;
	unsigned int reps;
	char names[INPUTS][64];
	uint8_t nlen[INPUTS];
	struct ipaddr addrs[INPUTS];
	struct rule rules[POLICY_CANDIDATES_MAX];	/* LMDB's copies */
};

static void lookup_inputs(struct lookups *lk)
{
	for (uint32_t i = 0; i < INPUTS; i++) {
		uint8_t b[4] = { 198, i % 2 ? 19 : 18, (uint8_t)(i >> 8), (uint8_t)i };
		int n;

		if (i % 4 < 2)
			n = snprintf(lk->names[i], 64, "h%u.cdn.example", i);
		else if (i % 4 == 2)
			n = snprintf(lk->names[i], 64, "s%u.example.net", i);
		else
			n = snprintf(lk->names[i], 64, "x%u.unknown.test", i);
		lk->nlen[i] = (uint8_t)n;
		addr_set(&lk->addrs[i], b, 4);
	}
}

static bool lmdb_decide(struct lookups *lk, const struct policy *p, bool cidr,
			uint32_t i, struct policy_match *m)
{
	const struct rule *c[POLICY_CANDIDATES_MAX];
	int n;

	if (cidr)
		n = pstore_direct_cidr(lk->store, BENCH_POLICY, &lk->addrs[i],
				       lk->rules, POLICY_CANDIDATES_MAX);
	else
		n = pstore_direct_domain(lk->store, BENCH_POLICY, lk->names[i],
					 lk->nlen[i], lk->rules,
					 POLICY_CANDIDATES_MAX);
	if (n < 0)
		die("pstore_direct", n);
	for (int k = 0; k < n; k++)
		c[k] = &lk->rules[k];
	return policy_decide(p, c, (size_t)n, false, PROTO_TCP, 443, m);
}

static bool snap_decide(struct lookups *lk, const struct policy *p, bool cidr,
			uint32_t i, struct policy_match *m)
{
	const struct rule *c[POLICY_CANDIDATES_MAX];
	size_t n;

	if (cidr)
		n = policy_cidr_candidates(p, &lk->addrs[i], c,
					   POLICY_CANDIDATES_MAX);
	else
		n = policy_domain_candidates(p, lk->names[i], lk->nlen[i], c,
					     POLICY_CANDIDATES_MAX);
	if (n > POLICY_CANDIDATES_MAX)
		die("candidates", E2BIG);
	return policy_decide(p, c, n, false, PROTO_TCP, 443, m);
}

/* The two paths agree on every input, and the inputs are not all alike */
static void cross_check(struct lookups *lk, const struct policy *p, bool cidr)
{
	struct policy_match a, b;
	uint32_t hits = 0;

	for (uint32_t i = 0; i < INPUTS; i++) {
		bool x = lmdb_decide(lk, p, cidr, i, &a);
		bool y = snap_decide(lk, p, cidr, i, &b);

		if (x != y || (x && a.action != b.action)) {
			fprintf(stderr, "bench_lookup: LMDB and snapshot disagree "
				"on input %u (%s)\n", i, cidr ? "cidr" : lk->names[i]);
			exit(1);
		}
		hits += x;
	}
	if (!hits || hits == INPUTS)
		fail("inputs matched", hits, INPUTS / 2);
}

/* Lookups per second of one path, median of the runs */
static double lookup_rate(struct lookups *lk, const struct policy *p,
			  bool cidr, bool lmdb, uint32_t count)
{
	double rate[16];
	struct policy_match m;
	volatile uint32_t hits = 0;

	for (unsigned int r = 0; r < lk->reps; r++) {
		uint64_t t0 = mono_ns();

		for (uint32_t i = 0; i < count; i++) {
			uint32_t k = i % INPUTS;

			hits += lmdb ? lmdb_decide(lk, p, cidr, k, &m) :
				       snap_decide(lk, p, cidr, k, &m);
		}
		rate[r] = count * 1e9 / (double)(mono_ns() - t0);
	}
	return median(rate, lk->reps);
}

static void bench_policy_lookups(struct lookups *lk, const char *label)
{
	struct policy *p = bench_policy(lk->store);

	for (int cidr = 0; cidr < 2; cidr++) {
		double l, s;

		cross_check(lk, p, cidr);
		l = lookup_rate(lk, p, cidr, true, LMDB_COUNT);
		s = lookup_rate(lk, p, cidr, false, SNAP_COUNT);
		printf("  %-7s %-7s %6u %14.0f %14.0f %8.1fx\n",
		       cidr ? "cidr" : "domain", label, p->nrules, l, s, s / l);
		fflush(stdout);
	}
	policy_free(p);
}

/* The small policy, then thousands of names, wildcards and prefixes */
static char *large_policy(size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *t = malloc(cap);

	if (!t)
		die("large policy", ENOMEM);
	n += (size_t)snprintf(t + n, cap - n, "%s[allow]\n", bench_policy_text);
	for (unsigned int i = 0; i < 10000; i++)
		n += (size_t)snprintf(t + n, cap - n,
				      "domain = s%u.example.net tcp/443\n", i);
	for (unsigned int i = 0; i < 1000; i++)
		n += (size_t)snprintf(t + n, cap - n,
				      "domain = *.w%u.example.org tcp/443\n", i);
	for (unsigned int i = 0; i < 1000; i++) {
		unsigned int plen = 16 + i % 17;
		uint32_t net = 203u << 24 | i << 12 | 1;

		if (plen < 32)
			net &= ~(0xffffffffu >> plen);
		n += (size_t)snprintf(t + n, cap - n,
				      "cidr = %u.%u.%u.%u/%u tcp/443\n",
				      net >> 24, net >> 16 & 255, net >> 8 & 255,
				      net & 255, plen);
	}
	*len = n;
	return t;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_lookup [-r REPS]\n"
			"  REPS runs per figure (1-15, default 5)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct lookups *lk = calloc(1, sizeof(*lk));
	char *large;
	size_t len;
	int opt;

	if (!lk)
		die("lookups", ENOMEM);
	lk->reps = 5;
	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r')
			usage();
		lk->reps = (unsigned int)strtoul(optarg, NULL, 0);
	}
	if (optind != argc || !lk->reps || lk->reps > 15)
		usage();
	lookup_inputs(lk);
	lk->store = bench_store_open();

	printf("policy lookups per second, CPU %d, median of %u runs: LMDB read directly\n"
	       "(one read transaction per lookup) against the compiled snapshot;\n"
	       "both then policy_decide(), on the same policy and inputs\n\n",
	       sched_getcpu(), lk->reps);
	printf("  %-7s %-7s %6s %14s %14s %9s\n", "lookup", "policy", "rules",
	       "LMDB/s", "snapshot/s", "ratio");
	bench_store_put(lk->store, bench_policy_text, sizeof(bench_policy_text) - 1);
	bench_policy_lookups(lk, "small");
	large = large_policy(&len);
	bench_store_put(lk->store, large, len);
	free(large);
	bench_policy_lookups(lk, "large");

	pstore_close(lk->store);
	free(lk);
	return 0;
}

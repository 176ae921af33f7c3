/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench.h - what the benchmark programs share: clocks, a fixed random
 * sequence, medians, and a policy store in a temporary directory
 *
 * Header-only (static inline) because each test/bench/NAME.c is linked into
 * its own program with common/ and nothing else.
 */
#ifndef SENTRY_BENCH_H
#define SENTRY_BENCH_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "policy_ini.h"
#include "pstore.h"

#define BENCH_POLICY	"bench"

/*
 * A policy shaped like the shipped ones: service names, a CDN wildcard,
 * a CIDR rule, and the metadata deny block. The destinations the programs
 * generate are 198.18.0.0/16 (the CIDR rule) and names under cdn.example.
 */
static const char bench_policy_text[] =
	"[policy]\n"
	"name = " BENCH_POLICY "\n"
	"default = deny\n"
	"[allow]\n"
	"domain = github.com tcp/443 tcp/22\n"
	"domain = api.github.com tcp/443\n"
	"domain = *.githubusercontent.com tcp/443\n"
	"domain = deb.debian.org tcp/80 tcp/443\n"
	"domain = pypi.org tcp/443\n"
	"domain = files.pythonhosted.org tcp/443\n"
	"domain = registry.npmjs.org tcp/443\n"
	"domain = *.cdn.example tcp/443 udp/443\n"
	"cidr = 198.18.0.0/16 tcp/443 udp/443\n"
	"cidr = 2001:db8::/32 tcp/443\n"
	"[deny]\n"
	"cidr = 169.254.0.0/16\n"
	"cidr = 169.254.169.254/32\n"
	"cidr = 100.100.100.200/32\n"
	"cidr = 168.63.129.16/32\n"
	"cidr = fe80::/10\n"
	"domain = metadata.google.internal\n"
	"domain = ads.cdn.example\n";


static inline void die(const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(2);
}

/* fail() - a case did not do what it is meant to measure */
static inline void fail(const char *what, uint64_t got, uint64_t want)
{
	fprintf(stderr, "bench: %s: %llu, expected %llu\n", what,
		(unsigned long long)got, (unsigned long long)want);
	exit(1);
}

static inline uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static inline uint64_t rnd(uint64_t *s)
{
	/* xorshift64*: fixed seed, so every run sees the same inputs */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* median() - of @n values; sorts @v */
static inline double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The store's directory, removed at exit however the program ends */
static char bench_store_dir[64];

static inline void bench_store_remove(void)
{
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	char path[128];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", bench_store_dir, files[i]);
		unlink(path);
	}
	rmdir(bench_store_dir);
}

/* bench_store_open() - an empty store in a new directory under /tmp */
static inline struct pstore *bench_store_open(void)
{
	struct pstore *s;
	int ret;

	snprintf(bench_store_dir, sizeof(bench_store_dir),
		 "/tmp/sentry-bench.XXXXXX");
	if (!mkdtemp(bench_store_dir))
		die("mkdtemp", errno);
	atexit(bench_store_remove);
	ret = pstore_open(bench_store_dir, true, false, &s);
	if (ret)
		die("pstore_open", ret);
	return s;
}

/* bench_store_put() - compile policy @text and store it */
static inline void bench_store_put(struct pstore *s, const char *text,
				   size_t len)
{
	char err[POLICY_ERR_MAX];
	struct policy *p;
	int ret = policy_compile_text(text, len, BENCH_POLICY ".ini", &p, err);

	if (ret) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	ret = pstore_put(s, &p, 1);
	if (ret)
		die("pstore_put", ret);
	policy_free(p);
}

/* bench_policy() - the stored policy, compiled, as the daemon loads it */
static inline struct policy *bench_policy(struct pstore *s)
{
	struct policy *p;
	int ret = pstore_get(s, BENCH_POLICY, &p);

	if (ret)
		die("pstore_get", ret);
	return p;
}

#endif /* SENTRY_BENCH_H */

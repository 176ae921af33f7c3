// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_threads.c - what the daemon's threading costs per packet
 *
 * The choices of gateway/daemon/daemon.h ("Threads") priced in ns per packet,
 * with the engine alone (no I/O), median of REPS runs:
 *
 *   hit         a packet of an established UDP flow: root engine, no locks
 *   hit+shard   the same through a worker engine, with the per-packet
 *               shard mutex the daemon takes around it
 *   new         a new flow (CIDR rule), root engine: no locks
 *   new+rw      a new flow in a worker engine: the shared rwlock read-held
 *               around the decision
 *   new+steal   the same, plus the steal hook asking the other worker's
 *               table first (lock it too, in worker order, and look up):
 *               what every non-SYN new flow pays
 *   new+syn     a TCP SYN in a worker engine: skips the hook
 *   2x new+rw   two threads deciding new flows at once, each its own
 *               worker engine: the rwlock's cache line bouncing between
 *               cores (per packet, per thread)
 *   2x private  the alternative design: each thread a root engine of its
 *               own (a private copy of policies and learnt addresses,
 *               which the daemon would have to broadcast to): no shared
 *               lock at all
 *
 * Build: make bench (build/release/bench/bench_threads).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cursor.h"
#include "engine.h"
#include "policy_ini.h"

#define N		(1u << 18)	/* packets per run */
#define REPS		7

static const char policy_text[] =
	"[policy]\nname = b\ndefault = deny\n"
	"[allow]\ncidr = 198.18.0.0/15 udp/443 tcp/443\n";

static struct engine *root, *wk[2];
static struct bottle rview, wview[2];
static pthread_mutex_t shard[2] = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER };
static uint8_t (*pkts)[48];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void discard(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	(void)line;
	(void)len;
}

static bool steal(void *ctx, const struct flow_key *k, uint64_t now,
		  struct flow *out)
{
	int me = (int)(intptr_t)ctx, other = 1 - me;
	bool found;

	/* as gateway/daemon/worker.c: both locks, in worker order */
	if (other < me) {
		pthread_mutex_unlock(&shard[me]);
		pthread_mutex_lock(&shard[other]);
		pthread_mutex_lock(&shard[me]);
	} else {
		pthread_mutex_lock(&shard[other]);
	}
	found = engine_flow_take(wk[other], k, now, out);
	pthread_mutex_unlock(&shard[other]);
	return found;
}

static uint16_t csum(const uint8_t *b, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Packet i: 10.0.2.100:sport -> 198.18.x.y:443, UDP or a TCP SYN */
static void make(uint8_t *b, uint32_t i, bool tcp)
{
	size_t l4 = tcp ? 20 : 8;

	memset(b, 0, 48);
	b[0] = 0x45;
	put_be16(b + 2, (uint16_t)(20 + l4));
	b[8] = 64;
	b[9] = tcp ? 6 : 17;
	b[12] = 10, b[13] = 0, b[14] = 2, b[15] = 100;
	b[16] = 198, b[17] = (uint8_t)(18 + (i >> 24 & 1)), b[18] = (uint8_t)(i >> 8);
	b[19] = (uint8_t)i;
	put_be16(b + 10, csum(b, 20));
	put_be16(b + 20, (uint16_t)(1024 + (i >> 16)));
	put_be16(b + 22, 443);
	if (tcp) {
		b[32] = 5 << 4;
		b[33] = 0x02;
	} else {
		put_be16(b + 24, 8);
	}
}

static struct engine *fresh(struct engine *r, int i)
{
	struct engine_config cfg;
	struct engine *e;

	engine_config_default(&cfg);
	cfg.flow_capacity = N;
	e = r ? engine_new_worker(r, &cfg) : engine_new(&cfg);
	engine_set_sink(e, &(struct decision_sink){ discard, NULL });
	if (r)
		engine_set_steal(e, NULL, (void *)(intptr_t)i);
	return e;
}

/* One run: @n packets from @first through engine @e, bottle @b; ns/packet */
static double run(struct engine *e, struct bottle *b, uint32_t first, uint32_t n,
		  int lock)
{
	struct engine_result r;
	uint64_t t0 = now_ns();

	for (uint32_t i = 0; i < n; i++) {
		struct pkt p;

		pkt_parse(pkts[first + i], 48, &p);
		if (lock >= 0)
			pthread_mutex_lock(&shard[lock]);
		engine_outbound(e, b, &p, 1000000000ULL + i, &r);
		if (lock >= 0)
			pthread_mutex_unlock(&shard[lock]);
	}
	return (double)(now_ns() - t0) / n;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void setup(bool tcp)
{
	struct engine_policy *ep;
	struct policy *pol;
	char err[POLICY_ERR_MAX];

	for (int i = 0; i < 2; i++) {
		engine_free(wk[i]);
		wk[i] = NULL;
	}
	engine_free(root);
	root = fresh(NULL, 0);
	if (policy_compile_text(policy_text, strlen(policy_text), "b.ini", &pol, err)) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	ep = engine_policy_get(root, "b", pol);
	engine_bottle_init(&rview, 1, "b", ep);
	rview.has4 = true;
	rview.addr4.family = ADDR_FAMILY_V4;
	memcpy(rview.addr4.b, (uint8_t[]){ 10, 0, 2, 100 }, 4);
	for (int i = 0; i < 2; i++) {
		wk[i] = fresh(root, i);
		wview[i] = rview;
		wview[i].shared = &rview;
	}
	engine_set_threaded(root, true);
	for (uint32_t i = 0; i < 2 * N; i++)
		make(pkts[i], i, tcp);
}

struct job {
	int i;
	double ns;
};

static void *thread_new(void *arg)
{
	struct job *j = arg;

	j->ns = run(wk[j->i], &wview[j->i], (uint32_t)j->i * N, N, j->i);
	return NULL;
}

/* The alternative: a private root per thread (per-worker policy and learnt copies) */
static struct engine *priv[2];
static struct bottle pview[2];

static void *thread_private(void *arg)
{
	struct job *j = arg;

	j->ns = run(priv[j->i], &pview[j->i], (uint32_t)j->i * N, N, j->i);
	return NULL;
}

typedef double (*case_fn)(void);

static double c_hit(void)
{
	setup(false);
	run(root, &rview, 0, N, -1);
	return run(root, &rview, 0, N, -1);
}

static double c_hit_shard(void)
{
	setup(false);
	run(wk[0], &wview[0], 0, N, 0);
	return run(wk[0], &wview[0], 0, N, 0);
}

static double c_new(void)
{
	setup(false);
	return run(root, &rview, 0, N, -1);
}

static double c_new_rw(void)
{
	setup(false);
	return run(wk[0], &wview[0], 0, N, 0);
}

static double c_new_steal(void)
{
	setup(false);
	engine_set_steal(wk[0], steal, (void *)(intptr_t)0);
	return run(wk[0], &wview[0], 0, N, 0);
}

static double c_new_syn(void)
{
	setup(true);
	engine_set_steal(wk[0], steal, (void *)(intptr_t)0);
	return run(wk[0], &wview[0], 0, N, 0);
}

static double c_two(void)
{
	struct job j[2] = { { 0, 0 }, { 1, 0 } };
	pthread_t t[2];

	setup(false);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, thread_new, &j[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return (j[0].ns + j[1].ns) / 2;
}

static double c_two_private(void)
{
	struct job j[2] = { { 0, 0 }, { 1, 0 } };
	char err[POLICY_ERR_MAX];
	pthread_t t[2];

	setup(false);
	for (int i = 0; i < 2; i++) {
		struct policy *pol;

		engine_free(priv[i]);
		priv[i] = fresh(NULL, i);
		policy_compile_text(policy_text, strlen(policy_text), "b.ini", &pol, err);
		pview[i] = rview;
		pview[i].policy = engine_policy_get(priv[i], "b", pol);
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, thread_private, &j[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return (j[0].ns + j[1].ns) / 2;
}

int main(void)
{
	static const struct {
		const char *name;
		case_fn fn;
	} cases[] = {
		{ "hit", c_hit }, { "hit+shard", c_hit_shard }, { "new", c_new },
		{ "new+rw", c_new_rw }, { "new+steal", c_new_steal },
		{ "new+syn", c_new_syn }, { "2x new+rw", c_two },
		{ "2x private", c_two_private },
	};

	pkts = calloc(2 * N, sizeof(*pkts));
	if (!pkts)
		return 1;
	printf("%-12s %10s   (ns per packet, median of %d runs of %u packets)\n",
	       "case", "ns", REPS, N);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double v[REPS];

		for (int r = 0; r < REPS; r++)
			v[r] = cases[c].fn();
		qsort(v, REPS, sizeof(v[0]), cmp);
		printf("%-12s %10.1f\n", cases[c].name, v[REPS / 2]);
	}
	for (int i = 0; i < 2; i++) {
		engine_free(wk[i]);
		engine_free(priv[i]);
	}
	engine_free(root);
	free(pkts);
	return 0;
}

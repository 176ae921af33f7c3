// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_pipeline.c - the decision pipeline on one core, from packets in memory
 *
 * Theory of operation
 *
 * A capture of fixed-size slots (one IPv4 packet each, at most SLOT bytes)
 * is generated in memory, then each slot goes through pkt_parse() and
 * engine_outbound() exactly as gateway/daemon/datapath.c does for a packet read
 * from a bottle's TUN. Nothing else is timed: no I/O, no rewriting.
 *
 * The bottle is 10.0.2.100 under one policy read back from an LMDB store
 * (a mkdtemp() directory, removed at the end). Its destinations are spread
 * over three kinds, so a new-flow decision takes each path of decide():
 *
 *   1/2   198.18.0.0/16     allowed by a CIDR rule (tcp/443 udp/443)
 *   7/16  198.19.x.y        learnt beforehand (learn_add(), as an allowed
 *                           answer would) for h<N>.cdn.example, allowed by
 *                           "*.cdn.example tcp/443 udp/443"
 *   1/16  198.19.x.y        not learnt: the default denies (rejected)
 *
 * A quarter of the flows are UDP (QUIC), the rest TCP.
 *
 * Established flows: every flow is seen once (untimed), then the timed runs
 * pick a flow at random for each packet, so with 1M flows nearly every
 * packet misses the caches. New flows: each packet is a flow never seen
 * before (destination and source port step through their ranges), in a
 * fresh engine per run whose table either holds them all or is the default
 * 65536 and evicts.
 *
 * The decision sink is a function that discards the line: formatting the
 * JSON record of each new flow is part of the real cost, and the case is
 * also run without a sink to show how much.
 *
 * Each case runs REPS times and the median is printed. The actions are
 * counted and checked against what the destinations should get, so a
 * broken setup (every packet spoofed, say) fails instead of looking fast.
 *
 * Then: the memory a flow and a learnt binding take, and this machine's
 * latency for a chain of dependent loads over working sets of growing size
 * - the cost a flow lookup pays per cache miss once its table outgrows the
 * caches (bucket, then the entry it names, then the LRU neighbours).
 *
 * Policy lookups, LMDB against the compiled snapshot: bench_lookup.c.
 */
#include <getopt.h>
#include <sched.h>

#include "bench.h"
#include "csum.h"
#include "cursor.h"
/* the rig pre-learns thousands of names straight into the root's table,
 * which no API does without an answer per name */
#define SENTRY_ENGINE_INTERNALS
#include "engine_internal.h"

#define SLOT		64		/* bytes per packet in the capture */
#define NDST		4096		/* destinations */
#define NNAMES		(NDST / 16)	/* learnt names, 7 addresses each */
#define STEP_NS		50		/* capture clock per packet: 20 Mpps */
#define EPOCH_NS	(1000ULL * 1000000000ULL)

static const uint8_t bottle4[4] = { 10, 0, 2, 100 };

enum dst_kind { DST_CIDR, DST_LEARNT, DST_DENIED };

struct capture {
	uint8_t *data;		/* n slots of SLOT bytes */
	uint8_t *len;
	uint32_t n;
	uint64_t expect_forward;	/* packets the policy lets through */
};

/* One engine with one bottle, as the daemon sets it up */
struct rig {
	struct engine *e;
	struct engine_policy *ep;
	struct bottle b;
};

struct bench {
	struct pstore *store;
	uint32_t npackets;
	unsigned int reps;
	const char *only;	/* run only the cases whose label holds this */
	bool verbose;		/* print every run's figures */
	uint64_t now;		/* capture clock, ns */
	uint64_t sunk;		/* bytes of decision lines discarded */
	struct capture cap;
};

/*
 * Wall time is what counts, but other work on a shared machine steals it:
 * the thread's CPU time beside it shows how much of the core the run had.
 */
struct timing {
	double wall[16], cpu[16];	/* ns per packet, per run */
	uint64_t t0, c0;
};

static void timing_start(struct timing *t)
{
	t->c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	t->t0 = mono_ns();
}

static void timing_stop(struct timing *t, unsigned int run, uint32_t n)
{
	uint64_t t1 = mono_ns(), c1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);

	t->wall[run] = (double)(t1 - t->t0) / n;
	t->cpu[run] = (double)(c1 - t->c0) / n;
}

static enum dst_kind dst_kind(uint32_t d)
{
	if (d % 16 < 8)
		return DST_CIDR;
	return d % 16 < 15 ? DST_LEARNT : DST_DENIED;
}

static void dst_addr(uint32_t d, uint8_t a[4])
{
	a[0] = 198;
	a[1] = dst_kind(d) == DST_CIDR ? 18 : 19;
	a[2] = (uint8_t)(d >> 8);
	a[3] = (uint8_t)d;
}

static size_t name_of(uint32_t d, char *buf, size_t cap)
{
	return (size_t)snprintf(buf, cap, "h%u.cdn.example", d / 16);
}

/* Flow @j: destination, source port and protocol, unique per @j */
static void flow_of(uint32_t j, uint32_t *d, uint16_t *sport, uint8_t *proto)
{
	*d = j % NDST;
	*sport = (uint16_t)(1024 + j / NDST);
	*proto = (j * 2654435761u) >> 30 == 3 ? PROTO_UDP : PROTO_TCP;
}

/* write_pkt() - flow @j's packet into @b: a SYN or ACK, or a QUIC-sized datagram head */
static uint8_t write_pkt(uint8_t *b, uint32_t j, bool first)
{
	uint32_t d;
	uint16_t sport, ck;
	uint8_t proto, len;

	flow_of(j, &d, &sport, &proto);
	len = proto == PROTO_TCP ? 40 : 60;
	memset(b, 0, SLOT);
	b[0] = 0x45;
	put_be16(b + 2, len);
	put_be16(b + 4, (uint16_t)j);
	b[6] = 0x40;			/* DF */
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, bottle4, 4);
	dst_addr(d, b + 16);
	ck = csum_ipv4_header(b, 20);
	memcpy(b + 10, &ck, 2);
	put_be16(b + 20, sport);
	put_be16(b + 22, 443);
	if (proto == PROTO_TCP) {
		put_be32(b + 24, 0x01020304 + j);
		b[32] = 5 << 4;
		b[33] = first ? TCP_SYN : TCP_ACK | TCP_PSH;
		put_be16(b + 34, 64240);
	} else {
		put_be16(b + 24, (uint16_t)(len - 20));
	}
	return len;
}

static void cap_alloc(struct capture *c, uint32_t n)
{
	c->data = aligned_alloc(64, (size_t)n * SLOT);
	c->len = malloc(n);
	if (!c->data || !c->len)
		die("capture", ENOMEM);
	c->n = n;
}

static void cap_add(struct capture *c, uint32_t i, uint32_t j, bool first)
{
	uint32_t d;
	uint16_t sport;
	uint8_t proto;

	c->len[i] = write_pkt(c->data + (size_t)i * SLOT, j, first);
	flow_of(j, &d, &sport, &proto);
	if (dst_kind(d) != DST_DENIED)
		c->expect_forward++;
}

/* Every flow's first packet in order: flows 0..@n-1 */
static void cap_new_flows(struct capture *c, uint32_t n)
{
	c->n = n;
	c->expect_forward = 0;
	for (uint32_t i = 0; i < n; i++)
		cap_add(c, i, i, true);
}

/* Packets of flows 0..@nflows-1, picked at random */
static void cap_established(struct capture *c, uint32_t n, uint32_t nflows)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL;

	c->n = n;
	c->expect_forward = 0;
	for (uint32_t i = 0; i < n; i++)
		cap_add(c, i, (uint32_t)(rnd(&s) % nflows), false);
}

static void discard(void *ctx, const char *line, size_t len)
{
	(void)line;
	*(uint64_t *)ctx += len;
}

static void rig_new(struct bench *bn, struct rig *r, uint32_t capacity,
		    bool sink)
{
	struct engine_config cfg;
	char name[LEARN_NAME_MAX + 1];

	engine_config_default(&cfg);
	cfg.flow_capacity = capacity;
	r->e = engine_new(&cfg);
	if (!r->e)
		die("engine_new", errno);
	if (sink)
		engine_set_sink(r->e, &(struct decision_sink){ discard, &bn->sunk });
	r->ep = engine_policy_get(r->e, BENCH_POLICY, bench_policy(bn->store));
	if (!r->ep)
		die("engine_policy_get", ENOMEM);
	engine_bottle_init(&r->b, 1, "bench", r->ep);
	r->b.has4 = true;
	addr_set(&r->b.addr4, bottle4, 4);
	/* what allowed answers for h<N>.cdn.example would have taught it */
	for (uint32_t d = 0; d < NDST; d++) {
		struct ipaddr a;
		uint8_t b[4];
		size_t len;
		int ret;

		if (dst_kind(d) != DST_LEARNT)
			continue;
		dst_addr(d, b);
		addr_set(&a, b, 4);
		len = name_of(d, name, sizeof(name));
		ret = learn_add(r->e->learn, 0, r->ep->scope, &a, name, len,
				DNS_TYPE_A, bn->now + 3600 * 1000000000ULL, bn->now);
		if (ret)
			die("learn_add", ret);
	}
}

static void rig_free(struct rig *r)
{
	engine_policy_put(r->e, r->ep);
	engine_free(r->e);
}

/*
 * Prefetch distance, in packets: a packet's bucket starts loading AHEAD
 * packets before its decision, its flow entry AHEAD / 2 before, so the two
 * dependent misses of a lookup overlap other packets' work (the daemon does
 * the same over a batch read from a TUN: datapath.c)
 */
#define AHEAD		16

/* The daemon's per-packet work; returns packets forwarded */
static uint64_t run(struct bench *bn, struct rig *r, const struct capture *c)
{
	uint64_t tally[ENGINE_DNS + 1] = { 0 };
	uint64_t now = bn->now;
	struct engine_result res;
	struct pkt ring[AHEAD];
	enum drop_reason why[AHEAD];

	for (uint32_t i = 0; i < c->n + AHEAD; i++) {
		/* decide packet i - AHEAD first: packet i takes its ring slot */
		if (i >= AHEAD) {
			uint32_t j = i - AHEAD;

			if (why[j % AHEAD] != DROP_NONE) {
				engine_tally(r->e, &r->b, TALLY_PACKET_OUT, c->len[j],
					     why[j % AHEAD]);
				tally[ENGINE_DROP]++;
			} else {
				tally[engine_outbound(r->e, &r->b, &ring[j % AHEAD],
						      now, &res)]++;
			}
			now += STEP_NS;
		}
		if (i < c->n) {
			struct pkt *p = &ring[i % AHEAD];

			why[i % AHEAD] = pkt_parse(c->data + (size_t)i * SLOT, c->len[i], p);
			if (why[i % AHEAD] == DROP_NONE)
				engine_prefetch(r->e, &r->b, p, PREFETCH_BUCKET);
		}
		if (i >= AHEAD / 2 && i - AHEAD / 2 < c->n &&
		    why[(i - AHEAD / 2) % AHEAD] == DROP_NONE)
			engine_prefetch(r->e, &r->b, &ring[(i - AHEAD / 2) % AHEAD],
					PREFETCH_ENTRY);
	}
	bn->now = now;
	if (tally[ENGINE_FORWARD] != c->expect_forward ||
	    tally[ENGINE_FORWARD] + tally[ENGINE_REJECT] != c->n) {
		fprintf(stderr, "bench_pipeline: expected %llu forwarded of %u, got "
			"%llu forwarded, %llu rejected, %llu dropped, %llu dns\n",
			(unsigned long long)c->expect_forward, c->n,
			(unsigned long long)tally[ENGINE_FORWARD],
			(unsigned long long)tally[ENGINE_REJECT],
			(unsigned long long)tally[ENGINE_DROP],
			(unsigned long long)tally[ENGINE_DNS]);
		exit(1);
	}
	return tally[ENGINE_FORWARD];
}

static void row(const struct bench *bn, const char *label, uint32_t packets,
		struct timing *t)
{
	unsigned int reps = bn->reps;
	double wall, cpu;

	if (bn->verbose) {
		printf("  # %s: wall/cpu ns per packet:", label);
		for (unsigned int i = 0; i < reps; i++)
			printf(" %.1f/%.1f", t->wall[i], t->cpu[i]);
		printf("\n");
	}
	wall = median(t->wall, reps);
	cpu = median(t->cpu, reps);
	printf("  %-40s %9u %8.2f %8.1f %6.0f%%\n", label, packets, 1e3 / wall,
	       wall, 100 * cpu / wall);
	fflush(stdout);
}

static bool wanted(const struct bench *bn, const char *label)
{
	return !bn->only || strstr(label, bn->only);
}

static void bench_established(struct bench *bn, uint32_t nflows,
			      const char *label)
{
	struct capture *c = &bn->cap;
	struct flow_stats fs;
	struct timing t;
	struct rig r;

	if (!wanted(bn, label))
		return;
	rig_new(bn, &r, nflows < 65536 ? 65536 : nflows, true);
	cap_new_flows(c, nflows);
	run(bn, &r, c);				/* every flow seen once */
	cap_established(c, bn->npackets, nflows);
	for (unsigned int i = 0; i < bn->reps; i++) {
		timing_start(&t);
		run(bn, &r, c);
		timing_stop(&t, i, c->n);
	}
	flow_stats(r.e->flows, &fs);
	/* every timed packet found its flow */
	if (fs.inserted != nflows || fs.used != nflows)
		fail("established", fs.inserted, nflows);
	row(bn, label, c->n, &t);
	rig_free(&r);
}

static void bench_new(struct bench *bn, uint32_t capacity, bool sink,
		      const char *label)
{
	struct capture *c = &bn->cap;
	struct flow_stats fs;
	struct timing t;
	struct rig r;

	if (!wanted(bn, label))
		return;
	cap_new_flows(c, bn->npackets);
	for (unsigned int i = 0; i < bn->reps; i++) {
		uint64_t sunk = bn->sunk;

		rig_new(bn, &r, capacity, sink);
		timing_start(&t);
		run(bn, &r, c);
		timing_stop(&t, i, c->n);
		flow_stats(r.e->flows, &fs);
		/* every packet a new flow, and each logged when there is a sink */
		if (fs.inserted != c->n)
			fail("new flows inserted", fs.inserted, c->n);
		if (sink && r.e->stats.flows != c->n)
			fail("new flows decided", r.e->stats.flows, c->n);
		if (sink && bn->sunk - sunk < (uint64_t)c->n * 100)
			fail("decision log bytes", bn->sunk - sunk, c->n * 100ULL);
		rig_free(&r);
	}
	row(bn, label, c->n, &t);
}

static void memory_figures(void)
{
	struct engine_config cfg;
	const uint32_t caps[] = { 65536, 1 << 20 };

	engine_config_default(&cfg);
	printf("\nmemory\n");
	printf("  sizeof(struct flow)                      %6zu bytes\n",
	       sizeof(struct flow));
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		printf("  flow table, %7u flows                %6.1f bytes/flow (%zu bytes)\n",
		       caps[i], (double)flow_table_bytes(caps[i]) / caps[i],
		       flow_table_bytes(caps[i]));
	printf("  sizeof(struct learn_binding)             %6zu bytes\n",
	       sizeof(struct learn_binding));
	printf("  sizeof(struct learn_name)                %6zu bytes\n",
	       sizeof(struct learn_name));
	printf("  learn table (%u bindings, %u names)   %6.1f bytes/binding (%zu bytes)\n",
	       cfg.learn.max_bindings, cfg.learn.max_names,
	       (double)learn_table_bytes(&cfg.learn) / cfg.learn.max_bindings,
	       learn_table_bytes(&cfg.learn));
	printf("  engine, default configuration            %zu bytes\n",
	       engine_memory(&cfg));
}

/*
 * chase_ns() - ns per load when each load's address comes from the one
 * before, over @bytes at random: what a flow lookup out of cache waits for
 * (the bucket, then the entry it names)
 */
static double chase_ns(size_t bytes)
{
	size_t n = bytes / 64, p = 0;
	const uint32_t steps = 1u << 21;
	uint64_t s = 0x2545f4914f6cdd1dULL, t0;
	uint64_t *line = aligned_alloc(64, n * 64);

	if (!line)
		die("latency", ENOMEM);
	/* Sattolo: one cycle through every line */
	for (size_t i = 0; i < n; i++)
		line[i * 8] = i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rnd(&s) % i, x = line[i * 8];

		line[i * 8] = line[j * 8];
		line[j * 8] = x;
	}
	for (uint32_t i = 0; i < n; i++)	/* warm the TLB and caches once */
		p = line[p * 8];
	t0 = mono_ns();
	for (uint32_t i = 0; i < steps; i++)
		p = line[p * 8];
	t0 = mono_ns() - t0;
	free(line);
	return p == SIZE_MAX ? 0 : (double)t0 / steps;
}

static void latency_figures(void)
{
	static const size_t kib[] = { 64, 1024, 16 << 10, 128 << 10 };

	printf("\nmemory latency: one load whose address the previous load gave, at random\n"
	       "over a working set (what bounds the cases out of cache)\n ");
	for (size_t i = 0; i < sizeof(kib) / sizeof(kib[0]); i++)
		printf(" %4zu %s %6.1f ns", kib[i] < 1024 ? kib[i] : kib[i] >> 10,
		       kib[i] < 1024 ? "KiB" : "MiB", chase_ns(kib[i] << 10));
	printf("\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_pipeline [-n PACKETS] [-r REPS] [-c CASE] [-v]\n"
			"  PACKETS per run (default 1048576), REPS runs per case "
			"(1-15, default 5),\n"
			"  CASE: run only the cases whose label contains it (to profile one),\n"
			"  -v: print every run's wall and CPU time per packet\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench bn = { .npackets = 1 << 20, .reps = 5, .now = EPOCH_NS };
	int opt;

	while ((opt = getopt(argc, argv, "n:r:c:v")) != -1) {
		switch (opt) {
		case 'v':
			bn.verbose = true;
			break;
		case 'c':
			bn.only = optarg;
			break;
		case 'n':
			bn.npackets = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			bn.reps = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || bn.npackets < NDST ||
	    bn.npackets > (uint32_t)NDST * 60000 || !bn.reps || bn.reps > 15)
		usage();
	cap_alloc(&bn.cap, bn.npackets > (1u << 20) ? bn.npackets : 1u << 20);
	bn.store = bench_store_open();
	bench_store_put(bn.store, bench_policy_text, sizeof(bench_policy_text) - 1);

	printf("decision pipeline (pkt_parse + engine_outbound), CPU %d, median of %u runs\n"
	       "  destinations: 1/2 CIDR rule, 7/16 learnt (%u names), 1/16 default deny;"
	       " 3/4 TCP, 1/4 UDP\n\n",
	       sched_getcpu(), bn.reps, NNAMES);
	printf("  %-40s %9s %8s %8s %7s\n", "case", "packets", "Mpps", "ns/pkt",
	       "cpu");
	bench_established(&bn, 1000, "established, 1k flows, random");
	bench_established(&bn, 100000, "established, 100k flows, random");
	bench_established(&bn, 1000000, "established, 1M flows, random");
	bench_new(&bn, bn.npackets, true, "new flows, no eviction, sink");
	bench_new(&bn, bn.npackets, false, "new flows, no eviction, no sink");
	bench_new(&bn, 65536, true, "new flows, 64k table (evicting), sink");
	bench_new(&bn, 65536, false, "new flows, 64k table (evicting), no sink");

	memory_figures();
	if (wanted(&bn, "latency"))
		latency_figures();
	pstore_close(bn.store);
	free(bn.cap.data);
	free(bn.cap.len);
	return 0;
}

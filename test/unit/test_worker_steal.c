// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_worker_steal.c - flows moving between the daemon's real workers
 *
 * Two workers made by workers_init() (their engines, shard locks and the
 * steal hook of gateway/daemon/worker.c), each driven by a thread of its
 * own the way datapath.c drives it: the shard lock around the engine call.
 * Every round, each flow's packets go to the other worker than the round
 * before, as the kernel's steering does after an idle pause; the two
 * threads run their halves of a round at the same time, so each steals
 * from the other while the other is deciding. Afterwards every flow must
 * be in exactly one table, decided once, its packet count whole, and each
 * move counted. (test_engine_threads.c covers the engine's side of the
 * hook with a lock-free stand-in; this is the daemon's.)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon/bottles.h"
#include "daemon/daemon.h"
#include "daemon/worker.h"
#include "engine.h"
#include "pktbuild.h"
#include "policy_ini.h"
#include "t.h"

#define NS	1000000000ULL
#define FLOWS	200
#define ROUNDS	60

static struct daemon d;
static struct gw_bottle bottle;
static pthread_barrier_t round_start;
static unsigned int not_forwarded[2];

static void sink(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	(void)line;
	(void)len;
}

/* One packet of flow @f from the bottle, on worker @w, as datapath.c does */
static void packet(struct worker *w, unsigned int f, bool syn, uint64_t now)
{
	uint8_t buf[64];
	struct engine_result r;
	struct pkt p;
	char dst[32];

	snprintf(dst, sizeof(dst), "198.18.%u.%u", 10 + f / 250, 1 + f % 250);
	tcp4(buf, "10.0.2.100", (uint16_t)(20000 + f), dst, 443,
	     syn ? TCP_SYN : TCP_ACK);
	if (pkt_parse(buf, 40, &p) != DROP_NONE) {
		not_forwarded[w->id]++;
		return;
	}
	pthread_mutex_lock(&w->shard);
	if (engine_outbound(w->e, &w->eb[bottle.slot], &p, now, &r) != ENGINE_FORWARD)
		not_forwarded[w->id]++;
	pthread_mutex_unlock(&w->shard);
}

static void *drive(void *arg)
{
	struct worker *w = arg;

	for (unsigned int round = 0; round <= ROUNDS; round++) {
		pthread_barrier_wait(&round_start);
		for (unsigned int f = 0; f < FLOWS; f++)
			if ((f + round) % 2 == w->id)
				packet(w, f, round == 0, NS + round * NS / 100);
	}
	return NULL;
}

struct census {
	unsigned int seen[FLOWS];
	uint64_t packets;
};

static int count_flow(struct flow *fl, void *arg)
{
	struct census *c = arg;
	/* the bottle's port, whichever end the key puts it at */
	unsigned int port = fl->key.port[0] >= 20000 ? fl->key.port[0] : fl->key.port[1];
	unsigned int f = port - 20000;

	if (f < FLOWS)
		c->seen[f]++;
	c->packets += fl->packets[0] + fl->packets[1];
	return 0;
}

static int setup(void)
{
	static const char pol[] = "[policy]\nname = t\n[allow]\ncidr = 198.18.0.0/15 tcp/443\n";
	struct engine_config ec;
	struct engine_policy *ep;
	struct policy *p;
	char err[POLICY_ERR_MAX];

	config_defaults(&d.cfg);
	d.cfg.workers = 2;
	d.cfg.bottles = 4;
	d.cfg.flows = 4 * FLOWS;
	config_engine(&d.cfg, &ec);
	d.e = engine_new(&ec);
	d.epfd = epoll_create1(0);
	if (!d.e || d.epfd < 0 || policy_compile_text(pol, strlen(pol), "t.ini", &p, err))
		return -1;
	engine_set_sink(d.e, &(struct decision_sink){ sink, NULL });
	if (workers_init(&d) || d.nworkers != 2)
		return -1;
	for (uint32_t i = 0; i < d.nworkers; i++)
		engine_set_sink(d.workers[i].e, &(struct decision_sink){ sink, NULL });
	ep = engine_policy_get(d.e, "t", p);
	if (!ep)
		return -1;
	bottle.used = true;
	bottle.slot = 1;
	engine_bottle_init(&bottle.eb, 7, "b", ep);
	addr_parse("10.0.2.100", &bottle.eb.addr4);
	bottle.eb.has4 = true;
	workers_bottle_init(&d, &bottle);
	return 0;
}

TEST(flows_move_between_two_working_workers)
{
	struct census c;
	struct engine_stats st;
	struct flow_stats fs;
	struct frag_stats gs;
	struct daemon_counters dc;
	uint64_t stolen;
	pthread_t t[2];

	CHECK(!setup());
	CHECK(!pthread_barrier_init(&round_start, NULL, 2));
	for (int i = 0; i < 2; i++)
		CHECK(!pthread_create(&t[i], NULL, drive, &d.workers[i]));
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&round_start);
	CHECK_EQ(not_forwarded[0] + not_forwarded[1], 0);

	memset(&c, 0, sizeof(c));
	CHECK_EQ(workers_flow_foreach(&d, count_flow, &c), 0);
	for (unsigned int f = 0; f < FLOWS; f++)
		if (c.seen[f] != 1) {
			printf("# flow %u is in %u tables\n", f, c.seen[f]);
			CHECK_EQ(c.seen[f], 1);
			break;
		}
	/* every packet counted on its flow, wherever the flow went */
	CHECK_EQ(c.packets, (uint64_t)FLOWS * (ROUNDS + 1));
	workers_sum(&d, NS, &st, &fs, &gs, &dc, &stolen);
	/* decided once each (the SYN), moved once per round each */
	CHECK_EQ(st.flows, FLOWS);
	CHECK_EQ(stolen, (uint64_t)FLOWS * ROUNDS);
	CHECK_EQ(fs.used, FLOWS);
}

int main(void)
{
	RUN(flows_move_between_two_working_workers);
	workers_free(&d);
	engine_policy_put(d.e, bottle.eb.policy);
	engine_free(d.e);
	close(d.epfd);
	return t_done();
}

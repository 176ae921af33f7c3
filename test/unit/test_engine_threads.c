// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_engine_threads.c - worker engines sharing a root (engine.h, "Threading")
 *
 * Two worker engines made by engine_new_worker() on one root, with a steal
 * hook that looks into the other worker's table the way the daemon's does
 * (minus the locks). Checked: what the root learns and reloads is what the
 * workers decide by; a flow missed in one worker moves over from the other
 * with its verdict, both ways, and a bare SYN does not ask; the DNS token
 * bucket of a bottle is one for all its views; and, with real threads,
 * workers deciding new flows while the root learns and reloads (run under
 * ASan/UBSan here; the same source builds under -fsanitize=thread).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_build.h"
#include "engine.h"
/* the root's lock itself: who can take it while a batch of answers is learnt */
#define SENTRY_ENGINE_INTERNALS
#include "engine_internal.h"
#include "pktbuild.h"
#include "policy_ini.h"
#include "t.h"

#define NS	1000000000ULL

static const char pol_text[] =
	"[policy]\nname = t\nmin_ttl = 5\nmax_ttl = 60\n"
	"[allow]\n"
	"domain = web.test tcp/80\n"
	"cidr = 198.18.5.0/24 udp/123\n";

static struct engine *root, *w[2];
static struct bottle rb, wb_[2];	/* the root's view, and each worker's */
static uint64_t steals_asked;
static uint8_t buf[4096];
static struct wb wb;

static void sink(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	(void)line;
	(void)len;
}

static struct policy *compile(const char *text)
{
	char err[POLICY_ERR_MAX];
	struct policy *p;

	if (policy_compile_text(text, strlen(text), "t.ini", &p, err)) {
		printf("# %s\n", err);
		return NULL;
	}
	return p;
}

/* The daemon's hook, without its locks: worker i asks worker 1 - i */
static bool steal(void *ctx, const struct flow_key *k, uint64_t now,
		  struct flow *out)
{
	struct engine *other = w[1 - (int)(intptr_t)ctx];

	steals_asked++;
	return engine_flow_take(other, k, now, out);
}

/* flows moved into @e from the other worker */
static uint64_t stolen(struct engine *e)
{
	struct engine_tables t;

	engine_tables(e, NS, &t);
	return t.stolen;
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++) {
		engine_free(w[i]);
		w[i] = NULL;
	}
	engine_free(root);
	root = NULL;
}

static int setup(uint32_t dns_rate, bool threaded)
{
	struct engine_config cfg;
	struct engine_policy *ep;
	struct policy *p = compile(pol_text);

	teardown();
	if (!p)
		return -1;
	engine_config_default(&cfg);
	cfg.flow_capacity = 256;
	cfg.dns_rate = dns_rate;
	cfg.dns_burst = dns_rate;
	cfg.log_refusals_per_s = 0;
	root = engine_new(&cfg);
	if (!root)
		return -1;
	engine_set_sink(root, &(struct decision_sink){ sink, NULL });
	ep = engine_policy_get(root, "t", p);
	engine_bottle_init(&rb, 7, "b", ep);
	addr_parse("10.0.2.100", &rb.addr4);
	rb.has4 = true;
	for (int i = 0; i < 2; i++) {
		w[i] = engine_new_worker(root, &cfg);
		if (!w[i])
			return -1;
		engine_set_sink(w[i], &(struct decision_sink){ sink, NULL });
		engine_set_steal(w[i], steal, (void *)(intptr_t)i);
		wb_[i] = rb;
		wb_[i].shared = &rb;
	}
	engine_set_threaded(root, threaded);
	steals_asked = 0;
	return 0;
}

static enum engine_action out(int i, size_t len, uint64_t now,
			      struct engine_result *r)
{
	struct pkt p;

	if (pkt_parse(buf, len, &p) != DROP_NONE)
		return (enum engine_action)-1;
	return engine_outbound(w[i], &wb_[i], &p, now, r);
}

static enum engine_action in(int i, size_t len, uint64_t now,
			     struct engine_result *r)
{
	struct pkt p;

	if (pkt_parse(buf, len, &p) != DROP_NONE)
		return (enum engine_action)-1;
	return engine_inbound(w[i], &wb_[i], &p, now, r);
}

static void query(unsigned int id, const char *name)
{
	wb.n = 0;
	whdr(&wb, id, 0x0100, 1, 0, 0, 0);
	wq(&wb, name, 1, 1);
}

/* The root (main thread) learns @addr for @name, TTL @ttl */
static enum drop_reason learn(const char *name, const char *addr, uint32_t ttl,
			      uint64_t now)
{
	struct dns_msg q;
	struct ipaddr c, s, a;
	size_t at;

	query(1, name);
	if (dns_parse_query(wb.b, wb.n, &q) != DROP_NONE)
		return DROP_MAX;
	wb.n = 0;
	whdr(&wb, 1, 0x8180, 1, 1, 0, 0);
	wq(&wb, name, 1, 1);
	addr_parse(addr, &a);
	wname(&wb, name);
	at = wrr(&wb, 1, 1, ttl);
	wbytes(&wb, a.b, 4);
	wrr_end(&wb, at);
	addr_parse("10.0.2.100", &c);
	addr_parse("10.0.2.3", &s);
	return engine_dns_answer(root, &rb, &q.q, &c, 4000, &s, 53, wb.b, wb.n,
				 now, engine_scratch_answer(root));
}

TEST(workers_see_what_the_root_learns)
{
	struct engine_result r;

	CHECK(!setup(0, true));
	CHECK_EQ(out(0, tcp4(buf, "10.0.2.100", 40000, "198.18.7.1", 80, TCP_SYN), NS, &r),
		 ENGINE_REJECT);
	CHECK_EQ(learn("web.test", "198.18.7.1", 30, NS), DROP_NONE);
	/* the denied flow is decided again: the epoch moved on in the root */
	CHECK_EQ(out(0, tcp4(buf, "10.0.2.100", 40000, "198.18.7.1", 80, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	/* and worker 1 allows a new flow to the same address */
	CHECK_EQ(out(1, tcp4(buf, "10.0.2.100", 40001, "198.18.7.1", 80, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	CHECK(r.new_flow);
	CHECK_EQ(engine_stats(w[1])->flows_allowed, 1);
	CHECK_EQ(engine_stats(root)->flows_allowed, 0);		/* counted where decided */
	CHECK_EQ(wb_[1].c.flows_allowed, 1);
	CHECK_EQ(rb.c.flows_allowed, 0);
}

/* Another thread's try at the root's read lock: 0, or EBUSY while a writer holds it */
static void *try_read(void *arg)
{
	int *rc = arg;

	*rc = pthread_rwlock_tryrdlock(&root->lock);
	if (!*rc)
		pthread_rwlock_unlock(&root->lock);
	return NULL;
}

static int read_lock_from_another_thread(void)
{
	pthread_t t;
	int rc = -1;

	if (pthread_create(&t, NULL, try_read, &rc))
		return -1;
	pthread_join(t, NULL);
	return rc;
}

TEST(answers_learnt_in_one_batch)
{
	struct engine_result r;

	CHECK(!setup(0, true));
	CHECK_EQ(read_lock_from_another_thread(), 0);
	engine_answers_begin(root);
	/* each answer learns without taking the lock again (no deadlock) */
	CHECK_EQ(learn("web.test", "198.18.7.1", 30, NS), DROP_NONE);
	CHECK_EQ(learn("web.test", "198.18.7.2", 30, NS), DROP_NONE);
	CHECK_EQ(learn("web.test", "198.18.7.3", 30, NS), DROP_NONE);
	/* a worker would wait: the whole batch is one writer */
	CHECK_EQ(read_lock_from_another_thread(), EBUSY);
	engine_answers_end(root);
	CHECK_EQ(read_lock_from_another_thread(), 0);
	/* and then sees all of it */
	CHECK_EQ(out(0, tcp4(buf, "10.0.2.100", 40000, "198.18.7.1", 80, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(out(1, tcp4(buf, "10.0.2.100", 40001, "198.18.7.2", 80, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(out(1, tcp4(buf, "10.0.2.100", 40002, "198.18.7.3", 80, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	/* an answer outside a batch still takes and gives back the lock itself */
	CHECK_EQ(learn("web.test", "198.18.7.4", 30, NS), DROP_NONE);
	CHECK_EQ(read_lock_from_another_thread(), 0);
}

TEST(root_reload_revokes_in_workers)
{
	struct engine_result r;
	uint32_t g;

	CHECK(!setup(0, true));
	CHECK_EQ(out(0, udp4(buf, "10.0.2.100", 5000, "198.18.5.7", 123, NULL, 0), NS, &r),
		 ENGINE_FORWARD);
	g = engine_generation(w[0]);
	CHECK_EQ(g, engine_generation(root));
	engine_policy_replace(root, rb.policy,
			      compile("[policy]\nname = t\n[allow]\ndomain = web.test\n"));
	CHECK_EQ(engine_generation(w[1]), g + 1);
	CHECK_EQ(out(0, udp4(buf, "10.0.2.100", 5000, "198.18.5.7", 123, NULL, 0), NS, &r),
		 ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_FLOW_REVOKED);
	CHECK_EQ(engine_stats(w[0])->revoked, 1);
}

TEST(flow_moves_outbound_keeping_its_verdict)
{
	struct engine_result r;

	CHECK(!setup(0, true));
	CHECK_EQ(learn("web.test", "198.18.7.1", 5, NS), DROP_NONE);
	CHECK_EQ(out(0, tcp4(buf, "10.0.2.100", 40000, "198.18.7.1", 80, TCP_SYN), NS, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(steals_asked, 0);			/* a bare SYN does not ask */
	CHECK_EQ(in(0, tcp4(buf, "198.18.7.1", 80, "10.0.2.100", 40000, TCP_SYN | TCP_ACK),
		    NS, &r), ENGINE_FORWARD);
	/* the answer expired; the kernel now steers the flow to worker 1 */
	CHECK_EQ(out(1, tcp4(buf, "10.0.2.100", 40000, "198.18.7.1", 80, TCP_ACK), 20 * NS, &r),
		 ENGINE_FORWARD);
	CHECK(!r.new_flow);
	CHECK_EQ(steals_asked, 1);
	CHECK_EQ(stolen(w[1]), 1);
	CHECK_EQ(engine_stats(w[1])->flows, 0);			/* not decided again */
	/* it lives in worker 1 now: worker 0 would have to take it back */
	CHECK_EQ(in(0, tcp4(buf, "198.18.7.1", 80, "10.0.2.100", 40000, TCP_ACK), 20 * NS, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(stolen(w[0]), 1);
	CHECK(r.flow && r.flow->packets[0] + r.flow->packets[1] == 4);
}

TEST(flow_moves_inbound)
{
	struct engine_result r;

	CHECK(!setup(0, true));
	CHECK_EQ(out(0, udp4(buf, "10.0.2.100", 5000, "198.18.5.7", 123, NULL, 0), NS, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(steals_asked, 1);			/* UDP always asks */
	CHECK_EQ(in(1, udp4(buf, "198.18.5.7", 123, "10.0.2.100", 5000, NULL, 0), NS, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(stolen(w[1]), 1);
	/* nobody has this one: no_flow, after asking */
	CHECK_EQ(in(1, udp4(buf, "198.18.5.8", 123, "10.0.2.100", 5000, NULL, 0), NS, &r),
		 ENGINE_DROP);
	CHECK_EQ(r.reason, DROP_NO_FLOW);
	CHECK_EQ(steals_asked, 3);
}

TEST(denied_flow_moves_denied)
{
	struct engine_result r;

	CHECK(!setup(0, true));
	CHECK_EQ(out(0, udp4(buf, "10.0.2.100", 5000, "198.18.9.9", 53535, NULL, 0), NS, &r),
		 ENGINE_REJECT);
	CHECK_EQ(out(1, udp4(buf, "10.0.2.100", 5000, "198.18.9.9", 53535, NULL, 0), NS, &r),
		 ENGINE_REJECT);
	CHECK_EQ(stolen(w[1]), 1);
	CHECK_EQ(engine_stats(w[1])->flows, 0);
}

TEST(one_dns_bucket_per_bottle)
{
	struct engine_result r;
	int allowed = 0;

	CHECK(!setup(4, true));
	/* four tokens for the bottle, whichever worker its queries reach */
	for (int i = 0; i < 8; i++) {
		query(0x100 + (unsigned int)i, "web.test");
		CHECK_EQ(out(i & 1, udp4(buf, "10.0.2.100", (uint16_t)(4000 + i), "10.0.2.3",
					 53, wb.b, wb.n), NS, &r), ENGINE_DNS);
		allowed += r.dns_allow;
	}
	CHECK_EQ(allowed, 4);
	CHECK_EQ(r.reason, DROP_DNS_RATE);
	CHECK_EQ(wb_[0].c.dns_allowed + wb_[1].c.dns_allowed, 4);
}

TEST(denied_query_carries_the_refusal_code)
{
	struct engine_result r;

	CHECK(!setup(0, true));
	query(0x1234, "nope.test");
	CHECK_EQ(out(0, udp4(buf, "10.0.2.100", 4000, "10.0.2.3", 53, wb.b, wb.n), NS, &r),
		 ENGINE_DNS);
	CHECK(!r.dns_allow);
	CHECK_EQ(r.dns_refusal, rb.policy->pol->dns_refusal);
}

/* ---- real threads: workers decide while the root learns and reloads ---- */

static volatile bool stop_flag;
static uint64_t done_n[2];

static void *hammer(void *arg)
{
	int i = (int)(intptr_t)arg;
	static uint8_t bufs[2][64];
	uint64_t n = 0;

	while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) {
		struct engine_result r;
		struct pkt p;
		char dst[32];

		snprintf(dst, sizeof(dst), "198.18.7.%u", 1 + (unsigned int)(n % 200));
		v4(bufs[i], PROTO_TCP, 40);
		tcp(bufs[i] + 20, (uint16_t)(1024 + n % 60000), 80, TCP_SYN);
		{
			struct ipaddr a;

			addr_parse("10.0.2.100", &a);
			memcpy(bufs[i] + 12, a.b, 4);
			addr_parse(dst, &a);
			memcpy(bufs[i] + 16, a.b, 4);
			v4_fix(bufs[i]);
		}
		if (pkt_parse(bufs[i], 40, &p) == DROP_NONE)
			engine_outbound(w[i], &wb_[i], &p, NS + n, &r);
		n++;
		__atomic_store_n(&done_n[i], n, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST(threads_decide_while_root_changes)
{
	pthread_t t[2];

	CHECK(!setup(0, true));
	/* no steal hook here: each table stays its thread's own */
	engine_set_steal(w[0], NULL, NULL);
	engine_set_steal(w[1], NULL, NULL);
	stop_flag = false;
	done_n[0] = done_n[1] = 0;
	for (int i = 0; i < 2; i++)
		CHECK(!pthread_create(&t[i], NULL, hammer, (void *)(intptr_t)i));
	/* both deciding before the root starts changing things */
	while (__atomic_load_n(&done_n[0], __ATOMIC_RELAXED) < 100 ||
	       __atomic_load_n(&done_n[1], __ATOMIC_RELAXED) < 100)
		sched_yield();
	for (unsigned int k = 0; k < 300; k++) {
		char a[32];

		snprintf(a, sizeof(a), "198.18.7.%u", 1 + k % 200);
		learn("web.test", a, 30, NS);
		if (k % 50 == 0)
			engine_policy_replace(root, rb.policy, compile(pol_text));
	}
	__atomic_store_n(&stop_flag, true, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(engine_stats(w[0])->flows > 0 && engine_stats(w[1])->flows > 0);
	CHECK_EQ(engine_generation(root), 1 + 6);
}

int main(void)
{
	RUN(workers_see_what_the_root_learns);
	RUN(answers_learnt_in_one_batch);
	RUN(root_reload_revokes_in_workers);
	RUN(flow_moves_outbound_keeping_its_verdict);
	RUN(flow_moves_inbound);
	RUN(denied_flow_moves_denied);
	RUN(one_dns_bucket_per_bottle);
	RUN(denied_query_carries_the_refusal_code);
	RUN(threads_decide_while_root_changes);
	teardown();
	return t_done();
}

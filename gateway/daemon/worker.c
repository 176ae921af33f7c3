// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * worker.c - the packet threads: start, loop, stop; quiescence; moving a
 * flow between workers; messages to the main thread; summed counters
 *
 * The rules these follow are in daemon.h ("Threads", "Bottles").
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/worker.h"
#include "daemon/resolver.h"
#include "daemon/bottles.h"
#include "daemon/datapath.h"
#include "daemon/loop.h"

#define EVENTS_PER_WAIT	64

uint32_t worker_count(const struct sentry_config *cfg)
{
	long n = cfg->workers;

	if (!n)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (uint32_t)n;
}

int worker_watch(struct worker *w, int fd, enum tag tag, uint32_t index)
{
	struct epoll_event ev = {
		.events = EPOLLIN,
		.data.u64 = (uint64_t)tag << 32 | index,
	};

	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
		return 0;
	return -errno;
}

void worker_unwatch(struct worker *w, int fd)
{
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* Decision lines from a worker's engine: the FILE may be swapped by SIGHUP */
static void emit(void *ctx, const char *line, size_t len)
{
	struct worker *w = ctx;
	struct daemon *d = w->d;

	pthread_mutex_lock(&d->declog_lock);
	if (d->declog)
		fwrite(line, 1, len, d->declog);
	pthread_mutex_unlock(&d->declog_lock);
	w->logged = true;
}

/*
 * The engine's steal hook: look for @k in every other worker's table, and
 * take it out of there. The caller holds its own shard lock, and keeps it
 * from the removal until the engine has put the flow in its own table, so
 * that a flow is never in neither table for anyone who looks: two shard
 * locks are held at once here, always taken in worker order (the caller's
 * dropped and taken again when the other's comes first), so no deadlock.
 * With three or more workers one that looked into this table just before
 * the move and into the other just after could still miss the flow: it
 * then counts no_flow (inbound) or decides the flow afresh (outbound).
 */
static bool steal(void *ctx, const struct flow_key *k, uint64_t now,
		  struct flow *out)
{
	struct worker *w = ctx;
	struct daemon *d = w->d;
	bool found = false;

	for (uint32_t i = 1; i < d->nworkers && !found; i++) {
		struct worker *o = &d->workers[(w->id + i) % d->nworkers];

		if (o->id < w->id) {
			pthread_mutex_unlock(&w->shard);
			pthread_mutex_lock(&o->shard);
			pthread_mutex_lock(&w->shard);
		} else {
			pthread_mutex_lock(&o->shard);
		}
		found = engine_flow_take(o->e, k, now, out);
		pthread_mutex_unlock(&o->shard);
	}
	return found;
}

struct handoff *worker_slot(struct worker *w, size_t len)
{
	struct handoff *m = handoff_reserve(w->ring, len);

	if (!m && len <= HANDOFF_MSG_MAX)
		worker_count_add(w, handoff_full, 1);
	return m;
}

void worker_publish(struct worker *w)
{
	handoff_publish(w->ring);
	w->pushed = true;
}

static void dispatch(struct worker *w, const struct epoll_event *ev)
{
	uint32_t tag = (uint32_t)(ev->data.u64 >> 32);
	uint32_t index = (uint32_t)ev->data.u64;
	uint64_t v;

	switch (tag) {
	case TAG_BOTTLE:
		datapath_bottle(w, index, ev->events);
		break;
	case TAG_EGRESS:
		datapath_egress(w, index);
		break;
	case TAG_WAKE: {
		/* only drained: the stop flag says what the wake-up is for */
		ssize_t rc = read(w->wakefd, &v, sizeof(v));

		(void)rc;
		break;
	}
	}
}

static void *worker_main(void *arg)
{
	struct epoll_event ev[EVENTS_PER_WAIT];
	struct worker *w = arg;
	uint64_t one = 1;

	for (;;) {
		int n;

		__atomic_store_n(&w->quiet, true, __ATOMIC_SEQ_CST);
		n = epoll_wait(w->epfd, ev, EVENTS_PER_WAIT, -1);
		/* busy before looking at anything a detach may unpublish */
		__atomic_store_n(&w->quiet, false, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
			break;
		for (int i = 0; i < n; i++)
			dispatch(w, &ev[i]);
		if (w->pushed) {
			/* fails only when the counter is full: then it is readable anyway */
			ssize_t rc = write(w->notifyfd, &one, sizeof(one));

			(void)rc;
			w->pushed = false;
		}
		if (w->logged) {
			w->logged = false;
			pthread_mutex_lock(&w->d->declog_lock);
			if (w->d->declog)
				fflush(w->d->declog);
			pthread_mutex_unlock(&w->d->declog_lock);
		}
		__atomic_fetch_add(&w->seq, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_fetch_add(&w->seq, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&w->quiet, true, __ATOMIC_SEQ_CST);
	return NULL;
}

void workers_quiesce(struct daemon *d)
{
	const struct timespec pause = { 0, 20000 };	/* 20 us */

	/* the caller's store that unpublished is sequentially consistent too */
	for (uint32_t i = 0; i < d->nworkers; i++) {
		struct worker *w = &d->workers[i];
		uint64_t seq = __atomic_load_n(&w->seq, __ATOMIC_SEQ_CST);

		/* a worker that is busy finishes its wake-up within a batch */
		while (w->started && !__atomic_load_n(&w->quiet, __ATOMIC_SEQ_CST) &&
		       __atomic_load_n(&w->seq, __ATOMIC_SEQ_CST) == seq)
			nanosleep(&pause, NULL);
	}
}

static int init_one(struct daemon *d, struct worker *w, uint32_t id,
		    const struct engine_config *ec)
{
	w->d = d;
	w->id = id;
	w->epfd = w->wakefd = w->notifyfd = -1;
	w->quiet = true;
	w->parse_log.interval_ns = 1000000000ULL;
	w->parse_log.burst = 5;
	if (pthread_mutex_init(&w->shard, NULL))
		return -ENOMEM;
	w->e = engine_new_worker(d->e, ec);
	w->eb = calloc(d->cfg.bottles, sizeof(*w->eb));
	w->burst = malloc((size_t)DATAPATH_BURST * PKT_BUF_SIZE);
	w->buf = w->burst;
	w->aux = malloc(PKT_BUF_SIZE);
	w->ring = calloc(1, sizeof(*w->ring));
	if (!w->e || !w->eb || !w->buf || !w->aux || !w->ring)
		return -ENOMEM;
	engine_set_sink(w->e, &(struct decision_sink){ emit, w });
	engine_set_wall_offset(w->e, engine_wall_offset(d->e));
	engine_set_steal(w->e, steal, w);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->notifyfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->wakefd < 0 || w->notifyfd < 0)
		return -errno;
	if (worker_watch(w, w->wakefd, TAG_WAKE, 0))
		return -errno;
	return loop_watch(d->epfd, w->notifyfd, EPOLLIN, TAG_WORKER, id);
}

/* Table capacity @total split over @n workers, the remainder to the first ones */
static uint32_t share(uint32_t total, uint32_t n, uint32_t i)
{
	uint32_t v = total / n + (i < total % n ? 1 : 0);

	return v ? v : 1;
}

int workers_init(struct daemon *d)
{
	struct engine_config ec;
	int rc;

	d->nworkers = worker_count(&d->cfg);
	d->workers = calloc(d->nworkers, sizeof(*d->workers));
	if (!d->workers)
		return -ENOMEM;
	config_engine(&d->cfg, &ec);
	for (uint32_t i = 0; i < d->nworkers; i++) {
		ec.flow_capacity = share(d->cfg.flows, d->nworkers, i);
		ec.frag_capacity = share(d->cfg.fragments, d->nworkers, i);
		rc = init_one(d, &d->workers[i], i, &ec);
		if (rc)
			return rc;
	}
	for (uint32_t q = 0; q < d->egress_nfds; q++) {
		rc = worker_watch(worker_for_queue(d, q), d->egress_fds[q],
				  TAG_EGRESS, q);
		if (rc)
			return rc;
	}
	engine_set_threaded(d->e, true);
	return 0;
}

int workers_start(struct daemon *d)
{
	for (uint32_t i = 0; i < d->nworkers; i++) {
		struct worker *w = &d->workers[i];
		int rc = pthread_create(&w->thread, NULL, worker_main, w);

		if (rc)
			return -rc;
		w->started = true;
	}
	return 0;
}

void workers_stop(struct daemon *d)
{
	uint64_t one = 1;

	for (uint32_t i = 0; i < d->nworkers; i++) {
		struct worker *w = &d->workers[i];

		if (!w->started)
			continue;
		__atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
		if (write(w->wakefd, &one, sizeof(one)) < 0)
			continue;
	}
	for (uint32_t i = 0; i < d->nworkers; i++) {
		struct worker *w = &d->workers[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		w->started = false;
	}
}

void workers_free(struct daemon *d)
{
	if (!d->workers)
		return;
	for (uint32_t i = 0; i < d->nworkers; i++) {
		struct worker *w = &d->workers[i];

		if (w->epfd >= 0)
			close(w->epfd);
		if (w->wakefd >= 0)
			close(w->wakefd);
		if (w->notifyfd >= 0)
			close(w->notifyfd);
		engine_free(w->e);
		free(w->eb);
		free(w->burst);
		free(w->aux);
		free(w->ring);
		if (w->d)
			pthread_mutex_destroy(&w->shard);
	}
	free(d->workers);
	d->workers = NULL;
	if (d->e)
		engine_set_threaded(d->e, false);
}

void workers_bottle_init(struct daemon *d, struct gw_bottle *b)
{
	for (uint32_t i = 0; i < d->nworkers; i++) {
		struct worker *w = &d->workers[i];

		/* not yet live: no worker looks at this slot */
		w->eb[b->slot] = b->eb;
		w->eb[b->slot].shared = &b->eb;
	}
}

void workers_drain(struct daemon *d, uint32_t index)
{
	struct worker *w;
	struct handoff_ring *r;
	struct handoff *m;
	uint32_t tail;
	uint64_t v;

	if (index >= d->nworkers)
		return;
	w = &d->workers[index];
	r = w->ring;
	if (read(w->notifyfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	tail = r->tail;
	resolver_batch_begin(d);
	while ((m = handoff_next(r, &tail))) {
		struct gw_bottle *b = NULL;
		struct dns_msg dm;

		if (m->slot < d->cfg.bottles)
			b = &d->bottles[m->slot];
		if (!b || !b->used || b->eb.id != m->zone) {
			/* the bottle left meanwhile */
		} else if (m->kind == HANDOFF_GONE) {
			bottle_detach(d, b, "its TUN device went away");
		} else if (dns_parse_query(m->msg, m->len, &dm) == DROP_NONE) {
			/*
			 * Parsed again rather than handed over parsed: a query
			 * parses in about a hundred ns, where its parsed form
			 * (names in text) would take a kilobyte of the ring
			 */
			resolver_query(d, b, m->msg, m->len, &dm, &m->client,
				       m->cport, &m->server, m->sport, DNS_VIA_UDP, 0);
		}
		/* free the space at once: resolver_query() copied what it keeps */
		handoff_release(r, tail);
	}
	resolver_batch_end(d);
}

void workers_expire(struct daemon *d, uint64_t now)
{
	for (uint32_t i = 0; i < d->nworkers; i++) {
		struct worker *w = &d->workers[i];

		pthread_mutex_lock(&w->shard);
		engine_expire(w->e, now);
		engine_set_wall_offset(w->e, engine_wall_offset(d->e));
		pthread_mutex_unlock(&w->shard);
	}
}

#define SUM(f)	c->f += __atomic_load_n(&w->c.f, __ATOMIC_RELAXED)

void workers_sum(struct daemon *d, uint64_t now, struct engine_stats *st,
		 struct flow_stats *fs, struct frag_stats *gs,
		 struct daemon_counters *c, uint64_t *stolen)
{
	*st = *engine_stats(d->e);
	*c = d->c;
	memset(fs, 0, sizeof(*fs));
	memset(gs, 0, sizeof(*gs));
	*stolen = 0;
	for (uint32_t i = 0; i < d->nworkers; i++) {
		struct worker *w = &d->workers[i];
		struct engine_tables t;

		pthread_mutex_lock(&w->shard);
		engine_stats_add(st, engine_stats(w->e));
		engine_tables(w->e, now, &t);
		pthread_mutex_unlock(&w->shard);
		*stolen += t.stolen;
		fs->capacity += t.flows.capacity;
		fs->used += t.flows.used;
		fs->inserted += t.flows.inserted;
		fs->evicted += t.flows.evicted;
		fs->expired += t.flows.expired;
		gs->capacity += t.frags.capacity;
		gs->used += t.frags.used;
		gs->evicted += t.frags.evicted;
		SUM(egress_no_bottle);
		SUM(tun_write_errors);
		SUM(egress_write_errors);
		SUM(short_writes);
		SUM(rejects_sent);
		SUM(dns_local_answers);
		SUM(egress_read_errors);
		SUM(tun_read_errors);
		SUM(gso_segmented);
		SUM(gso_segments);
		SUM(handoff_full);
	}
}

#undef SUM

static void add_bottle(struct bottle_counters *t, const struct bottle_counters *s)
{
	t->pkts_out += s->pkts_out;
	t->bytes_out += s->bytes_out;
	t->pkts_in += s->pkts_in;
	t->bytes_in += s->bytes_in;
	t->forwarded += s->forwarded;
	t->dropped += s->dropped;
	t->flows_allowed += s->flows_allowed;
	t->flows_denied += s->flows_denied;
	t->dns_allowed += s->dns_allowed;
	t->dns_denied += s->dns_denied;
	for (int i = 0; i < DROP_MAX; i++)
		t->drops.n[i] += s->drops.n[i];
}

void workers_bottle_sum(struct daemon *d, const struct gw_bottle *b,
			struct bottle_counters *c)
{
	uint32_t pending;

	*c = b->eb.c;
	for (uint32_t i = 0; i < d->nworkers; i++) {
		struct worker *w = &d->workers[i];

		pthread_mutex_lock(&w->shard);
		add_bottle(c, &w->eb[b->slot].c);
		engine_share_stats(w->e, b->eb.slot, c);
		pthread_mutex_unlock(&w->shard);
	}
	/* the learnt and pending tables are this thread's (resolver.c) */
	engine_share_stats(d->e, b->eb.slot, c);
	resolver_slot_stats(d, b->eb.slot, &pending, &c->tables.pending_dns_evicted);
	c->tables.pending_dns = pending;
}

int workers_flow_foreach(struct daemon *d, int (*fn)(struct flow *f, void *arg),
			 void *arg)
{
	int rc = 0;

	for (uint32_t i = 0; i < d->nworkers && !rc; i++) {
		struct worker *w = &d->workers[i];

		pthread_mutex_lock(&w->shard);
		rc = engine_flow_foreach(w->e, fn, arg);
		pthread_mutex_unlock(&w->shard);
	}
	return rc;
}

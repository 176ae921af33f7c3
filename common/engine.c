// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine.c - engine lifecycle, policy slots, counting and decision logging
 *
 * The packet path is in engine_flow.c, the DNS decisions in engine_dns.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENTRY_ENGINE_INTERNALS
#include "engine_internal.h"
#include "frag.h"
#include "namecheck.h"
#include "log.h"
#include "share.h"

void engine_config_default(struct engine_config *c)
{
	memset(c, 0, sizeof(*c));
	c->flow_capacity = 65536;
	c->owners = 1;
	flow_timeouts_default(&c->timeouts);
	c->learn.max_bindings = 65536;
	c->learn.max_names = 16384;
	c->learn.per_name_max = 32;
	c->learn.per_addr_max = 64;
	c->frag_capacity = 1024;
	c->frag_timeout = 30;
	c->dns_rate = 100;
	c->dns_burst = 200;
	c->audit = false;
	c->log_refusals_per_s = 20;
}

size_t engine_memory(const struct engine_config *cfg)
{
	uint32_t owners = cfg->owners ? cfg->owners : 1;

	return sizeof(struct engine) + flow_table_bytes(cfg->flow_capacity) +
	       2 * share_bytes(owners) +
	       learn_table_bytes(&cfg->learn) +
	       frag_table_bytes(cfg->frag_capacity) + namecheck_bytes();
}

static struct engine *alloc(const struct engine_config *cfg)
{
	struct engine *e = calloc(1, sizeof(*e));
	pthread_rwlockattr_t attr;
	int rc;

	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->root = e;
	e->gen = 1;
	e->epoch = 1;
	e->next_scope = 1;
	/* writer-preferring: a stream of new flows must not hold a DNS answer
	 * back; no reader takes it twice (engine_internal.h), so no deadlock */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = pthread_rwlock_init(&e->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (rc) {
		free(e);
		return NULL;
	}
	if (pthread_mutex_init(&e->bucket_lock, NULL)) {
		pthread_rwlock_destroy(&e->lock);
		free(e);
		return NULL;
	}
	e->flows = flow_table_new(cfg->flow_capacity, cfg->owners ? cfg->owners : 1,
				  &cfg->timeouts);
	e->frags = frag_new(cfg->frag_capacity, cfg->frag_timeout);
	e->nc = namecheck_new();
	return e;
}

struct engine *engine_new(const struct engine_config *cfg)
{
	struct engine *e = alloc(cfg);
	struct learn_limits lim = cfg->learn;

	if (!e)
		return NULL;
	lim.owners = cfg->owners;
	e->learn = learn_new(&lim);
	if (!e->flows || !e->learn || !e->frags || !e->nc) {
		engine_free(e);
		errno = ENOMEM;
		return NULL;
	}
	return e;
}

struct engine *engine_new_worker(struct engine *root,
				 const struct engine_config *cfg)
{
	struct engine *e = alloc(cfg);

	if (!e)
		return NULL;
	e->root = root;
	e->learn = root->learn;
	if (!e->flows || !e->frags || !e->nc) {
		engine_free(e);
		errno = ENOMEM;
		return NULL;
	}
	return e;
}

void engine_set_threaded(struct engine *root, bool on)
{
	root->threaded = on;
}

uint32_t engine_generation(const struct engine *e)
{
	return engine_gen(e);
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	for (uint32_t i = 0; i < e->npolicies; i++) {
		policy_free(e->policies[i]->pol);
		free(e->policies[i]);
	}
	free(e->policies);
	flow_table_free(e->flows);
	if (e->root == e)
		learn_free(e->learn);
	frag_free(e->frags);
	namecheck_free(e->nc);
	pthread_mutex_destroy(&e->bucket_lock);
	pthread_rwlock_destroy(&e->lock);
	free(e);
}

void engine_read_lock(struct engine *e)
{
	if (e->root != e)
		pthread_rwlock_rdlock(&e->root->lock);
}

void engine_read_unlock(struct engine *e)
{
	if (e->root != e)
		pthread_rwlock_unlock(&e->root->lock);
}

void engine_write_lock(struct engine *e)
{
	if (e->threaded)
		pthread_rwlock_wrlock(&e->lock);
}

void engine_write_unlock(struct engine *e)
{
	if (e->threaded)
		pthread_rwlock_unlock(&e->lock);
}

/* A policy that denies everything stands in for one removed from the store. */
static struct policy *deny_all(const char *name)
{
	struct policy *p = policy_new(name);

	if (p) {
		p->default_action = ACTION_DENY;
		if (policy_build_index(p)) {
			policy_free(p);
			p = NULL;
		}
	}
	return p;
}

struct engine_policy *engine_policy_get(struct engine *e, const char *name,
					struct policy *pol)
{
	struct engine_policy *ep, **grown;

	for (uint32_t i = 0; i < e->npolicies; i++) {
		ep = e->policies[i];
		if (strcmp(ep->name, name))
			continue;
		ep->refs++;
		if (pol)
			engine_policy_replace(e, ep, pol);
		return ep;
	}
	if (!pol)
		return NULL;
	ep = calloc(1, sizeof(*ep));
	grown = realloc(e->policies, (e->npolicies + 1) * sizeof(*grown));
	if (!ep || !grown) {
		free(ep);
		if (grown)
			e->policies = grown;
		return NULL;
	}
	e->policies = grown;
	snprintf(ep->name, sizeof(ep->name), "%s", name);
	ep->pol = pol;
	ep->scope = e->next_scope++;
	ep->refs = 1;
	e->policies[e->npolicies++] = ep;
	return ep;
}

void engine_policy_put(struct engine *e, struct engine_policy *ep)
{
	if (--ep->refs)
		return;
	for (uint32_t i = 0; i < e->npolicies; i++) {
		if (e->policies[i] != ep)
			continue;
		e->policies[i] = e->policies[--e->npolicies];
		break;
	}
	engine_write_lock(e);
	learn_forget_scope(e->learn, ep->scope);
	engine_write_unlock(e);
	policy_free(ep->pol);
	free(ep);
}

void engine_policy_replace(struct engine *e, struct engine_policy *ep,
			   struct policy *pol)
{
	struct policy *old = ep->pol;
	bool gone = !pol;

	if (!pol)
		pol = deny_all(ep->name);
	engine_write_lock(e);
	ep->missing = gone;
	if (!pol) {
		/* no memory for a deny-all: keep the old policy, but never allow */
		warn("policy %s: out of memory replacing it", ep->name);
		old->default_action = ACTION_DENY;
		old->nrules = 0;
		if (policy_build_index(old))
			warn("policy %s: index rebuild failed", ep->name);
		engine_bump(e, true);
		engine_write_unlock(e);
		return;
	}
	ep->pol = pol;
	engine_bump(e, true);
	engine_write_unlock(e);
	/* no worker can still hold it: they read it only under the lock */
	policy_free(old);
}

void engine_bottle_init(struct bottle *b, uint32_t id, const char *name,
			struct engine_policy *ep)
{
	memset(b, 0, sizeof(*b));
	b->id = id;
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->policy = ep;
}

void engine_count(struct engine *e, struct bottle *b, enum drop_reason reason)
{
	if ((unsigned)reason >= DROP_MAX)
		reason = DROP_NONE;
	e->stats.dropped++;
	e->stats.drops.n[reason]++;
	if (b) {
		b->c.dropped++;
		b->c.drops.n[reason]++;
	}
}

/* A packet the engine did not decide: its size, and passed or dropped */
static void tally_packet(struct engine *e, struct bottle *b, bool outbound,
			 size_t len, enum drop_reason reason)
{
	e->stats.packets++;
	e->stats.bytes += len;
	if (b) {
		if (outbound) {
			b->c.pkts_out++;
			b->c.bytes_out += len;
		} else {
			b->c.pkts_in++;
			b->c.bytes_in += len;
		}
	}
	if (reason != DROP_NONE) {
		engine_count(e, b, reason);
		return;
	}
	e->stats.forwarded++;
	if (b)
		b->c.forwarded++;
}

void engine_tally(struct engine *e, struct bottle *b, enum engine_tally what,
		  size_t len, enum drop_reason reason)
{
	if ((unsigned)reason >= DROP_MAX)
		reason = DROP_NONE;
	switch (what) {
	case TALLY_PACKET_OUT:
	case TALLY_PACKET_IN:
		tally_packet(e, b, what == TALLY_PACKET_OUT, len, reason);
		break;
	case TALLY_MESSAGE:
		/* not a packet: no packet counters, only the reason */
		e->stats.drops.n[reason]++;
		if (b)
			b->c.drops.n[reason]++;
		break;
	case TALLY_UNPASS:
		e->stats.forwarded--;
		if (b)
			b->c.forwarded--;
		if (reason != DROP_NONE) {
			engine_count(e, b, reason);
			break;
		}
		/* its reason was counted where it was found (engine_dns_query()) */
		e->stats.dropped++;
		if (b)
			b->c.dropped++;
		break;
	}
}

/* ---- what the engine shows its callers (engine.h) ---- */

void engine_set_sink(struct engine *e, const struct decision_sink *sink)
{
	e->sink = *sink;
}

void engine_set_wall_offset(struct engine *e, int64_t ns)
{
	e->wall_offset_ns = ns;
}

int64_t engine_wall_offset(const struct engine *e)
{
	return e->wall_offset_ns;
}

void engine_set_steal(struct engine *e, engine_steal_fn fn, void *ctx)
{
	e->steal = fn;
	e->steal_ctx = ctx;
}

const struct engine_stats *engine_stats(const struct engine *e)
{
	return &e->stats;
}

void engine_stats_add(struct engine_stats *sum, const struct engine_stats *s)
{
	sum->packets += s->packets;
	sum->bytes += s->bytes;
	sum->forwarded += s->forwarded;
	sum->dropped += s->dropped;
	sum->flows += s->flows;
	sum->flows_allowed += s->flows_allowed;
	sum->flows_denied += s->flows_denied;
	sum->dns_allowed += s->dns_allowed;
	sum->dns_denied += s->dns_denied;
	sum->revoked += s->revoked;
	for (int i = 0; i < DROP_MAX; i++)
		sum->drops.n[i] += s->drops.n[i];
}

void engine_tables(struct engine *e, uint64_t now, struct engine_tables *out)
{
	flow_stats(e->flows, &out->flows);
	frag_stats(e->frags, now, &out->frags);
	out->stolen = e->stolen;
}

int engine_flow_foreach(struct engine *e, int (*fn)(struct flow *f, void *arg),
			void *arg)
{
	return flow_foreach(e->flows, fn, arg);
}

bool engine_flow_take(struct engine *e, const struct flow_key *k, uint64_t now,
		      struct flow *out)
{
	struct flow *f = flow_lookup(e->flows, k, flow_hash(e->flows, k), now);

	if (!f)
		return false;
	*out = *f;
	flow_remove(e->flows, f);
	return true;
}

void engine_learn_stats(const struct engine *root, struct learn_stats *out)
{
	learn_stats(root->learn, out);
}

void engine_share_stats(const struct engine *e, uint32_t slot,
			struct bottle_counters *c)
{
	uint64_t evicted;
	uint32_t used;

	flow_owner_stats(e->flows, slot, &used, &evicted);
	c->tables.flows += used;
	c->tables.flows_evicted += evicted;
	if (e->root != e)
		return;
	learn_owner_stats(e->learn, slot, &used, &evicted);
	c->tables.learnt += used;
	c->tables.learnt_evicted += evicted;
}

int engine_learn_foreach(struct engine *root, uint64_t now,
			 int (*fn)(struct learn_table *t, uint32_t binding, void *arg),
			 void *arg)
{
	return learn_foreach(root->learn, now, fn, arg);
}

uint32_t engine_policy_count(const struct engine *root)
{
	return root->npolicies;
}

struct engine_policy *engine_policy_at(const struct engine *root, uint32_t i)
{
	return i < root->npolicies ? root->policies[i] : NULL;
}

const char *engine_scope_policy(const struct engine *root, uint32_t scope)
{
	for (uint32_t i = 0; i < root->npolicies; i++)
		if (root->policies[i]->scope == scope)
			return root->policies[i]->name;
	return NULL;
}

struct dns_msg *engine_scratch_dns(struct engine *e)
{
	return &e->scratch_dns;
}

struct dns_msg *engine_scratch_answer(struct engine *e)
{
	return &e->scratch_answer;
}

bool engine_refusal_log_ok(struct engine *e, uint64_t now)
{
	const uint64_t second = 1000000000ULL;

	if (!e->cfg.log_refusals_per_s)
		return true;
	if (now - e->refusal_window >= second) {
		if (e->refusal_suppressed)
			warn("%llu refusal log lines suppressed in the last second",
			     (unsigned long long)e->refusal_suppressed);
		e->refusal_window = now;
		e->refusal_logged = 0;
		e->refusal_suppressed = 0;
	}
	if (e->refusal_logged >= e->cfg.log_refusals_per_s) {
		e->refusal_suppressed++;
		return false;
	}
	e->refusal_logged++;
	return true;
}

void engine_log(struct engine *e, const struct bottle *b, struct decision *d,
		const struct verdict *v, uint64_t now)
{
	char line[DECISION_LINE_MAX];
	char rule[RULE_PATTERN_MAX + 256];
	const struct policy *pol = b->policy->pol;
	size_t n;

	if (!e->sink.emit)
		return;
	if (v) {
		if (v->allow)
			d->verdict = "allow";
		else
			d->verdict = e->cfg.audit ? "would_deny" : "deny";
		if (d->reason) {
			/* the caller named the event (flow_revoked); keep the rule */
			if (v->rule != RULE_DEFAULT && v->rule < pol->nrules) {
				decision_rule_text(&pol->rules[v->rule], rule,
						   sizeof(rule));
				d->rule = rule;
			}
		} else if (v->reason != DROP_POLICY) {
			d->reason = drop_name(v->reason);
		} else if (v->rule == RULE_DEFAULT || v->rule >= pol->nrules) {
			d->reason = "default";
			d->rule = pol->default_action == ACTION_ALLOW ?
				  "default allow" : "default deny";
			if (b->policy->missing)
				d->detail = "policy not in the store";
		} else {
			d->reason = "rule";
			decision_rule_text(&pol->rules[v->rule], rule, sizeof(rule));
			d->rule = rule;
		}
		if (v->name)
			d->name = v->name;
	}
	d->ts_ns = (uint64_t)((int64_t)now + e->wall_offset_ns);
	d->bottle = b->name;
	d->policy = b->policy->name;
	n = decision_format(d, line, sizeof(line));
	e->sink.emit(e->sink.ctx, line, n);
}

/*
 * Expired learnt bindings are not reclaimed here: they stop admitting new
 * flows at once (learn_lookup() skips them), but stay, inert, until their
 * slot is needed, so that a policy change can still re-check an established
 * flow against the name that admitted it.
 */
void engine_expire(struct engine *e, uint64_t now)
{
	flow_expire(e->flows, now, 1024);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_dns.c - DNS decisions: queries by policy, answers by what they teach
 *
 * A query is parsed strictly, rate-limited per bottle, then decided by the
 * policy's domain rules. An answer is believed only after it parsed whole
 * and its question matches the one asked; its addresses are then checked
 * for rebinding (private_answers) and learnt under the query name, with the
 * TTL clamped to the policy's [min_ttl, max_ttl]. The caller releases the
 * answer to the bottle only after engine_dns_answer() returned, so the
 * addresses are in the table before the client can use them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SENTRY_ENGINE_INTERNALS
#include "engine_internal.h"
#include "log.h"

/* Longest gap the token bucket accounts for; beyond it the bucket is full anyway */
#define BUCKET_MAX_GAP_NS	(1000ULL * 1000000000ULL)

static bool bucket_take(struct token_bucket *tb, uint32_t rate, uint32_t burst,
			uint64_t now)
{
	uint64_t cap = (uint64_t)burst * 1000;

	if (!rate)
		return true;
	if (!tb->last_ns) {
		tb->tokens_milli = cap;
		tb->last_ns = now;
	} else if (now > tb->last_ns) {
		uint64_t gap = now - tb->last_ns;

		if (gap > BUCKET_MAX_GAP_NS)
			gap = BUCKET_MAX_GAP_NS;
		/* rate tokens per second = rate * 1000 millitokens per 1e9 ns */
		tb->tokens_milli += gap * rate / 1000000;
		if (tb->tokens_milli > cap)
			tb->tokens_milli = cap;
		tb->last_ns = now;
	}
	if (tb->tokens_milli < 1000)
		return false;
	tb->tokens_milli -= 1000;
	return true;
}

static void fill(struct decision *d, uint8_t proto, const struct ipaddr *client,
		 uint16_t cport, const struct ipaddr *server, uint16_t sport)
{
	memset(d, 0, sizeof(*d));
	d->event = "dns";
	d->proto = proto;
	d->src = *client;
	d->sport = cport;
	d->dst = *server;
	d->dport = sport;
	d->has_ports = 1;
}

/* One token from the bucket of @b, or of the bottle it is a worker's copy of */
static bool take_token(struct engine *e, struct bottle *b, uint64_t now)
{
	struct token_bucket *tb = b->shared ? &b->shared->dns_bucket : &b->dns_bucket;
	struct engine *root = e->root;
	bool ok;

	if (!e->cfg.dns_rate)
		return true;
	if (root->threaded)
		pthread_mutex_lock(&root->bucket_lock);
	ok = bucket_take(tb, e->cfg.dns_rate, e->cfg.dns_burst, now);
	if (root->threaded)
		pthread_mutex_unlock(&root->bucket_lock);
	return ok;
}

enum drop_reason engine_dns_decide(struct engine *e, struct bottle *b,
				   uint8_t proto, const struct ipaddr *client,
				   uint16_t cport, const struct ipaddr *server,
				   uint16_t sport, const uint8_t *msg, size_t len,
				   uint64_t now, struct dns_msg *m)
{
	const struct policy *pol = b->policy->pol;
	enum drop_reason reason;
	struct policy_match pm;
	struct decision d;
	struct verdict v = { 0 };

	reason = dns_parse_query(msg, len, m);
	if (reason != DROP_NONE)
		return reason;
	fill(&d, proto, client, cport, server, sport);
	d.qname = m->q.name.text;
	d.qtype = m->q.qtype;

	/* refused before it is decided: it could not go upstream (DNS_QUERY_MAX) */
	if (len > DNS_QUERY_MAX) {
		e->stats.dns_denied++;
		b->c.dns_denied++;
		if (engine_refusal_log_ok(e, now)) {
			v.reason = DROP_DNS_TOO_LONG;
			v.rule = RULE_DEFAULT;
			engine_log(e, b, &d, &v, now);
		}
		return DROP_DNS_TOO_LONG;
	}
	if (!take_token(e, b, now)) {
		e->stats.dns_denied++;
		b->c.dns_denied++;
		if (engine_refusal_log_ok(e, now)) {
			v.reason = DROP_DNS_RATE;
			v.rule = RULE_DEFAULT;
			engine_log(e, b, &d, &v, now);
		}
		return DROP_DNS_RATE;
	}

	policy_decide_query(pol, m->q.name.text, m->q.name.text_len, &pm);
	v.allow = pm.action == ACTION_ALLOW;
	v.reason = DROP_POLICY;
	v.rule = pm.rule;
	engine_log(e, b, &d, &v, now);
	if (v.allow) {
		e->stats.dns_allowed++;
		b->c.dns_allowed++;
		return DROP_NONE;
	}
	e->stats.dns_denied++;
	b->c.dns_denied++;
	return e->cfg.audit ? DROP_NONE : DROP_DNS_DENIED;
}

enum drop_reason engine_dns_query(struct engine *e, struct bottle *b,
				  uint8_t proto, const struct ipaddr *client,
				  uint16_t cport, const struct ipaddr *server,
				  uint16_t sport, const uint8_t *msg, size_t len,
				  uint64_t now, struct dns_msg *m)
{
	enum drop_reason r;

	engine_read_lock(e);
	r = engine_dns_decide(e, b, proto, client, cport, server, sport, msg,
			      len, now, m);
	engine_read_unlock(e);
	if (r != DROP_NONE)
		engine_tally(e, b, TALLY_MESSAGE, 0, r);
	return r;
}

static uint32_t clamp_ttl(const struct policy *pol, uint32_t ttl)
{
	if (ttl < pol->min_ttl)
		return pol->min_ttl;
	if (ttl > pol->max_ttl)
		return pol->max_ttl;
	return ttl;
}

/* The first address of @lr a rebinding check refuses, or -1 */
static int private_address(const struct dns_learn_result *lr,
			   enum addr_class *cls)
{
	for (uint32_t i = 0; i < lr->naddrs; i++) {
		*cls = addr_classify(&lr->addrs[i].addr);
		if (*cls != ADDR_PUBLIC)
			return (int)i;
	}
	return -1;
}

enum drop_reason engine_dns_answer(struct engine *e, struct bottle *b,
				   const struct dns_question *asked,
				   const struct ipaddr *client, uint16_t cport,
				   const struct ipaddr *server, uint16_t sport,
				   const uint8_t *msg, size_t len, uint64_t now,
				   struct dns_msg *a)
{
	const struct policy *pol = b->policy->pol;
	struct dns_learn_result *lr = &e->scratch_learn;
	enum drop_reason reason;
	enum addr_class cls;
	int bad;

	reason = dns_parse_response(msg, len, a);
	if (reason != DROP_NONE)
		return reason;
	if (!dns_question_equal(asked, &a->q))
		return DROP_DNS_MISMATCH;
	dns_learn(a, lr);

	bad = pol->private_answers == ACTION_ALLOW ? -1 : private_address(lr, &cls);
	if (bad >= 0) {
		char addr[ADDR_TEXT_MAX], detail[96];
		struct decision d;
		struct verdict v = { .allow = 0, .reason = DROP_DNS_PRIVATE_ANSWER,
				     .rule = RULE_DEFAULT };

		/* the answer flows back to the bottle: server -> client */
		fill(&d, PROTO_UDP, client, cport, server, sport);
		d.qname = asked->name.text;
		d.qtype = asked->qtype;
		snprintf(detail, sizeof(detail), "answer %s is %s",
			 addr_format(&lr->addrs[bad].addr, addr),
			 addr_class_name(cls));
		d.detail = detail;
		engine_log(e, b, &d, &v, now);
		e->stats.dns_denied++;
		b->c.dns_denied++;
		if (!e->cfg.audit)
			return DROP_DNS_PRIVATE_ANSWER;
	}

	/* every worker sees the addresses once this returns, or once the
	 * batch ends (engine.h) */
	if (!e->answers_locked)
		engine_write_lock(e);
	for (uint32_t i = 0; i < lr->naddrs; i++) {
		uint64_t ttl = clamp_ttl(pol, lr->addrs[i].ttl);
		int rc = learn_add(e->learn, b->slot, b->policy->scope,
				   &lr->addrs[i].addr,
				   asked->name.text, asked->name.text_len,
				   lr->addrs[i].rrtype, now + ttl * 1000000000ULL,
				   now);

		if (rc)
			debug("not learning an address for %s: %s",
			      asked->name.text, rc == -ENAMETOOLONG ?
			      "name too long" : "no room");
	}
	if (lr->naddrs)
		engine_bump(e, false);
	if (!e->answers_locked)
		engine_write_unlock(e);
	return DROP_NONE;
}

void engine_answers_begin(struct engine *e)
{
	engine_write_lock(e);
	e->answers_locked = true;
}

void engine_answers_end(struct engine *e)
{
	e->answers_locked = false;
	engine_write_unlock(e);
}

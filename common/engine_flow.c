// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine_flow.c - the per-packet path: checks, flows, new-flow decisions
 *
 * See engine.h for the order of checks. Everything here runs per packet:
 * no allocation, no I/O except through the decision sink on a new flow.
 */
#include <string.h>

#define SENTRY_ENGINE_INTERNALS
#include "engine_internal.h"
#include "frag.h"
#include "namecheck.h"

/* Learnt names consulted per new flow; more than this share one address rarely */
#define NAMES_PER_DECISION	16

static uint16_t policy_port(uint8_t proto, uint16_t dport)
{
	return proto == PROTO_TCP || proto == PROTO_UDP ? dport : 0;
}

/* Port sets say "icmp" for both ICMP and ICMPv6 */
static uint8_t policy_proto(uint8_t proto)
{
	return proto == PROTO_ICMPV6 ? PROTO_ICMP : proto;
}

/*
 * decide() - the new-flow decision for a bottle's packet to @dst
 * @stale_ok:	also consult bindings whose TTL has run out (re-checking an
 *		established flow after a policy change)
 */
static void decide(struct engine *e, const struct bottle *b,
		   const struct ipaddr *dst, uint8_t proto, uint16_t dport,
		   uint64_t now, bool stale_ok, struct verdict *v)
{
	const struct policy *pol = b->policy->pol;
	uint8_t pproto = policy_proto(proto);
	uint16_t port = policy_port(proto, dport);
	uint32_t idx[NAMES_PER_DECISION], n;
	struct policy_match m;
	struct verdict allow = { 0 };

	v->name = NULL;
	v->reason = DROP_POLICY;
	if (policy_decide_cidr(pol, dst, pproto, port, &m)) {
		v->allow = m.action == ACTION_ALLOW;
		v->rule = m.rule;
		return;
	}
	if ((proto == PROTO_TCP || proto == PROTO_UDP) && dport == DOT_PORT) {
		v->allow = 0;
		v->reason = DROP_DOT_DENIED;
		v->rule = RULE_DEFAULT;
		return;
	}
	n = stale_ok ? learn_lookup_any(e->learn, b->policy->scope, dst, idx,
					NAMES_PER_DECISION)
		     : learn_lookup(e->learn, b->policy->scope, dst, now, idx,
				    NAMES_PER_DECISION);
	if (n > NAMES_PER_DECISION)
		n = NAMES_PER_DECISION;
	for (uint32_t i = 0; i < n; i++) {
		const struct learn_binding *bd = learn_binding_at(e->learn, idx[i]);
		const struct learn_name *nm = learn_name_at(e->learn, bd->name);

		if (!policy_decide_name(pol, nm->name, nm->len, pproto, port, &m))
			continue;
		if (m.action != ACTION_ALLOW) {
			v->allow = 0;
			v->rule = m.rule;
			v->name = nm->name;
			return;		/* any deny beats any allow */
		}
		if (!allow.name) {
			allow.allow = 1;
			allow.reason = DROP_POLICY;
			allow.rule = m.rule;
			allow.name = nm->name;
		}
	}
	if (allow.name) {
		*v = allow;
		return;
	}
	policy_default(pol, &m);
	v->allow = m.action == ACTION_ALLOW;
	v->rule = RULE_DEFAULT;
	/* audit mode: the line names the name this flow would need, so that
	 * `sentry policy suggest` can write a name rule instead of an address */
	if (e->cfg.audit && n)
		v->name = learn_name_at(e->learn,
					learn_binding_at(e->learn, idx[0])->name)->name;
}

static void fill_decision(struct decision *d, const struct pkt *p)
{
	memset(d, 0, sizeof(*d));
	d->event = "flow";
	d->proto = p->proto;
	pkt_src_addr(p, &d->src);
	pkt_dst_addr(p, &d->dst);
	d->has_ports = p->proto == PROTO_TCP || p->proto == PROTO_UDP;
	d->sport = p->sport;
	d->dport = p->dport;
}

static enum engine_action pass(struct engine *e, struct bottle *b,
			       struct engine_result *r)
{
	e->stats.forwarded++;
	b->c.forwarded++;
	r->action = ENGINE_FORWARD;
	return r->action;
}

static enum engine_action drop(struct engine *e, struct bottle *b,
			       struct engine_result *r, enum drop_reason reason)
{
	engine_count(e, b, reason);
	r->reason = reason;
	r->action = ENGINE_DROP;
	return r->action;
}

/* A refusal before policy: counted, and logged within the log limit */
static enum engine_action refuse(struct engine *e, struct bottle *b,
				 const struct pkt *p, uint64_t now,
				 struct engine_result *r, enum drop_reason reason)
{
	struct decision d;
	struct verdict v = { .allow = 0, .reason = reason, .rule = RULE_DEFAULT };

	if (engine_refusal_log_ok(e, now)) {
		fill_decision(&d, p);
		engine_read_lock(e);
		engine_log(e, b, &d, &v, now);
		engine_read_unlock(e);
	}
	return drop(e, b, r, reason);
}

/* Act on a flow's cached verdict. Denied outbound traffic is rejected. */
static enum engine_action apply(struct engine *e, struct bottle *b,
				const struct flow *f, bool outbound,
				struct engine_result *r)
{
	if (f->verdict != FV_DENY || e->cfg.audit)
		return pass(e, b, r);
	drop(e, b, r, (enum drop_reason)f->reason);
	if (outbound)
		r->action = ENGINE_REJECT;
	return r->action;
}

static void set_verdict(struct engine *e, struct flow *f, const struct verdict *v)
{
	f->verdict = v->allow ? FV_ALLOW : FV_DENY;
	f->reason = (uint8_t)(v->allow ? DROP_NONE : v->reason);
	f->rule = v->rule;
	/* see engine.h: a deny may turn into an allow when an address is learnt */
	f->gen = v->allow ? engine_gen(e) : engine_epoch(e);
}

static bool verdict_stale(const struct engine *e, const struct flow *f)
{
	if (f->verdict == FV_DNS)
		return false;
	return f->gen != (f->verdict == FV_ALLOW ? engine_gen(e) : engine_epoch(e));
}

/* Decide an existing flow again; log a change, and a revocation as such */
static void recheck_locked(struct engine *e, struct bottle *b, struct flow *f,
			   const struct pkt *p, uint64_t now)
{
	int remote = !f->bottle_end;
	struct ipaddr dst, src;
	uint16_t dport, sport;
	struct decision d;
	struct verdict v;
	bool was_allowed = f->verdict == FV_ALLOW;

	flow_endpoint(f, remote, &dst, &dport);
	flow_endpoint(f, f->bottle_end, &src, &sport);
	decide(e, b, &dst, f->key.proto, dport, now, was_allowed, &v);
	if (!v.allow == !was_allowed) {
		set_verdict(e, f, &v);
		return;
	}
	fill_decision(&d, p);
	d.src = src;
	d.dst = dst;
	d.sport = sport;
	d.dport = dport;
	if (was_allowed) {
		d.reason = drop_name(DROP_FLOW_REVOKED);
		d.detail = "policy changed";
		e->stats.revoked++;
		v.reason = DROP_FLOW_REVOKED;
	}
	engine_log(e, b, &d, &v, now);
	set_verdict(e, f, &v);
}

static void recheck(struct engine *e, struct bottle *b, struct flow *f,
		    const struct pkt *p, uint64_t now)
{
	if (f->name_check == NC_REFUSED) {
		/* refused for the name it presented: no rule change admits it */
		f->gen = engine_epoch(e);
		return;
	}
	engine_read_lock(e);
	recheck_locked(e, b, f, p, now);
	engine_read_unlock(e);
}

static bool in_pools(const struct engine *e, const struct ipaddr *a)
{
	for (size_t i = 0; i < sizeof(e->cfg.pools) / sizeof(e->cfg.pools[0]); i++) {
		const struct engine_pool *pl = &e->cfg.pools[i];

		if (pl->plen && addr_in_prefix(a, &pl->net, pl->plen))
			return true;
	}
	return false;
}

/*
 * Why a TCP packet to port 53 may not open a DNS flow, or DROP_NONE.
 * A DNS flow is forwarded without a policy decision because the kernel
 * redirects it to sentry's listener; only a bare SYN is sure to be: any
 * other first packet is invalid to conntrack, escapes the redirect and
 * would go where it is addressed. An address in the pools is a bottle's
 * (or the egress TUN's): a "DNS flow" there is a channel to a co-tenant.
 */
static enum drop_reason dns_flow_refusal(const struct engine *e,
					 const struct pkt *p)
{
	struct ipaddr dst;

	if ((p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
		return DROP_DNS_TCP_NO_SYN;
	pkt_dst_addr(p, &dst);
	if (in_pools(e, &dst))
		return DROP_DNS_TCP_POOL;
	return DROP_NONE;
}

static enum engine_action new_flow(struct engine *e, struct bottle *b,
				   struct pkt *p, const struct flow_key *k,
				   uint64_t hash, int src_end, uint64_t now,
				   struct engine_result *r)
{
	bool dns = p->proto == PROTO_TCP && p->dport == DNS_PORT;
	enum drop_reason no = dns ? dns_flow_refusal(e, p) : DROP_NONE;
	struct decision d;
	struct verdict v;
	struct ipaddr dst;
	struct flow *f;

	if (no != DROP_NONE)
		return refuse(e, b, p, now, r, no);
	f = flow_insert(e->flows, k, hash, b->slot, src_end, now);
	r->flow = f;
	r->new_flow = true;
	if (dns) {
		/* DNS over TCP goes to sentry's resolver, which decides each query */
		f->verdict = FV_DNS;
		f->gen = engine_gen(e);
		r->dns_flow = true;
		flow_touch(e->flows, f, p, src_end, now);
		return pass(e, b, r);
	}
	pkt_dst_addr(p, &dst);
	engine_read_lock(e);
	decide(e, b, &dst, p->proto, p->dport, now, false, &v);
	set_verdict(e, f, &v);
	fill_decision(&d, p);
	engine_log(e, b, &d, &v, now);
	namecheck_arm(e, b, f, p, &v);
	engine_read_unlock(e);
	if (namecheck_wants(f, p)) {
		no = namecheck_packet(e, b, f, p, now);
		if (no != DROP_NONE)
			return drop(e, b, r, no);
	}
	flow_touch(e->flows, f, p, src_end, now);
	e->stats.flows++;
	if (v.allow) {
		e->stats.flows_allowed++;
		b->c.flows_allowed++;
	} else {
		e->stats.flows_denied++;
		b->c.flows_denied++;
	}
	if (p->frag == PKT_FRAG_FIRST)
		frag_first(e->frags, b->id, p, v.allow || e->cfg.audit, now);
	return apply(e, b, f, true, r);
}

/*
 * A miss here may be a flow another worker holds (the kernel steers its
 * packets to another queue now): move it over, verdict and all.
 */
static struct flow *steal(struct engine *e, const struct flow_key *k,
			  uint64_t hash, uint64_t now)
{
	struct flow got, *f;

	if (!e->steal || !e->steal(e->steal_ctx, k, now, &got))
		return NULL;
	f = flow_insert(e->flows, k, hash, got.owner, got.bottle_end, now);
	f->state = got.state;
	f->verdict = got.verdict;
	f->reason = got.reason;
	f->gen = got.gen;
	f->rule = got.rule;
	f->initiator = got.initiator;
	f->fin_seen = got.fin_seen;
	f->name_check = got.name_check;
	f->name_seq = got.name_seq;
	f->created = got.created;
	f->last_seen = got.last_seen;
	f->expires = got.expires;
	memcpy(f->packets, got.packets, sizeof(f->packets));
	memcpy(f->bytes, got.bytes, sizeof(f->bytes));
	e->stolen++;
	return f;
}

static enum engine_action via_flow(struct engine *e, struct bottle *b,
				   struct pkt *p, bool outbound, uint64_t now,
				   struct engine_result *r)
{
	struct flow_key k;
	struct flow *f;
	uint64_t hash;
	int src_end;

	flow_key_from_pkt(&k, b->id, p, &src_end);
	hash = p->flow_hash ? p->flow_hash : flow_hash(e->flows, &k);
	f = flow_lookup(e->flows, &k, hash, now);
	/* a bare SYN opens a connection: no other worker can have it yet */
	if (!f && !(outbound && p->proto == PROTO_TCP &&
		    (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN))
		f = steal(e, &k, hash, now);
	if (!f) {
		if (!outbound)
			return drop(e, b, r, DROP_NO_FLOW);
		return new_flow(e, b, p, &k, hash, src_end, now, r);
	}
	r->flow = f;
	r->dns_flow = f->verdict == FV_DNS;
	if (verdict_stale(e, f))
		recheck(e, b, f, p, now);
	if (outbound && namecheck_wants(f, p)) {
		enum drop_reason no = namecheck_packet(e, b, f, p, now);

		if (no != DROP_NONE)
			return drop(e, b, r, no);
	}
	flow_touch(e->flows, f, p, src_end, now);
	if (p->frag == PKT_FRAG_FIRST)
		frag_first(e->frags, b->id, p, f->verdict != FV_DENY || e->cfg.audit, now);
	return apply(e, b, f, outbound, r);
}

/*
 * An ICMP error belongs to the flow of the packet it quotes, which went the
 * other way: for an error the bottle sends, the quote's destination is the
 * bottle; for one it receives, the quote's source is.
 */
static enum engine_action icmp_error(struct engine *e, struct bottle *b,
				     const struct pkt *p, bool outbound,
				     uint64_t now, struct engine_result *r)
{
	const struct ipaddr *own = p->family == ADDR_FAMILY_V4 ? &b->addr4 : &b->addr6;
	struct pkt_quote q;
	struct flow_key k;
	struct flow *f;
	uint64_t hash;
	int end;

	if (pkt_parse_quote(p, &q) != DROP_NONE)
		return drop(e, b, r, DROP_ICMP_INNER);
	if (!addr_equal(outbound ? &q.dst : &q.src, own))
		return drop(e, b, r, DROP_ICMP_INNER);
	flow_key_make(&k, b->id, q.proto, &q.src, q.sport, &q.dst, q.dport, &end);
	hash = flow_hash(e->flows, &k);
	f = flow_lookup(e->flows, &k, hash, now);
	if (!f)
		f = steal(e, &k, hash, now);
	if (!f)
		return drop(e, b, r, DROP_NO_FLOW);
	r->flow = f;
	if (f->verdict == FV_DENY && !e->cfg.audit)
		return drop(e, b, r, DROP_POLICY);
	return pass(e, b, r);
}

static enum engine_action later_fragment(struct engine *e, struct bottle *b,
					 const struct pkt *p, uint64_t now,
					 struct engine_result *r)
{
	enum drop_reason reason = frag_later(e->frags, b->id, p, now);

	if (reason == DROP_NONE || (reason == DROP_POLICY && e->cfg.audit))
		return pass(e, b, r);
	return drop(e, b, r, reason);
}

static enum engine_action dns_udp(struct engine *e, struct bottle *b,
				  const struct pkt *p, uint64_t now,
				  struct engine_result *r)
{
	struct ipaddr src, dst;
	enum drop_reason reason;

	if (p->frag != PKT_FRAG_NONE)
		return drop(e, b, r, DROP_DNS_TRUNCATED);
	pkt_src_addr(p, &src);
	pkt_dst_addr(p, &dst);
	engine_read_lock(e);
	reason = engine_dns_decide(e, b, PROTO_UDP, &src, p->sport, &dst,
				   p->dport, p->data + p->payload_off,
				   p->payload_len, now, &e->scratch_dns);
	r->dns_refusal = (uint8_t)b->policy->pol->dns_refusal;
	engine_read_unlock(e);
	r->dns = &e->scratch_dns;
	r->dns_off = p->payload_off;
	if (reason == DROP_NONE) {
		r->dns_allow = true;
		pass(e, b, r);
	} else if (reason == DROP_DNS_DENIED || reason == DROP_DNS_RATE ||
		   reason == DROP_DNS_TOO_LONG) {
		/* answered by sentry: the query itself goes no further */
		drop(e, b, r, reason);
	} else {
		return drop(e, b, r, reason);
	}
	r->action = ENGINE_DNS;
	return r->action;
}

void engine_prefetch(const struct engine *e, const struct bottle *b,
		     struct pkt *p, enum engine_prefetch_stage stage)
{
	struct flow_key k;
	int src_end;

	if (stage == PREFETCH_ENTRY) {
		if (p->flow_hash)
			flow_prefetch_entry(e->flows, p->flow_hash);
		return;
	}
	if (p->frag == PKT_FRAG_LATER)
		return;		/* no ports: decided by its first fragment */
	flow_key_from_pkt(&k, b->id, p, &src_end);
	p->flow_hash = flow_hash(e->flows, &k);
	flow_prefetch_bucket(e->flows, p->flow_hash);
}

enum engine_action engine_outbound(struct engine *e, struct bottle *b,
				   struct pkt *p, uint64_t now,
				   struct engine_result *r)
{
	memset(r, 0, sizeof(*r));
	e->stats.packets++;
	e->stats.bytes += p->len;
	b->c.pkts_out++;
	b->c.bytes_out += p->len;

	if (p->family == ADDR_FAMILY_V6) {
		if (!b->has6)
			return refuse(e, b, p, now, r, DROP_IPV6_DISABLED);
		if (memcmp(pkt_src(p), b->addr6.b, 16))
			return refuse(e, b, p, now, r, DROP_SPOOFED_SOURCE);
	} else if (!b->has4 || memcmp(pkt_src(p), b->addr4.b, 4)) {
		return refuse(e, b, p, now, r, DROP_SPOOFED_SOURCE);
	}
	if (p->frag == PKT_FRAG_LATER)
		return later_fragment(e, b, p, now, r);

	switch (p->proto) {
	case PROTO_UDP:
		if (p->dport == DNS_PORT)
			return dns_udp(e, b, p, now, r);
		break;
	case PROTO_TCP:
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if (p->icmp_kind == ICMP_KIND_ERROR)
			return icmp_error(e, b, p, true, now, r);
		if (p->icmp_kind != ICMP_KIND_ECHO_REQUEST)
			return drop(e, b, r, DROP_ICMP_TYPE);
		break;
	default:
		return refuse(e, b, p, now, r, DROP_PROTO_UNSUPPORTED);
	}
	return via_flow(e, b, p, true, now, r);
}

enum engine_action engine_inbound(struct engine *e, struct bottle *b,
				  struct pkt *p, uint64_t now,
				  struct engine_result *r)
{
	memset(r, 0, sizeof(*r));
	e->stats.packets++;
	e->stats.bytes += p->len;
	b->c.pkts_in++;
	b->c.bytes_in += p->len;

	if (p->frag == PKT_FRAG_LATER)
		return later_fragment(e, b, p, now, r);
	switch (p->proto) {
	case PROTO_TCP:
	case PROTO_UDP:
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if (p->icmp_kind == ICMP_KIND_ERROR)
			return icmp_error(e, b, p, false, now, r);
		if (p->icmp_kind != ICMP_KIND_ECHO_REPLY)
			return drop(e, b, r, DROP_ICMP_TYPE);
		break;
	default:
		return drop(e, b, r, DROP_PROTO_UNSUPPORTED);
	}
	return via_flow(e, b, p, false, now, r);
}

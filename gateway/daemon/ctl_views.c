// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_views.c - bottles, stats, flows and learnt names, as text or JSON
 *
 * Text is for people: aligned columns, units. JSON is for programs: one
 * object, stable keys, raw numbers. Both come from the same walk.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/ctl_views.h"
#include "daemon/control.h"
#include "daemon/daemon.h"
#include "frag.h"
#include "lib/sbuf.h"
#include "daemon/worker.h"
#include "daemon/policies.h"
#include "daemon/resolver.h"
#include "daemon/bottles.h"
#include "daemon/loop.h"
#include "daemon/nfq.h"
#include "daemon/metrics.h"
#include "daemon/inbound.h"

static const char *const state_names[] = {
	[FLOW_NEW] = "new", [FLOW_ESTABLISHED] = "established",
	[FLOW_CLOSING] = "closing", [FLOW_CLOSED] = "closed",
};

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void addrs_text(const struct gw_bottle *b, char *buf, size_t len)
{
	char a4[ADDR_TEXT_MAX], a6[ADDR_TEXT_MAX];

	snprintf(buf, len, "%s%s%s", b->eb.has4 ? addr_format(&b->eb.addr4, a4) : "",
		 b->eb.has4 && b->eb.has6 ? "," : "",
		 b->eb.has6 ? addr_format(&b->eb.addr6, a6) : "");
}

/*
 * A bottle's published ports: in JSON a "published" list and the relay's
 * counts; in text one indented line under the bottle, only when it has any
 */
static void published(struct sbuf *o, const struct gw_bottle *b, bool json)
{
	char t[80];

	if (json) {
		sbuf_printf(o, ",\"published\":[");
		for (uint32_t i = 0; i < b->req.npublish; i++) {
			const struct ctl_publish *m = &b->req.publish[i];
			char a[ADDR_TEXT_MAX];

			inbound_map_text(m, t, sizeof(t));
			sbuf_printf(o, "%s{\"proto\":\"%s\",\"bind\":\"%s\",\"host_port\":%u,"
				    "\"host_port_last\":%u,\"guest_port\":%u,\"text\":", i ? "," : "",
				    m->proto == PROTO_TCP ? "tcp" : "udp",
				    m->has_bind ? addr_format(&m->bind, a) : "", m->host_lo,
				    m->host_hi, m->guest_lo);
			sbuf_json_str(o, t);
			sbuf_printf(o, "}");
		}
		sbuf_printf(o, "],\"inbound\":{\"allowed\":%" PRIu64 ",\"refused\":%" PRIu64
			    ",\"unlogged\":%" PRIu64 "}", b->inbound_allowed, b->inbound_refused,
			    b->inbound_unlogged);
		return;
	}
	if (!b->req.npublish)
		return;
	sbuf_printf(o, "  published:");
	for (uint32_t i = 0; i < b->req.npublish; i++) {
		inbound_map_text(&b->req.publish[i], t, sizeof(t));
		sbuf_printf(o, "%s %s", i ? "," : "", t);
	}
	sbuf_printf(o, " (inbound %" PRIu64 ", refused %" PRIu64 ")\n", b->inbound_allowed,
		    b->inbound_refused);
}

static void view_bottles(struct daemon *d, const struct ctl_peer *peer, bool json,
			 struct sbuf *o)
{
	uint64_t now = now_ns();
	bool first = true;

	if (json)
		sbuf_printf(o, "{\"bottles\":[");
	else
		sbuf_printf(o, "%-42s %-16s %-34s %-14s %s\n", "NAME", "POLICY",
			    "ADDRESSES", "EGRESS", "UPTIME");
	for (uint32_t i = 0; i < d->cfg.bottles; i++) {
		const struct gw_bottle *b = &d->bottles[i];
		char addrs[2 * ADDR_TEXT_MAX + 2], e4[ADDR_TEXT_MAX];

		if (!b->used || (!peer->admin && b->owner != peer->uid))
			continue;
		addrs_text(b, addrs, sizeof(addrs));
		if (json) {
			sbuf_printf(o, "%s{\"name\":", first ? "" : ",");
			sbuf_json_str(o, b->eb.name);
			sbuf_printf(o, ",\"policy\":");
			sbuf_json_str(o, b->eb.policy->name);
			sbuf_printf(o, ",\"source\":\"tun\",\"addresses\":\"%s\",\"egress4\":\"%s\",\"queues\":%u,"
				    "\"netns\":", addrs,
				    b->has_e4 ? addr_format(&b->egress4, e4) : "", b->nfds);
			sbuf_json_str(o, b->netns);
			sbuf_printf(o, ",\"uptime\":%.1f,\"attached\":%" PRIu64,
				    secs(now - b->attached_ns), (uint64_t)(b->attached_wall_ns / 1000000000ULL));
			published(o, b, true);
			sbuf_printf(o, "}");
		} else {
			sbuf_printf(o, "%-42s %-16s %-34s %-14s %.0fs\n", b->eb.name,
				    b->eb.policy->name, addrs,
				    b->has_e4 ? addr_format(&b->egress4, e4) : "-",
				    secs(now - b->attached_ns));
			published(o, b, false);
		}
		first = false;
	}
	nfq_view_bottles(d, json, first, o);
	if (json)
		sbuf_printf(o, "]}\n");
}

static void counters(struct sbuf *o, bool json, const char *label,
		     const struct bottle_counters *c)
{
	bool first = true;

	if (json) {
		sbuf_printf(o, "{\"packets_out\":%" PRIu64 ",\"bytes_out\":%" PRIu64
			    ",\"packets_in\":%" PRIu64 ",\"bytes_in\":%" PRIu64
			    ",\"forwarded\":%" PRIu64 ",\"dropped\":%" PRIu64
			    ",\"flows_allowed\":%" PRIu64 ",\"flows_denied\":%" PRIu64
			    ",\"dns_allowed\":%" PRIu64 ",\"dns_denied\":%" PRIu64 ",\"drops\":{",
			    c->pkts_out, c->bytes_out, c->pkts_in, c->bytes_in,
			    c->forwarded, c->dropped, c->flows_allowed, c->flows_denied,
			    c->dns_allowed, c->dns_denied);
		for (int r = 1; r < DROP_MAX; r++) {
			if (!c->drops.n[r])
				continue;
			sbuf_printf(o, "%s\"%s\":%" PRIu64, first ? "" : ",",
				    drop_name((enum drop_reason)r), c->drops.n[r]);
			first = false;
		}
		sbuf_printf(o, "},\"tables\":{\"flows\":%" PRIu64 ",\"flows_evicted\":%"
			    PRIu64 ",\"learnt\":%" PRIu64 ",\"learnt_evicted\":%" PRIu64
			    ",\"pending_dns\":%" PRIu64 ",\"pending_dns_evicted\":%" PRIu64 "}}",
			    c->tables.flows, c->tables.flows_evicted, c->tables.learnt,
			    c->tables.learnt_evicted, c->tables.pending_dns,
			    c->tables.pending_dns_evicted);
		return;
	}
	sbuf_printf(o, "%s\n"
		    "  packets  out %" PRIu64 " (%" PRIu64 " bytes), in %" PRIu64 " (%" PRIu64 " bytes)\n"
		    "  packets  forwarded %" PRIu64 ", dropped %" PRIu64 "\n"
		    "  flows    allowed %" PRIu64 ", denied %" PRIu64 "\n"
		    "  dns      allowed %" PRIu64 ", denied %" PRIu64 "\n",
		    label, c->pkts_out, c->bytes_out, c->pkts_in, c->bytes_in,
		    c->forwarded, c->dropped, c->flows_allowed, c->flows_denied,
		    c->dns_allowed, c->dns_denied);
	sbuf_printf(o, "  tables   flows %" PRIu64 " (evicted %" PRIu64 "), learnt %" PRIu64
		    " (evicted %" PRIu64 "), pending dns %" PRIu64 " (evicted %" PRIu64 ")\n",
		    c->tables.flows, c->tables.flows_evicted, c->tables.learnt,
		    c->tables.learnt_evicted, c->tables.pending_dns,
		    c->tables.pending_dns_evicted);
	for (int r = 1; r < DROP_MAX; r++)
		if (c->drops.n[r])
			sbuf_printf(o, "  drop     %-20s %" PRIu64 "\n",
				    drop_name((enum drop_reason)r), c->drops.n[r]);
}

static void view_stats(struct daemon *d, const struct gw_bottle *only, bool json,
		       struct sbuf *o)
{
	struct engine_stats sum, *s = &sum;
	struct daemon_counters c;
	struct flow_stats fs;
	struct learn_stats ls;
	struct frag_stats gs;
	uint64_t now = now_ns(), stolen, idle_closed, share_refused;
	struct resolver_clean cl;
	bool first = true;

	control_counters(d, &idle_closed, &share_refused);
	resolver_clean_stats(d, &cl);
	workers_sum(d, now, &sum, &fs, &gs, &c, &stolen);
	engine_learn_stats(d->e, &ls);
	if (json) {
		sbuf_printf(o, "{\"uptime\":%.1f,\"bottles\":%u,\"policy_generation\":%u,"
			    "\"tables\":{\"flows\":{\"used\":%u,\"capacity\":%u,\"evicted\":%" PRIu64
			    ",\"expired\":%" PRIu64 "},\"learnt\":{\"bindings\":%u,\"capacity\":%u,"
			    "\"names\":%u,\"evicted\":%" PRIu64 ",\"capped\":%" PRIu64
			    ",\"addr_capped\":%" PRIu64 "},"
			    "\"fragments\":{\"used\":%u,\"capacity\":%u,\"evicted\":%" PRIu64 "},"
			    "\"pending_dns\":{\"used\":%u,\"capacity\":%u},"
			    "\"bottles\":{\"used\":%u,\"capacity\":%u,\"refused\":%" PRIu64 "}},"
			    "\"totals\":{\"packets\":%" PRIu64 ",\"forwarded\":%" PRIu64
			    ",\"dropped\":%" PRIu64 ",\"flows\":%" PRIu64 ",\"revoked\":%" PRIu64
			    ",\"dns_allowed\":%" PRIu64 ",\"dns_denied\":%" PRIu64
			    ",\"egress_no_bottle\":%" PRIu64 ",\"write_errors\":%" PRIu64
			    ",\"rejects_sent\":%" PRIu64 ",\"dns_local_answers\":%" PRIu64 "},"
			    "\"datapath\":{\"workers\":%u,\"tun_write_errors\":%" PRIu64
			    ",\"egress_write_errors\":%" PRIu64 ",\"short_writes\":%" PRIu64
			    ",\"egress_read_errors\":%" PRIu64 ",\"tun_read_errors\":%" PRIu64
			    ",\"gso_segmented\":%" PRIu64
			    ",\"gso_segments\":%" PRIu64 ",\"handoff_full\":%" PRIu64
			    ",\"flows_stolen\":%" PRIu64 "},",
			    secs(now - d->started_ns), d->nbottles, engine_generation(d->e),
			    fs.used, fs.capacity, fs.evicted, fs.expired,
			    ls.bindings, d->cfg.learnt, ls.names, ls.evicted, ls.capped,
			    ls.addr_capped, gs.used, gs.capacity, gs.evicted,
			    resolver_pending(d), d->cfg.pending_dns,
			    d->nbottles, d->cfg.bottles, d->bottles_refused,
			    s->packets, s->forwarded, s->dropped, s->flows, s->revoked,
			    s->dns_allowed, s->dns_denied, c.egress_no_bottle,
			    c.tun_write_errors + c.egress_write_errors,
			    c.rejects_sent, c.dns_local_answers, d->nworkers,
			    c.tun_write_errors, c.egress_write_errors, c.short_writes,
			    c.egress_read_errors, c.tun_read_errors, c.gso_segmented,
			    c.gso_segments, c.handoff_full, stolen);
		sbuf_printf(o, "\"descriptors\":{\"limit\":%" PRIu64 ",\"need\":%" PRIu64
			    ",\"exhausted\":%" PRIu64 ",\"refused\":%" PRIu64 ",\"short\":%s},",
			    d->fdl.limit, d->fdl.need, d->fdl.episodes, d->fdl.refused,
			    d->fdl.short_now ? "true" : "false");
		sbuf_printf(o, "\"control\":{\"idle_closed\":%" PRIu64 ",\"share_refused\":%"
			    PRIu64 "},", idle_closed, share_refused);
		sbuf_printf(o, "\"dns_clean\":{\"queries\":%" PRIu64 ",\"options\":%" PRIu64
			    ",\"option_bytes\":%" PRIu64 ",\"bits\":%" PRIu64 "},", cl.queries,
			    cl.options, cl.option_bytes, cl.bits);
		sbuf_printf(o, "\"bottle_stats\":{");
	} else {
		sbuf_printf(o, "sentry: up %.0fs, %u bottle(s), policy generation %u\n"
			    "tables: flows %u/%u (evicted %" PRIu64 "), learnt %u/%u in %u names, "
			    "fragments %u/%u, pending dns %u/%u, bottles %u/%u (refused %" PRIu64 ")\n"
			    "totals: packets %" PRIu64 ", forwarded %" PRIu64 ", dropped %" PRIu64
			    ", new flows %" PRIu64 ", revoked %" PRIu64 ", dns allowed %" PRIu64
			    ", dns denied %" PRIu64 "\n"
			    "datapath: %u worker(s), write errors %" PRIu64 " to bottles, %" PRIu64
			    " to the egress, short writes %" PRIu64 ", read errors %" PRIu64
			    ", GSO packets segmented %" PRIu64 " (into %" PRIu64 "), queries lost"
			    " to a full queue %" PRIu64 ", flows moved between workers %" PRIu64 "\n",
			    secs(now - d->started_ns), d->nbottles, engine_generation(d->e),
			    fs.used, fs.capacity, fs.evicted, ls.bindings, d->cfg.learnt,
			    ls.names, gs.used, gs.capacity, resolver_pending(d),
			    d->cfg.pending_dns, d->nbottles, d->cfg.bottles, d->bottles_refused,
			    s->packets, s->forwarded, s->dropped,
			    s->flows, s->revoked, s->dns_allowed, s->dns_denied,
			    d->nworkers, c.tun_write_errors, c.egress_write_errors,
			    c.short_writes, c.egress_read_errors + c.tun_read_errors,
			    c.gso_segmented, c.gso_segments, c.handoff_full, stolen);
		sbuf_printf(o, "descriptors: limit %" PRIu64 " (this configuration can need %"
			    PRIu64 "), ran out %" PRIu64 " time(s)%s, refused %" PRIu64
			    " connection(s) or attach(es) for want of one\n",
			    d->fdl.limit, d->fdl.need, d->fdl.episodes,
			    d->fdl.short_now ? " (out now)" : "", d->fdl.refused);
		sbuf_printf(o, "control: %" PRIu64 " connection(s) closed idle, %" PRIu64
			    " refused over a uid's share\n", idle_closed, share_refused);
		sbuf_printf(o, "dns clean: %" PRIu64 " quer(ies) forwarded without %" PRIu64
			    " EDNS option(s) (%" PRIu64 " bytes) and %" PRIu64 " flag bit(s)\n",
			    cl.queries, cl.options, cl.option_bytes, cl.bits);
	}
	for (uint32_t i = 0; i < d->cfg.bottles; i++) {
		const struct gw_bottle *b = &d->bottles[i];
		struct bottle_counters bc;
		char label[160];

		if (!b->used || (only && b != only))
			continue;
		workers_bottle_sum(d, b, &bc);
		if (json) {
			sbuf_printf(o, "%s", first ? "" : ",");
			sbuf_json_str(o, b->eb.name);
			sbuf_printf(o, ":");
		} else {
			snprintf(label, sizeof(label), "bottle %s (policy %s)", b->eb.name,
				 b->eb.policy->name);
		}
		counters(o, json, label, &bc);
		first = false;
	}
	if (json)
		sbuf_printf(o, "}");
	/* the NFQUEUE source: a member of the same object, or its own lines */
	if (!only)
		nfq_view_stats(d, json, o);
	if (json)
		sbuf_printf(o, "}\n");
}

struct flow_walk {
	struct daemon *d;
	const struct gw_bottle *only;
	struct sbuf *o;
	bool json, first;
	uint64_t now;
};

static int flow_line(struct flow *f, void *arg)
{
	struct flow_walk *w = arg;
	const struct gw_bottle *b = bottle_by_zone(w->d, f->key.zone);
	struct ipaddr src, dst;
	uint16_t sport, dport;
	char s[ADDR_TEXT_MAX], t[ADDR_TEXT_MAX];
	const char *proto = proto_name(f->key.proto);
	const char *verdict = f->verdict == 0 ? "deny" : f->verdict == 1 ? "allow" : "dns";
	int be = f->bottle_end;

	if (!b || (w->only && b != w->only))
		return 0;
	flow_endpoint(f, be, &src, &sport);
	flow_endpoint(f, !be, &dst, &dport);
	if (w->json) {
		sbuf_printf(w->o, "%s{\"bottle\":", w->first ? "" : ",");
		sbuf_json_str(w->o, b->eb.name);
		sbuf_printf(w->o, ",\"proto\":\"%s\",\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\","
			    "\"dport\":%u,\"state\":\"%s\",\"verdict\":\"%s\",\"packets_out\":%u,"
			    "\"packets_in\":%u,\"bytes_out\":%" PRIu64 ",\"bytes_in\":%" PRIu64
			    ",\"age\":%.1f,\"idle\":%.1f}",
			    proto ? proto : "?", addr_format(&src, s), sport, addr_format(&dst, t),
			    dport, state_names[f->state & 3], verdict, f->packets[be],
			    f->packets[!be], f->bytes[be], f->bytes[!be],
			    secs(w->now - f->created), secs(w->now - f->last_seen));
	} else {
		char a[ADDR_TEXT_MAX + 8], z[ADDR_TEXT_MAX + 8];

		snprintf(a, sizeof(a), "%s:%u", addr_format(&src, s), sport);
		snprintf(z, sizeof(z), "%s:%u", addr_format(&dst, t), dport);
		sbuf_printf(w->o, "%-16s %-6s %-28s %-28s %-11s %-5s %6u/%-6u %5.0fs\n",
			    b->eb.name, proto ? proto : "?", a, z, state_names[f->state & 3],
			    verdict, f->packets[be], f->packets[!be],
			    secs(w->now - f->last_seen));
	}
	w->first = false;
	return 0;
}

static void view_flows(struct daemon *d, const struct gw_bottle *only, bool json,
		       struct sbuf *o)
{
	struct flow_walk w = { d, only, o, json, true, now_ns() };

	if (json)
		sbuf_printf(o, "{\"flows\":[");
	else
		sbuf_printf(o, "%-16s %-6s %-28s %-28s %-11s %-5s %13s %6s\n", "BOTTLE",
			    "PROTO", "SOURCE", "DESTINATION", "STATE", "VERD", "PKTS OUT/IN",
			    "IDLE");
	workers_flow_foreach(d, flow_line, &w);
	if (json)
		sbuf_printf(o, "]}\n");
}

struct name_walk {
	struct daemon *d;
	const struct gw_bottle *only;
	struct sbuf *o;
	bool json, first;
	uint64_t now;
};

static const char *scope_policy(struct daemon *d, uint32_t scope)
{
	const char *name = engine_scope_policy(d->e, scope);

	return name ? name : "?";
}

static int name_line(struct learn_table *t, uint32_t idx, void *arg)
{
	struct name_walk *w = arg;
	const struct learn_binding *bd = learn_binding_at(t, idx);
	const struct learn_name *nm = learn_name_at(t, bd->name);
	const char *pol = scope_policy(w->d, bd->scope);
	char a[ADDR_TEXT_MAX];
	double ttl = bd->expires > w->now ? secs(bd->expires - w->now) : 0;

	if (w->only && bd->scope != w->only->eb.policy->scope)
		return 0;
	if (w->json) {
		sbuf_printf(w->o, "%s{\"policy\":", w->first ? "" : ",");
		sbuf_json_str(w->o, pol);
		sbuf_printf(w->o, ",\"name\":");
		sbuf_json_str(w->o, nm->name);
		sbuf_printf(w->o, ",\"address\":\"%s\",\"ttl\":%.0f}",
			    addr_format(&bd->addr, a), ttl);
	} else {
		sbuf_printf(w->o, "%-16s %-40s %-40s %6.0fs\n", pol, nm->name,
			    addr_format(&bd->addr, a), ttl);
	}
	w->first = false;
	return 0;
}

static void view_names(struct daemon *d, const struct gw_bottle *only, bool json,
		       struct sbuf *o)
{
	struct name_walk w = { d, only, o, json, true, now_ns() };

	if (json)
		sbuf_printf(o, "{\"names\":[");
	else
		sbuf_printf(o, "%-16s %-40s %-40s %7s\n", "POLICY", "NAME", "ADDRESS", "TTL");
	engine_learn_foreach(d->e, w.now, name_line, &w);
	if (json)
		sbuf_printf(o, "]}\n");
}

/*
 * Tenants (issue 11): a peer that is not an admin names one of its own
 * bottles for stats, flows, names and detach, and never reloads. Another
 * user's bottle answers as if it did not exist, so that names do not leak.
 */
static bool permitted(const struct ctl_request *req, const struct ctl_peer *peer,
		      const struct gw_bottle *b, struct sbuf *out)
{
	if (peer->admin || req->verb == CTL_PING || req->verb == CTL_BOTTLES)
		return true;
	if (req->verb == CTL_RELOAD || req->verb == CTL_METRICS) {
		sbuf_printf(out, "error permission denied: uid %u: %s is for root and "
			    "the daemon's user\n", (unsigned)peer->uid,
			    req->verb == CTL_RELOAD ? "reload" : "metrics");
		return false;
	}
	if (!b) {
		sbuf_printf(out, "error permission denied: uid %u sees its own bottles only: "
			    "name one (daemon-wide views are for root)\n", (unsigned)peer->uid);
		return false;
	}
	return true;
}

void ctl_view(struct daemon *d, const struct ctl_request *req,
	      const struct ctl_peer *peer, struct sbuf *out)
{
	struct gw_bottle *b = NULL;

	if (req->name[0]) {
		b = bottle_by_name(d, req->name);
		if (b && !peer->admin && b->owner != peer->uid)
			b = NULL;
		if (!b) {
			sbuf_printf(out, "error no bottle named '%s'%s\n", req->name,
				    peer->admin ? "" : " among yours");
			return;
		}
	}
	if (!permitted(req, peer, b, out))
		return;
	switch (req->verb) {
	case CTL_PING:
		sbuf_printf(out, "ok pong\n");
		return;
	case CTL_DETACH:
		bottle_detach(d, b, "detached on request");
		sbuf_printf(out, "ok detached %s\n", req->name);
		return;
	case CTL_RELOAD:
		policies_reload(d, true);
		sbuf_printf(out, "ok reloaded %u policies (generation %u)\n",
			    engine_policy_count(d->e), engine_generation(d->e));
		return;
	default:
		break;
	}
	sbuf_printf(out, "ok\n");
	switch (req->verb) {
	case CTL_BOTTLES:
		view_bottles(d, peer, req->json, out);
		break;
	case CTL_STATS:
		view_stats(d, b, req->json, out);
		break;
	case CTL_FLOWS:
		view_flows(d, b, req->json, out);
		break;
	case CTL_NAMES:
		view_names(d, b, req->json, out);
		break;
	case CTL_METRICS:
		metrics_render(d, out);
		break;
	default:
		break;
	}
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inbound.c - published ports: the attach check, the mapping text, and one
 * decision line per connection the relay reports (inbound.h)
 *
 * A report is the relay's word, checked only as far as the daemon can: it
 * must come from the bottle's owner (or an admin) and name a port the
 * bottle published at attach. The line says what the relay did; the
 * daemon cannot see the connection, and a forged report from the owner
 * can only add lines about its own bottle, at most INBOUND_RATE a second.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/bottles.h"
#include "daemon/inbound.h"
#include "daemon/loop.h"
#include "decision.h"
#include "lib/sbuf.h"
#include "log.h"
#include "wire.h"

int inbound_attach_check(const struct daemon *d, const struct ctl_request *req,
			 char *err, size_t len)
{
	char t[64];

	if (!req->npublish || !d->cfg.publish_deny)
		return 0;
	inbound_map_text(&req->publish[0], t, sizeof(t));
	snprintf(err, len, "published ports are denied by this sentry daemon ([helper] "
		 "publish = deny in its sentry.ini): refused %s", t);
	return -EPERM;
}

void inbound_map_text(const struct ctl_publish *m, char *buf, size_t len)
{
	char a[ADDR_TEXT_MAX], host[ADDR_TEXT_MAX + 3] = "*";
	uint16_t guest_hi = (uint16_t)(m->guest_lo + (m->host_hi - m->host_lo));

	if (m->has_bind)
		snprintf(host, sizeof(host), m->bind.family == ADDR_FAMILY_V6 ? "[%s]" : "%s",
			 addr_format(&m->bind, a));
	if (m->host_lo == m->host_hi)
		snprintf(buf, len, "%s %s:%u->%u", m->proto == PROTO_TCP ? "tcp" : "udp",
			 host, m->host_lo, m->guest_lo);
	else
		snprintf(buf, len, "%s %s:%u-%u->%u-%u", m->proto == PROTO_TCP ? "tcp" : "udp",
			 host, m->host_lo, m->host_hi, m->guest_lo, guest_hi);
}

/* The mapping of @b that publishes @port/@proto to guest port @to, or NULL */
static const struct ctl_publish *find_map(const struct gw_bottle *b, uint8_t proto,
					  uint16_t port, uint16_t to)
{
	for (uint32_t i = 0; i < b->req.npublish; i++) {
		const struct ctl_publish *m = &b->req.publish[i];

		if (m->proto == proto && port >= m->host_lo && port <= m->host_hi &&
		    to == m->guest_lo + (port - m->host_lo))
			return m;
	}
	return NULL;
}

/* One more line this second? Counts the ones that are not. */
static bool rate_ok(struct gw_bottle *b)
{
	uint64_t sec = now_ns() / 1000000000ULL;

	if (sec != b->inbound_window) {
		b->inbound_window = sec;
		b->inbound_used = 0;
	}
	if (b->inbound_used >= INBOUND_RATE) {
		b->inbound_unlogged++;
		return false;
	}
	b->inbound_used++;
	return true;
}

void inbound_report(struct daemon *d, const struct ctl_request *req, uint32_t uid,
		    bool admin, struct sbuf *out)
{
	struct gw_bottle *b = bottle_by_name(d, req->name);
	const struct ctl_publish *m;
	char rule[96], text[80], line[DECISION_LINE_MAX];
	struct decision dec;
	size_t n;

	if (!b || (!admin && b->owner != uid)) {
		sbuf_printf(out, "error no bottle '%s' of yours\n", req->name);
		return;
	}
	m = find_map(b, req->in_proto, req->in_port, req->in_to);
	if (!m) {
		sbuf_printf(out, "error bottle %s publishes no %s port %u to %u\n", req->name,
			    req->in_proto == PROTO_TCP ? "tcp" : "udp", req->in_port, req->in_to);
		return;
	}
	if (req->refused)
		b->inbound_refused++;
	else
		b->inbound_allowed++;
	if (!rate_ok(b)) {
		sbuf_printf(out, "ok not logged (over %d a second)\n", INBOUND_RATE);
		return;
	}
	inbound_map_text(m, text, sizeof(text));
	snprintf(rule, sizeof(rule), "publish %s", text);
	memset(&dec, 0, sizeof(dec));
	dec.ts_ns = wall_ns();
	dec.event = "inbound";
	dec.verdict = req->refused ? "deny" : "allow";
	dec.reason = req->refused ? "publish_conns" : "rule";
	dec.rule = rule;
	dec.proto = req->in_proto;
	dec.has_ports = 1;
	dec.src = req->in_src;
	dec.sport = req->in_sport;
	/* the bottle's own address of the family it is reached on (relay: v4 first) */
	dec.dst = b->eb.has4 ? b->eb.addr4 : b->eb.addr6;
	dec.dport = req->in_to;
	if (req->refused)
		dec.detail = "too many open connections on this mapping ([helper] publish_conns)";
	dec.bottle = b->eb.name;
	dec.policy = b->eb.policy->name;
	n = decision_format(&dec, line, sizeof(line));
	daemon_decision_emit(d, line, n);
	sbuf_printf(out, "ok\n");
}

static bool same_map(const struct ctl_publish *a, const struct ctl_publish *b)
{
	return a->proto == b->proto && a->host_lo == b->host_lo &&
	       a->host_hi == b->host_hi && a->guest_lo == b->guest_lo &&
	       a->has_bind == b->has_bind && (!a->has_bind || addr_equal(&a->bind, &b->bind));
}

void inbound_publish(struct daemon *d, const struct ctl_request *req, bool add,
		     uint32_t uid, bool admin, struct sbuf *out)
{
	struct gw_bottle *b = bottle_by_name(d, req->name);
	struct ctl_request *have;
	char msg[256];

	if (!b || (!admin && b->owner != uid)) {
		sbuf_printf(out, "error no bottle '%s' of yours\n", req->name);
		return;
	}
	have = &b->req;
	if (add && inbound_attach_check(d, req, msg, sizeof(msg))) {
		sbuf_printf(out, "error %s\n", msg);
		return;
	}
	if (add && have->npublish + req->npublish > CTL_PUBLISH_MAX) {
		sbuf_printf(out, "error bottle %s would publish more than %d mappings\n",
			    req->name, CTL_PUBLISH_MAX);
		return;
	}
	for (uint32_t i = 0; i < req->npublish; i++) {
		const struct ctl_publish *m = &req->publish[i];
		uint32_t k;

		for (k = 0; k < have->npublish && !same_map(&have->publish[k], m); k++)
			;
		if (add && k == have->npublish)
			have->publish[have->npublish++] = *m;
		else if (!add && k < have->npublish)
			have->publish[k] = have->publish[--have->npublish];
	}
	inbound_map_text(&req->publish[0], msg, sizeof(msg));
	info("bottle %s: %s %s%s", b->eb.name, add ? "publishes" : "no longer publishes", msg,
	     req->npublish > 1 ? " and more" : "");
	sbuf_printf(out, "ok\n");
}

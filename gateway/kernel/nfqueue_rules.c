// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqueue_rules.c - the nftables table that sends a guarded bottle's new
 * flows to sentry's queue, and keeps decided flows in the kernel
 *
 * Theory of operation
 *
 * One table per guarded bottle and family, "ip sentry_g_NAME" and "ip6
 * sentry_g_NAME", hooked on the forward path of the namespace the daemon
 * runs in (the router or the host): the bottle cannot reach it, however
 * many capabilities it holds in its own namespace. The input hook too: the
 * bottle's packets to the router's own sockets are decided as any other
 * (the redirected DNS over TCP to dnstcp.c's listener is let through).
 * The bottle is matched by its interface (the veth peer, the bottle's
 * alone: anything on it from another address is dropped, and a family the
 * bottle has no address in gets a table that drops it all) or, on a bridge
 * other hosts share (spec->shared: Podman's networks), by its addresses on
 * that bridge; there a "bridge sentry_g_NAME" table on the bottle's port
 * drops what it sends from any other address (but neighbour discovery),
 * so it cannot leave its match by changing address. Its traffic goes
 * through:
 *
 *   ct mark @allow accept                       decided, kernel fast path
 *   meta mark @allow ct mark set meta mark ...  sentry's verdict (NF_REPEAT
 *                                               with a packet mark) copied
 *                                               into conntrack, then accept
 *   queue num N                                 everything else: sentry decides
 *   drop                                        (after the jump) nothing
 *                                               unqueued ever passes
 *
 * DNS over TCP never reaches the forward path: a prerouting nat chain
 * sends the bottle's TCP to port 53 of any address to the daemon's DNS
 * over TCP listener (dnstcp.c, which decides each query as for a TUN
 * bottle and names the bottle by its address), exactly as the egress
 * ruleset does for TUN bottles. TCP to port 53 that still reaches the
 * forward hook (a connection older than the table, or no listener) is
 * dropped and counted: the engine would pass it as a DNS flow, which
 * here would reach the address asked. UDP DNS is queued like any flow and
 * answered by the daemon (nfq.c).
 *
 * The kernel here cannot attach a conntrack mark to a verdict
 * (CONFIG_NETFILTER_NETLINK_GLUE_CT unset), hence the packet mark and the
 * re-run of the hook (NF_REPEAT). The set @allow holds the one mark of
 * the current policy generation: a reload replaces it, so every live
 * flow's next packet is queued again and the engine re-decides it (and
 * revokes it if the new policy denies it) - no conntrack walk needed, and
 * it takes effect as soon as the set is swapped.
 *
 * The queue has no bypass: with nobody reading, the kernel drops (fail
 * closed). The nftables `queue` expression needs CONFIG_NFT_QUEUE; where it
 * is missing, the rule is built with libnftnl as the xtables NFQUEUE
 * target through nft_compat, exactly the expression iptables-nft makes.
 * nfqr_detect() finds out which by adding a rule to an unhooked chain of a
 * scratch table (no packet ever passes there) and deleting it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "kernel/netcfg.h"
#include "kernel/nfqueue_rules.h"

#define PROBE_TABLE	"sentry_probe"

/* struct xt_NFQ_info_v3 (linux/netfilter/xt_NFQUEUE.h): three __u16, padded
 * to XT_ALIGN (8): nft_compat insists on the aligned size */
struct nfq_info_v3 {
	uint16_t queuenum;
	uint16_t queues_total;
	uint16_t flags;		/* no NFQ_FLAG_BYPASS: fail closed */
	uint16_t pad;
};

const char *nfqr_method_name(enum nfqr_method m)
{
	return m == NFQR_NATIVE ? "nftables queue expression" :
	       m == NFQR_COMPAT ? "xtables NFQUEUE target (nft_compat)" : "none";
}

/* Append one rule to @chain of "ip @table" ("ip6" with @v6) whose only
 * expression is the NFQUEUE target for queue @num, as one acknowledged
 * netlink batch */
static int append_compat(bool v6, const char *table, const char *chain,
			 uint16_t num, char *err, size_t len)
{
	char buf[8192];		/* the batch, then its acknowledgement */
	struct nfq_info_v3 info = { .queuenum = num, .queues_total = 1 };
	struct mnl_nlmsg_batch *batch = NULL;
	struct mnl_socket *nl = NULL;
	struct nftnl_rule *r = NULL;
	struct nftnl_expr *e;
	struct nlmsghdr *nlh;
	void *tginfo;
	uint32_t seq = (uint32_t)time(NULL), portid;
	uint16_t family = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	int rc = -ENOMEM;
	ssize_t n;

	r = nftnl_rule_alloc();
	e = nftnl_expr_alloc("target");
	if (!r || !e) {
		if (e)
			nftnl_expr_free(e);
		snprintf(err, len, "out of memory building the NFQUEUE rule");
		goto out;
	}
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
	/* libnftnl keeps (and later frees) the pointer it is given */
	tginfo = malloc(sizeof(info));
	if (!tginfo) {
		nftnl_expr_free(e);
		snprintf(err, len, "out of memory building the NFQUEUE rule");
		goto out;
	}
	memcpy(tginfo, &info, sizeof(info));
	/* the expression owns tginfo from here, the rule owns the expression:
	 * the analyzer cannot see libnftnl free them with the rule */
	// NOLINTBEGIN(clang-analyzer-unix.Malloc)
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, tginfo, sizeof(info));
	nftnl_rule_add_expr(r, e);
	// NOLINTEND(clang-analyzer-unix.Malloc)

	batch = mnl_nlmsg_batch_start(buf, sizeof(buf));
	nftnl_batch_begin(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);
	nlh = nftnl_rule_nlmsg_build_hdr(mnl_nlmsg_batch_current(batch),
					 NFT_MSG_NEWRULE, family,
					 NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK,
					 seq++);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	mnl_nlmsg_batch_next(batch);
	nftnl_batch_end(mnl_nlmsg_batch_current(batch), seq++);
	mnl_nlmsg_batch_next(batch);

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		snprintf(err, len, "netfilter netlink: %s", strerror(errno));
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(batch),
			      mnl_nlmsg_batch_size(batch)) < 0) {
		rc = -errno;
		snprintf(err, len, "netfilter netlink: send: %s", strerror(errno));
		goto out;
	}
	/* one acknowledgement, for the rule (the batch messages have none) */
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	rc = n < 0 ? -errno : mnl_cb_run(buf, (size_t)n, 0, portid, NULL, NULL);
	if (rc < 0) {
		rc = -errno;
		snprintf(err, len, "NFQUEUE target in %s %s/%s: %s",
			 v6 ? "ip6" : "ip", table, chain, strerror(errno));
	} else {
		rc = 0;
	}
out:
	if (batch)
		mnl_nlmsg_batch_stop(batch);
	if (nl)
		mnl_socket_close(nl);
	if (r)
		nftnl_rule_free(r);
	return rc;
}

int nfqr_detect(enum nfqr_method *m, char *err, size_t len)
{
	char e2[256];
	int rc;

	rc = nft_apply("table ip " PROBE_TABLE " {\n chain probe {\n"
		       "  queue num 0\n }\n}\n", err, len);
	nft_table_delete("ip", PROBE_TABLE, e2, sizeof(e2));
	if (!rc) {
		*m = NFQR_NATIVE;
		return 0;
	}
	if (rc != -ENOENT && rc != -EOPNOTSUPP)
		return rc;
	rc = nft_apply("table ip " PROBE_TABLE " {\n chain probe {\n }\n}\n",
		       err, len);
	if (!rc)
		rc = append_compat(false, PROBE_TABLE, "probe", 0, err, len);
	nft_table_delete("ip", PROBE_TABLE, e2, sizeof(e2));
	if (rc)
		return rc;
	*m = NFQR_COMPAT;
	return 0;
}

/* Append printf(@fmt) to @buf; a sticky -E2BIG in *@rc once it overflows */
__attribute__((format(printf, 5, 6)))
static void put(char *buf, size_t cap, size_t *o, int *rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*rc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *o, cap - *o, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *o)
		*rc = -E2BIG;
	else
		*o += (size_t)n;
}

/* A verdict chain: decided flows stay in the kernel, the rest is queued */
static void verdict_chain(char *buf, size_t cap, size_t *o, int *rc,
			  const char *name, const char *qline)
{
	put(buf, cap, o, rc, " chain %s {\n"
	    "  ct mark @allow counter accept\n"
	    "  meta mark @allow ct mark set meta mark meta mark set 0 accept\n"
	    "%s }\n", name, qline);
}

int nfqr_ruleset(const struct nfqr_spec *s, bool v6, char *buf, size_t cap)
{
	const char *fam = v6 ? "ip6" : "ip", *ifn = s->ifname;
	char a[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], qline[64] = "";
	char from[96], to[96];	/* what says "the bottle's packet", each way */
	bool has = v6 ? s->has6 : s->has4;
	bool has_dns = s->dns_port && (v6 ? s->has_dns6 : s->has_dns4);
	size_t o = 0;
	int rc = 0;

	if (!nft_name_valid(s->table, NFQR_TABLE_MAX) || !nft_name_valid(ifn, 16))
		return -EINVAL;
	if (!has && s->shared)
		return 0;	/* nothing of the bottle's to match on a shared bridge */
	put(buf, cap, &o, &rc, "table %s %s {\n", fam, s->table);
	if (!has) {
		/* the bottle's own interface, a family it has no address in: nothing passes */
		put(buf, cap, &o, &rc, " chain guard {\n"
		    "  type filter hook forward priority -5; policy accept;\n"
		    "  iifname \"%s\" counter drop\n  oifname \"%s\" counter drop\n }\n"
		    " chain local {\n"
		    "  type filter hook input priority -5; policy accept;\n"
		    "  iifname \"%s\" counter drop\n }\n}\n", ifn, ifn, ifn);
		return rc ? rc : (int)o;
	}
	inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)s->addr6 :
		  (const void *)s->addr4, a, sizeof(a));
	inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)s->dns6 :
		  (const void *)s->dns4, d, sizeof(d));
	if (s->method == NFQR_NATIVE)
		snprintf(qline, sizeof(qline), "  queue num %u\n", s->queue);
	if (s->shared) {
		snprintf(from, sizeof(from), "iifname \"%s\" %s saddr %s", ifn, fam, a);
		snprintf(to, sizeof(to), "oifname \"%s\" %s daddr %s", ifn, fam, a);
	} else {
		snprintf(from, sizeof(from), "iifname \"%s\"", ifn);
		snprintf(to, sizeof(to), "oifname \"%s\"", ifn);
	}
	put(buf, cap, &o, &rc, " set allow { type mark; }\n");
	/*
	 * The drop after each jump catches whatever the chain did not decide
	 * (a queue rule missing). TCP to port 53 that reaches these hooks was
	 * not redirected (no listener, or older than the table): dropped,
	 * counted. On the bottle's own interface only its address leaves.
	 */
	put(buf, cap, &o, &rc, " chain guard {\n"
	    "  type filter hook forward priority -5; policy accept;\n");
	if (!s->shared)
		put(buf, cap, &o, &rc, "  %s %s saddr != %s counter drop\n", from, fam, a);
	put(buf, cap, &o, &rc, "  %s tcp dport 53 counter drop\n"
	    "  %s jump from_bottle\n  %s drop\n  %s jump to_bottle\n  %s drop\n }\n",
	    from, from, from, to, to);
	/* the router's own sockets: the same decision; the redirected DNS passes */
	put(buf, cap, &o, &rc, " chain local {\n"
	    "  type filter hook input priority -5; policy accept;\n");
	if (v6)	/* neighbour discovery, from link-local addresses: never routed */
		put(buf, cap, &o, &rc, "  iifname \"%s\" icmpv6 type { nd-neighbor-solicit, "
		    "nd-neighbor-advert, nd-router-solicit } ip6 hoplimit 255 accept\n", ifn);
	if (!s->shared)
		put(buf, cap, &o, &rc, "  %s %s saddr != %s counter drop\n", from, fam, a);
	if (has_dns)
		put(buf, cap, &o, &rc, "  %s %s daddr %s tcp dport %u ct status dnat accept\n",
		    from, fam, d, s->dns_port);
	put(buf, cap, &o, &rc, "  %s tcp dport 53 counter drop\n"
	    "  %s jump from_bottle\n  %s drop\n }\n", from, from, from);
	verdict_chain(buf, cap, &o, &rc, "from_bottle", qline);
	verdict_chain(buf, cap, &o, &rc, "to_bottle", qline);
	if (has_dns)
		put(buf, cap, &o, &rc, " chain dns {\n"
		    "  type nat hook prerouting priority dstnat; policy accept;\n"
		    "  %s tcp dport 53 dnat to %s%s%s:%u\n }\n",
		    from, v6 ? "[" : "", d, v6 ? "]" : "", s->dns_port);
	put(buf, cap, &o, &rc, "}\nadd element %s %s allow { 0x%08x }\n", fam,
	    s->table, s->mark);
	return rc ? rc : (int)o;
}

int nfqr_port_ruleset(const struct nfqr_spec *s, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	const char *p = s->port;
	size_t o = 0;
	int rc = 0;

	if (!s->shared || !p[0])
		return 0;
	if (!nft_name_valid(s->table, NFQR_TABLE_MAX) || !nft_name_valid(p, 16))
		return -EINVAL;
	put(buf, cap, &o, &rc, "table bridge %s {\n chain port {\n"
	    "  type filter hook prerouting priority -5; policy accept;\n", s->table);
	if (s->has4) {
		inet_ntop(AF_INET, s->addr4, a, sizeof(a));
		put(buf, cap, &o, &rc, "  iifname \"%s\" ip saddr != %s counter drop\n", p, a);
	} else {
		put(buf, cap, &o, &rc, "  iifname \"%s\" ether type ip counter drop\n", p);
	}
	/* link-local and unspecified sources: neighbour discovery only */
	put(buf, cap, &o, &rc, "  iifname \"%s\" ip6 saddr { ::, fe80::/10 } "
	    "meta l4proto != ipv6-icmp counter drop\n", p);
	inet_ntop(AF_INET6, s->addr6, a, sizeof(a));
	put(buf, cap, &o, &rc, "  iifname \"%s\" ip6 saddr != { %s%s::, fe80::/10 } "
	    "counter drop\n }\n}\n", p, s->has6 ? a : "", s->has6 ? ", " : "");
	return rc ? rc : (int)o;
}

int nfqr_install(const struct nfqr_spec *s, char *err, size_t len)
{
	char text[4096], e2[256];
	int rc, n;

	/* tables left by an earlier daemon are replaced whole */
	nfqr_remove(s->table, e2, sizeof(e2));
	for (int v6 = 0; v6 <= 1; v6++) {
		n = nfqr_ruleset(s, v6, text, sizeof(text));
		if (n < 0) {
			snprintf(err, len, n == -EINVAL ? "invalid table or interface name"
				 : "ruleset too long");
			return n;
		}
		if (!n)
			continue;
		if ((rc = nft_apply(text, err, len)))
			return rc;
		if (s->method == NFQR_NATIVE || !(v6 ? s->has6 : s->has4))
			continue;
		/* on failure the table stays: traffic is dropped, not passed */
		if ((rc = append_compat(v6, s->table, "from_bottle", s->queue, err, len)) ||
		    (rc = append_compat(v6, s->table, "to_bottle", s->queue, err, len)))
			return rc;
	}
	n = nfqr_port_ruleset(s, text, sizeof(text));
	if (n < 0) {
		snprintf(err, len, n == -EINVAL ? "invalid bridge port name" : "ruleset too long");
		return n;
	}
	return n ? nft_apply(text, err, len) : 0;
}

int nfqr_set_mark(const struct nfqr_spec *s, uint32_t mark, char *err, size_t len)
{
	char text[512];
	size_t o = 0;
	int rc = 0;

	if (!nft_name_valid(s->table, NFQR_TABLE_MAX)) {
		snprintf(err, len, "invalid table name");
		return -EINVAL;
	}
	for (int v6 = 0; v6 <= 1; v6++)
		if (v6 ? s->has6 : s->has4)
			put(text, sizeof(text), &o, &rc, "flush set %s %s allow\n"
			    "add element %s %s allow { 0x%08x }\n", v6 ? "ip6" : "ip",
			    s->table, v6 ? "ip6" : "ip", s->table, mark);
	return rc ? rc : nft_apply(text, err, len);
}

int nfqr_remove(const char *table, char *err, size_t len)
{
	char text[4 * NFQR_TABLE_MAX + 64], e2[256];
	int rc;

	/* not nft_table_delete(): a guard's table name is longer than the egress's */
	if (!nft_name_valid(table, NFQR_TABLE_MAX)) {
		snprintf(err, len, "invalid table name");
		return -EINVAL;
	}
	/* creating first makes the delete succeed whether or not it existed */
	snprintf(text, sizeof(text), "table ip %s\ndelete table ip %s\n"
		 "table ip6 %s\ndelete table ip6 %s\n", table, table, table, table);
	rc = nft_apply(text, err, len);
	/* apart: a kernel without the bridge family has no such table either */
	snprintf(text, sizeof(text), "table bridge %s\ndelete table bridge %s\n", table,
		 table);
	nft_apply(text, e2, sizeof(e2));
	return rc;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqueue_rules.c - the nftables table that sends a guarded bottle's new
 * flows to sentry's queue, and keeps decided flows in the kernel
 *
 * Theory of operation
 *
 * One table per guarded bottle, "ip sentry_g_NAME", hooked on the forward
 * path of the namespace the daemon runs in (the router or the host): the
 * bottle cannot reach it, however many capabilities it holds in its own
 * namespace. Traffic in or out of the bottle's interface goes through:
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

/* Append one rule to @chain of "ip @table" whose only expression is the
 * NFQUEUE target for queue @num, as one acknowledged netlink batch */
static int append_compat(const char *table, const char *chain, uint16_t num,
			 char *err, size_t len)
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
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
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
					 NFT_MSG_NEWRULE, NFPROTO_IPV4,
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
		snprintf(err, len, "NFQUEUE target in %s/%s: %s", table, chain,
			 strerror(errno));
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
		rc = append_compat(PROBE_TABLE, "probe", 0, err, len);
	nft_table_delete("ip", PROBE_TABLE, e2, sizeof(e2));
	if (rc)
		return rc;
	*m = NFQR_COMPAT;
	return 0;
}

int nfqr_install(const struct nfqr_spec *s, char *err, size_t len)
{
	char text[2048], a4[INET_ADDRSTRLEN], d4[INET_ADDRSTRLEN], e2[256];
	char qline[64] = "", dns[256] = "";
	int rc;

	if (!nft_name_valid(s->table, NFQR_TABLE_MAX) ||
	    !nft_name_valid(s->ifname, 16)) {
		snprintf(err, len, "invalid table or interface name");
		return -EINVAL;
	}
	inet_ntop(AF_INET, s->addr4, a4, sizeof(a4));
	if (s->method == NFQR_NATIVE)
		snprintf(qline, sizeof(qline), "  queue num %u\n", s->queue);
	if (s->dns_port) {
		inet_ntop(AF_INET, s->dns4, d4, sizeof(d4));
		snprintf(dns, sizeof(dns),
			 " chain dns {\n"
			 "  type nat hook prerouting priority dstnat; policy accept;\n"
			 "  iifname \"%s\" ip saddr %s tcp dport 53 dnat to %s:%u\n"
			 " }\n", s->ifname, a4, d4, s->dns_port);
	}
	/*
	 * Both directions of the bottle's interface; the drop after each jump
	 * catches whatever the chain did not decide (a queue rule missing).
	 * Only the bottle's own address leaves: the rest is dropped here,
	 * before the queue, and counted by the rule.
	 */
	/* no positional arguments (%1$s): cppcheck cannot check them */
	rc = snprintf(text, sizeof(text),
		"table ip %s {\n"
		" set allow { type mark; }\n"
		" chain guard {\n"
		"  type filter hook forward priority -5; policy accept;\n"
		"  iifname \"%s\" ip saddr != %s counter drop\n"
		"  iifname \"%s\" tcp dport 53 counter drop\n"
		"  iifname \"%s\" jump from_bottle\n"
		"  iifname \"%s\" drop\n"
		"  oifname \"%s\" jump to_bottle\n"
		"  oifname \"%s\" drop\n"
		" }\n"
		" chain from_bottle {\n"
		"  ct mark @allow counter accept\n"
		"  meta mark @allow ct mark set meta mark meta mark set 0 accept\n"
		"%s"
		" }\n"
		" chain to_bottle {\n"
		"  ct mark @allow counter accept\n"
		"  meta mark @allow ct mark set meta mark meta mark set 0 accept\n"
		"%s"
		" }\n"
		"%s"
		"}\n"
		"add element ip %s allow { 0x%08x }\n",
		s->table, s->ifname, a4, s->ifname, s->ifname, s->ifname, s->ifname,
		s->ifname, qline, qline, dns, s->table, s->mark);
	if (rc < 0 || (size_t)rc >= sizeof(text)) {
		snprintf(err, len, "ruleset too long");
		return -E2BIG;
	}
	/* a table left by an earlier daemon is replaced whole */
	nft_table_delete("ip", s->table, e2, sizeof(e2));
	rc = nft_apply(text, err, len);
	if (rc || s->method == NFQR_NATIVE)
		return rc;
	if ((rc = append_compat(s->table, "from_bottle", s->queue, err, len)) ||
	    (rc = append_compat(s->table, "to_bottle", s->queue, err, len)))
		return rc;	/* the table stays: traffic is dropped, not passed */
	return 0;
}

int nfqr_set_mark(const char *table, uint32_t mark, char *err, size_t len)
{
	char text[256];

	if (!nft_name_valid(table, NFQR_TABLE_MAX)) {
		snprintf(err, len, "invalid table name");
		return -EINVAL;
	}
	snprintf(text, sizeof(text), "flush set ip %s allow\n"
		 "add element ip %s allow { 0x%08x }\n", table, table, mark);
	return nft_apply(text, err, len);
}

int nfqr_remove(const char *table, char *err, size_t len)
{
	return nft_table_delete("ip", table, err, len);
}

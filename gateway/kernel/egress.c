// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * egress.c - the daemon's way out: a TUN into its own namespace's kernel
 *
 * sentry never implements TCP. Packets a bottle may send are written, with
 * their source rewritten to an address of the egress pool, into a second
 * TUN in sentry's own namespace. The kernel there forwards them and
 * masquerades them to its uplink; replies come back, are un-NATed by
 * conntrack, routed to the pool, and so read by sentry from the same TUN.
 *
 *   bottle TUN -> sentry (policy, source := pool address) -> egress TUN
 *     -> kernel: forward, masquerade -> uplink
 *
 * The nftables table also keeps the egress honest if sentry has a bug: only
 * pool sources pass (per family; a family without a pool does not pass),
 * and the daemon's namespace itself is reachable from the egress only by
 * replies and by TCP DNS, which is redirected to the daemon's listener.
 * Conntrack restores the address the bottle asked on the answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/netcfg.h"

void egress_spec_init(struct egress_spec *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "%s", EGRESS_IFNAME_DEFAULT);
	s->mtu = TUN_MTU_DEFAULT;
	s->txqueuelen = TUN_TXQLEN_DEFAULT;
	s->queues = 1;
	s->has_pool4 = true;
	addr_parse("100.127.0.0", &s->pool4);
	s->pool4_len = 16;
	s->has_pool6 = true;
	addr_parse("fd5e:5e:5e::", &s->pool6);
	s->pool6_len = 64;
	snprintf(s->nft_table, sizeof(s->nft_table), "%s",
		 EGRESS_TABLE_DEFAULT);
	s->dns_tcp_port = EGRESS_DNS_PORT_DEFAULT;
}

static int check_pool(const struct ipaddr *net, uint8_t plen, int family,
		      char *err, size_t len)
{
	unsigned int max = family == ADDR_FAMILY_V4 ? 31 : 127;
	char text[ADDR_TEXT_MAX];
	struct ipaddr m;

	if (net->family != family) {
		snprintf(err, len, "IPv%d pool is not an IPv%d prefix", family,
			 family);
		return -EINVAL;
	}
	/* The device takes the first host address: a /32 has none to share. */
	if (!plen || plen > max) {
		snprintf(err, len, "IPv%d pool length /%u is not /1../%u",
			 family, plen, max);
		return -EINVAL;
	}
	m = *net;
	addr_mask(&m, plen);
	if (!addr_equal(&m, net)) {
		snprintf(err, len, "IPv%d pool %s/%u has host bits set",
			 family, addr_format(net, text), plen);
		return -EINVAL;
	}
	return 0;
}

int egress_spec_check(const struct egress_spec *s, char *err, size_t len)
{
	int rc;

	if (!tun_ifname_valid(s->ifname)) {
		snprintf(err, len, "invalid egress interface name \"%.*s\"",
			 IFNAMSIZ, s->ifname);
		return -EINVAL;
	}
	if (!nft_name_valid(s->nft_table, sizeof(s->nft_table))) {
		snprintf(err, len, "invalid nftables table name \"%.*s\"",
			 (int)sizeof(s->nft_table), s->nft_table);
		return -EINVAL;
	}
	if (s->mtu < TUN_MTU_MIN || s->mtu > TUN_MTU_MAX ||
	    (s->has_pool6 && s->mtu < TUN_MTU_MIN6)) {
		snprintf(err, len, "egress MTU %u is not %u..%u", s->mtu,
			 s->has_pool6 ? TUN_MTU_MIN6 : TUN_MTU_MIN, TUN_MTU_MAX);
		return -EINVAL;
	}
	if (!s->queues || s->queues > TUN_QUEUES_MAX) {
		snprintf(err, len, "%u egress queues is not 1..%u", s->queues,
			 TUN_QUEUES_MAX);
		return -EINVAL;
	}
	if (!s->has_pool4 && !s->has_pool6) {
		snprintf(err, len, "the egress needs an IPv4 or an IPv6 pool");
		return -EINVAL;
	}
	if (s->has_pool4 && (rc = check_pool(&s->pool4, s->pool4_len,
					     ADDR_FAMILY_V4, err, len)))
		return rc;
	if (s->has_pool6 && (rc = check_pool(&s->pool6, s->pool6_len,
					     ADDR_FAMILY_V6, err, len)))
		return rc;
	return 0;
}

/* Appends to a bounded buffer; the first overflow sticks, like a cursor */
struct out {
	char *buf;
	size_t len, used;
	bool full;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used)
		o->full = true;
	else
		o->used += (size_t)n;
}

/* "iifname IF <family guard> counter drop" for the forward and input chains:
 * a pool's family must come from the pool, a family without one not at all */
static void put_guards(struct out *o, const struct egress_spec *s,
		       const char *p4, const char *p6)
{
	if (s->has_pool4)
		put(o, "\t\tiifname \"%s\" ip saddr != %s counter drop\n",
		    s->ifname, p4);
	else
		put(o, "\t\tiifname \"%s\" meta nfproto ipv4 counter drop\n",
		    s->ifname);
	if (s->has_pool6)
		put(o, "\t\tiifname \"%s\" ip6 saddr != %s counter drop\n",
		    s->ifname, p6);
	else
		put(o, "\t\tiifname \"%s\" meta nfproto ipv6 counter drop\n",
		    s->ifname);
}

int egress_ruleset(const struct egress_spec *s, char *buf, size_t len)
{
	char p4[PREFIX_TEXT_MAX] = "", p6[PREFIX_TEXT_MAX] = "";
	char a[ADDR_TEXT_MAX];
	struct out o = { buf, len, 0, !len };
	const char *t = s->nft_table, *ifn = s->ifname;
	int rc;

	rc = egress_spec_check(s, buf, len);
	if (rc)
		return rc;
	if (s->has_pool4)
		snprintf(p4, sizeof(p4), "%s/%u", addr_format(&s->pool4, a),
			 s->pool4_len);
	if (s->has_pool6)
		snprintf(p6, sizeof(p6), "%s/%u", addr_format(&s->pool6, a),
			 s->pool6_len);

	/* Declaring the table before deleting it makes the delete succeed
	 * whether or not a stale one exists, in the same transaction. */
	put(&o, "table inet %s\ndelete table inet %s\n\ntable inet %s {\n",
	    t, t, t);

	if (s->dns_tcp_port) {
		put(&o, "\tchain prerouting {\n"
			"\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
		put(&o, "\t\tiifname \"%s\" tcp dport 53 redirect to :%u\n",
		    ifn, s->dns_tcp_port);
		put(&o, "\t}\n\n");
	}

	put(&o, "\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
	if (s->has_pool4)
		put(&o, "\t\tip saddr %s oifname != \"%s\" masquerade\n",
		    p4, ifn);
	if (s->has_pool6)
		put(&o, "\t\tip6 saddr %s oifname != \"%s\" masquerade\n",
		    p6, ifn);
	put(&o, "\t}\n\n");

	put(&o, "\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy accept;\n");
	put_guards(&o, s, p4, p6);
	/* Under sentry's own checks: a packet conntrack finds invalid (a TCP
	 * RST or FIN opening nothing) escapes the DNS redirect and the
	 * masquerade, and the pools are bottles, never a destination the
	 * egress may route back into itself. */
	put(&o, "\t\tiifname \"%s\" ct state invalid counter drop\n", ifn);
	if (s->has_pool4)
		put(&o, "\t\tiifname \"%s\" ip daddr %s counter drop\n", ifn, p4);
	if (s->has_pool6)
		put(&o, "\t\tiifname \"%s\" ip6 daddr %s counter drop\n", ifn, p6);
	put(&o, "\t}\n\n");

	/* The daemon's own sockets (upstream DNS, control) are no business
	 * of a bottle's: only replies and the redirected DNS get in. */
	put(&o, "\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy accept;\n");
	put_guards(&o, s, p4, p6);
	put(&o, "\t\tiifname \"%s\" ct state established,related accept\n",
	    ifn);
	if (s->dns_tcp_port)
		put(&o, "\t\tiifname \"%s\" tcp dport %u ct status dnat accept\n",
		    ifn, s->dns_tcp_port);
	put(&o, "\t\tiifname \"%s\" counter drop\n", ifn);
	put(&o, "\t}\n}\n");

	if (o.full) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)o.used;
}

/* The pool's first host address, .1 or ::1 (egress_spec_check() made room) */
static struct ipaddr first_host(const struct ipaddr *pool)
{
	struct ipaddr a = *pool;

	a.b[addr_len(&a) - 1] |= 1;
	return a;
}

static int add_host(struct netlink *nl, const struct egress_spec *s,
		    uint32_t ifindex, const struct ipaddr *pool, char *err,
		    size_t len)
{
	struct ipaddr host = first_host(pool);
	char text[ADDR_TEXT_MAX];
	int rc;

	/* A host address, so that the pool route is ours, with the pool's
	 * length and this source (see route_and_forward()). No DAD: the
	 * redirected DNS needs the IPv6 address usable at once. */
	rc = netlink_addr_add(nl, ifindex, &host,
			      host.family == ADDR_FAMILY_V4 ? 32 : 128, true);
	if (rc)
		return netlink_error(nl, rc, err, len,
				     "cannot add address %s to %s",
				     addr_format(&host, text), s->ifname);
	return 0;
}

/* Does the /proc/sys file at @path read "1"? */
static bool sysctl_is_one(const char *path)
{
	char buf[4] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 1 && buf[0] == '1';
}

static int route_and_forward(struct netlink *nl, const struct egress_spec *s,
			     uint32_t ifindex, const struct ipaddr *pool,
			     uint8_t plen, char *err, size_t len)
{
	struct ipaddr host = first_host(pool);
	char text[ADDR_TEXT_MAX];
	const char *path;
	int rc;

	/* The whole pool lives behind the TUN, its own address the source. */
	rc = netlink_route_add(nl, ifindex, pool, plen, NULL, &host);
	if (rc)
		return netlink_error(nl, rc, err, len,
				     "cannot route %s/%u to %s",
				     addr_format(pool, text), plen, s->ifname);

	path = pool->family == ADDR_FAMILY_V4 ?
	       "/proc/sys/net/ipv4/ip_forward" :
	       "/proc/sys/net/ipv6/conf/all/forwarding";
	/* already on (a container started with --sysctl): /proc/sys may be read-only */
	if (sysctl_is_one(path))
		return 0;
	rc = tun_sysctl_write(path, "1");
	if (rc)
		snprintf(err, len, "cannot turn forwarding on (%s): %s", path,
			 strerror(-rc));
	return rc;
}

static int configure(struct netlink *nl, const struct egress_spec *s,
		     const char *name, char *err, size_t len)
{
	struct netlink_link_req up = { .up = true };
	struct netlink_link link;
	int rc;

	rc = netlink_tun_prepare(nl, name, s->mtu, s->txqueuelen, &link, err, len);
	if (rc)
		return rc;
	if (s->has_pool4 &&
	    (rc = add_host(nl, s, link.index, &s->pool4, err, len)))
		return rc;
	if (s->has_pool6 &&
	    (rc = add_host(nl, s, link.index, &s->pool6, err, len)))
		return rc;
	/* Routes through a device that is down are refused. */
	rc = netlink_link_set(nl, link.index, &up);
	if (rc)
		return netlink_error(nl, rc, err, len, "cannot bring %s up",
				     name);
	if (s->has_pool4 &&
	    (rc = route_and_forward(nl, s, link.index, &s->pool4, s->pool4_len,
				    err, len)))
		return rc;
	if (s->has_pool6 &&
	    (rc = route_and_forward(nl, s, link.index, &s->pool6, s->pool6_len,
				    err, len)))
		return rc;
	return 0;
}

int egress_setup(const struct egress_spec *s, int *fds, char *err, size_t len)
{
	char ruleset[EGRESS_RULESET_MAX], name[IFNAMSIZ], msg[512];
	struct netlink nl;
	uint32_t i;
	int rc;

	if (len)
		err[0] = '\0';
	for (i = 0; i < s->queues && i < TUN_QUEUES_MAX; i++)
		fds[i] = -1;
	rc = egress_spec_check(s, err, len);
	if (rc)
		return rc;
	rc = egress_ruleset(s, ruleset, sizeof(ruleset));
	if (rc < 0) {
		snprintf(err, len, "cannot build the nftables ruleset: %s",
			 strerror(-rc));
		return rc;
	}

	rc = tun_open(s->ifname, s->queues, s->vnet_hdr, fds, name, err, len);
	if (rc)
		return rc;
	if (s->vnet_hdr && (rc = tun_offload(fds[0], true, NULL))) {
		snprintf(err, len, "cannot set up offloads on %s: %s", name,
			 strerror(-rc));
		for (i = 0; i < s->queues; i++) {
			close(fds[i]);
			fds[i] = -1;
		}
		return rc;
	}
	rc = netlink_open(&nl);
	if (rc)
		snprintf(err, len, "cannot open a netlink socket: %s",
			 strerror(-rc));
	else
		rc = configure(&nl, s, name, err, len);
	netlink_close(&nl);

	/* Last, so that a failure above leaves no table behind. */
	if (!rc && (rc = nft_apply(ruleset, msg, sizeof(msg))))
		snprintf(err, len, "cannot install nftables table inet %s: %s",
			 s->nft_table, msg);
	if (rc) {
		for (i = 0; i < s->queues; i++) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	return rc;
}

int egress_teardown(const struct egress_spec *s, char *err, size_t len)
{
	char msg[512];
	int rc;

	rc = nft_table_delete("inet", s->nft_table, msg, sizeof(msg));
	if (rc)
		snprintf(err, len, "cannot delete nftables table inet %s: %s",
			 s->nft_table, msg);
	else if (len)
		err[0] = '\0';
	return rc;
}

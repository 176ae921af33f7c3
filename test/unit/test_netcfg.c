// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_netcfg.c - what of netcfg.h needs neither root nor a namespace:
 * spec checks, the egress ruleset text, netlink message building, argument
 * errors. test/netns/netcfg.sh covers the rest against a real kernel.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "kernel/netcfg.h"
#include "t.h"

static struct ipaddr A(const char *s)
{
	struct ipaddr a;

	if (addr_parse(s, &a))
		a.family = 0;	/* makes the caller's next check fail */
	return a;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* ---- egress ruleset -------------------------------------------------------- */

static const char default_ruleset[] =
	"table inet sentry\n"
	"delete table inet sentry\n"
	"\n"
	"table inet sentry {\n"
	"\tchain prerouting {\n"
	"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	"\t\tiifname \"sentry0\" tcp dport 53 redirect to :5353\n"
	"\t}\n"
	"\n"
	"\tchain postrouting {\n"
	"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	"\t\tip saddr 100.127.0.0/16 oifname != \"sentry0\" masquerade\n"
	"\t\tip6 saddr fd5e:5e:5e::/64 oifname != \"sentry0\" masquerade\n"
	"\t}\n"
	"\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy accept;\n"
	"\t\tiifname \"sentry0\" ip saddr != 100.127.0.0/16 counter drop\n"
	"\t\tiifname \"sentry0\" ip6 saddr != fd5e:5e:5e::/64 counter drop\n"
	"\t\tiifname \"sentry0\" ct state invalid counter drop\n"
	"\t\tiifname \"sentry0\" ip daddr 100.127.0.0/16 counter drop\n"
	"\t\tiifname \"sentry0\" ip6 daddr fd5e:5e:5e::/64 counter drop\n"
	"\t}\n"
	"\n"
	"\tchain input {\n"
	"\t\ttype filter hook input priority filter; policy accept;\n"
	"\t\tiifname \"sentry0\" ip saddr != 100.127.0.0/16 counter drop\n"
	"\t\tiifname \"sentry0\" ip6 saddr != fd5e:5e:5e::/64 counter drop\n"
	"\t\tiifname \"sentry0\" ct state established,related accept\n"
	"\t\tiifname \"sentry0\" tcp dport 5353 ct status dnat accept\n"
	"\t\tiifname \"sentry0\" counter drop\n"
	"\t}\n"
	"}\n";

TEST(ruleset_default_exact)
{
	struct egress_spec s;
	char buf[EGRESS_RULESET_MAX];

	egress_spec_init(&s);
	CHECK_EQ(egress_ruleset(&s, buf, sizeof(buf)),
		 (int)strlen(default_ruleset));
	CHECK_STR(buf, default_ruleset);
}

TEST(ruleset_v4_only_blocks_v6)
{
	struct egress_spec s;
	char buf[EGRESS_RULESET_MAX];

	egress_spec_init(&s);
	s.has_pool6 = false;
	CHECK(egress_ruleset(&s, buf, sizeof(buf)) > 0);
	CHECK_EQ(count(buf, "ip6 saddr"), 0);
	CHECK_EQ(count(buf, "iifname \"sentry0\" meta nfproto ipv6 counter drop"), 2);
	CHECK_EQ(count(buf, "ip saddr 100.127.0.0/16 oifname != \"sentry0\" masquerade"), 1);
	CHECK_EQ(count(buf, "meta nfproto ipv4"), 0);
}

TEST(ruleset_v6_only_blocks_v4)
{
	struct egress_spec s;
	char buf[EGRESS_RULESET_MAX];

	egress_spec_init(&s);
	s.has_pool4 = false;
	CHECK(egress_ruleset(&s, buf, sizeof(buf)) > 0);
	CHECK_EQ(count(buf, "ip saddr"), 0);
	CHECK_EQ(count(buf, "iifname \"sentry0\" meta nfproto ipv4 counter drop"), 2);
	CHECK_EQ(count(buf, "ip6 saddr fd5e:5e:5e::/64 oifname != \"sentry0\" masquerade"), 1);
	/* the DNS redirect is family-neutral */
	CHECK_EQ(count(buf, "tcp dport 53 redirect to :5353"), 1);
}

TEST(ruleset_without_dns_redirect)
{
	struct egress_spec s;
	char buf[EGRESS_RULESET_MAX];

	egress_spec_init(&s);
	s.dns_tcp_port = 0;
	CHECK(egress_ruleset(&s, buf, sizeof(buf)) > 0);
	CHECK_EQ(count(buf, "prerouting"), 0);
	CHECK_EQ(count(buf, "redirect"), 0);
	CHECK_EQ(count(buf, "ct status dnat"), 0);
	CHECK_EQ(count(buf, "iifname \"sentry0\" counter drop"), 1);
}

TEST(ruleset_custom_names)
{
	struct egress_spec s;
	char buf[EGRESS_RULESET_MAX];

	egress_spec_init(&s);
	snprintf(s.ifname, sizeof(s.ifname), "eg-1.x");
	snprintf(s.nft_table, sizeof(s.nft_table), "_sentry-t2");
	s.pool4 = A("198.18.64.0");
	s.pool4_len = 18;
	s.pool6 = A("2001:db8:5e::");
	s.pool6_len = 48;
	s.dns_tcp_port = 65535;
	CHECK(egress_ruleset(&s, buf, sizeof(buf)) > 0);
	CHECK(!strncmp(buf, "table inet _sentry-t2\ndelete table inet _sentry-t2\n", 51));
	CHECK_EQ(count(buf, "\"sentry0\""), 0);
	CHECK_EQ(count(buf, "iifname \"eg-1.x\""), 11);
	CHECK_EQ(count(buf, "ip daddr 198.18.64.0/18 counter drop"), 1);
	CHECK_EQ(count(buf, "ip6 daddr 2001:db8:5e::/48 counter drop"), 1);
	CHECK_EQ(count(buf, "redirect to :65535\n"), 1);
	CHECK_EQ(count(buf, "tcp dport 65535 ct status dnat accept"), 1);
	CHECK_EQ(count(buf, "ip saddr != 198.18.64.0/18 counter drop"), 2);
	CHECK_EQ(count(buf, "ip6 saddr 2001:db8:5e::/48 oifname"), 1);
}

TEST(ruleset_buffer_boundary)
{
	struct egress_spec s;
	char buf[EGRESS_RULESET_MAX];
	int n;

	egress_spec_init(&s);
	n = egress_ruleset(&s, buf, sizeof(buf));
	CHECK(n > 0);
	/* exactly the text and its NUL: fits */
	CHECK_EQ(egress_ruleset(&s, buf, (size_t)n + 1), n);
	CHECK_EQ(buf[n], '\0');
	/* one byte short: refused, and no partial ruleset left to apply */
	buf[0] = 'x';
	CHECK_EQ(egress_ruleset(&s, buf, (size_t)n), -ENOSPC);
	CHECK_EQ(buf[0], '\0');
	CHECK_EQ(egress_ruleset(&s, buf, 0), -ENOSPC);
}

TEST(ruleset_worst_case_fits_max)
{
	struct egress_spec s;
	char buf[EGRESS_RULESET_MAX * 2];
	int n;

	egress_spec_init(&s);
	memset(s.ifname, 'i', IFNAMSIZ - 1);
	s.ifname[IFNAMSIZ - 1] = '\0';
	memset(s.nft_table, 't', sizeof(s.nft_table) - 1);
	s.nft_table[sizeof(s.nft_table) - 1] = '\0';
	s.pool4 = A("255.255.255.254");
	s.pool4_len = 31;
	s.pool6 = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	s.pool6_len = 127;
	s.dns_tcp_port = 65535;
	n = egress_ruleset(&s, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(n < EGRESS_RULESET_MAX);
}

TEST(egress_spec_rejects)
{
	struct egress_spec s;
	char buf[EGRESS_RULESET_MAX];
	static const char *const bad_tables[] = {
		"", "1abc", "-a", "a b", "a\"b", "a;b", "a/b",
		"ttttttttttttttttttttttttttttttttt",	/* 32: no room for NUL */
	};

	egress_spec_init(&s);
	CHECK_EQ(egress_spec_check(&s, buf, sizeof(buf)), 0);

	for (size_t i = 0; i < sizeof(bad_tables) / sizeof(bad_tables[0]); i++) {
		egress_spec_init(&s);
		snprintf(s.nft_table, sizeof(s.nft_table), "%s", bad_tables[i]);
		if (strlen(bad_tables[i]) >= sizeof(s.nft_table))
			memset(s.nft_table, 't', sizeof(s.nft_table));
		if (egress_ruleset(&s, buf, sizeof(buf)) != -EINVAL) {
			t_fail_at("table \"%s\" accepted", bad_tables[i]);
			return;
		}
	}
	CHECK(strstr(buf, "invalid nftables table name"));

#define REJECT(change, msg)						\
	do {								\
		egress_spec_init(&s);					\
		change;							\
		CHECK_EQ(egress_ruleset(&s, buf, sizeof(buf)), -EINVAL); \
		CHECK(strstr(buf, msg));				\
	} while (0)

	REJECT(s.has_pool4 = s.has_pool6 = false, "needs an IPv4 or an IPv6 pool");
	REJECT(s.pool4_len = 32, "/1../31");
	REJECT(s.pool4_len = 0, "/1../31");
	REJECT(s.pool6_len = 128, "/1../127");
	REJECT(s.pool4 = A("100.127.0.1"), "host bits set");
	REJECT(s.pool6 = A("fd5e:5e:5e::1"), "host bits set");
	REJECT(s.pool4 = A("fd5e::"), "not an IPv4 prefix");
	REJECT(s.pool6 = A("100.127.0.0"), "not an IPv6 prefix");
	REJECT(s.ifname[0] = '\0', "invalid egress interface name");
	REJECT(snprintf(s.ifname, sizeof(s.ifname), "a\"b"), "invalid egress");
	REJECT(s.mtu = 1279, "egress MTU 1279");
	REJECT(s.mtu = 65536, "egress MTU 65536");
	REJECT(s.queues = 0, "egress queues");
	REJECT(s.queues = TUN_QUEUES_MAX + 1, "egress queues");
#undef REJECT

	/* the boundaries that pass */
	egress_spec_init(&s);
	s.has_pool6 = false;
	s.mtu = TUN_MTU_MIN;
	s.pool4_len = 31;
	s.queues = TUN_QUEUES_MAX;
	CHECK_EQ(egress_spec_check(&s, buf, sizeof(buf)), 0);
	s.pool4_len = 1;
	s.pool4 = A("128.0.0.0");
	CHECK_EQ(egress_spec_check(&s, buf, sizeof(buf)), 0);
	s.mtu = TUN_MTU_MIN - 1;
	CHECK_EQ(egress_spec_check(&s, buf, sizeof(buf)), -EINVAL);
}

/* ---- names ------------------------------------------------------------------ */

TEST(ifname_boundaries)
{
	static const char *const good[] = {
		"tun0", "a", "eth0.100", "sentry-0_x", "...", "123456789012345",
	};
	static const char *const bad[] = {
		"", ".", "..", "1234567890123456", "a/b", "a:b", "a b", "a\tb",
		"a\"b", "a\\b", "tun%d", "a\x7f", "caf\xc3\xa9",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!tun_ifname_valid(good[i])) {
			t_fail_at("\"%s\" refused", good[i]);
			return;
		}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tun_ifname_valid(bad[i])) {
			t_fail_at("\"%s\" accepted", bad[i]);
			return;
		}
	CHECK(!tun_ifname_valid(NULL));
}

TEST(nft_name_boundaries)
{
	CHECK(nft_name_valid("sentry", 7));	/* 6 characters and the NUL */
	CHECK(!nft_name_valid("sentry", 6));
	CHECK(nft_name_valid("_", 2));
	CHECK(nft_name_valid("a-1_b", 32));
	CHECK(!nft_name_valid("", 32));
	CHECK(!nft_name_valid(NULL, 32));
	CHECK(!nft_name_valid("9lives", 32));
	CHECK(!nft_name_valid("-x", 32));
	CHECK(!nft_name_valid("a.b", 32));
	CHECK(!nft_name_valid("a}b", 32));
}

/* ---- the bottle's spec ------------------------------------------------------ */

static void bottle_spec(struct tun_spec *s)
{
	tun_spec_init(s);
	s->has4 = true;
	s->addr4 = A("10.0.2.100");
	s->plen4 = 24;
	s->has_gw4 = true;
	s->gw4 = A("10.0.2.2");
	s->has6 = true;
	s->addr6 = A("fd5e:1::100");
	s->plen6 = 64;
	s->has_gw6 = true;
	s->gw6 = A("fd5e:1::2");
}

TEST(tun_spec_defaults)
{
	struct tun_spec s;
	char err[128];

	tun_spec_init(&s);
	CHECK_STR(s.ifname, "tun0");
	CHECK_EQ(s.mtu, 65520);
	CHECK_EQ(s.txqueuelen, 10000);
	CHECK_EQ(s.queues, 1);
	CHECK(!s.has4 && !s.has6 && !s.vnet_hdr);
	CHECK_EQ(tun_spec_check(&s, err, sizeof(err)), 0);
	bottle_spec(&s);
	CHECK_EQ(tun_spec_check(&s, err, sizeof(err)), 0);
}

TEST(tun_spec_boundaries)
{
	struct tun_spec s;
	char err[128];

#define EXPECT(change, rc, msg)						\
	do {								\
		bottle_spec(&s);					\
		change;							\
		err[0] = '\0';						\
		CHECK_EQ(tun_spec_check(&s, err, sizeof(err)), rc);	\
		CHECK(strstr(err, msg));				\
	} while (0)

	EXPECT(s.mtu = 65535, 0, "");
	EXPECT(s.mtu = 65536, -EINVAL, "MTU 65536 is not 68..65535");
	EXPECT(s.mtu = 1280, 0, "");
	EXPECT(s.mtu = 1279, -EINVAL, "too small for IPv6");
	EXPECT((s.has6 = false, s.mtu = 68), 0, "");
	EXPECT((s.has6 = false, s.mtu = 67), -EINVAL, "MTU 67");
	EXPECT(s.queues = 0, -EINVAL, "0 queues");
	EXPECT(s.queues = TUN_QUEUES_MAX, 0, "");
	EXPECT(s.queues = TUN_QUEUES_MAX + 1, -EINVAL, "17 queues");
	EXPECT(s.plen4 = 32, 0, "");
	EXPECT(s.plen4 = 33, -EINVAL, "IPv4 prefix length 33");
	EXPECT(s.plen4 = 0, -EINVAL, "IPv4 prefix length 0");
	EXPECT(s.plen6 = 128, 0, "");
	EXPECT(s.plen6 = 129, -EINVAL, "IPv6 prefix length 129");
	EXPECT(s.addr4 = A("fd5e::1"), -EINVAL, "IPv4 address is not an IPv4");
	EXPECT(s.gw6 = A("10.0.2.2"), -EINVAL, "IPv6 gateway is not an IPv6");
	EXPECT(s.addr4 = A("0.0.0.0"), -EINVAL, "unspecified");
	EXPECT(s.addr6 = A("::1"), -EINVAL, "loopback");
	EXPECT(s.gw4 = A("224.0.0.1"), -EINVAL, "multicast");
	EXPECT(s.gw4 = s.addr4, -EINVAL, "interface's own address");
	/* a gateway outside the prefix is routed onlink */
	EXPECT((s.plen4 = 32, s.gw4 = A("198.18.1.1")), 0, "");
	/* flags off: the fields are not looked at */
	EXPECT((s.has_gw4 = false, s.gw4 = A("0.0.0.0")), 0, "");
	EXPECT((s.has4 = false, s.plen4 = 99), 0, "");
	EXPECT(s.ifname[0] = '\0', -EINVAL, "invalid interface name");
	EXPECT(snprintf(s.ifname, sizeof(s.ifname), "tun%%d"), -EINVAL,
	       "invalid interface name \"tun%d\"");
#undef EXPECT
}

/* ---- argument errors that stop before the kernel ---------------------------- */

TEST(tun_open_rejects_before_opening)
{
	int fds[TUN_QUEUES_MAX] = { 7, 7, 7 };
	char err[128];

	CHECK_EQ(tun_open("tun0", 0, false, fds, NULL, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "0 queues"));
	CHECK_EQ(tun_open("tun0", TUN_QUEUES_MAX + 1, false, fds, NULL, err,
			  sizeof(err)), -EINVAL);
	CHECK_EQ(tun_open("a/b", 3, false, fds, NULL, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "invalid interface name \"a/b\""));
	CHECK(fds[0] == -1 && fds[1] == -1 && fds[2] == -1);
}

TEST(tun_create_rejects_bad_spec)
{
	struct tun_spec s;
	int fds[2] = { 7, 7 };
	char err[128];

	bottle_spec(&s);
	s.queues = 2;
	s.mtu = 1000;
	CHECK_EQ(tun_create_in_netns(0, &s, fds, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "too small for IPv6"));
	CHECK(fds[0] == -1 && fds[1] == -1);
	s.mtu = 1500;
	CHECK_EQ(tun_create_in_netns(-1, &s, fds, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "no network namespace given");
}

TEST(netns_open_checks_the_file)
{
	char err[128];
	int fd;

	CHECK_EQ(netns_open(NULL, 0, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "no network namespace given");
	CHECK_EQ(netns_open("/nonexistent/netns", 0, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "cannot open network namespace /nonexistent/netns: "
		  "No such file or directory");
	CHECK_EQ(netns_open("/dev/null", 0, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "/dev/null is not a network namespace");
	CHECK_EQ(netns_open("/proc/self/ns/uts", 0, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "/proc/self/ns/uts is not a network namespace");
	/* our own namespace, by pid: needs no privilege */
	fd = netns_open(NULL, getpid(), err, sizeof(err));
	CHECK(fd >= 0);
	close(fd);
	/* @path wins over @pid */
	CHECK_EQ(netns_open("/dev/null", getpid(), err, sizeof(err)), -EINVAL);
}

TEST(nft_syntax_error_is_reported)
{
	char err[256];

	/* refused by the parser, before any netlink: no privilege needed */
	CHECK_EQ(nft_apply("frobnicate the table\n", err, sizeof(err)), -EINVAL);
	CHECK(!strncmp(err, "Error: syntax error", 19));
	CHECK(!strchr(err, '\n'));
	CHECK_EQ(nft_table_delete("inet", "bad name", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "invalid nftables table"));
	CHECK_EQ(nft_table_delete("in et", "sentry", err, sizeof(err)), -EINVAL);
}

/* ---- netlink messages -------------------------------------------------------- */

struct attrs {
	const struct nlattr *tb[64];
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type < 64)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static bool attr_is(const struct nlattr *attr, const struct ipaddr *want)
{
	return attr && mnl_attr_get_payload_len(attr) == addr_len(want) &&
	       !memcmp(mnl_attr_get_payload(attr), want->b, addr_len(want));
}

TEST(msg_addr_v4)
{
	char buf[NETLINK_MSG_MAX];
	struct ipaddr a = A("10.0.2.100");
	struct attrs at = { { 0 } };
	const struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;

	nlh = netlink_msg_addr(buf, 42, 7, &a, 24, true);
	CHECK(nlh);
	CHECK_EQ(nlh->nlmsg_type, RTM_NEWADDR);
	CHECK_EQ(nlh->nlmsg_seq, 42);
	CHECK_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	ifa = mnl_nlmsg_get_payload(nlh);
	CHECK_EQ(ifa->ifa_family, AF_INET);
	CHECK_EQ(ifa->ifa_prefixlen, 24);
	CHECK_EQ(ifa->ifa_index, 7);
	CHECK_EQ(ifa->ifa_flags, 0);	/* no DAD in IPv4: flag ignored */
	CHECK_EQ(mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &at), MNL_CB_OK);
	CHECK(attr_is(at.tb[IFA_LOCAL], &a));
	CHECK(attr_is(at.tb[IFA_ADDRESS], &a));
	CHECK(!at.tb[IFA_BROADCAST]);
	CHECK(nlh->nlmsg_len <= NETLINK_MSG_MAX);
}

TEST(msg_addr_v6_nodad)
{
	char buf[NETLINK_MSG_MAX];
	struct ipaddr a = A("fd5e:1::100");
	struct attrs at = { { 0 } };
	const struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh;

	nlh = netlink_msg_addr(buf, 1, 3, &a, 128, true);
	CHECK(nlh);
	ifa = mnl_nlmsg_get_payload(nlh);
	CHECK_EQ(ifa->ifa_family, AF_INET6);
	CHECK_EQ(ifa->ifa_prefixlen, 128);
	CHECK_EQ(ifa->ifa_flags, IFA_F_NODAD);
	CHECK_EQ(mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &at), MNL_CB_OK);
	CHECK(attr_is(at.tb[IFA_LOCAL], &a));
	nlh = netlink_msg_addr(buf, 1, 3, &a, 64, false);
	CHECK(nlh);
	ifa = mnl_nlmsg_get_payload(nlh);
	CHECK_EQ(ifa->ifa_flags, 0);
}

TEST(msg_addr_rejects)
{
	char buf[NETLINK_MSG_MAX];
	struct ipaddr a4 = A("10.0.2.100"), a6 = A("fd5e::1"), none = { 0 };

	CHECK(netlink_msg_addr(buf, 1, 3, &a4, 32, false));
	CHECK(!netlink_msg_addr(buf, 1, 3, &a4, 33, false));
	CHECK(!netlink_msg_addr(buf, 1, 3, &a6, 129, false));
	CHECK(!netlink_msg_addr(buf, 1, 0, &a4, 24, false));
	CHECK(!netlink_msg_addr(buf, 1, 3, &none, 0, false));
}

TEST(msg_route_default_via_gateway)
{
	char buf[NETLINK_MSG_MAX];
	struct ipaddr any = { .family = ADDR_FAMILY_V4 }, gw = A("10.0.2.2");
	struct attrs at = { { 0 } };
	const struct rtmsg *rtm;
	struct nlmsghdr *nlh;

	nlh = netlink_msg_route(buf, 5, 9, &any, 0, &gw, NULL);
	CHECK(nlh);
	CHECK_EQ(nlh->nlmsg_type, RTM_NEWROUTE);
	CHECK_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	rtm = mnl_nlmsg_get_payload(nlh);
	CHECK_EQ(rtm->rtm_family, AF_INET);
	CHECK_EQ(rtm->rtm_dst_len, 0);
	CHECK_EQ(rtm->rtm_table, RT_TABLE_MAIN);
	CHECK_EQ(rtm->rtm_protocol, RTPROT_STATIC);
	CHECK_EQ(rtm->rtm_type, RTN_UNICAST);
	CHECK_EQ(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	CHECK_EQ(rtm->rtm_flags, RTNH_F_ONLINK);
	CHECK_EQ(mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, &at), MNL_CB_OK);
	CHECK(!at.tb[RTA_DST]);		/* a default route has none */
	CHECK(attr_is(at.tb[RTA_GATEWAY], &gw));
	CHECK(at.tb[RTA_OIF] && mnl_attr_get_u32(at.tb[RTA_OIF]) == 9);
	CHECK(!at.tb[RTA_PREFSRC]);
}

TEST(msg_route_pool_with_source)
{
	char buf[NETLINK_MSG_MAX];
	struct ipaddr pool = A("100.127.0.0"), src = A("100.127.0.1");
	struct attrs at = { { 0 } };
	const struct rtmsg *rtm;
	struct nlmsghdr *nlh;

	nlh = netlink_msg_route(buf, 5, 4, &pool, 16, NULL, &src);
	CHECK(nlh);
	rtm = mnl_nlmsg_get_payload(nlh);
	CHECK_EQ(rtm->rtm_dst_len, 16);
	CHECK_EQ(rtm->rtm_scope, RT_SCOPE_LINK);
	CHECK_EQ(rtm->rtm_flags, 0);
	CHECK_EQ(mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, &at), MNL_CB_OK);
	CHECK(attr_is(at.tb[RTA_DST], &pool));
	CHECK(attr_is(at.tb[RTA_PREFSRC], &src));
	CHECK(!at.tb[RTA_GATEWAY]);
}

TEST(msg_route_v6)
{
	char buf[NETLINK_MSG_MAX];
	struct ipaddr any = { .family = ADDR_FAMILY_V6 }, gw = A("fd5e:1::2");
	struct attrs at = { { 0 } };
	const struct rtmsg *rtm;
	struct nlmsghdr *nlh;

	nlh = netlink_msg_route(buf, 5, 4, &any, 0, NULL, NULL);
	CHECK(nlh);
	rtm = mnl_nlmsg_get_payload(nlh);
	CHECK_EQ(rtm->rtm_family, AF_INET6);
	CHECK_EQ(rtm->rtm_scope, RT_SCOPE_UNIVERSE);	/* IPv6 routes always */
	nlh = netlink_msg_route(buf, 5, 4, &any, 0, &gw, NULL);
	CHECK(nlh);
	rtm = mnl_nlmsg_get_payload(nlh);
	CHECK_EQ(rtm->rtm_flags, RTNH_F_ONLINK);
	CHECK_EQ(mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, &at), MNL_CB_OK);
	CHECK(attr_is(at.tb[RTA_GATEWAY], &gw));
}

TEST(msg_route_rejects_mixed_families)
{
	char buf[NETLINK_MSG_MAX];
	struct ipaddr v4 = A("198.18.0.0"), v6 = A("fd5e::1");

	CHECK(netlink_msg_route(buf, 1, 1, &v4, 15, NULL, NULL));
	CHECK(!netlink_msg_route(buf, 1, 1, &v4, 15, &v6, NULL));
	CHECK(!netlink_msg_route(buf, 1, 1, &v4, 15, NULL, &v6));
	CHECK(!netlink_msg_route(buf, 1, 1, &v4, 33, NULL, NULL));
	CHECK(!netlink_msg_route(buf, 1, 0, &v4, 15, NULL, NULL));
}

TEST(msg_link)
{
	char buf[NETLINK_MSG_MAX];
	struct netlink_link_req req = { 65520, 10000, true, "eth1" };
	struct attrs at = { { 0 } };
	const struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;

	nlh = netlink_msg_link(buf, 8, 12, &req);
	CHECK(nlh);
	CHECK_EQ(nlh->nlmsg_type, RTM_NEWLINK);
	ifi = mnl_nlmsg_get_payload(nlh);
	CHECK_EQ(ifi->ifi_index, 12);
	CHECK_EQ(ifi->ifi_flags, IFF_UP);
	CHECK_EQ(ifi->ifi_change, IFF_UP);
	CHECK_EQ(mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &at), MNL_CB_OK);
	CHECK(at.tb[IFLA_MTU] && mnl_attr_get_u32(at.tb[IFLA_MTU]) == 65520);
	CHECK(at.tb[IFLA_TXQLEN] && mnl_attr_get_u32(at.tb[IFLA_TXQLEN]) == 10000);
	CHECK(at.tb[IFLA_IFNAME]);
	CHECK_STR(mnl_attr_get_str(at.tb[IFLA_IFNAME]), "eth1");

	/* nothing asked: nothing sent, and the up flag is not touched */
	memset(&req, 0, sizeof(req));
	memset(&at, 0, sizeof(at));
	nlh = netlink_msg_link(buf, 8, 12, &req);
	CHECK(nlh);
	ifi = mnl_nlmsg_get_payload(nlh);
	CHECK_EQ(ifi->ifi_change, 0);
	CHECK_EQ(mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &at), MNL_CB_OK);
	CHECK(!at.tb[IFLA_MTU] && !at.tb[IFLA_TXQLEN] && !at.tb[IFLA_IFNAME]);

	req.rename = "123456789012345";
	CHECK(netlink_msg_link(buf, 8, 12, &req));
	req.rename = "1234567890123456";
	CHECK(!netlink_msg_link(buf, 8, 12, &req));
	req.rename = "";
	CHECK(!netlink_msg_link(buf, 8, 12, &req));
	req.rename = NULL;
	CHECK(!netlink_msg_link(buf, 8, 0, &req));
}

TEST(msg_noqueue)
{
	char buf[NETLINK_MSG_MAX];
	struct attrs at = { { 0 } };
	const struct tcmsg *tcm;
	struct nlmsghdr *nlh;

	nlh = netlink_msg_noqueue(buf, 9, 12);
	CHECK(nlh);
	CHECK_EQ(nlh->nlmsg_type, RTM_NEWQDISC);
	CHECK_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	tcm = mnl_nlmsg_get_payload(nlh);
	CHECK_EQ(tcm->tcm_ifindex, 12);
	CHECK_EQ(tcm->tcm_parent, TC_H_ROOT);
	CHECK_EQ(tcm->tcm_handle, 0);
	CHECK_EQ(mnl_attr_parse(nlh, sizeof(*tcm), attr_cb, &at), MNL_CB_OK);
	CHECK(at.tb[TCA_KIND]);
	CHECK_STR(mnl_attr_get_str(at.tb[TCA_KIND]), "noqueue");
	CHECK(!netlink_msg_noqueue(buf, 9, 0));
}

TEST(tun_memory_is_checked)
{
	struct tun_spec s;
	char err[256], text[256];
	uint64_t cost;

	tun_spec_init(&s);
	s.queues = 2;
	s.txqueuelen = 10000;
	cost = tun_kernel_bytes(&s);
	/* 512 KiB of queue structures, and two rings of 10000 pointers */
	CHECK_EQ(cost, (512u << 10) + 2 * (10000 * 8 + (16u << 10)));
	/* plenty */
	snprintf(text, sizeof(text), "MemTotal: 24000000 kB\nMemFree: 1 kB\n"
		 "MemAvailable: 20000000 kB\n");
	CHECK_EQ(tun_memory_check(&s, text, err, sizeof(err)), 0);
	/* exactly a twentieth left after it: still affordable */
	snprintf(text, sizeof(text), "MemTotal: 2000000 kB\nMemAvailable: %llu kB\n",
		 (unsigned long long)(100000 + (cost + 1023) / 1024));
	CHECK_EQ(tun_memory_check(&s, text, err, sizeof(err)), 0);
	/* one kB less: refused, with the figures */
	snprintf(text, sizeof(text), "MemTotal: 2000000 kB\nMemAvailable: %llu kB\n",
		 (unsigned long long)(100000 + (cost + 1023) / 1024 - 1));
	CHECK_EQ(tun_memory_check(&s, text, err, sizeof(err)), -ENOMEM);
	CHECK(strstr(err, "2 queues, txqueuelen 10000"));
	CHECK(strstr(err, "of 1953 MiB"));
	/* less available than it costs */
	CHECK_EQ(tun_memory_check(&s, "MemTotal: 2000000 kB\nMemAvailable: 10 kB\n",
				  err, sizeof(err)), -ENOMEM);
	/* a text without the fields (no /proc) is no reason to refuse */
	CHECK_EQ(tun_memory_check(&s, "", err, sizeof(err)), 0);
	CHECK_EQ(tun_memory_check(&s, "MemTotal: 2000000 kB\n", err, sizeof(err)), 0);
	/* a key that only starts the same is not the key */
	CHECK_EQ(tun_memory_check(&s, "MemTotalX: 9 kB\nMemAvailable: 1 kB\n",
				  err, sizeof(err)), 0);
}

TEST(netlink_error_text)
{
	struct netlink nl = { 0 };
	char err[128];

	CHECK_EQ(netlink_error(NULL, -EINVAL, err, sizeof(err), "cannot %s", "x"),
		 -EINVAL);
	CHECK_STR(err, "cannot x: Invalid argument");
	snprintf(nl.ext_msg, sizeof(nl.ext_msg), "Nexthop has invalid gateway");
	netlink_error(&nl, -EINVAL, err, sizeof(err), "cannot add route");
	CHECK_STR(err, "cannot add route: Invalid argument (Nexthop has invalid gateway)");
	/* a small buffer truncates and stays a string */
	netlink_error(&nl, -EINVAL, err, 10, "cannot add route");
	CHECK_STR(err, "cannot ad");
	CHECK_EQ(netlink_error(&nl, -EPERM, NULL, 0, "x"), -EPERM);
}

int main(void)
{
	RUN(ruleset_default_exact);
	RUN(ruleset_v4_only_blocks_v6);
	RUN(ruleset_v6_only_blocks_v4);
	RUN(ruleset_without_dns_redirect);
	RUN(ruleset_custom_names);
	RUN(ruleset_buffer_boundary);
	RUN(ruleset_worst_case_fits_max);
	RUN(egress_spec_rejects);
	RUN(ifname_boundaries);
	RUN(nft_name_boundaries);
	RUN(tun_spec_defaults);
	RUN(tun_spec_boundaries);
	RUN(tun_open_rejects_before_opening);
	RUN(tun_create_rejects_bad_spec);
	RUN(netns_open_checks_the_file);
	RUN(nft_syntax_error_is_reported);
	RUN(msg_addr_v4);
	RUN(msg_addr_v6_nodad);
	RUN(msg_addr_rejects);
	RUN(msg_route_default_via_gateway);
	RUN(msg_route_pool_with_source);
	RUN(msg_route_v6);
	RUN(msg_route_rejects_mixed_families);
	RUN(msg_link);
	RUN(msg_noqueue);
	RUN(tun_memory_is_checked);
	RUN(netlink_error_text);
	return t_done();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nfqueue_rules.c - the guard tables' text: per family, routed or shared */
#include <string.h>

#include "kernel/nfqueue_rules.h"
#include "t.h"

static char text[4096];

static struct nfqr_spec spec(bool shared, bool has4, bool has6)
{
	struct nfqr_spec s = {
		.table = "sentry_g_b", .ifname = "rb", .shared = shared,
		.has4 = has4, .has6 = has6, .addr4 = { 10, 77, 0, 2 },
		.addr6 = { 0xfd, 0x77, [15] = 2 }, .has_dns4 = true,
		.dns4 = { 100, 127, 0, 1 }, .dns_port = 5353, .queue = 7,
		.mark = 0x5e000001, .method = NFQR_NATIVE,
	};
	return s;
}

#define HAS(needle)	CHECK(strstr(text, needle) != NULL)
#define LACKS(needle)	CHECK(strstr(text, needle) == NULL)

TEST(routed_v4)
{
	struct nfqr_spec s = spec(false, true, false);

	CHECK(nfqr_ruleset(&s, false, text, sizeof(text)) > 0);
	HAS("table ip sentry_g_b {");
	HAS("iifname \"rb\" ip saddr != 10.77.0.2 counter drop");	/* anti-spoof */
	HAS("type filter hook forward priority -5");
	HAS("type filter hook input priority -5");		/* the router's sockets */
	HAS("ip daddr 100.127.0.1 tcp dport 5353 ct status dnat accept");
	HAS("dnat to 100.127.0.1:5353");
	HAS("queue num 7");
	HAS("add element ip sentry_g_b allow { 0x5e000001 }");
	/* no IPv6 address: its table drops everything on the interface */
	CHECK(nfqr_ruleset(&s, true, text, sizeof(text)) > 0);
	HAS("table ip6 sentry_g_b {");
	HAS("iifname \"rb\" counter drop");
	HAS("oifname \"rb\" counter drop");
	LACKS("queue");
	LACKS("jump");
}

TEST(shared_bridge)
{
	struct nfqr_spec s = spec(true, true, true);

	s.method = NFQR_COMPAT;
	CHECK(nfqr_ruleset(&s, true, text, sizeof(text)) > 0);
	HAS("iifname \"rb\" ip6 saddr fd77::2 jump from_bottle");
	HAS("oifname \"rb\" ip6 daddr fd77::2 jump to_bottle");
	HAS("nd-neighbor-solicit");
	LACKS("saddr !=");		/* others share the bridge */
	LACKS("queue num");		/* the compat target is appended later */
	LACKS("dnat");			/* no IPv6 listener in this spec */
	/* a shared bridge, a family without an address: no table at all */
	s.has4 = false;
	CHECK_EQ(nfqr_ruleset(&s, false, text, sizeof(text)), 0);
	/* no port: no bridge table */
	CHECK_EQ(nfqr_port_ruleset(&s, text, sizeof(text)), 0);
}

TEST(bridge_port)
{
	struct nfqr_spec s = spec(true, true, false);

	memcpy(s.port, "veth1", 6);
	CHECK(nfqr_port_ruleset(&s, text, sizeof(text)) > 0);
	HAS("table bridge sentry_g_b {");
	HAS("type filter hook prerouting priority -5");
	HAS("iifname \"veth1\" ip saddr != 10.77.0.2 counter drop");
	HAS("iifname \"veth1\" ip6 saddr != { ::, fe80::/10 } counter drop");
	s.has4 = false;
	s.has6 = true;
	CHECK(nfqr_port_ruleset(&s, text, sizeof(text)) > 0);
	HAS("iifname \"veth1\" ether type ip counter drop");
	HAS("ip6 saddr != { fd77::2, ::, fe80::/10 }");
	/* a routed bottle's interface is its own: no port table */
	s.shared = false;
	CHECK_EQ(nfqr_port_ruleset(&s, text, sizeof(text)), 0);
}

TEST(bounds)
{
	struct nfqr_spec s = spec(false, true, true);

	CHECK_EQ(nfqr_ruleset(&s, false, text, 64), -7);	/* -E2BIG */
	memcpy(s.ifname, "r\"b", 4);
	CHECK_EQ(nfqr_ruleset(&s, false, text, sizeof(text)), -22);
}

int main(void)
{
	RUN(routed_v4);
	RUN(shared_bridge);
	RUN(bridge_port);
	RUN(bounds);
	return t_done();
}

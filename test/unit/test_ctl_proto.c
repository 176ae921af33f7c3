// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ctl_proto.c - control requests: every verb, every guard, round trips */
#include <string.h>

#include "ctl_proto.h"
#include "t.h"

static struct ctl_request req;
static char err[256];

static int parse(const char *s)
{
	return ctl_parse_request(s, strlen(s), &req, err, sizeof(err));
}

/* parse @s, expect failure whose message contains @needle */
#define CHECK_REJECTS(s, needle)					\
	do {								\
		CHECK_EQ(parse(s), -22);				\
		if (!strstr(err, needle)) {				\
			t_fail_at("message \"%s\" lacks \"%s\"", err, needle); \
			return;						\
		}							\
	} while (0)

TEST(simple_verbs)
{
	CHECK_EQ(parse("ping\n"), 0);
	CHECK_EQ(req.verb, CTL_PING);
	CHECK_EQ(parse("ping"), 0);		/* newline optional */
	CHECK_EQ(parse("bottles json=1\n"), 0);
	CHECK_EQ(req.verb, CTL_BOTTLES);
	CHECK(req.json);
	CHECK_EQ(parse("stats name=b1\n"), 0);
	CHECK_STR(req.name, "b1");
	CHECK_EQ(parse("reload"), 0);
	CHECK_EQ(req.verb, CTL_RELOAD);
	CHECK_EQ(parse("detach name=x.y-z_1"), 0);
	CHECK_EQ(req.verb, CTL_DETACH);
}

TEST(attach_full)
{
	char a[ADDR_TEXT_MAX];

	CHECK_EQ(parse("attach name=b1 policy=pypi addr4=10.0.2.100/24 gw4=10.0.2.2 "
		       "dns4=10.0.2.3 addr6=fd00::100/64 gw6=fd00::2 queues=2 pidfd=1 "
		       "inotify=1 keep=1 netns=/run/netns/b%201\n"), 0);
	CHECK_EQ(req.verb, CTL_ATTACH);
	CHECK_STR(req.policy, "pypi");
	CHECK(req.addr4.set);
	/* an interface address keeps its host bits */
	CHECK_STR(addr_format(&req.addr4.addr, a), "10.0.2.100");
	CHECK_EQ(req.addr4.plen, 24);
	CHECK_STR(addr_format(&req.addr6.addr, a), "fd00::100");
	CHECK(req.has_gw4 && req.has_gw6 && req.has_dns4 && !req.has_dns6);
	CHECK_EQ(req.queues, 2);
	CHECK(req.pidfd && req.inotify && req.keep);
	CHECK_STR(req.netns, "/run/netns/b 1");
}

TEST(attach_requires)
{
	CHECK_REJECTS("attach name=b addr4=10.0.2.100/24", "queues");
	CHECK_REJECTS("attach name=b queues=1", "addr4 or addr6");
	CHECK_REJECTS("attach queues=1 addr4=10.0.2.100/24", "needs name");
	CHECK_REJECTS("detach", "needs name");
}

TEST(bad_values)
{
	CHECK_REJECTS("attach name=b queues=0 addr4=10.0.2.100/24", "queues");
	CHECK_REJECTS("attach name=b queues=17 addr4=10.0.2.100/24", "queues");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100", "addr4");
	CHECK_REJECTS("attach name=b queues=1 addr4=fd00::1/64", "addr4");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/33", "addr4");
	CHECK_REJECTS("attach name=b queues=1 addr6=fd00::1/129", "addr6");
	/* num.h's rule: no sign or blank; no wider than the max (ten
	 * characters were allowed before, "queues=0000000001" too) */
	CHECK_REJECTS("attach name=b queues=+1 addr4=10.0.2.100/24", "queues");
	CHECK_REJECTS("attach name=b queues=001 addr4=10.0.2.100/24", "queues");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/024", "addr4");
	CHECK_EQ(parse("attach name=b queues=01 addr4=10.0.2.100/08"), 0);
	CHECK_EQ(req.queues, 1);
	CHECK_EQ(req.addr4.plen, 8);
	CHECK_REJECTS("stats name=-b", "name");
	CHECK_REJECTS("stats name=a/b", "name");
	CHECK_REJECTS("bottles json=yes", "json");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/24 inotify=2", "inotify");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/24 netns=relative",
		      "netns");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/24 policy=bad*name",
		      "policy");
}

TEST(syntax_guards)
{
	char big[CTL_REQUEST_MAX + 8];

	CHECK_REJECTS("", "empty");
	CHECK_REJECTS("\n", "empty");
	CHECK_REJECTS("launch name=x", "unknown request");
	CHECK_REJECTS("pingpong", "unknown request");
	CHECK_REJECTS("stats name", "KEY=VALUE");
	CHECK_REJECTS("stats =x", "bad key");
	CHECK_REJECTS("stats Name=x", "bad key");
	CHECK_REJECTS("stats colour=red", "unknown key");
	CHECK_REJECTS("stats name=%4", "bad value");
	CHECK_REJECTS("stats name=%zz", "bad value");
	CHECK_REJECTS("stats name=%00", "bad value");
	CHECK_REJECTS("ping\nping", "one line");
	CHECK_EQ(ctl_parse_request("ping\0x", 6, &req, err, sizeof(err)), -22);
	memset(big, 'a', sizeof(big));
	memcpy(big, "ping ", 5);
	CHECK_EQ(ctl_parse_request(big, sizeof(big), &req, err, sizeof(err)), -22);
	CHECK(strstr(err, "longer"));
}

/* Found by fuzz_ctl: a repeated key used to leave the first value's tail behind */
TEST(regress_duplicate_key)
{
	CHECK_REJECTS("stats name=tat1satgwttach name=0.2.1b1 policy=605\n",
		      "given twice");
	CHECK_REJECTS("bottles json=1 json=0", "given twice");
}

TEST(format_round_trip)
{
	static struct ctl_request a, b;
	char line[CTL_REQUEST_MAX];
	int n;

	CHECK_EQ(parse("attach name=b1 policy=pypi addr4=10.0.2.100/24 gw4=10.0.2.2 "
		       "queues=1 pidfd=1 inotify=1 netns=/run/a%25b%3Dc%20d json=1"), 0);
	a = req;
	n = ctl_format_request(&a, line, sizeof(line));
	CHECK(n > 0);
	CHECK_EQ(line[n - 1], '\n');
	CHECK_EQ(ctl_parse_request(line, (size_t)n, &b, err, sizeof(err)), 0);
	CHECK(!memcmp(&a, &b, sizeof(a)));
	CHECK_STR(b.netns, "/run/a%b=c d");
	CHECK_EQ(ctl_format_request(&a, line, 10), -28);	/* -ENOSPC */
}

TEST(bottle_names)
{
	char n64[65];

	CHECK(ctl_bottle_name_valid("a"));
	CHECK(ctl_bottle_name_valid("netns-6b0c1f5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"));
	CHECK(!ctl_bottle_name_valid(""));
	CHECK(!ctl_bottle_name_valid(".a"));
	CHECK(!ctl_bottle_name_valid("a b"));
	memset(n64, 'a', 64);
	n64[64] = '\0';
	CHECK(!ctl_bottle_name_valid(n64));
	n64[63] = '\0';
	CHECK(ctl_bottle_name_valid(n64));
}

TEST(guard_requests)
{
	char line[CTL_REQUEST_MAX];
	struct ctl_request a;

	/* IPv6 alone is a bottle; bridge_port= says the interface is a bridge */
	CHECK_EQ(parse("guard name=c policy=p addr6=fd00::2/128 iface=br0 queue=3 bridge_port=veth1"), 0);
	CHECK_EQ(req.verb, CTL_GUARD);
	CHECK(req.addr6.set && !req.addr4.set && req.queue == 3);
	CHECK_STR(req.port, "veth1");
	a = req;
	CHECK(ctl_format_request(&a, line, sizeof(line)) > 0);
	CHECK_EQ(parse(line), 0);
	CHECK(!strcmp(req.port, "veth1") && req.addr6.set);
	CHECK_EQ(parse("guard name=c policy=p iface=rb queue=3"), -22);
	CHECK(strstr(err, "addr4 or addr6") != NULL);
	CHECK_EQ(parse("guard name=c policy=p addr4=10.0.0.2/32 iface=rb queue=3 bridge_port=a\"b"), -22);
}

TEST(publish_and_inbound)
{
	char line[CTL_REQUEST_MAX], a[ADDR_TEXT_MAX];
	struct ctl_request r2;
	int n;

	CHECK_EQ(parse("attach name=b queues=1 addr4=10.0.2.100/24 "
		       "publish=tcp:8080-8081:80,udp:5353-5353:53@127.0.0.1,tcp:9-9:9@fd00::1"), 0);
	CHECK_EQ(req.npublish, 3);
	CHECK_EQ(req.publish[0].proto, 6);
	CHECK(!req.publish[0].has_bind);
	CHECK_EQ(req.publish[0].host_lo, 8080);
	CHECK_EQ(req.publish[0].host_hi, 8081);
	CHECK_EQ(req.publish[0].guest_lo, 80);
	CHECK_EQ(req.publish[1].proto, 17);
	CHECK_STR(addr_format(&req.publish[1].bind, a), "127.0.0.1");
	CHECK_STR(addr_format(&req.publish[2].bind, a), "fd00::1");
	/* round trip: what the helper writes, the daemon reads */
	n = ctl_format_request(&req, line, sizeof(line));
	CHECK(n > 0);
	CHECK_EQ(ctl_parse_request(line, (size_t)n, &r2, err, sizeof(err)), 0);
	CHECK_EQ(r2.npublish, 3);
	CHECK(!memcmp(r2.publish, req.publish, sizeof(req.publish)));
	/* each lie caught: reversed, guest past 65535, port 0, no proto, junk */
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/24 publish=tcp:81-80:80",
		      "publish");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/24 publish=tcp:1-2:65535",
		      "publish");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/24 publish=tcp:0-0:80",
		      "publish");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/24 publish=sctp:1-1:1",
		      "publish");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/24 publish=tcp:1-1:1@x",
		      "publish");
	CHECK_REJECTS("attach name=b queues=1 addr4=10.0.2.100/24 publish=", "publish");

	CHECK_EQ(parse("inbound name=b proto=tcp port=8080 to=80 src=fd00::2 sport=40000 refused=1"), 0);
	CHECK_EQ(req.verb, CTL_INBOUND);
	CHECK(req.refused && req.has_src);
	CHECK_EQ(req.in_port, 8080);
	CHECK_EQ(req.in_to, 80);
	CHECK_EQ(req.in_sport, 40000);
	n = ctl_format_request(&req, line, sizeof(line));
	CHECK(n > 0);
	CHECK_EQ(ctl_parse_request(line, (size_t)n, &r2, err, sizeof(err)), 0);
	CHECK(r2.refused && r2.in_proto == 6 && r2.in_sport == 40000);
	CHECK_REJECTS("inbound name=b proto=tcp port=8080 to=80", "inbound needs");
}

int main(void)
{
	RUN(simple_verbs);
	RUN(attach_full);
	RUN(attach_requires);
	RUN(bad_values);
	RUN(syntax_guards);
	RUN(regress_duplicate_key);
	RUN(format_round_trip);
	RUN(bottle_names);
	RUN(guard_requests);
	RUN(publish_and_inbound);
	return t_done();
}

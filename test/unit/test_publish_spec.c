// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_publish_spec.c - pasta's -t/-u values: every form pasta documents
 * and Podman passes, the boundaries of each number, and each refusal with
 * its message; a refused value must leave the set as it was.
 */
#include <errno.h>
#include <string.h>

#include "helpers/publish_spec.h"
#include "t.h"
#include "wire.h"

static char err[256];
static struct publish_set set;

static int add(uint8_t proto, const char *spec)
{
	memset(err, 0, sizeof(err));
	return publish_spec_parse(&set, proto, spec, err, sizeof(err));
}

static int tcp(const char *spec)
{
	return add(PROTO_TCP, spec);
}

static void reset(void)
{
	memset(&set, 0, sizeof(set));
}

static bool addr_is(const struct ipaddr *a, const char *text)
{
	struct ipaddr b;

	return !addr_parse(text, &b) && addr_equal(a, &b);
}

/* map @i is host @lo-@hi to guest @glo */
static bool map_is(uint32_t i, unsigned lo, unsigned hi, unsigned glo)
{
	const struct publish_map *m = &set.map[i];

	return i < set.n && m->host_lo == lo && m->host_hi == hi && m->guest_lo == glo;
}

/* pasta(1)'s own examples for -t */
TEST(pasta_man_page_examples)
{
	reset();
	CHECK_EQ(tcp("22"), 0);
	CHECK(map_is(0, 22, 22, 22));
	reset();
	CHECK_EQ(tcp("22:23"), 0);
	CHECK(map_is(0, 22, 22, 23));
	reset();
	CHECK_EQ(tcp("22,25"), 0);
	CHECK(map_is(0, 22, 22, 22) && map_is(1, 25, 25, 25));
	reset();
	CHECK_EQ(tcp("22-80"), 0);
	CHECK(map_is(0, 22, 80, 22));
	CHECK_EQ(set.ports, 59);
	reset();
	CHECK_EQ(tcp("22-80:32-90"), 0);
	CHECK(map_is(0, 22, 80, 32));
	CHECK_EQ(publish_guest_hi(&set.map[0]), 90);
	reset();
	CHECK_EQ(tcp("192.0.2.1/22"), 0);
	CHECK(set.map[0].has_bind && addr_is(&set.map[0].bind, "192.0.2.1"));
	CHECK_STR(set.map[0].ifname, "");
	reset();
	CHECK_EQ(tcp("192.0.2.1%eth0/22"), 0);
	CHECK(set.map[0].has_bind && addr_is(&set.map[0].bind, "192.0.2.1"));
	CHECK_STR(set.map[0].ifname, "eth0");
	reset();
	CHECK_EQ(tcp("%eth0/22"), 0);
	CHECK(!set.map[0].has_bind);
	CHECK_STR(set.map[0].ifname, "eth0");
	reset();
	CHECK_EQ(tcp("2000-2100,~2010-2020"), 0);
	CHECK_EQ(set.n, 2);
	CHECK(map_is(0, 2000, 2009, 2000) && map_is(1, 2021, 2100, 2021));
	CHECK_EQ(set.ports, 10 + 80);
	reset();
	CHECK_EQ(tcp("192.0.2.1/20-30,~25"), 0);
	CHECK(map_is(0, 20, 24, 20) && map_is(1, 26, 30, 26));
	CHECK(set.map[1].has_bind);
}

/* What Podman 5 writes for -p, and IPv6 bind addresses */
TEST(podman_forms)
{
	reset();
	CHECK_EQ(tcp("8088-8088:80-80"), 0);
	CHECK(map_is(0, 8088, 8088, 80));
	CHECK_EQ(set.map[0].proto, PROTO_TCP);
	CHECK_STR(set.map[0].spec, "8088-8088:80-80");
	CHECK_EQ(tcp("127.0.0.1/8081-8081:80-80"), 0);
	CHECK(map_is(1, 8081, 8081, 80) && addr_is(&set.map[1].bind, "127.0.0.1"));
	CHECK_EQ(tcp("::1/8082-8082:80-80"), 0);
	CHECK(addr_is(&set.map[2].bind, "::1"));
	CHECK_EQ(tcp("2001:db8::1%lo/9000-9009:9000-9009"), 0);
	CHECK(addr_is(&set.map[3].bind, "2001:db8::1"));
	CHECK_STR(set.map[3].ifname, "lo");
	CHECK_EQ(add(PROTO_UDP, "5353-5353:53-53"), 0);
	CHECK(map_is(4, 5353, 5353, 53) && set.map[4].proto == PROTO_UDP);
	/* the same port in the other protocol is another socket */
	CHECK_EQ(add(PROTO_UDP, "8088"), 0);
	CHECK_EQ(set.n, 6);
	CHECK_EQ(set.ports, 1 + 1 + 1 + 10 + 1 + 1);
}

/* Exclusions split, trim or swallow ranges, in any order */
TEST(exclusions)
{
	reset();
	CHECK_EQ(tcp("~5,1-10,~1-2,~10"), 0);
	CHECK_EQ(set.n, 2);
	CHECK(map_is(0, 3, 4, 3) && map_is(1, 6, 9, 6));
	reset();
	/* the guest ports follow the host ports through a split */
	CHECK_EQ(tcp("100-109:200-209,~103-104"), 0);
	CHECK(map_is(0, 100, 102, 200) && map_is(1, 105, 109, 205));
	reset();
	/* two ranges to publish, exclusions overlapping both */
	CHECK_EQ(tcp("1-3,7-9,~2-8"), 0);
	CHECK(map_is(0, 1, 1, 1) && map_is(1, 9, 9, 9));
	reset();
	/* cheap however wide: runs, not ports */
	CHECK_EQ(tcp("1-65535,~2-65534"), 0);
	CHECK(map_is(0, 1, 1, 1) && map_is(1, 65535, 65535, 65535));
}

TEST(none)
{
	reset();
	CHECK_EQ(tcp("none"), 0);
	CHECK(set.tcp_none && !set.udp_none && set.n == 0);
	CHECK_EQ(tcp("none"), 0);	/* said twice: still none */
	CHECK_EQ(add(PROTO_UDP, "53"), 0);	/* the other protocol is free */
	CHECK_EQ(tcp("80"), -EINVAL);
	CHECK_STR(err, "'none' and published ports exclude each other");
	reset();
	CHECK_EQ(tcp("80"), 0);
	CHECK_EQ(tcp("none"), -EINVAL);
	CHECK_STR(err, "'none' and published ports exclude each other");
	CHECK(!set.tcp_none);
}

TEST(port_boundaries)
{
	reset();
	CHECK_EQ(tcp("1"), 0);
	CHECK_EQ(tcp("65535"), 0);
	CHECK_EQ(tcp("65534:65535"), 0);
	CHECK_EQ(tcp("0"), -EINVAL);
	CHECK_STR(err, "'0' is not a port or range of ports (1-65535, first <= last)");
	CHECK_EQ(tcp("65536"), -EINVAL);
	CHECK_EQ(tcp("000080"), -EINVAL);	/* six digits */
	CHECK_EQ(tcp("10:0"), -EINVAL);
	CHECK_STR(err, "'10:0': the guest side is not a port or range of ports "
		  "(1-65535, first <= last)");
	CHECK_EQ(tcp("20-10"), -EINVAL);
	CHECK_EQ(tcp("65530-65535:65531-65536"), -EINVAL);
	CHECK_EQ(tcp("10-11:20"), -EINVAL);
	CHECK_STR(err, "'10-11:20': the host and guest ranges differ in length");
	CHECK_EQ(set.n, 3);
}

TEST(syntax_errors)
{
	static const char *const bad[] = {
		"", ",", "80,", ",80", "80,,81", "-80", "80-", "80:", ":80", "80:81:82",
		"+80", " 80", "80 ", "0x50", "80a", "~80:81", "/80", "192.0.2.1/",
		"192.0.2.999/80", "[::1]/80", "%/80", "192.0.2.1%/80",
		"%averyveryverylongname/80", "192.0.2.1/80/81", "~",
	};

	reset();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tcp(bad[i]) != -EINVAL || !err[0])
			t_fail_at("'%s' accepted", bad[i]);
		CHECK(!t_cur_failed);
	}
	CHECK_EQ(set.n, 0);
	CHECK(!set.tcp_none);
	CHECK_EQ(tcp("~80:81"), -EINVAL);
	CHECK_STR(err, "'~80:81': an excluded range maps to nothing");
	CHECK_EQ(tcp("/80"), -EINVAL);
	CHECK_STR(err, "nothing before '/': expected an address or %INTERFACE");
	CHECK_EQ(tcp("192.0.2.999/80"), -EINVAL);
	CHECK_STR(err, "'192.0.2.999' is not an address");
}

TEST(dynamic_modes_refused)
{
	reset();
	CHECK_EQ(tcp("auto"), -EINVAL);
	CHECK_STR(err, "sentry publishes only the ports it is given, not 'auto'");
	CHECK_EQ(tcp("all"), -EINVAL);
	CHECK_EQ(tcp("~20000-20010"), -EINVAL);
	CHECK_STR(err, "only exclusions: pasta would publish every other port, "
		  "sentry publishes only the ports it is given");
	CHECK_EQ(tcp("80,~80"), -EINVAL);
	CHECK_STR(err, "the exclusions leave no port");
	CHECK_EQ(set.n, 0);
}

TEST(overlaps)
{
	reset();
	CHECK_EQ(tcp("127.0.0.1/8080"), 0);
	CHECK_EQ(tcp("127.0.0.2/8080"), 0);	/* another address */
	CHECK_EQ(tcp("::1/8080"), 0);
	CHECK_EQ(tcp("8079-8081"), -EINVAL);	/* every address includes them */
	CHECK_STR(err, "port 8080 is published twice");
	CHECK_EQ(tcp("127.0.0.1/8000-8100"), -EINVAL);
	CHECK_STR(err, "port 8080 is published twice");
	CHECK_EQ(tcp("8081,8081"), -EINVAL);	/* within one value too */
	CHECK_STR(err, "port 8081 is published twice");
	CHECK_EQ(set.n, 3);
}

TEST(limits)
{
	char spec[PUBLISH_SPEC_MAX + 8];
	size_t n = 0;

	reset();
	CHECK_EQ(tcp("1-256"), 0);
	CHECK_EQ(set.ports, PUBLISH_PORTS_MAX);
	CHECK_EQ(add(PROTO_UDP, "1000"), -EINVAL);
	CHECK_STR(err, "more than 256 published ports");
	CHECK_EQ(set.n, 1);
	reset();
	CHECK_EQ(tcp("1-257"), -EINVAL);
	CHECK_EQ(set.ports, 0);
	/* PUBLISH_MAPS_MAX mappings, then one more */
	for (unsigned i = 0; i < PUBLISH_MAPS_MAX; i++)
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%s%u", i ? "," : "",
				      1000 + 2 * i);
	CHECK_EQ(tcp(spec), 0);
	CHECK_EQ(set.n, PUBLISH_MAPS_MAX);
	CHECK_EQ(tcp("5000"), -EINVAL);
	CHECK_STR(err, "more than 32 published ranges");
	reset();
	/* split by exclusions counts too */
	CHECK_EQ(tcp("1-100,~2,~4,~6,~8,~10,~12,~14,~16,~18,~20,~22,~24,~26,~28,~30,"
		     "~32,~34,~36,~38,~40,~42,~44,~46,~48,~50,~52,~54,~56,~58,~60,~62,~64"),
		 -EINVAL);
	CHECK_STR(err, "more than 32 published ranges");
	/* the value's length and chunk count */
	memset(spec, '1', PUBLISH_SPEC_MAX);
	spec[PUBLISH_SPEC_MAX] = '\0';
	CHECK_EQ(tcp(spec), -EINVAL);
	CHECK_STR(err, "longer than 1023 characters");
	n = 0;
	for (unsigned i = 0; i <= PUBLISH_CHUNKS_MAX; i++)
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%s~%u", i ? "," : "",
				      1 + i);
	CHECK_EQ(tcp(spec), -EINVAL);
	CHECK_STR(err, "more than 64 ranges");
	CHECK_EQ(set.n, 0);
}

int main(void)
{
	RUN(pasta_man_page_examples);
	RUN(podman_forms);
	RUN(exclusions);
	RUN(none);
	RUN(port_boundaries);
	RUN(syntax_errors);
	RUN(dynamic_modes_refused);
	RUN(overlaps);
	RUN(limits);
	return t_done();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* test_addr.c - address parsing, prefixes, formatting and classes (addr.c) */
#include <errno.h>
#include <stdint.h>

#include "addr.h"
#include "t.h"

/* parse @s, which the test asserts is valid */
static struct ipaddr A(const char *s)
{
	struct ipaddr a;

	if (addr_parse(s, &a))
		a.family = 0;	/* makes the caller's next check fail */
	return a;
}

TEST(parse_v4)
{
	struct ipaddr a;

	CHECK_EQ(addr_parse("198.18.0.1", &a), 0);
	CHECK_EQ(a.family, ADDR_FAMILY_V4);
	CHECK(a.b[0] == 198 && a.b[1] == 18 && a.b[2] == 0 && a.b[3] == 1);
	for (int i = 4; i < 16; i++)
		CHECK_EQ(a.b[i], 0);	/* the rest is zero, so memcmp of 16 works */
	CHECK_EQ(addr_parse("0.0.0.0", &a), 0);
	CHECK_EQ(addr_parse("255.255.255.255", &a), 0);
	CHECK_EQ(addr_len(&a), 4);
}

TEST(parse_v6)
{
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct ipaddr a;

	CHECK_EQ(addr_parse("2001:db8::1", &a), 0);
	CHECK_EQ(a.family, ADDR_FAMILY_V6);
	CHECK(!memcmp(a.b, want, 16));
	CHECK_EQ(addr_len(&a), 16);
	CHECK_EQ(addr_parse("::", &a), 0);
	CHECK_EQ(addr_parse("::ffff:1.2.3.4", &a), 0);
	CHECK_EQ(a.family, ADDR_FAMILY_V6);	/* never folded into IPv4 */
	CHECK_EQ(a.b[10], 0xff);
	CHECK_EQ(a.b[15], 4);
}

TEST(parse_rejects)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "1.2.3.-1", " 1.2.3.4",
		"1.2.3.4 ", "1.2.3.4/32", "0x7f.0.0.1", "[::1]", "::g", "1:::2",
		"2001:db8::1%eth0", "1:2:3:4:5:6:7:8:9", "localhost",
	};
	struct ipaddr a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (addr_parse(bad[i], &a) != -EINVAL) {
			t_fail_at("addr_parse(\"%s\") accepted", bad[i]);
			return;
		}
	}
}

TEST(prefix_valid)
{
	struct ipaddr net, want;
	uint8_t plen = 0;

	CHECK_EQ(addr_parse_prefix("10.0.0.0/8", true, &net, &plen), 0);
	CHECK_EQ(plen, 8);
	want = A("10.0.0.0");
	CHECK(addr_equal(&net, &want));

	CHECK_EQ(addr_parse_prefix("0.0.0.0/0", true, &net, &plen), 0);
	CHECK_EQ(plen, 0);
	CHECK_EQ(addr_parse_prefix("198.18.0.1/32", true, &net, &plen), 0);
	CHECK_EQ(plen, 32);
	CHECK_EQ(addr_parse_prefix("2001:db8::/32", true, &net, &plen), 0);
	CHECK_EQ(plen, 32);
	CHECK_EQ(net.family, ADDR_FAMILY_V6);
	CHECK_EQ(addr_parse_prefix("::/0", true, &net, &plen), 0);
	CHECK_EQ(plen, 0);
	CHECK_EQ(addr_parse_prefix("2001:db8::1/128", true, &net, &plen), 0);
	CHECK_EQ(plen, 128);
}

TEST(prefix_bare_address_is_host)
{
	struct ipaddr net, want = A("198.18.0.7");
	uint8_t plen = 0;

	CHECK_EQ(addr_parse_prefix("198.18.0.7", true, &net, &plen), 0);
	CHECK_EQ(plen, 32);
	CHECK(addr_equal(&net, &want));
	CHECK_EQ(addr_parse_prefix("2001:db8::7", true, &net, &plen), 0);
	CHECK_EQ(plen, 128);
}

TEST(prefix_length_syntax)
{
	static const char *const bad[] = {
		"10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/8 ", "10.0.0.0/-1",
		"10.0.0.0/0x8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/999",
		"10.0.0.0/0008", "10.0.0.0/8/8", "10.0.0.0//8", "/8", "::/129",
		"::/1280", "10.0.0/8", "garbage/8", "10.0.0.0/8a",
		/* num.h: no wider than 32 written out (three characters were
		 * allowed before, whatever the family) */
		"10.0.0.0/008",
	};
	struct ipaddr net;
	uint8_t plen;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int strict = 0; strict < 2; strict++) {
			if (addr_parse_prefix(bad[i], strict, &net, &plen) != -EINVAL) {
				t_fail_at("\"%s\" (strict %d) not -EINVAL", bad[i], strict);
				return;
			}
		}
	}
}

/* the boundary: the family's width is a length, one more is not */
TEST(prefix_length_bounds)
{
	struct ipaddr net;
	uint8_t plen;

	CHECK_EQ(addr_parse_prefix("1.2.3.4/32", true, &net, &plen), 0);
	CHECK_EQ(addr_parse_prefix("1.2.3.4/33", false, &net, &plen), -EINVAL);
	CHECK_EQ(addr_parse_prefix("::1/128", true, &net, &plen), 0);
	CHECK_EQ(addr_parse_prefix("::1/129", false, &net, &plen), -EINVAL);
	/* a v6 length on a v4 address */
	CHECK_EQ(addr_parse_prefix("1.2.3.4/64", false, &net, &plen), -EINVAL);
	/* leading zeros, up to the width of the family's length (num.h) */
	CHECK_EQ(addr_parse_prefix("10.0.0.0/08", true, &net, &plen), 0);
	CHECK_EQ(plen, 8);
	CHECK_EQ(addr_parse_prefix("2001:db8::/032", true, &net, &plen), 0);
	CHECK_EQ(plen, 32);
	CHECK_EQ(addr_parse_prefix("2001:db8::/0032", true, &net, &plen), -EINVAL);
}

TEST(prefix_host_bits)
{
	struct ipaddr net, want;
	uint8_t plen = 0;

	CHECK_EQ(addr_parse_prefix("10.1.0.0/8", true, &net, &plen), -EADDRNOTAVAIL);
	CHECK_EQ(addr_parse_prefix("10.1.0.0/8", false, &net, &plen), 0);
	CHECK_EQ(plen, 8);
	want = A("10.0.0.0");
	CHECK(addr_equal(&net, &want));

	/* one host bit just below a non-octet boundary */
	CHECK_EQ(addr_parse_prefix("172.16.0.0/12", true, &net, &plen), 0);
	CHECK_EQ(addr_parse_prefix("172.24.0.0/12", true, &net, &plen), -EADDRNOTAVAIL);
	CHECK_EQ(addr_parse_prefix("172.31.255.255/12", false, &net, &plen), 0);
	want = A("172.16.0.0");
	CHECK(addr_equal(&net, &want));

	CHECK_EQ(addr_parse_prefix("2001:db8::1/64", true, &net, &plen), -EADDRNOTAVAIL);
	CHECK_EQ(addr_parse_prefix("2001:db8::1/64", false, &net, &plen), 0);
	want = A("2001:db8::");
	CHECK(addr_equal(&net, &want));
	CHECK_EQ(addr_parse_prefix("fe80::/10", true, &net, &plen), 0);
	CHECK_EQ(addr_parse_prefix("fec0::/10", true, &net, &plen), 0);
	CHECK_EQ(addr_parse_prefix("fe80::/9", true, &net, &plen), 0);
	CHECK_EQ(addr_parse_prefix("fe80::/8", true, &net, &plen), -EADDRNOTAVAIL);
	CHECK_EQ(addr_parse_prefix("1.2.3.4/0", true, &net, &plen), -EADDRNOTAVAIL);
}

TEST(format_round_trip)
{
	static const char *const canon[] = {
		"0.0.0.0", "198.18.0.1", "255.255.255.255", "10.0.0.1",
		"::", "::1", "2001:db8::1", "fe80::1:2", "ff02::1",
		"2001:db8:1:2:3:4:5:6", "::ffff:1.2.3.4", "64:ff9b::808:808",
		"2002:c000:201::1",
	};
	char buf[ADDR_TEXT_MAX];
	struct ipaddr a, b;

	for (size_t i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		CHECK_EQ(addr_parse(canon[i], &a), 0);
		CHECK_STR(addr_format(&a, buf), canon[i]);
		CHECK_EQ(addr_parse(buf, &b), 0);
		CHECK(addr_equal(&a, &b));
	}
	/* non-canonical input comes back canonical */
	a = A("2001:0DB8:0000::0001");
	CHECK_STR(addr_format(&a, buf), "2001:db8::1");
}

TEST(format_longest)
{
	char buf[ADDR_TEXT_MAX];
	struct ipaddr a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

	CHECK_STR(addr_format(&a, buf), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* and one with a dotted tail reaching ADDR_TEXT_MAX - 1 characters */
	a = A("::ffff:255.255.255.255");
	CHECK_STR(addr_format(&a, buf), "::ffff:255.255.255.255");
}

TEST(prefix_text_longest)
{
	struct ipaddr net;
	uint8_t plen;

	/* 45 address characters, the most addr_parse_prefix() takes */
	CHECK_EQ(addr_parse_prefix("0000:0000:0000:0000:0000:ffff:255.255.255.255/128",
				   true, &net, &plen), 0);
	CHECK_EQ(plen, 128);
}

TEST(equal_and_family)
{
	struct ipaddr a = A("0.0.0.1"), b = A("::1");

	CHECK(!addr_equal(&a, &b));	/* same low bytes, not the same address */
	b = A("0.0.0.1");
	CHECK(addr_equal(&a, &b));
	b = A("0.0.0.2");
	CHECK(!addr_equal(&a, &b));
}

TEST(in_prefix)
{
	struct ipaddr net = A("172.16.0.0"), a;

	a = A("172.31.255.255");
	CHECK(addr_in_prefix(&a, &net, 12));
	a = A("172.32.0.0");
	CHECK(!addr_in_prefix(&a, &net, 12));
	a = A("172.15.255.255");
	CHECK(!addr_in_prefix(&a, &net, 12));
	a = A("8.8.8.8");
	CHECK(addr_in_prefix(&a, &net, 0) == false);	/* net is not 0.0.0.0 */
	net = A("0.0.0.0");
	CHECK(addr_in_prefix(&a, &net, 0));
	CHECK(!addr_in_prefix(&a, &net, 33));		/* no such length */
	a = A("::ffff:172.16.0.1");
	net = A("172.16.0.0");
	CHECK(!addr_in_prefix(&a, &net, 12));		/* families differ */
}

TEST(mask)
{
	struct ipaddr a = A("255.255.255.255"), want;

	for (unsigned int plen = 0; plen <= 32; plen++) {
		uint32_t m = plen ? 0xffffffffu << (32 - plen) : 0;

		a = A("255.255.255.255");
		addr_mask(&a, plen);
		CHECK_EQ(a.b[0], (m >> 24) & 0xff);
		CHECK_EQ(a.b[1], (m >> 16) & 0xff);
		CHECK_EQ(a.b[2], (m >> 8) & 0xff);
		CHECK_EQ(a.b[3], m & 0xff);
	}
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	addr_mask(&a, 65);
	want = A("ffff:ffff:ffff:ffff:8000::");
	CHECK(addr_equal(&a, &want));
}

struct class_case {
	const char *addr;
	enum addr_class cls;
};

static const struct class_case class_cases[] = {
	/* public, including the test "internet" 198.18.0.0/15 */
	{ "198.18.0.1", ADDR_PUBLIC },
	{ "198.19.255.255", ADDR_PUBLIC },
	{ "8.8.8.8", ADDR_PUBLIC },
	{ "1.1.1.1", ADDR_PUBLIC },
	{ "223.255.255.255", ADDR_PUBLIC },
	{ "2606:4700::1111", ADDR_PUBLIC },
	{ "2001:db8::1", ADDR_PUBLIC },		/* not Teredo: 2001:0db8 */
	{ "2001:1::1", ADDR_PUBLIC },
	{ "2003::1", ADDR_PUBLIC },		/* just past 6to4 */
	{ "64:ff9b:0:0:0:1::", ADDR_PUBLIC },	/* past 64:ff9b::/96, before /48 */
	/* unspecified */
	{ "0.0.0.0", ADDR_UNSPECIFIED },
	{ "0.255.255.255", ADDR_UNSPECIFIED },
	{ "::", ADDR_UNSPECIFIED },
	/* loopback */
	{ "127.0.0.1", ADDR_LOOPBACK },
	{ "127.255.255.255", ADDR_LOOPBACK },
	{ "::1", ADDR_LOOPBACK },
	/* private */
	{ "10.0.0.1", ADDR_PRIVATE },
	{ "10.255.255.255", ADDR_PRIVATE },
	{ "172.16.0.1", ADDR_PRIVATE },
	{ "172.31.255.255", ADDR_PRIVATE },
	{ "192.168.1.1", ADDR_PRIVATE },
	{ "fc00::1", ADDR_PRIVATE },
	{ "fdff:ffff::1", ADDR_PRIVATE },
	{ "fec0::1", ADDR_PRIVATE },
	/* just outside private */
	{ "11.0.0.0", ADDR_PUBLIC },
	{ "172.15.255.255", ADDR_PUBLIC },
	{ "172.32.0.0", ADDR_PUBLIC },
	{ "192.169.0.0", ADDR_PUBLIC },
	{ "fe00::1", ADDR_PUBLIC },
	/* link-local */
	{ "169.254.169.254", ADDR_LINK_LOCAL },
	{ "169.254.0.0", ADDR_LINK_LOCAL },
	{ "fe80::1", ADDR_LINK_LOCAL },
	{ "febf:ffff::1", ADDR_LINK_LOCAL },
	/* CGNAT */
	{ "100.64.0.0", ADDR_CGNAT },
	{ "100.127.255.255", ADDR_CGNAT },
	{ "100.63.255.255", ADDR_PUBLIC },
	{ "100.128.0.0", ADDR_PUBLIC },
	/* multicast */
	{ "224.0.0.1", ADDR_MULTICAST },
	{ "239.255.255.255", ADDR_MULTICAST },
	{ "ff02::1", ADDR_MULTICAST },
	{ "ff0e::101", ADDR_MULTICAST },
	/* reserved */
	{ "240.0.0.1", ADDR_RESERVED },
	{ "255.255.255.255", ADDR_RESERVED },
	{ "192.0.0.8", ADDR_RESERVED },
	{ "192.0.1.0", ADDR_PUBLIC },
	/* IPv6 that embeds IPv4 */
	{ "::ffff:127.0.0.1", ADDR_EMBEDS_V4 },		/* v4-mapped */
	{ "::ffff:8.8.8.8", ADDR_EMBEDS_V4 },
	{ "::1.2.3.4", ADDR_EMBEDS_V4 },		/* v4-compatible */
	{ "64:ff9b::7f00:1", ADDR_EMBEDS_V4 },		/* NAT64 */
	{ "64:ff9b:1::a00:1", ADDR_EMBEDS_V4 },		/* local-use NAT64 */
	{ "2002:7f00:1::1", ADDR_EMBEDS_V4 },		/* 6to4 */
	{ "2002:ffff::1", ADDR_EMBEDS_V4 },
	{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", ADDR_EMBEDS_V4 },	/* Teredo */
	{ "2001:0:ffff::1", ADDR_EMBEDS_V4 },
};

TEST(classify_every_class)
{
	bool seen[ADDR_CLASS_MAX] = { false };

	for (size_t i = 0; i < sizeof(class_cases) / sizeof(class_cases[0]); i++) {
		const struct class_case *c = &class_cases[i];
		struct ipaddr a;
		enum addr_class got;

		if (addr_parse(c->addr, &a)) {
			t_fail_at("cannot parse %s", c->addr);
			return;
		}
		got = addr_classify(&a);
		if (got != c->cls) {
			t_fail_at("%s: %s, want %s", c->addr, addr_class_name(got),
				  addr_class_name(c->cls));
			return;
		}
		seen[got] = true;
	}
	for (int k = 0; k < ADDR_CLASS_MAX; k++)
		CHECK(seen[k]);
}

TEST(class_names)
{
	CHECK_STR(addr_class_name(ADDR_PUBLIC), "public");
	CHECK_STR(addr_class_name(ADDR_LINK_LOCAL), "link-local");
	CHECK_STR(addr_class_name(ADDR_EMBEDS_V4), "embeds-ipv4");
	CHECK_STR(addr_class_name(ADDR_CLASS_MAX), "?");
	CHECK_STR(addr_class_name((enum addr_class)-1), "?");
	for (int k = 0; k < ADDR_CLASS_MAX; k++)
		CHECK(addr_class_name((enum addr_class)k) != NULL);
}

TEST(set_from_bytes)
{
	static const uint8_t v4[4] = { 198, 18, 0, 1 };
	static const uint8_t v6[16] = { 0xfe, 0x80, [15] = 9 };
	struct ipaddr a, b = A("198.18.0.1");

	memset(&a, 0xaa, sizeof(a));
	addr_set(&a, v4, 4);
	CHECK(addr_equal(&a, &b));
	for (int i = 4; i < 16; i++)
		CHECK_EQ(a.b[i], 0);
	addr_set(&a, v6, 16);
	b = A("fe80::9");
	CHECK(addr_equal(&a, &b));
}

int main(void)
{
	RUN(parse_v4);
	RUN(parse_v6);
	RUN(parse_rejects);
	RUN(prefix_valid);
	RUN(prefix_bare_address_is_host);
	RUN(prefix_length_syntax);
	RUN(prefix_length_bounds);
	RUN(prefix_host_bits);
	RUN(format_round_trip);
	RUN(format_longest);
	RUN(prefix_text_longest);
	RUN(equal_and_family);
	RUN(in_prefix);
	RUN(mask);
	RUN(classify_every_class);
	RUN(class_names);
	RUN(set_from_bytes);
	return t_done();
}

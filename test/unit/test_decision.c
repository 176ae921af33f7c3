// SPDX-License-Identifier: GPL-2.0-or-later
/* test_decision.c - decision log lines: fields, escaping, truncation */
#include <string.h>

#include "decision.h"
#include "packet.h"
#include "policy.h"
#include "t.h"

static struct decision base(void)
{
	struct decision d = {
		.ts_ns = 1795860454866484123ULL,
		.event = "flow", .verdict = "deny", .reason = "rule",
		.rule = "deny cidr 169.254.169.254/32", .proto = PROTO_TCP,
		.has_ports = 1, .sport = 40000, .dport = 80,
		.bottle = "b1", .policy = "p",
	};

	addr_parse("10.0.2.100", &d.src);
	addr_parse("169.254.169.254", &d.dst);
	return d;
}

TEST(fields_in_order)
{
	struct decision d = base();
	char line[DECISION_LINE_MAX];
	size_t n = decision_format(&d, line, sizeof(line));

	CHECK_EQ(n, strlen(line));
	CHECK_STR(line, "{\"ts\":1795860454.866484,\"event\":\"flow\",\"verdict\":\"deny\","
		  "\"reason\":\"rule\",\"rule\":\"deny cidr 169.254.169.254/32\","
		  "\"proto\":\"tcp\",\"src\":\"10.0.2.100\",\"sport\":40000,"
		  "\"dst\":\"169.254.169.254\",\"dport\":80,\"bottle\":\"b1\",\"policy\":\"p\"}\n");
}

TEST(dns_fields_and_escaping)
{
	struct decision d = base();
	char line[DECISION_LINE_MAX];

	d.event = "dns";
	d.qname = "a\\046b.example";	/* a label holding a dot, as the parser escapes it */
	d.qtype = 28;
	d.detail = "quote \" and\ttab";
	decision_format(&d, line, sizeof(line));
	CHECK(strstr(line, "\"qname\":\"a\\\\046b.example\",\"qtype\":\"AAAA\""));
	CHECK(strstr(line, "\"detail\":\"quote \\\" and\\u0009tab\""));
	d.qtype = 4242;
	decision_format(&d, line, sizeof(line));
	CHECK(strstr(line, "\"qtype\":\"TYPE4242\""));
}

TEST(no_ports_for_icmp)
{
	struct decision d = base();
	char line[DECISION_LINE_MAX];

	d.proto = PROTO_ICMP;
	d.has_ports = 0;
	decision_format(&d, line, sizeof(line));
	CHECK(!strstr(line, "sport"));
	CHECK(strstr(line, "\"proto\":\"icmp\""));
	d.proto = 47;
	decision_format(&d, line, sizeof(line));
	CHECK(strstr(line, "\"proto\":47"));
}

/* A small buffer loses whole fields, never the closing brace */
TEST(truncation_stays_json)
{
	struct decision d = base();
	char line[64];
	size_t n = decision_format(&d, line, sizeof(line));

	CHECK(n < sizeof(line));
	CHECK_EQ(line[n - 1], '\n');
	CHECK_EQ(line[n - 2], '}');
	CHECK(!strstr(line, "\"rule\""));
	CHECK_EQ(decision_format(&d, line, 3), 0);
}

TEST(rule_text)
{
	struct rule r;
	char text[512];

	memset(&r, 0, sizeof(r));
	CHECK_EQ(rule_parse_pattern("*.Example.COM.", &r), 0);
	CHECK_EQ(rule_parse_ports("tcp/443", &r), 0);
	CHECK_EQ(rule_parse_ports("tcp/8000-8100", &r), 0);
	r.action = ACTION_ALLOW;
	decision_rule_text(&r, text, sizeof(text));
	CHECK_STR(text, "allow domain *.example.com tcp/443 tcp/8000-8100");
}

int main(void)
{
	RUN(fields_in_order);
	RUN(dns_fields_and_escaping);
	RUN(no_ports_for_icmp);
	RUN(truncation_stays_json);
	RUN(rule_text);
	return t_done();
}

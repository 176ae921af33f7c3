// SPDX-License-Identifier: GPL-2.0-or-later
/* test_declog.c - decision lines read back: round trip, refusals, filters, --since */
#include <errno.h>
#include <string.h>

#include "declog.h"
#include "decision.h"
#include "packet.h"
#include "t.h"

static int parse(const char *line, struct declog_entry *e)
{
	char err[128];

	return declog_parse(line, strlen(line), e, err, sizeof(err));
}

TEST(round_trip_of_the_writer)
{
	struct decision d = {
		.ts_ns = 1795860454866484123ULL, .event = "flow", .verdict = "would_deny",
		.reason = "default", .rule = "default deny", .name = "cdn.test",
		.proto = PROTO_TCP, .has_ports = 1, .sport = 40000, .dport = 443,
		.bottle = "b1", .policy = "p", .detail = "quote \" tab\t",
	};
	char line[DECISION_LINE_MAX];
	struct declog_entry e;
	size_t n;

	addr_parse("10.0.2.100", &d.src);
	addr_parse("2001:db8::7", &d.dst);
	n = decision_format(&d, line, sizeof(line));
	CHECK_EQ(parse(line, &e), 0);		/* the '\n' is blank space */
	CHECK_EQ(declog_parse(line, n - 1, &e, NULL, 0), 0);
	CHECK_EQ(e.ts_us, 1795860454866484ULL);
	CHECK_STR(e.event, "flow");
	CHECK_STR(e.verdict, "would_deny");
	CHECK_STR(e.rule, "default deny");
	CHECK_STR(e.name, "cdn.test");
	CHECK_STR(e.proto, "tcp");
	CHECK_STR(e.dst, "2001:db8::7");
	CHECK_EQ(e.sport, 40000);
	CHECK_EQ(e.dport, 443);
	CHECK_STR(e.detail, "quote \" tab?");
	CHECK_STR(e.bottle, "b1");
}

TEST(absent_fields_and_unknown_keys)
{
	struct declog_entry e;

	CHECK_EQ(parse("{\"event\":\"dns\",\"verdict\":\"deny\",\"future\":[1]}", &e), -EINVAL);
	CHECK_EQ(parse("{\"event\":\"dns\",\"verdict\":\"deny\",\"future\":true,"
		       "\"more\":\"x\",\"qtype\":4242}", &e), 0);
	CHECK_EQ(e.sport, -1);
	CHECK_EQ(e.ts_us, 0);
	CHECK_STR(e.qtype, "4242");
	CHECK_STR(e.bottle, "");
}

TEST(refusals)
{
	static const char *const bad[] = {
		"", "garbage", "{}", "[1]", "{\"event\":\"flow\"}",
		"{\"event\":\"flow\",\"verdict\":\"allow\"", /* unterminated */
		"{\"event\":\"flow\",\"verdict\":\"allow\"}{\"event\":\"x\"}",
		"{\"event\":\"flow\",\"verdict\":\"allow\",\"sport\":65536}",
		"{\"event\":\"flow\",\"verdict\":\"allow\",\"ts\":-1}",
		"{\"event\":\"flow\",\"verdict\":\"allow\",\"ts\":1e9}",
		"{\"event\":\"flow\",\"verdict\":\"al\\qlow\"}",
		"{\"event\":\"flow\",\"verdict\":\"al\\u00zz\"}",
		"{\"event\":\"fl\x01ow\",\"verdict\":\"allow\"}",
		"{\"event\" \"flow\",\"verdict\":\"allow\"}",
		"{\"event\":\"flow\",\"verdict\":\"allow\",\"ts\":99999999999999999999999}",
	};
	struct declog_entry e;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (declog_parse(bad[i], strlen(bad[i]), &e, err, sizeof(err)) != -EINVAL) {
			t_fail_at("accepted: %s", bad[i]);
			return;
		}
		CHECK(!strncmp(err, "byte ", 5));
	}
}

TEST(terminal_escapes_never_survive)
{
	struct declog_entry e;
	char out[DECLOG_LINE_MAX];

	CHECK_EQ(parse("{\"event\":\"dns\",\"verdict\":\"deny\",\"qname\":\"a\\u001b[2Jb\","
		       "\"bottle\":\"\xc2\x9b" "x\"}", &e), 0);
	CHECK_STR(e.qname, "a?[2Jb");
	CHECK_STR(e.bottle, "??x");
	declog_format_text(&e, true, out, sizeof(out));
	for (const char *p = out; *p; p++)
		CHECK(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
}

TEST(readable_line)
{
	struct declog_entry e;
	char out[DECLOG_LINE_MAX];

	CHECK_EQ(parse("{\"ts\":1795860455.001020,\"event\":\"flow\",\"verdict\":\"allow\","
		       "\"reason\":\"rule\",\"rule\":\"allow domain w.test tcp/80\",\"name\":\"w.test\","
		       "\"proto\":\"tcp\",\"src\":\"10.0.2.100\",\"sport\":52958,\"dst\":\"198.18.0.80\","
		       "\"dport\":80,\"bottle\":\"b\",\"policy\":\"demo\"}", &e), 0);
	declog_format_text(&e, true, out, sizeof(out));
	CHECK_STR(out, "2026-11-28 10:07:35.001020 b ALLOW      flow tcp 10.0.2.100:52958 -> "
		  "198.18.0.80:80 w.test  (allow domain w.test tcp/80)\n");
	CHECK_EQ(parse("{\"ts\":1,\"event\":\"dns\",\"verdict\":\"deny\",\"reason\":\"dns_private_answer\","
		       "\"proto\":\"udp\",\"src\":\"fd00::1\",\"sport\":5,\"dst\":\"fd00::2\",\"dport\":53,"
		       "\"qname\":\"x.test\",\"qtype\":\"A\",\"detail\":\"answer 127.0.0.1 is loopback\"}", &e), 0);
	declog_format_text(&e, true, out, sizeof(out));
	CHECK_STR(out, "1970-01-01 00:00:01.000000 - DENY       dns udp [fd00::1]:5 -> [fd00::2]:53 "
		  "x.test A  (dns_private_answer: answer 127.0.0.1 is loopback)\n");
	/* a small buffer still ends in a newline */
	CHECK_EQ(declog_format_text(&e, true, out, 10), 9);
	CHECK_STR(out, "1970-01-\n");
}

TEST(filters)
{
	struct declog_entry e;
	struct declog_filter f = { 0 };

	CHECK_EQ(parse("{\"ts\":100,\"event\":\"flow\",\"verdict\":\"would_deny\","
		       "\"bottle\":\"b1\",\"policy\":\"p\"}", &e), 0);
	CHECK(declog_match(&e, &f));
	f.verdicts = "deny";
	CHECK(!declog_match(&e, &f));
	f.verdicts = "deny,would_deny";
	CHECK(declog_match(&e, &f));
	f.verdicts = "would";		/* whole words only */
	CHECK(!declog_match(&e, &f));
	f.verdicts = NULL;
	f.events = "dns";
	CHECK(!declog_match(&e, &f));
	f.events = "dns,flow";
	CHECK(declog_match(&e, &f));
	f.bottle = "b";
	CHECK(!declog_match(&e, &f));
	f.bottle = "b1";
	f.policy = "p";
	f.since_us = 100000000;
	CHECK(declog_match(&e, &f));
	f.since_us = 100000001;
	CHECK(!declog_match(&e, &f));
}

TEST(since)
{
	uint64_t v, now = 1000000ULL * 1000000;

	CHECK_EQ(declog_parse_since("1795860454", now, true, &v), 0);
	CHECK_EQ(v, 1795860454000000ULL);
	CHECK_EQ(declog_parse_since("15m", now, true, &v), 0);
	CHECK_EQ(v, now - 900000000ULL);
	CHECK_EQ(declog_parse_since("2d", now, true, &v), 0);
	CHECK_EQ(v, now - 2 * 86400000000ULL);
	CHECK_EQ(declog_parse_since("1970-01-02", now, true, &v), 0);
	CHECK_EQ(v, 86400000000ULL);
	CHECK_EQ(declog_parse_since("1970-01-01T00:01:02", now, true, &v), 0);
	CHECK_EQ(v, 62000000ULL);
	CHECK_EQ(declog_parse_since("1970-01-01 00:01", now, true, &v), 0);
	CHECK_EQ(v, 60000000ULL);
	CHECK_EQ(declog_parse_since("", now, true, &v), -EINVAL);
	CHECK_EQ(declog_parse_since("5w", now, true, &v), -EINVAL);
	CHECK_EQ(declog_parse_since("-5m", now, true, &v), -EINVAL);
	CHECK_EQ(declog_parse_since("99999999999999999999", now, true, &v), -EINVAL);
	CHECK_EQ(declog_parse_since("2026-13-01", now, true, &v), -EINVAL);
}

int main(void)
{
	RUN(round_trip_of_the_writer);
	RUN(absent_fields_and_unknown_keys);
	RUN(refusals);
	RUN(terminal_escapes_never_survive);
	RUN(readable_line);
	RUN(filters);
	RUN(since);
	return t_done();
}

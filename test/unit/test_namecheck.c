// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_namecheck.c - a flow admitted through a learnt name must present a
 * name its policy allows (namecheck.h), end to end through the engine
 *
 * allowed.example and other.example share 198.18.7.7; the bottle may
 * reach allowed.example only. Packets are built byte by byte with their
 * sequence numbers, so split and reordered first payloads can be told.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_build.h"
#include "engine.h"
#include "hello.h"
#include "pktbuild.h"
#include "policy_ini.h"
#include "t.h"

#define NS	1000000000ULL
#define ISN	0x10000000u

static const char policy_fmt[] =
	"[policy]\nname = t\nmin_ttl = 5\nmax_ttl = 600\n%s\n"
	"[allow]\n"
	"domain = allowed.example tcp/443 tcp/80 udp/443 tcp/22\n"
	"domain = *.wild.example tcp/443\n"
	"cidr = 198.18.5.0/24 tcp/443\n";

static struct engine *e;
static struct bottle b;
static char lines[64][DECISION_LINE_MAX];
static int nlines;
static uint8_t buf[20000], hello[20000], rec[20000];
static struct wb wb;

static void sink(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	if (nlines < 64) {
		snprintf(lines[nlines], sizeof(lines[0]), "%.*s", (int)len, line);
		nlines++;
	}
}

static bool last_has(const char *needle)
{
	return nlines && strstr(lines[nlines - 1], needle);
}

static void learn(const char *name, const char *addr)
{
	struct dns_msg q;
	struct ipaddr c, s, a;
	size_t at;

	wb.n = 0;
	whdr(&wb, 1, 0x0100, 1, 0, 0, 0);
	wq(&wb, name, 1, 1);
	dns_parse_query(wb.b, wb.n, &q);
	wb.n = 0;
	whdr(&wb, 1, 0x8180, 1, 1, 0, 0);
	wq(&wb, name, 1, 1);
	addr_parse(addr, &a);
	wname(&wb, name);
	at = wrr(&wb, 1, 1, 300);
	wbytes(&wb, a.b, 4);
	wrr_end(&wb, at);
	addr_parse("10.0.2.100", &c);
	addr_parse("10.0.2.3", &s);
	engine_dns_answer(e, &b, &q.q, &c, 4000, &s, 53, wb.b, wb.n, NS,
			  engine_scratch_answer(e));
}

static int setup(const char *mode_line)
{
	char text[1024], err[POLICY_ERR_MAX];
	struct engine_config cfg;
	struct policy *p;

	snprintf(text, sizeof(text), policy_fmt, mode_line);
	if (policy_compile_text(text, strlen(text), "t.ini", &p, err)) {
		printf("# %s\n", err);
		return -1;
	}
	engine_config_default(&cfg);
	cfg.flow_capacity = 256;
	cfg.log_refusals_per_s = 0;
	engine_free(e);
	e = engine_new(&cfg);
	if (!e)
		return -1;
	engine_set_sink(e, &(struct decision_sink){ sink, NULL });
	engine_bottle_init(&b, 7, "b", engine_policy_get(e, "t", p));
	addr_parse("10.0.2.100", &b.addr4);
	b.has4 = true;
	learn("allowed.example", "198.18.7.7");
	learn("other.example", "198.18.7.7");	/* its query refused: learnt here anyway */
	learn("a.wild.example", "198.18.8.8");
	nlines = 0;
	return 0;
}

/* A segment from the bottle with @flags, @seq and @len bytes of @data */
static enum engine_action seg(const char *dst, uint16_t sport, uint16_t dport,
			      uint8_t flags, uint32_t seq, const void *data,
			      size_t len, struct engine_result *r)
{
	static struct pkt p;
	size_t n = v4(buf, PROTO_TCP, 40 + len);

	tcp(buf + n, sport, dport, flags);
	put_be32(buf + n + 4, seq);
	if (len)
		memcpy(buf + 40, data, len);
	v4_addrs(buf, "10.0.2.100", dst);
	if (pkt_parse(buf, 40 + len, &p) != DROP_NONE)
		return (enum engine_action)-1;
	return engine_outbound(e, &b, &p, 2 * NS, r);
}

static enum engine_action dgram(const char *dst, uint16_t sport,
				const uint8_t *data, size_t len,
				struct engine_result *r)
{
	static struct pkt p;
	size_t n = udp4(buf, "10.0.2.100", sport, dst, 443, data, len);

	if (pkt_parse(buf, n, &p) != DROP_NONE)
		return (enum engine_action)-1;
	return engine_outbound(e, &b, &p, 2 * NS, r);
}

#define SYN	0x02
#define ACK	0x10
#define PSHACK	0x18

/* SYN, then the first payload as one segment: the action on the payload */
static enum engine_action connect_send(const char *dst, uint16_t sport,
				       uint16_t dport, const void *data,
				       size_t len, struct engine_result *r)
{
	if (seg(dst, sport, dport, SYN, ISN, NULL, 0, r) != ENGINE_FORWARD)
		return (enum engine_action)-2;
	return seg(dst, sport, dport, PSHACK, ISN + 1, data, len, r);
}

static size_t tls(const char *sni, size_t pad)
{
	return tls_record(rec, hello, client_hello(hello, sni, pad));
}

TEST(sni_allowed_and_mismatch)
{
	struct engine_result r;
	size_t n;

	CHECK(!setup(""));
	n = tls("Allowed.Example", 0);
	CHECK_EQ(connect_send("198.18.7.7", 40000, 443, rec, n, &r), ENGINE_FORWARD);
	CHECK_EQ(nlines, 1);		/* the flow's own decision only */
	n = tls("other.example", 0);
	CHECK_EQ(connect_send("198.18.7.7", 40001, 443, rec, n, &r), ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_MISMATCH);
	CHECK(last_has("\"verdict\":\"deny\"") && last_has("\"reason\":\"name_mismatch\"") &&
	      last_has("\"name\":\"other.example\"") && last_has("tls server_name"));
	/* the flow stays refused */
	CHECK_EQ(seg("198.18.7.7", 40001, 443, ACK, ISN + 1 + (uint32_t)n, NULL, 0, &r),
		 ENGINE_REJECT);
	/* a trailing dot and case do not matter; a wildcard anchors */
	n = tls("B.WILD.example.", 0);
	CHECK_EQ(connect_send("198.18.8.8", 40002, 443, rec, n, &r), ENGINE_FORWARD);
	n = tls("wild.example", 0);
	CHECK_EQ(connect_send("198.18.8.8", 40003, 443, rec, n, &r), ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_MISMATCH);
	CHECK(!engine_stats(e)->flows_denied);
}

TEST(no_name_decided_as_today)
{
	struct engine_result r;
	size_t n = tls(NULL, 0);

	CHECK(!setup(""));
	CHECK_EQ(connect_send("198.18.7.7", 40010, 443, rec, n, &r), ENGINE_FORWARD);
	CHECK_EQ(connect_send("198.18.7.7", 40011, 22, "SSH-2.0-x\r\n", 11, &r),
		 ENGINE_FORWARD);
	/* after the first payload, nothing more is read */
	n = tls("other.example", 0);
	CHECK_EQ(seg("198.18.7.7", 40011, 22, PSHACK, ISN + 12, rec, n, &r), ENGINE_FORWARD);
	CHECK_EQ(nlines, 2);
}

TEST(http_host_checked)
{
	struct engine_result r;
	const char *req = "GET / HTTP/1.1\r\nHost: allowed.example:80\r\n\r\n";

	CHECK(!setup(""));
	CHECK_EQ(connect_send("198.18.7.7", 40020, 80, req, strlen(req), &r), ENGINE_FORWARD);
	req = "GET / HTTP/1.1\r\nHost: other.example\r\n\r\n";
	CHECK_EQ(connect_send("198.18.7.7", 40021, 80, req, strlen(req), &r), ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_MISMATCH);
	CHECK(last_has("\"name\":\"other.example\"") && last_has("http host"));
	/* the absolute target names the vhost, whatever Host says */
	req = "GET http://other.example/ HTTP/1.1\r\nHost: allowed.example\r\n\r\n";
	CHECK_EQ(connect_send("198.18.7.7", 40022, 80, req, strlen(req), &r), ENGINE_REJECT);
	/* an address literal names no host: decided as today */
	req = "GET / HTTP/1.1\r\nHost: 198.18.7.7:80\r\n\r\n";
	CHECK_EQ(connect_send("198.18.7.7", 40024, 80, req, strlen(req), &r), ENGINE_FORWARD);
	/* two Host headers: unreadable, refused */
	req = "GET / HTTP/1.1\r\nHost: allowed.example\r\nHost: other.example\r\n\r\n";
	CHECK_EQ(connect_send("198.18.7.7", 40023, 80, req, strlen(req), &r), ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_UNREADABLE);
}

TEST(split_hello_reassembled)
{
	struct engine_result r;
	size_t n = tls("other.example", 1800);

	CHECK(!setup(""));
	CHECK(n > 1400);
	CHECK_EQ(seg("198.18.7.7", 40030, 443, SYN, ISN, NULL, 0, &r), ENGINE_FORWARD);
	/* the second half first: dropped, the sender resends */
	CHECK_EQ(seg("198.18.7.7", 40030, 443, PSHACK, ISN + 1 + 1400, rec + 1400,
		     n - 1400, &r), ENGINE_DROP);
	CHECK_EQ(r.reason, DROP_NAME_GAP);
	CHECK_EQ(seg("198.18.7.7", 40030, 443, PSHACK, ISN + 1, rec, 1400, &r),
		 ENGINE_FORWARD);
	/* a resend of the first half that says something else */
	rec[100] ^= 0xff;
	CHECK_EQ(seg("198.18.7.7", 40030, 443, PSHACK, ISN + 1, rec, 1400, &r),
		 ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_UNREADABLE);
	rec[100] ^= 0xff;
	/* again, in order: the name is in the second half */
	CHECK_EQ(seg("198.18.7.7", 40031, 443, SYN, ISN, NULL, 0, &r), ENGINE_FORWARD);
	CHECK_EQ(seg("198.18.7.7", 40031, 443, PSHACK, ISN + 1, rec, 1400, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(seg("198.18.7.7", 40031, 443, PSHACK, ISN + 1 + 1400, rec + 1400,
		     n - 1400, &r), ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_MISMATCH);
	/* the allowed name, split the same way, passes */
	n = tls("allowed.example", 1800);
	CHECK_EQ(seg("198.18.7.7", 40032, 443, SYN, ISN, NULL, 0, &r), ENGINE_FORWARD);
	CHECK_EQ(seg("198.18.7.7", 40032, 443, PSHACK, ISN + 1, rec, 1400, &r),
		 ENGINE_FORWARD);
	CHECK_EQ(seg("198.18.7.7", 40032, 443, PSHACK, ISN + 1 + 1400, rec + 1400,
		     n - 1400, &r), ENGINE_FORWARD);
}

TEST(new_syn_rearms)
{
	struct engine_result r;
	size_t n = tls("allowed.example", 0);

	CHECK(!setup(""));
	CHECK_EQ(connect_send("198.18.7.7", 40040, 443, rec, n, &r), ENGINE_FORWARD);
	/* the same ports, a new connection, another name */
	n = tls("other.example", 0);
	CHECK_EQ(connect_send("198.18.7.7", 40040, 443, rec, n, &r), ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_MISMATCH);
}

/* A SYN in the middle of a split hello must not start the stream over:
 * the rest of the real hello would be read as a fresh first message */
TEST(syn_while_reading_ignored)
{
	struct engine_result r;
	size_t n = tls("other.example", 1800);

	CHECK(!setup(""));
	CHECK_EQ(seg("198.18.7.7", 40045, 443, SYN, ISN, NULL, 0, &r), ENGINE_FORWARD);
	CHECK_EQ(seg("198.18.7.7", 40045, 443, PSHACK, ISN + 1, rec, 1400, &r),
		 ENGINE_FORWARD);
	/* a SYN whose number makes the second half look like offset 0 */
	CHECK_EQ(seg("198.18.7.7", 40045, 443, SYN, ISN + 1400, NULL, 0, &r), ENGINE_FORWARD);
	CHECK_EQ(seg("198.18.7.7", 40045, 443, PSHACK, ISN + 1 + 1400, rec + 1400,
		     n - 1400, &r), ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_MISMATCH);
}

TEST(cidr_admitted_not_checked)
{
	struct engine_result r;
	size_t n = tls("other.example", 0);

	CHECK(!setup(""));
	CHECK_EQ(connect_send("198.18.5.9", 40050, 443, rec, n, &r), ENGINE_FORWARD);
	CHECK_EQ(nlines, 1);
}

TEST(log_mode_and_off)
{
	struct engine_result r;
	size_t n = tls("other.example", 0);

	CHECK(!setup("name_check = log"));
	CHECK_EQ(connect_send("198.18.7.7", 40060, 443, rec, n, &r), ENGINE_FORWARD);
	CHECK(last_has("\"verdict\":\"would_deny\"") && last_has("name_mismatch") &&
	      last_has("other.example"));
	CHECK_EQ(nlines, 2);
	CHECK(!setup("name_check = off"));
	CHECK_EQ(connect_send("198.18.7.7", 40061, 443, rec, n, &r), ENGINE_FORWARD);
	CHECK_EQ(nlines, 1);
	CHECK(!setup("name_check = enforce"));
	CHECK_EQ(connect_send("198.18.7.7", 40062, 443, rec, n, &r), ENGINE_REJECT);
}

TEST(quic_initial_checked)
{
	static const uint8_t dcid[] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	static uint8_t pkt[1500];
	struct engine_result r;
	size_t h, n;

	CHECK(!setup(""));
	h = client_hello(hello, "allowed.example", 0);
	n = quic_seal(pkt, dcid, sizeof(dcid), 0, 0, hello, h);
	CHECK_EQ(dgram("198.18.7.7", 50000, pkt, n, &r), ENGINE_FORWARD);
	/* a short-header packet after it is not read */
	pkt[0] = 0x40;
	CHECK_EQ(dgram("198.18.7.7", 50000, pkt, n, &r), ENGINE_FORWARD);
	/* a new Initial on the same ports, another connection, another name */
	h = client_hello(hello, "other.example", 0);
	n = quic_seal(pkt, dcid + 1, sizeof(dcid) - 1, 0, 0, hello, h);
	CHECK_EQ(dgram("198.18.7.7", 50000, pkt, n, &r), ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_MISMATCH);
	CHECK(last_has("quic server_name") && last_has("other.example"));
	/* the hello split over two Initials, second first */
	h = client_hello(hello, "other.example", 1500);
	n = quic_seal(pkt, dcid, sizeof(dcid), 1, 1000, hello + 1000, h - 1000);
	CHECK_EQ(dgram("198.18.7.7", 50001, pkt, n, &r), ENGINE_FORWARD);
	n = quic_seal(pkt, dcid, sizeof(dcid), 0, 0, hello, 1000);
	CHECK_EQ(dgram("198.18.7.7", 50001, pkt, n, &r), ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_MISMATCH);
	/* another version: refused, the client falls back to TCP */
	n = quic_seal(pkt, dcid, sizeof(dcid), 0, 0, hello, 1000);
	put_be32(pkt + 1, 0x6b3343cf);
	CHECK_EQ(dgram("198.18.7.7", 50002, pkt, n, &r), ENGINE_REJECT);
	CHECK_EQ(r.reason, DROP_NAME_UNREADABLE);
}

int main(void)
{
	RUN(sni_allowed_and_mismatch);
	RUN(no_name_decided_as_today);
	RUN(http_host_checked);
	RUN(split_hello_reassembled);
	RUN(new_syn_rearms);
	RUN(syn_while_reading_ignored);
	RUN(cidr_admitted_not_checked);
	RUN(log_mode_and_off);
	RUN(quic_initial_checked);
	engine_free(e);
	return t_done();
}

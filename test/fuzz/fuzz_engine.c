// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_engine.c - libFuzzer harness: whole packets through the engine
 *
 * The input is a sequence of packets, each prefixed by one byte
 * (bit 0: direction; bits 1-7: milliseconds to advance the clock) and two
 * bytes of length. They go through pkt_parse() and engine_outbound() /
 * engine_inbound() of one bottle under a small policy, so flows, fragments,
 * DNS decisions and learnt addresses all see hostile sequences, not just
 * single packets. UDP answers from port 53 are fed to engine_dns_answer()
 * as if they answered a query for "allowed.test".
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "policy_ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy_text[] =
	"[policy]\nname = fuzz\nmin_ttl = 1\nmax_ttl = 5\n"
	"[allow]\ndomain = allowed.test tcp/80\ndomain = *.wild.test\n"
	"cidr = 198.18.0.0/24 udp/123 icmp\n"
	"[deny]\ndomain = bad.allowed.test\ncidr = 198.18.0.66/32\n";

static struct engine *e;
static struct bottle b;
static struct dns_question asked;

static void setup(void)
{
	struct engine_config cfg;
	struct policy *pol;
	struct engine_policy *ep;
	char err[POLICY_ERR_MAX];

	engine_config_default(&cfg);
	cfg.flow_capacity = 64;		/* small tables: eviction paths run */
	cfg.learn.max_bindings = 32;
	cfg.learn.max_names = 8;
	cfg.learn.per_name_max = 4;
	cfg.learn.per_addr_max = 3;
	cfg.frag_capacity = 8;
	e = engine_new(&cfg);
	if (!e || policy_compile_text(policy_text, sizeof(policy_text) - 1,
				      "fuzz.ini", &pol, err))
		abort();
	ep = engine_policy_get(e, "fuzz", pol);
	engine_bottle_init(&b, 1, "fuzz", ep);
	addr_parse("10.0.2.100", &b.addr4);
	b.has4 = true;
	addr_parse("fd00::100", &b.addr6);
	b.has6 = true;
	dns_name_from_text("allowed.test", &asked.name);
	asked.qtype = 1;
	asked.qclass = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now = 1000000000ULL;
	size_t off = 0;

	if (!e)
		setup();
	while (off + 3 <= size) {
		uint8_t ctl = data[off];
		size_t len = (size_t)(data[off + 1] << 8 | data[off + 2]);
		struct engine_result r;
		uint8_t *buf;
		struct pkt p;

		off += 3;
		if (len > size - off)
			len = size - off;
		now += (uint64_t)(ctl >> 1) * 1000000ULL;
		buf = malloc(len ? len : 1);
		if (!buf)
			return 0;
		memcpy(buf, data + off, len);
		off += len;
		if (pkt_parse(buf, len, &p) == DROP_NONE) {
			if (!(ctl & 1)) {
				engine_outbound(e, &b, &p, now, &r);
			} else if (p.proto == PROTO_UDP && p.sport == 53 &&
				   p.frag == PKT_FRAG_NONE) {
				struct ipaddr s, d;

				pkt_src_addr(&p, &s);
				pkt_dst_addr(&p, &d);
				engine_dns_answer(e, &b, &asked, &d, p.dport, &s, 53,
						  p.data + p.payload_off, p.payload_len,
						  now, engine_scratch_answer(e));
			} else {
				engine_inbound(e, &b, &p, now, &r);
			}
		}
		free(buf);
		engine_expire(e, now);
	}
	return 0;
}

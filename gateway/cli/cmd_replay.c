// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_replay.c - `sentry replay`: a packet capture through the decision pipeline
 *
 * Theory of operation: the capture plays the part of the bottle's TUN and of
 * the upstream resolver at once. Each packet is classified by address:
 * from the bottle (outbound), to the bottle (inbound), or neither (then it
 * is treated as outbound, where the source check refuses it as spoofed).
 * The engine decides exactly as the daemon would; the capture's own clock
 * drives every timeout and TTL.
 *
 * DNS: sentry answers denied queries itself, so the capture's answers to
 * them are unsolicited and dropped. An allowed query is remembered
 * (bottle's port and ID, and the question) and the capture's answer to it
 * plays the upstream's: checked and learnt from by engine_dns_answer().
 * DNS over TCP is read from each segment: length-prefixed messages wholly
 * inside one segment are decided; a message split across segments is
 * counted (dns_truncated) and not decided.
 */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cursor.h"
#include "dnspend.h"
#include "engine.h"
#include "log.h"
#include "num.h"
#include "pstore.h"
#include "wire.h"

#define REPLAY_SNAP		65536
#define PENDING_CAPACITY	4096
#define PENDING_TIMEOUT_MS	10000

/* Link-layer types libpcap reports, beyond the DLT_ names every version has */
#ifndef DLT_IPV4
#define DLT_IPV4		228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6		229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2		276
#endif
#define LINKTYPE_RAW		101

struct replay {
	struct engine *e;
	struct bottle b;
	bool bottle_fixed;		/* --bottle given */
	struct dnspend_table *pending;
	FILE *decisions;
	pcap_dumper_t *allowed_out, *dropped_out;
	uint64_t skipped;		/* frames that were not IP */
	uint8_t buf[REPLAY_SNAP];
};

static void emit_line(void *ctx, const char *line, size_t len)
{
	fwrite(line, 1, len, (FILE *)ctx);
}

static void replay_usage(FILE *f)
{
	fprintf(f,
		"usage: sentry replay --db DIR --policy NAME [--decisions FILE]\n"
		"                     [--bottle ADDR]... [--write-allowed F.pcap]\n"
		"                     [--write-dropped F.pcap] [--dns-rate N] [--audit] IN.pcap\n\n"
		"Runs the capture through the decision pipeline on the capture's clock.\n"
		"The bottle is the source of the first packet unless --bottle says otherwise\n"
		"(once per address family). Decisions go to FILE (default: stdout) as JSON\n"
		"lines; a summary of counters is printed last.\n");
}

/*
 * link_offset() - where the IP header starts in a frame of link type @dlt,
 * or -1 if the frame is not IP (ARP, say).
 */
static long link_offset(int dlt, const uint8_t *f, size_t len)
{
	uint16_t type;
	size_t off;

	switch (dlt) {
	case DLT_RAW:
	case LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return 0;
	case DLT_EN10MB:
		off = ETH_TYPE_OFF;
		if (len < off + ETH_TYPE_LEN)
			return -1;
		type = get_be16(f + off);
		while ((type == ETH_TYPE_VLAN || type == ETH_TYPE_QINQ) &&
		       len >= off + ETH_VLAN_TAG_LEN + ETH_TYPE_LEN) {
			off += ETH_VLAN_TAG_LEN;
			type = get_be16(f + off);
		}
		off += ETH_TYPE_LEN;
		break;
	case DLT_LINUX_SLL:
		if (len < SLL_HDR_LEN)
			return -1;
		type = get_be16(f + SLL_PROTO_OFF);
		off = SLL_HDR_LEN;
		break;
	case DLT_LINUX_SLL2:
		if (len < SLL2_HDR_LEN)
			return -1;
		type = get_be16(f + SLL2_PROTO_OFF);
		off = SLL2_HDR_LEN;
		break;
	default:
		return -1;
	}
	return type == ETH_TYPE_IPV4 || type == ETH_TYPE_IPV6 ? (long)off : -1;
}

static uint64_t ts_ns(const struct pcap_pkthdr *h, bool nano)
{
	return (uint64_t)h->ts.tv_sec * 1000000000ULL +
	       (uint64_t)h->ts.tv_usec * (nano ? 1 : 1000);
}

static bool is_bottle(const struct bottle *b, const uint8_t *a, uint8_t family)
{
	if (family == ADDR_FAMILY_V4)
		return b->has4 && !memcmp(a, b->addr4.b, 4);
	return b->has6 && !memcmp(a, b->addr6.b, 16);
}

static void remember_query(struct replay *rp, const struct dns_msg *m,
			   uint8_t proto, const struct ipaddr *client,
			   uint16_t cport, const struct ipaddr *server,
			   uint16_t sport, uint64_t now)
{
	struct dnspend_key k = { .zone = rp->b.id, .id = m->hdr.id, .port = cport };
	struct dnspend *p = dnspend_find(rp->pending, &k, now);

	if (p)
		dnspend_remove(rp->pending, p);	/* a retry replaces the original */
	p = dnspend_add(rp->pending, &k, rp->b.slot, now);
	if (!p)
		return;
	dnspend_set_asker(p, &(struct dnspend_asker){
		.bottle = rp->b.id, .proto = proto, .client = client, .server = server,
		.client_port = cport, .server_port = sport, .query = m });
}

/* An answer from the capture standing in for the upstream's */
static enum drop_reason answer(struct replay *rp, const uint8_t *msg,
			       size_t len, const struct ipaddr *server,
			       uint16_t sport, const struct ipaddr *client,
			       uint16_t cport, uint64_t now)
{
	struct dnspend_key k = { .zone = rp->b.id, .port = cport };
	struct dnspend *p;
	enum drop_reason reason;

	if (len < 2)
		return DROP_DNS_TRUNCATED;
	k.id = (uint16_t)(msg[0] << 8 | msg[1]);
	p = dnspend_find(rp->pending, &k, now);
	if (!p || !addr_equal(&p->server, server) || p->server_port != sport)
		return DROP_DNS_UNSOLICITED;
	reason = engine_dns_answer(rp->e, &rp->b, &p->q, client, cport, server,
				   sport, msg, len, now, engine_scratch_answer(rp->e));
	if (reason != DROP_DNS_MISMATCH)
		dnspend_remove(rp->pending, p);
	return reason;
}

/* DNS over TCP: each length-prefixed message wholly inside @p's payload */
static enum drop_reason tcp_dns(struct replay *rp, const struct pkt *p,
				bool outbound, uint64_t now)
{
	const uint8_t *d = p->data + p->payload_off;
	size_t left = p->payload_len;
	struct ipaddr src, dst;
	enum drop_reason worst = DROP_NONE;

	pkt_src_addr(p, &src);
	pkt_dst_addr(p, &dst);
	while (left >= DNS_TCP_LEN_PREFIX) {
		size_t n = get_be16(d);
		enum drop_reason r;

		if (n > left - DNS_TCP_LEN_PREFIX) {
			r = DROP_DNS_TRUNCATED;
			engine_tally(rp->e, NULL, TALLY_MESSAGE, 0, r);
			return r;
		}
		if (outbound) {
			r = engine_dns_query(rp->e, &rp->b, PROTO_TCP, &src, p->sport,
					     &dst, p->dport, d + DNS_TCP_LEN_PREFIX, n, now,
					     engine_scratch_dns(rp->e));
			if (r == DROP_NONE)
				remember_query(rp, engine_scratch_dns(rp->e), PROTO_TCP,
					       &src, p->sport, &dst, p->dport, now);
		} else {
			r = answer(rp, d + DNS_TCP_LEN_PREFIX, n, &src, p->sport, &dst,
				   p->dport, now);
			/* counted where found, as engine_dns_query() counts a query's */
			if (r != DROP_NONE)
				engine_tally(rp->e, &rp->b, TALLY_MESSAGE, 0, r);
		}
		if (r != DROP_NONE && worst == DROP_NONE)
			worst = r;
		d += DNS_TCP_LEN_PREFIX + n;
		left -= DNS_TCP_LEN_PREFIX + n;
	}
	return worst;
}

/* The bottle, unless --bottle named it: the first packet's source */
static void pick_bottle(struct replay *rp, const struct pkt *p)
{
	if (rp->bottle_fixed || rp->b.has4 || rp->b.has6)
		return;
	if (p->family == ADDR_FAMILY_V4) {
		pkt_src_addr(p, &rp->b.addr4);
		rp->b.has4 = true;
	} else {
		pkt_src_addr(p, &rp->b.addr6);
		rp->b.has6 = true;
	}
}

/* Return: true if the packet passed */
static bool one_packet(struct replay *rp, uint8_t *ip, size_t len, uint64_t now)
{
	struct engine_result r;
	enum drop_reason reason;
	bool outbound;
	struct pkt p;

	reason = pkt_parse(ip, len, &p);
	if (reason != DROP_NONE) {
		engine_tally(rp->e, &rp->b, TALLY_PACKET_OUT, len, reason);
		return false;
	}
	pick_bottle(rp, &p);
	outbound = !is_bottle(&rp->b, pkt_dst(&p), p.family) ||
		   is_bottle(&rp->b, pkt_src(&p), p.family);

	if (!outbound && p.proto == PROTO_UDP && p.sport == DNS_PORT &&
	    p.frag == PKT_FRAG_NONE) {
		struct ipaddr src, dst;

		pkt_src_addr(&p, &src);
		pkt_dst_addr(&p, &dst);
		reason = answer(rp, p.data + p.payload_off, p.payload_len, &src,
				p.sport, &dst, p.dport, now);
		if (reason != DROP_NONE) {
			engine_tally(rp->e, &rp->b, TALLY_PACKET_IN, p.len, reason);
			return false;
		}
		engine_tally(rp->e, &rp->b, TALLY_PACKET_IN, p.len, DROP_NONE);
		return true;
	}

	if (outbound)
		engine_outbound(rp->e, &rp->b, &p, now, &r);
	else
		engine_inbound(rp->e, &rp->b, &p, now, &r);

	if (r.action == ENGINE_DNS) {
		if (r.dns_allow) {
			struct ipaddr src, dst;

			pkt_src_addr(&p, &src);
			pkt_dst_addr(&p, &dst);
			remember_query(rp, r.dns, PROTO_UDP, &src, p.sport, &dst,
				       p.dport, now);
		}
		return r.dns_allow;
	}
	if (r.action != ENGINE_FORWARD)
		return false;
	if (r.dns_flow && p.payload_len && pkt_has_l4(&p)) {
		reason = tcp_dns(rp, &p, outbound, now);
		if (reason != DROP_NONE && reason != DROP_DNS_TRUNCATED) {
			/* the segment carried a refused query or an unsolicited answer */
			engine_tally(rp->e, &rp->b, TALLY_UNPASS, 0, DROP_NONE);
			return false;
		}
	}
	return true;
}

static void print_summary(const struct replay *rp)
{
	const struct engine_stats *s = engine_stats(rp->e);

	printf("packets=%llu allowed=%llu dropped=%llu flows=%llu dns_allowed=%llu dns_denied=%llu",
	       (unsigned long long)s->packets, (unsigned long long)s->forwarded,
	       (unsigned long long)s->dropped, (unsigned long long)s->flows,
	       (unsigned long long)s->dns_allowed, (unsigned long long)s->dns_denied);
	if (rp->skipped)
		printf(" skipped=%llu", (unsigned long long)rp->skipped);
	for (int i = 1; i < DROP_MAX; i++)
		if (s->drops.n[i])
			printf(" drop_%s=%llu", drop_name((enum drop_reason)i),
			       (unsigned long long)s->drops.n[i]);
	printf("\n");
}

static int run(struct replay *rp, pcap_t *pc)
{
	int dlt = pcap_datalink(pc);
	bool nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
	struct pcap_pkthdr *h;
	const uint8_t *frame;
	int rc;

	while ((rc = pcap_next_ex(pc, &h, &frame)) == 1) {
		long off = link_offset(dlt, frame, h->caplen);
		uint64_t now = ts_ns(h, nano);
		size_t len;
		bool ok;

		if (off < 0 || (size_t)off > h->caplen) {
			rp->skipped++;
			continue;
		}
		len = h->caplen - (size_t)off;
		memcpy(rp->buf, frame + off, len);
		if (!len) {
			engine_tally(rp->e, &rp->b, TALLY_PACKET_OUT, 0, DROP_PKT_EMPTY);
			ok = false;
		} else {
			ok = one_packet(rp, rp->buf, len, now);
		}
		if (ok && rp->allowed_out)
			pcap_dump((u_char *)rp->allowed_out, h, frame);
		if (!ok && rp->dropped_out)
			pcap_dump((u_char *)rp->dropped_out, h, frame);
		engine_expire(rp->e, now);
		dnspend_expire(rp->pending, now, NULL, NULL);
	}
	if (rc == -1) {
		fprintf(stderr, "sentry replay: %s\n", pcap_geterr(pc));
		return 2;
	}
	return 0;
}

static int add_bottle_addr(struct replay *rp, const char *s)
{
	struct ipaddr a;

	if (addr_parse(s, &a))
		return usage_error("replay", "--bottle: '%s' is not an address", s);
	if (a.family == ADDR_FAMILY_V4) {
		if (rp->b.has4)
			return usage_error("replay", "--bottle: one IPv4 address only");
		rp->b.addr4 = a;
		rp->b.has4 = true;
	} else {
		if (rp->b.has6)
			return usage_error("replay", "--bottle: one IPv6 address only");
		rp->b.addr6 = a;
		rp->b.has6 = true;
	}
	rp->bottle_fixed = true;
	return 0;
}

static pcap_dumper_t *open_dump(pcap_t *pc, const char *path)
{
	pcap_dumper_t *d = pcap_dump_open(pc, path);

	if (!d)
		fprintf(stderr, "sentry replay: %s: %s\n", path, pcap_geterr(pc));
	return d;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "policy", required_argument, NULL, 'p' },
		{ "decisions", required_argument, NULL, 'o' },
		{ "bottle", required_argument, NULL, 'b' },
		{ "write-allowed", required_argument, NULL, 'A' },
		{ "write-dropped", required_argument, NULL, 'D' },
		{ "dns-rate", required_argument, NULL, 'r' },
		{ "audit", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *policy = NULL, *out = NULL;
	const char *allowed = NULL, *dropped = NULL;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct engine_config cfg;
	struct replay *rp;
	struct pstore *s = NULL;
	struct policy *pol = NULL;
	struct engine_policy *ep;
	pcap_t *pc = NULL;
	int c, rc = 2;

	engine_config_default(&cfg);
	cfg.log_refusals_per_s = 0;	/* a replay reports every refusal */
	rp = calloc(1, sizeof(*rp));
	if (!rp)
		return 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'p': policy = optarg; break;
		case 'o': out = optarg; break;
		case 'A': allowed = optarg; break;
		case 'D': dropped = optarg; break;
		case 'a': cfg.audit = true; break;
		case 'b':
			if (add_bottle_addr(rp, optarg))
				goto out;
			break;
		case 'r': {
			uint64_t n;

			if (num_parse(optarg, 10, 0, 1000000, &n)) {
				rc = usage_error("replay", "--dns-rate: expected 0..1000000");
				goto out;
			}
			cfg.dns_rate = (uint32_t)n;
			cfg.dns_burst = (uint32_t)n;
			break;
		}
		case 'h':
			replay_usage(stdout);
			rc = 0;
			goto out;
		default:
			rc = usage_error("replay", "bad option");
			goto out;
		}
	}
	if (!db || !policy || optind != argc - 1) {
		rc = usage_error("replay", "--db DIR, --policy NAME and one capture file are required");
		goto out;
	}
	rc = pstore_open(db, false, true, &s);
	if (rc) {
		char msg[PATH_MAX + 128];

		fprintf(stderr, "sentry replay: %s: %s\n", db,
			pstore_open_strerror(db, rc, msg, sizeof(msg)));
		rc = 2;
		goto out;
	}
	rc = pstore_get(s, policy, &pol);
	if (rc) {
		fprintf(stderr, "sentry replay: policy '%s': %s\n", policy,
			rc == -ENOENT ? "not in the store" : pstore_strerror(rc));
		rc = 2;
		goto out;
	}
	pc = pcap_open_offline_with_tstamp_precision(argv[optind],
						     PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		fprintf(stderr, "sentry replay: %s\n", errbuf);
		rc = 2;
		goto out;
	}
	rp->e = engine_new(&cfg);
	rp->pending = dnspend_new(PENDING_CAPACITY, 1, PENDING_TIMEOUT_MS);
	if (!rp->e || !rp->pending) {
		fprintf(stderr, "sentry replay: out of memory\n");
		rc = 2;
		goto out;
	}
	ep = engine_policy_get(rp->e, policy, pol);
	if (!ep) {
		rc = 2;
		goto out;
	}
	pol = NULL;	/* the engine owns it now */
	{
		struct ipaddr a4 = rp->b.addr4, a6 = rp->b.addr6;
		bool h4 = rp->b.has4, h6 = rp->b.has6;

		engine_bottle_init(&rp->b, 1, "replay", ep);
		rp->b.addr4 = a4;
		rp->b.addr6 = a6;
		rp->b.has4 = h4;
		rp->b.has6 = h6;
	}
	rp->decisions = out ? fopen(out, "w") : stdout;
	if (!rp->decisions) {
		fprintf(stderr, "sentry replay: %s: %s\n", out, strerror(errno));
		rc = 2;
		goto out;
	}
	engine_set_sink(rp->e, &(struct decision_sink){ emit_line, rp->decisions });
	if ((allowed && !(rp->allowed_out = open_dump(pc, allowed))) ||
	    (dropped && !(rp->dropped_out = open_dump(pc, dropped)))) {
		rc = 2;
		goto out;
	}
	rc = run(rp, pc);
	fflush(rp->decisions);
	if (!rc)
		print_summary(rp);
out:
	if (rp->allowed_out)
		pcap_dump_close(rp->allowed_out);
	if (rp->dropped_out)
		pcap_dump_close(rp->dropped_out);
	if (rp->decisions && rp->decisions != stdout)
		fclose(rp->decisions);
	if (pc)
		pcap_close(pc);
	dnspend_free(rp->pending);
	engine_free(rp->e);
	policy_free(pol);
	if (s)
		pstore_close(s);
	free(rp);
	return rc;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * namecheck.c - read the name a flow presents, and refuse one the policy
 * does not allow (theory in namecheck.h)
 *
 * Everything here runs on an engine's packet path, for a flow whose
 * name_check state says so; the slots and the QUIC scratch are the
 * engine's own, sized at start-up (namecheck_new()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENTRY_ENGINE_INTERNALS
#include "cursor.h"
#include "engine_internal.h"
#include "http_host.h"
#include "namecheck.h"
#include "quic_initial.h"
#include "tls_sni.h"

/* Longest name logged, raw bytes (escaped, up to 4 characters each) */
#define LOG_NAME_MAX	255
/* Largest QUIC datagram opened: a UDP payload's bound */
#define QUIC_PLAIN_MAX	65536

/*
 * A split first message being read. TCP fills it from offset 0 without
 * gaps; QUIC CRYPTO frames land at their stream offsets, in any order,
 * kept as sorted, disjoint [lo, hi) ranges. An owner is compared, never
 * dereferenced: a flow that went away leaves its slot to time out.
 */
struct slot {
	const struct flow *owner;	/* NULL: free */
	struct flow_key key;
	uint64_t used;			/* ns, last write */
	uint8_t dcid[QUIC_CID_MAX];	/* QUIC: the connection it reads */
	uint8_t dcid_len;
	bool decided;			/* QUIC: read and passed; may be taken */
	uint32_t nr;
	uint32_t lo[NAMECHECK_RANGES], hi[NAMECHECK_RANGES];
	uint8_t data[NAMECHECK_BUF];
};

struct namecheck {
	struct quic_initial *quic;
	struct slot slot[NAMECHECK_SLOTS];
	unsigned int used;		/* slots with an owner: none, no walk */
	uint8_t plain[QUIC_PLAIN_MAX];
};

/* One QUIC scan in progress: where its CRYPTO frames go */
struct quic_ctx {
	struct namecheck *nc;
	const struct flow *f;
	const struct quic_scan *scan;
	struct slot *s;
	uint64_t now;
	bool busy;		/* no slot could be had */
	bool altered;		/* a frame rewrote bytes already read */
};

struct namecheck *namecheck_new(void)
{
	struct namecheck *nc = calloc(1, sizeof(*nc));

	if (!nc)
		return NULL;
	nc->quic = quic_initial_new();
	if (!nc->quic) {
		free(nc);
		return NULL;
	}
	return nc;
}

size_t namecheck_bytes(void)
{
	return sizeof(struct namecheck);
}

void namecheck_free(struct namecheck *nc)
{
	if (!nc)
		return;
	quic_initial_free(nc->quic);
	free(nc);
}

/* ---- slots ---- */

static bool same_key(const struct flow_key *a, const struct flow_key *b)
{
	return a->zone == b->zone && a->family == b->family &&
	       a->proto == b->proto && a->port[0] == b->port[0] &&
	       a->port[1] == b->port[1] && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static bool slot_is(const struct slot *s, const struct flow *f)
{
	return s->owner == f && same_key(&s->key, &f->key);
}

static struct slot *slot_find(struct namecheck *nc, const struct flow *f,
			      const uint8_t *dcid, uint8_t dcid_len)
{
	if (!nc->used)
		return NULL;
	for (unsigned int i = 0; i < NAMECHECK_SLOTS; i++) {
		struct slot *s = &nc->slot[i];

		if (slot_is(s, f) && (!dcid || (s->dcid_len == dcid_len &&
				      !memcmp(s->dcid, dcid, dcid_len))))
			return s;
	}
	return NULL;
}

static void slot_free(struct namecheck *nc, struct slot *s)
{
	s->owner = NULL;
	nc->used--;
}

/* Release every slot of @f (a new SYN starts its stream over) */
static void slots_release(struct namecheck *nc, const struct flow *f)
{
	for (unsigned int i = 0; i < NAMECHECK_SLOTS && nc->used; i++)
		if (slot_is(&nc->slot[i], f))
			slot_free(nc, &nc->slot[i]);
}

/*
 * A slot for @f: a free one, else the oldest that is decided (QUIC, read
 * already) or idle past NAMECHECK_SLOT_NS. NULL if none: every slot is
 * being read right now.
 */
static struct slot *slot_take(struct namecheck *nc, const struct flow *f,
			      uint64_t now)
{
	struct slot *best = NULL;

	for (unsigned int i = 0; i < NAMECHECK_SLOTS; i++) {
		struct slot *s = &nc->slot[i];

		if (!s->owner) {
			best = s;
			break;
		}
		if ((s->decided || now - s->used >= NAMECHECK_SLOT_NS) &&
		    (!best || s->used < best->used))
			best = s;
	}
	if (!best)
		return NULL;
	if (!best->owner)
		nc->used++;
	best->owner = f;
	best->key = f->key;
	best->used = now;
	best->dcid_len = 0;
	best->decided = false;
	best->nr = 0;
	return best;
}

/* Bytes held from offset 0 without a gap */
static size_t slot_prefix(const struct slot *s)
{
	return s->nr && !s->lo[0] ? s->hi[0] : 0;
}

/*
 * slot_put() - @len bytes at stream offset @off; what lies past
 * NAMECHECK_BUF is not kept (a name not read by then is unreadable).
 * Return: 0, -1 if they differ from bytes already held (a resend must
 * say the same thing: the server keeps what it got first, and so must the
 * reader), -2 if the ranges would be too many.
 */
static int slot_put(struct slot *s, uint64_t off, const uint8_t *data,
		    size_t len)
{
	uint32_t lo, hi, nlo, nhi, i, j;

	if (off >= NAMECHECK_BUF || !len)
		return 0;
	if (len > NAMECHECK_BUF - off)
		len = NAMECHECK_BUF - (size_t)off;
	lo = (uint32_t)off;
	hi = lo + (uint32_t)len;
	for (i = 0; i < s->nr; i++) {
		uint32_t a = lo > s->lo[i] ? lo : s->lo[i];
		uint32_t b = hi < s->hi[i] ? hi : s->hi[i];

		if (a < b && memcmp(s->data + a, data + (a - lo), b - a))
			return -1;
	}
	memcpy(s->data + lo, data, len);
	/* merge [lo, hi) with every range it touches */
	nlo = lo;
	nhi = hi;
	for (i = 0, j = 0; i < s->nr; i++) {
		if (s->hi[i] < lo || s->lo[i] > hi) {
			s->lo[j] = s->lo[i];
			s->hi[j] = s->hi[i];
			j++;
			continue;
		}
		if (s->lo[i] < nlo)
			nlo = s->lo[i];
		if (s->hi[i] > nhi)
			nhi = s->hi[i];
	}
	if (j == NAMECHECK_RANGES)
		return -2;
	/* insert in order */
	for (i = j; i > 0 && s->lo[i - 1] > nlo; i--) {
		s->lo[i] = s->lo[i - 1];
		s->hi[i] = s->hi[i - 1];
	}
	s->lo[i] = nlo;
	s->hi[i] = nhi;
	s->nr = j + 1;
	return 0;
}

/* ---- the policy's answer ---- */

static uint8_t lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b + ('a' - 'A')) : b;
}

static bool name_char(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' ||
	       b == '_';
}

/*
 * The normalised form of presented name @raw (lower case, one trailing
 * dot dropped, labels of 1..63 rule-safe characters, at most 253), or
 * 0 if it is not a domain name at all (an address literal, a control
 * byte): no domain rule can allow that.
 */
static size_t normalise(const uint8_t *raw, size_t len, char out[LEARN_NAME_MAX + 1])
{
	size_t label = 0;

	if (len && raw[len - 1] == '.')
		len--;
	if (!len || len > LEARN_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = lower(raw[i]);

		if (b == '.') {
			if (!label)
				return 0;
			label = 0;
		} else if (!name_char(b) || ++label > 63) {
			return 0;
		}
		out[i] = (char)b;
	}
	if (!label)
		return 0;
	out[len] = '\0';
	return len;
}

/* Would a new flow to @name on @proto/@port be allowed? */
static bool name_allowed(const struct policy *pol, const uint8_t *raw,
			 size_t len, uint8_t proto, uint16_t port)
{
	char name[LEARN_NAME_MAX + 1];
	size_t n = normalise(raw, len, name);
	struct policy_match m;

	if (!n)
		return false;
	if (!policy_decide_name(pol, name, n, proto, port, &m))
		policy_default(pol, &m);
	return m.action == ACTION_ALLOW;
}

/*
 * An address literal ("198.18.0.10", "[2001:db8::1]") names no host: the
 * server answers with its default site, as it does for a ClientHello
 * without server_name, so it is decided as a flow that presents no name.
 */
static bool address_literal(const uint8_t *raw, size_t len)
{
	char text[ADDR_TEXT_MAX];
	struct ipaddr a;

	if (len >= 2 && raw[0] == '[' && raw[len - 1] == ']') {
		raw++;
		len -= 2;
	}
	if (!len || len >= sizeof(text))
		return false;
	memcpy(text, raw, len);
	text[len] = '\0';
	return addr_parse(text, &a) == 0;
}

/* @raw for a log line: rule-safe bytes as they are, others as \DDD */
static void log_text(const uint8_t *raw, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	if (len > LOG_NAME_MAX)
		len = LOG_NAME_MAX;
	for (size_t i = 0; i < len && o + 5 < cap; i++) {
		uint8_t b = lower(raw[i]);

		if (name_char(b) || b == '.')
			out[o++] = (char)b;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\%03u", raw[i]);
	}
	out[o] = '\0';
}

/* ---- outcomes ---- */

/*
 * Log a refusal and, unless the policy only logs, deny the flow for good.
 * @name, @nlen:	the presented name, or NULL
 */
static void refuse(struct engine *e, const struct bottle *b, struct flow *f,
		   const struct pkt *p, enum drop_reason reason,
		   const uint8_t *name, size_t nlen, const char *what,
		   uint64_t now)
{
	const struct policy *pol = b->policy->pol;
	bool enforce = pol->name_check == NAME_CHECK_ENFORCE;
	char text[LOG_NAME_MAX * 4 + 1];
	struct decision d;

	memset(&d, 0, sizeof(d));
	d.event = "flow";
	d.verdict = enforce && !e->cfg.audit ? "deny" : "would_deny";
	d.reason = drop_name(reason);
	d.proto = p->proto;
	pkt_src_addr(p, &d.src);
	pkt_dst_addr(p, &d.dst);
	d.has_ports = true;
	d.sport = p->sport;
	d.dport = p->dport;
	if (name) {
		log_text(name, nlen, text, sizeof(text));
		d.name = text;
	}
	d.detail = what;
	engine_log(e, b, &d, NULL, now);
	if (!enforce) {
		if (f->name_check != NC_QUIC)
			f->name_check = NC_DONE;
		return;
	}
	f->verdict = FV_DENY;
	f->reason = (uint8_t)reason;
	f->gen = engine_epoch(e);
	f->name_check = NC_REFUSED;
}

/*
 * Decide on what a scan found. Return true if the flow was refused.
 * Called with the read lock held.
 */
static bool judge(struct engine *e, const struct bottle *b, struct flow *f,
		  const struct pkt *p, enum scan_result r,
		  const struct scan_names *names, const char *what,
		  uint64_t now)
{
	const struct policy *pol = b->policy->pol;

	switch (r) {
	case SCAN_NAME:
		for (unsigned int i = 0; i < names->n; i++)
			if (!address_literal(names->name[i], names->len[i]) &&
			    !name_allowed(pol, names->name[i], names->len[i],
					  p->proto, p->dport)) {
				refuse(e, b, f, p, DROP_NAME_MISMATCH,
				       names->name[i], names->len[i], what, now);
				return true;
			}
		break;
	case SCAN_BAD:
	case SCAN_MORE:		/* the bound was reached */
		refuse(e, b, f, p, DROP_NAME_UNREADABLE, NULL, 0, what, now);
		return true;
	default:
		break;
	}
	if (f->name_check != NC_QUIC)
		f->name_check = NC_DONE;
	return false;
}

static enum drop_reason judge_locked(struct engine *e, const struct bottle *b,
				     struct flow *f, const struct pkt *p,
				     enum scan_result r,
				     const struct scan_names *names,
				     const char *what, uint64_t now)
{
	engine_read_lock(e);
	judge(e, b, f, p, r, names, what, now);
	engine_read_unlock(e);
	return DROP_NONE;
}

/* ---- TCP ---- */

static enum scan_result scan_stream(const uint8_t *buf, size_t len,
				    struct scan_names *out, const char **what)
{
	enum scan_result r;
	size_t need;

	*what = "tls server_name";
	r = tls_sni_record(buf, len, out, &need);
	if (r != SCAN_OTHER)
		return r;
	*what = "http host";
	return http_host_scan(buf, len, out);
}

static enum drop_reason tcp_packet(struct engine *e, struct bottle *b,
				   struct flow *f, const struct pkt *p,
				   uint64_t now)
{
	const uint8_t *data = p->data + p->payload_off;
	uint32_t seq = get_be32(p->data + p->l4_off + TCP_SEQ_OFF);
	struct scan_names names;
	enum scan_result r;
	const char *what;
	struct slot *s;
	uint32_t off;

	if ((p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		/*
		 * A connection opens (NC_SYN) or reopens on the same ports
		 * after the last one's first message was read (NC_DONE): its
		 * stream starts after this SYN. A SYN while the first bytes
		 * are awaited or being read is a resend (same number) or a
		 * lie: a new start would let the rest of the real stream be
		 * read as a fresh, harmless first message.
		 */
		if (f->name_check == NC_SYN || f->name_check == NC_DONE) {
			slots_release(e->nc, f);
			f->name_check = NC_WAIT;
			f->name_seq = seq + 1;
		}
		seq++;
	}
	if (f->name_check == NC_DONE || !p->payload_len)
		return DROP_NONE;
	if (p->frag != PKT_FRAG_NONE)
		return judge_locked(e, b, f, p, SCAN_BAD, NULL, "fragmented first payload", now);
	if (f->name_check == NC_SYN) {
		/* picked up mid-stream: this is as near a start as there is */
		f->name_seq = seq;
		f->name_check = NC_WAIT;
	}
	off = seq - f->name_seq;
	if (off >= (1u << 31))
		return DROP_NAME_GAP;		/* before the stream's start */
	if (f->name_check == NC_WAIT) {
		if (off)
			return DROP_NAME_GAP;	/* the first bytes are missing */
		r = scan_stream(data, p->payload_len, &names, &what);
		if (r != SCAN_MORE || p->payload_len >= NAMECHECK_BUF)
			return judge_locked(e, b, f, p, r, &names, what, now);
		s = slot_take(e->nc, f, now);
		if (!s)
			return DROP_NAME_BUSY;
		slot_put(s, 0, data, p->payload_len);
		f->name_check = NC_READING;
		return DROP_NONE;
	}
	/* NC_READING */
	s = slot_find(e->nc, f, NULL, 0);
	if (!s)
		return judge_locked(e, b, f, p, SCAN_BAD, NULL,
				    "split first payload outlived its slot", now);
	if (off > slot_prefix(s))
		return DROP_NAME_GAP;
	if (slot_put(s, off, data, p->payload_len))
		return judge_locked(e, b, f, p, SCAN_BAD, NULL,
				    "resent bytes differ", now);
	s->used = now;
	r = scan_stream(s->data, slot_prefix(s), &names, &what);
	if (r == SCAN_MORE && slot_prefix(s) < NAMECHECK_BUF)
		return DROP_NONE;
	engine_read_lock(e);
	judge(e, b, f, p, r, &names, what, now);
	engine_read_unlock(e);
	slot_free(e->nc, s);
	return DROP_NONE;
}

/* ---- QUIC ---- */

static int quic_crypto(void *arg, uint64_t off, const uint8_t *data, size_t len)
{
	struct quic_ctx *q = arg;

	if (!q->s) {
		q->s = slot_find(q->nc, q->f, q->scan->dcid, q->scan->dcid_len);
		if (!q->s) {
			q->s = slot_take(q->nc, q->f, q->now);
			if (!q->s) {
				q->busy = true;
				return 1;
			}
			memcpy(q->s->dcid, q->scan->dcid, q->scan->dcid_len);
			q->s->dcid_len = q->scan->dcid_len;
		}
	}
	if (q->s->decided)
		return 0;	/* this connection's hello was read already */
	q->s->used = q->now;
	if (slot_put(q->s, off, data, len)) {
		q->altered = true;
		return 1;
	}
	return 0;
}

static enum drop_reason quic_packet(struct engine *e, struct bottle *b,
				    struct flow *f, const struct pkt *p,
				    uint64_t now)
{
	const uint8_t *data = p->data + p->payload_off;
	struct quic_ctx q = { .nc = e->nc, .f = f, .now = now };
	const char *what = "quic server_name";
	struct scan_names names;
	struct quic_scan scan;
	enum scan_result r;
	size_t need;

	/* short headers (the bulk of a connection) carry no hello */
	if (!p->payload_len || !(data[0] & QUIC_LONG_HEADER))
		return DROP_NONE;
	if (p->frag != PKT_FRAG_NONE)
		return judge_locked(e, b, f, p, SCAN_BAD, NULL, "fragmented QUIC datagram", now);
	/* a version this reader cannot open could carry any name */
	if (p->payload_len < 5 || get_be32(data + 1) != QUIC_VERSION_1)
		return judge_locked(e, b, f, p, SCAN_BAD, NULL,
				    "QUIC version other than 1", now);
	q.scan = &scan;
	r = quic_initial_scan(e->nc->quic, data, p->payload_len, e->nc->plain,
			      sizeof(e->nc->plain), quic_crypto, &q, &scan);
	if (r == SCAN_OTHER)
		return DROP_NONE;		/* 0-RTT, Handshake: no hello */
	if (q.busy)
		return DROP_NAME_BUSY;
	if (r == SCAN_BAD)
		return judge_locked(e, b, f, p, SCAN_BAD, NULL,
				    q.altered ? "resent CRYPTO bytes differ" :
				    "QUIC Initial does not open", now);
	if (!q.s || q.s->decided)
		return DROP_NONE;
	r = tls_sni_hello(q.s->data, slot_prefix(q.s), &names, &need);
	if (r == SCAN_MORE && slot_prefix(q.s) < NAMECHECK_BUF)
		return DROP_NONE;
	engine_read_lock(e);
	if (judge(e, b, f, p, r, &names, what, now))
		slot_free(e->nc, q.s);
	else
		q.s->decided = true;
	engine_read_unlock(e);
	return DROP_NONE;
}

/* ---- the engine's two calls ---- */

void namecheck_arm(struct engine *e, const struct bottle *b, struct flow *f,
		   const struct pkt *p, const struct verdict *v)
{
	const struct policy *pol = b->policy->pol;

	if (!v->allow || pol->name_check == NAME_CHECK_OFF || !e->nc)
		return;
	/* a CIDR rule admits an address whatever it is called */
	if (v->rule != RULE_DEFAULT && v->rule < pol->nrules &&
	    pol->rules[v->rule].kind == RULE_CIDR)
		return;
	if (p->proto == PROTO_TCP)
		f->name_check = NC_SYN;
	else if (p->proto == PROTO_UDP && p->dport == QUIC_PORT)
		f->name_check = NC_QUIC;
}

enum drop_reason namecheck_packet(struct engine *e, struct bottle *b,
				  struct flow *f, const struct pkt *p,
				  uint64_t now)
{
	switch (f->name_check) {
	case NC_SYN:
	case NC_WAIT:
	case NC_READING:
	case NC_DONE:
		return p->proto == PROTO_TCP ? tcp_packet(e, b, f, p, now) : DROP_NONE;
	case NC_QUIC:
		return quic_packet(e, b, f, p, now);
	default:
		return DROP_NONE;	/* NC_REFUSED: the verdict says deny */
	}
}

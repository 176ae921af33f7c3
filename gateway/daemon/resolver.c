// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * resolver.c - allowed queries to the upstream resolvers, answers back
 *
 * Theory of operation
 *
 * An allowed query leaves from one of a pool of UDP sockets, each bound to
 * a kernel-chosen random port and replaced after SOCK_USES queries, with a
 * fresh random ID (getrandom()). The pending entry is keyed by (ID, local
 * port): an answer is considered only if it comes from the upstream asked,
 * to the socket asked from, with that ID, and carries the same question.
 *
 * engine_dns_answer() then learns the answer's addresses (or refuses a
 * rebinding answer) before this file writes anything back to the bottle,
 * so a client can never connect before its address is allowed. The answers
 * one recvmmsg() brings are learnt under one write lock and written back
 * after it is released (release_held()).
 *
 * A truncated (TC) answer over UDP is asked again over TCP, so that the
 * policy learns every address; the bottle then gets the full answer if it
 * fits its UDP size, else a truncated one that sends it to TCP itself.
 *
 * No answer within [dns] timeout_ms: the next upstream is tried; when all
 * have been, the bottle gets SERVFAIL.
 *
 * Bounded: pending queries ([tables] pending_dns), a copy of each query
 * (DNS_QUERY_MAX bytes), TCP retries (UPTCP_MAX at once).
 *
 * The states of a pending query (its dnspend entry and struct rq), and
 * what moves it on:
 *
 *   ASKED      sent over UDP to upstream q->upstream (q->tries asked so
 *              far), under a fresh (ID, source port) key
 *     answer, question matches, learnt    -> ANSWERED
 *     answer with TC set (over UDP)       -> RETRY_TCP
 *     answer refused (rebinding)          -> ANSWERED with REFUSED
 *     answer that does not match or parse -> ASKED still: it may be
 *                                            spoofed; the real one can come
 *     timeout, an upstream not yet asked  -> ASKED to the next, new key
 *     timeout, every upstream asked       -> FAILED
 *     pending table full on a re-key      -> FAILED
 *     answer with TC set, no TCP job can
 *     start (none free, no socket)        -> ANSWERED with the truncated
 *                                            answer (the client may retry
 *                                            over TCP itself)
 *   RETRY_TCP  a job (struct uptcp) connects to the same upstream and
 *              reads the whole answer
 *     whole answer, learnt                -> ANSWERED (truncated again
 *                                            for the client's UDP size)
 *     connect or read fails               -> ASKED (the UDP timeout goes on)
 *     timeout                             -> FAILED
 *   ANSWERED   written back (UDP through the TUN, or on the client's TCP
 *              connection) once its addresses are in the learnt table;
 *              entry freed
 *   FAILED     the bottle gets SERVFAIL; entry freed
 *
 *   At any point the client's TCP connection may close: q->via becomes
 *   DNS_VIA_GONE (forgotten), the query runs its course, and whatever
 *   answer it ends with is dropped instead of written.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/resolver.h"
#include "cursor.h"
#include "dnspend.h"
#include "log.h"
#include "reply.h"
#include "lib/sockaddr.h"
#include "daemon/dnstcp.h"
#include "daemon/bottles.h"
#include "daemon/datapath.h"
#include "daemon/loop.h"
#include "daemon/nfq.h"

#define SOCK_USES	256	/* queries per source port before a new one */
#define RX_BATCH	RESOLVER_RX_BATCH
/*
 * Queries sent per sendmmsg() while a batch is open (resolver_batch_begin()):
 * the queries a worker handed over in one wake-up leave from one socket per
 * family, picked at random for the batch, in one call. An off-path forger
 * still has to guess which of the pool's random ports a query left from, and
 * a fresh random ID: the same as for one query alone.
 */
#define TX_BATCH	32

struct upstream {
	struct sockaddr_storage sa;
	socklen_t salen;
	struct ipaddr addr;
	uint16_t port;
};

struct usock {
	int fd;
	uint8_t family;
	uint16_t port;
	uint32_t uses;
	int old_fd;		/* the socket it replaced, kept for answers still due, or -1 */
	uint16_t old_port;
	uint64_t old_until;	/* ns: close old_fd then */
};

/* TAG_UPSTREAM index of a socket's retired predecessor */
#define RETIRED_BIT	0x80000000u

/* What a pending query needs beyond struct dnspend: the bytes, to resend */
struct rq {
	uint16_t len;
	uint8_t via;		/* enum dns_via */
	uint16_t conn;		/* DNS_VIA_TCP: the bottle's connection (dnstcp.c) */
	int16_t job;		/* TCP retry job, or -1 */
	uint8_t upstream;	/* index of the upstream asked */
	uint8_t tries;		/* upstreams asked so far */
	uint16_t udp_size;	/* what the client accepts over UDP */
	uint8_t msg[DNS_QUERY_MAX];
};

enum job_state { JOB_FREE = 0, JOB_CONNECTING, JOB_READING };

struct uptcp {
	enum job_state state;
	int fd;
	uint32_t pending;	/* index of the pending entry */
	struct dnspend_key key;
	uint64_t deadline;
	size_t have;
	uint8_t buf[DNS_TCP_LEN_PREFIX + DNS_MSG_MAX];
};

struct resolver {
	struct upstream up[CONFIG_UPSTREAMS_MAX];
	uint32_t nup;
	struct usock *socks;
	uint32_t nsocks;
	struct dnspend_table *pending;
	struct rq *rqs;
	struct uptcp *jobs;
	uint64_t timeout_ns;
	uint16_t rnd[256];
	uint32_t rnd_left;
	uint64_t sent, answered, timeouts, servfails, tcp_retries, bad_source,
		 unsolicited, rejected_answers, full;
	struct resolver_clean clean;	/* what dns_clean_query() left out */
	struct ratelimit clean_log;	/* its log lines: 10 a second */
	uint8_t *rx;			/* RX_BATCH buffers of PKT_BUF_SIZE */
	struct mmsghdr rx_msgs[RX_BATCH];
	struct iovec rx_iov[RX_BATCH];
	struct sockaddr_storage rx_from[RX_BATCH];
	bool batching;			/* resolver_batch_begin() .. _end() */
	uint32_t batch_sock[2];		/* per family: the batch's socket, or UINT32_MAX */
	uint32_t ntx;
	struct mmsghdr tx_msgs[TX_BATCH];
	struct iovec tx_iov[TX_BATCH];
	uint32_t tx_sock[TX_BATCH];	/* the socket each queued query leaves from */
	/*
	 * Answers of one recvmmsg() learnt under one write lock
	 * (engine_answers_begin()) are written to their bottles only after
	 * it is released: built in place in @rx, queued here meanwhile.
	 */
	bool holding;
	uint32_t nout;
	struct held_answer {
		struct gw_bottle *b;
		uint8_t *pkt;
		size_t len;
	} out[RX_BATCH];
};

uint32_t resolver_pending(const struct daemon *d)
{
	return d->res ? dnspend_used(d->res->pending) : 0;
}

void resolver_slot_stats(const struct daemon *d, uint32_t slot, uint32_t *used,
			 uint64_t *evicted)
{
	*used = 0;
	*evicted = 0;
	if (d->res)
		dnspend_owner_stats(d->res->pending, slot, used, evicted);
}

uint32_t resolver_families(const struct daemon *d)
{
	uint32_t per = d->cfg.upstream_sockets ? d->cfg.upstream_sockets : 1;

	return d->res ? d->res->nsocks / per : 0;
}

static uint16_t random16(struct resolver *r)
{
	if (!r->rnd_left) {
		if (getrandom(r->rnd, sizeof(r->rnd), 0) != sizeof(r->rnd))
			err("getrandom failed: DNS IDs less random");
		r->rnd_left = sizeof(r->rnd) / sizeof(r->rnd[0]);
	}
	return r->rnd[--r->rnd_left];
}

static int open_sock(struct daemon *d, uint32_t i)
{
	struct usock *s = &d->res->socks[i];
	struct sockaddr_storage ss = { .ss_family = s->family == ADDR_FAMILY_V4 ? AF_INET : AF_INET6 };
	socklen_t len = sizeof(ss);
	int fd;

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* port 0: the kernel picks a random ephemeral port */
	if (bind(fd, (struct sockaddr *)&ss, s->family == ADDR_FAMILY_V4 ?
		 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) ||
	    loop_watch(d->epfd, fd, EPOLLIN, TAG_UPSTREAM, i)) {
		int e = -errno;

		close(fd);
		return e;
	}
	{
		struct ipaddr bound;

		sockaddr_split(&ss, &bound, &s->port);
	}
	s->fd = fd;
	s->uses = 0;
	return 0;
}

static void close_retired(struct daemon *d, struct usock *s)
{
	if (s->old_fd < 0)
		return;
	loop_unwatch(d->epfd, s->old_fd);
	close(s->old_fd);
	s->old_fd = -1;
}

/*
 * A socket that has served SOCK_USES queries is replaced, so source ports
 * keep changing. The old one stays open for one query timeout, so the
 * answers still due on it are not lost; a socket whose predecessor is
 * still draining keeps serving until it is gone.
 */
static void maybe_rotate(struct daemon *d, uint32_t i)
{
	struct resolver *r = d->res;
	struct usock *s = &r->socks[i];
	uint64_t now = now_ns();

	if (s->uses < SOCK_USES)
		return;
	if (s->old_fd >= 0) {
		if (now < s->old_until)
			return;
		close_retired(d, s);
	}
	s->old_fd = s->fd;
	s->old_port = s->port;
	s->old_until = now + r->timeout_ns * CONFIG_UPSTREAMS_MAX;
	if (loop_watch(d->epfd, s->old_fd, EPOLLIN, TAG_UPSTREAM, i | RETIRED_BIT))
		close_retired(d, s);
	s->fd = -1;
	if (open_sock(d, i))
		warn("resolver: cannot reopen an upstream socket: %s", strerror(errno));
}

int resolver_init(struct daemon *d)
{
	struct resolver *r = calloc(1, sizeof(*r));
	const struct sentry_config *c = &d->cfg;
	struct sentry_config tmp;
	char msg[256];
	bool fam[2] = { false, false };
	uint32_t per = c->upstream_sockets ? c->upstream_sockets : 1;

	if (!r)
		return -ENOMEM;
	d->res = r;
	if (!c->nupstreams) {
		tmp = *c;
		if (config_resolv_upstreams(&tmp, msg, sizeof(msg))) {
			err("dns: %s", msg);
			return -ENOENT;
		}
		c = &tmp;
	}
	for (uint32_t i = 0; i < c->nupstreams && i < CONFIG_UPSTREAMS_MAX; i++) {
		struct upstream *u = &r->up[r->nup++];

		u->addr = c->upstream[i].addr;
		u->port = c->upstream[i].port;
		u->salen = sockaddr_make(&u->sa, &u->addr, u->port);
		fam[u->addr.family == ADDR_FAMILY_V4 ? 0 : 1] = true;
	}
	r->nsocks = per * ((uint32_t)fam[0] + (uint32_t)fam[1]);
	if (!r->nsocks) {
		err("dns: no upstream resolver");
		return -ENOENT;
	}
	r->socks = calloc(r->nsocks, sizeof(*r->socks));
	r->pending = dnspend_new(c->pending_dns, config_share_slots(c),
				 c->dns_timeout_ms);
	r->rqs = calloc(c->pending_dns, sizeof(*r->rqs));
	r->jobs = calloc(UPTCP_MAX, sizeof(*r->jobs));
	r->rx = malloc((size_t)RX_BATCH * PKT_BUF_SIZE);
	if (!r->socks || !r->pending || !r->rqs || !r->jobs || !r->rx)
		return -ENOMEM;
	r->timeout_ns = (uint64_t)c->dns_timeout_ms * 1000000ULL;
	r->clean_log = (struct ratelimit){ .interval_ns = 1000000000ULL, .burst = 10 };
	for (uint32_t i = 0; i < r->nsocks; i++) {
		int rc;

		r->socks[i].family = (fam[0] && i < per) ? ADDR_FAMILY_V4 : ADDR_FAMILY_V6;
		r->socks[i].old_fd = -1;
		rc = open_sock(d, i);
		if (rc) {
			err("dns: cannot open an upstream socket: %s", strerror(-rc));
			return rc;
		}
	}
	for (uint32_t i = 0; i < r->nup; i++) {
		char a[ADDR_TEXT_MAX];

		info("dns: upstream %s port %u", addr_format(&r->up[i].addr, a),
		     r->up[i].port);
	}
	return 0;
}

static void job_close(struct daemon *d, struct uptcp *j)
{
	if (j->state == JOB_FREE)
		return;
	loop_unwatch(d->epfd, j->fd);
	close(j->fd);
	j->state = JOB_FREE;
}

void resolver_fini(struct daemon *d)
{
	struct resolver *r = d->res;

	if (!r)
		return;
	for (uint32_t i = 0; r->socks && i < r->nsocks; i++) {
		if (r->socks[i].fd > 0)
			close(r->socks[i].fd);
		close_retired(d, &r->socks[i]);
	}
	for (uint32_t i = 0; r->jobs && i < UPTCP_MAX; i++)
		job_close(d, &r->jobs[i]);
	dnspend_free(r->pending);
	free(r->socks);
	free(r->rqs);
	free(r->jobs);
	free(r->rx);
	free(r);
	d->res = NULL;
}

/* A socket of the upstream's family, chosen at random */
static uint32_t pick_sock(struct resolver *r, uint8_t family)
{
	uint32_t n = 0, first = UINT32_MAX;

	for (uint32_t i = 0; i < r->nsocks; i++) {
		if (r->socks[i].family != family)
			continue;
		if (first == UINT32_MAX)
			first = i;
		n++;
	}
	/* every upstream's family has sockets (resolver_init); never divide by 0 */
	return n ? first + random16(r) % n : 0;
}

/* Send what a batch queued, a sendmmsg() per socket; then rotate them */
static void flush_batch(struct daemon *d)
{
	struct resolver *r = d->res;
	struct mmsghdr out[TX_BATCH];

	for (int f = 0; f < 2; f++) {
		uint32_t si = r->batch_sock[f], n = 0, done = 0;

		if (si == UINT32_MAX)
			continue;
		for (uint32_t i = 0; i < r->ntx; i++)
			if (r->tx_sock[i] == si)
				out[n++] = r->tx_msgs[i];
		while (done < n) {
			int sent = sendmmsg(r->socks[si].fd, out + done, n - done, 0);

			if (sent <= 0) {
				/* the rest are lost as one lost datagram: the timeout asks again */
				debug("dns: sendmmsg upstream: %s", strerror(errno));
				break;
			}
			done += (uint32_t)sent;
		}
		maybe_rotate(d, si);
	}
	r->ntx = 0;
}

void resolver_batch_begin(struct daemon *d)
{
	struct resolver *r = d->res;

	r->batching = true;
	r->batch_sock[0] = r->batch_sock[1] = UINT32_MAX;
	r->ntx = 0;
}

void resolver_batch_end(struct daemon *d)
{
	struct resolver *r = d->res;

	flush_batch(d);
	r->batching = false;
}

/* The socket a query to an upstream of @family leaves from */
static uint32_t sock_for(struct resolver *r, uint8_t family)
{
	uint32_t *b = &r->batch_sock[family == ADDR_FAMILY_V4 ? 0 : 1];

	if (!r->batching)
		return pick_sock(r, family);
	if (*b == UINT32_MAX)
		*b = pick_sock(r, family);
	return *b;
}

/* Queue @q's bytes for upstream @u on socket @si; flush a full batch */
static void queue_send(struct daemon *d, uint32_t si, struct rq *q, uint32_t u)
{
	struct resolver *r = d->res;
	uint32_t i = r->ntx++;

	r->tx_iov[i] = (struct iovec){ .iov_base = q->msg, .iov_len = q->len };
	r->tx_msgs[i] = (struct mmsghdr){ .msg_hdr = {
		.msg_name = &r->up[u].sa, .msg_namelen = r->up[u].salen,
		.msg_iov = &r->tx_iov[i], .msg_iovlen = 1 } };
	r->tx_sock[i] = si;
	if (r->ntx == TX_BATCH)
		flush_batch(d);
}

/* Send pending entry @p's query to upstream @u; re-keys the entry */
static struct dnspend *send_to(struct daemon *d, struct dnspend *p, uint32_t u,
			       uint64_t now)
{
	struct resolver *r = d->res;
	struct rq *q = &r->rqs[dnspend_index(r->pending, p)];
	struct rq saved = *q;
	struct dnspend copy = *p;
	struct dnspend *np = NULL;
	struct dnspend_key k = { .zone = 0 };
	uint32_t si = sock_for(r, r->up[u].addr.family);
	struct usock *s = &r->socks[si];

	dnspend_remove(r->pending, p);
	for (int attempt = 0; attempt < 8 && !np; attempt++) {
		k.id = random16(r);
		k.port = s->port;
		np = dnspend_add(r->pending, &k, copy.owner, now);
	}
	if (!np) {
		r->full++;
		return NULL;
	}
	copy.key = np->key;
	copy.created = np->created;
	copy.expires = np->expires;
	copy.hnext = np->hnext;
	copy.slot = si;
	*np = copy;
	q = &r->rqs[dnspend_index(r->pending, np)];
	*q = saved;
	q->upstream = (uint8_t)u;
	q->tries++;
	put_be16(q->msg + DNS_ID_OFF, k.id);
	s->uses++;
	r->sent++;
	if (r->batching) {
		/* rotated when the batch is sent: its queries name this socket */
		queue_send(d, si, q, u);
		return np;
	}
	if (sendto(s->fd, q->msg, q->len, 0, (struct sockaddr *)&r->up[u].sa,
		   r->up[u].salen) < 0)
		debug("dns: sendto upstream: %s", strerror(errno));
	maybe_rotate(d, si);
	return np;
}

/* Count what dns_clean_query() left out of bottle @b's query, and say so */
static void note_clean(struct resolver *r, const struct gw_bottle *b,
		       const struct dns_clean_stats *st, uint64_t now)
{
	if (!st->options && !st->flags && !st->opt_bits && !st->version)
		return;	/* a payload size of its own is not worth a line */
	r->clean.queries++;
	r->clean.options += st->options;
	r->clean.option_bytes += st->option_bytes;
	r->clean.bits += (uint64_t)__builtin_popcount(st->flags) +
			 (uint64_t)__builtin_popcount(st->opt_bits);
	log_ratelimited(&r->clean_log, now, LOG_LVL_INFO,
			"dns: bottle %s: query forwarded without %u EDNS option(s) "
			"(%u bytes, first code %u), header flags 0x%04x, OPT flags "
			"0x%04x%s", b->eb.name, st->options, st->option_bytes,
			st->first_code, st->flags, st->opt_bits,
			st->version ? ", EDNS version set to 0" : "");
}

void resolver_clean_stats(const struct daemon *d, struct resolver_clean *out)
{
	*out = d->res ? d->res->clean : (struct resolver_clean){ 0 };
}

static void give_up(struct daemon *d, struct dnspend *p);

/*
 * A full table: a bottle under its share (dnspend.h) takes the place of the
 * oldest query of the bottle holding the most, which ends as a timeout
 * would. Return: whether a place was freed.
 */
static bool make_room(struct daemon *d, uint32_t slot)
{
	struct dnspend *v = dnspend_victim(d->res->pending, slot);

	if (!v)
		return false;
	give_up(d, v);
	dnspend_remove(d->res->pending, v);
	return true;
}

void resolver_query(struct daemon *d, struct gw_bottle *b,
		    const uint8_t *msg, size_t len, const struct dns_msg *m,
		    const struct ipaddr *client, uint16_t cport,
		    const struct ipaddr *server, uint16_t sport, enum dns_via via,
		    uint16_t conn)
{
	struct resolver *r = d->res;
	struct dnspend_key tmp = { .zone = UINT32_MAX, .id = random16(r) };
	uint64_t now = now_ns();
	struct dns_clean_stats st;
	struct dnspend *p;
	struct rq *q;
	int n;

	/* @m must be @msg parsed: the clean query is built from both */
	if (len > DNS_QUERY_MAX || len < DNS_HDR_LEN || m->buf != msg || m->len != len) {
		engine_tally(d->e, &b->eb, TALLY_MESSAGE, 0, DROP_DNS_TRUNCATED);
		return;
	}
	/* a placeholder key, replaced by send_to() with the real one */
	p = dnspend_add(r->pending, &tmp, b->eb.slot, now);
	if (!p && make_room(d, b->eb.slot))
		p = dnspend_add(r->pending, &tmp, b->eb.slot, now);
	if (!p) {
		r->full++;
		engine_tally(d->e, &b->eb, TALLY_MESSAGE, 0, DROP_DNS_PENDING_FULL);
		return;
	}
	dnspend_set_asker(p, &(struct dnspend_asker){
		.bottle = b->eb.id, .proto = via == DNS_VIA_TCP ? PROTO_TCP : PROTO_UDP,
		.client = client, .server = server, .client_port = cport,
		.server_port = sport, .query = m });
	q = &r->rqs[dnspend_index(r->pending, p)];
	/* rebuilt, never copied: what the bottle added beyond the question stays */
	n = dns_clean_query(q->msg, sizeof(q->msg), m, &st);
	if (n < 0) {	/* never: a clean query is no longer than the query */
		dnspend_remove(r->pending, p);
		engine_tally(d->e, &b->eb, TALLY_MESSAGE, 0, DROP_DNS_TRUNCATED);
		return;
	}
	note_clean(r, b, &st, now);
	q->len = (uint16_t)n;
	q->via = (uint8_t)via;
	q->conn = conn;
	q->job = -1;
	q->tries = 0;
	q->udp_size = 512;
	if (m->edns.present && m->edns.udp_size > 512)
		q->udp_size = m->edns.udp_size;
	send_to(d, p, 0, now);
}

/* The bottle that asked: a TUN bottle's, or a guarded one's (nfq.c) */
static struct gw_bottle *asker(struct daemon *d, uint32_t zone)
{
	struct gw_bottle *b = bottle_by_zone(d, zone);

	return b ? b : nfq_bottle_by_zone(d, zone);
}

/* Hand answer @msg (@len bytes, ID already the client's) to the bottle */
static void deliver(struct daemon *d, struct gw_bottle *b, const struct dnspend *p,
		    const struct rq *q, uint8_t *msg, size_t len)
{
	size_t head = reply_udp_headroom(p->client.family);
	int n;

	if (q->via == DNS_VIA_TCP) {
		dnstcp_answer(d, q->conn, msg, len);
		return;
	}
	if (q->via == DNS_VIA_GONE)
		return;
	/* too big for the client's UDP: question only, TC set */
	n = dns_synth_truncate(msg, len, q->udp_size);
	if (n < 0)
		return;
	len = (size_t)n;
	/* msg sits PKT_HEADROOM into a packet buffer: the headers go in front */
	n = reply_udp_build(msg - head, head + len + 64, &p->server, p->server_port,
			    &p->client, p->client_port, len);
	if (n > 0 && d->res->holding && d->res->nout < RX_BATCH) {
		d->res->out[d->res->nout++] = (struct held_answer){
			b, msg - head, (size_t)n };
		return;
	}
	if (n > 0 && nfq_owns(d, b))
		nfq_to_bottle(d, msg - head, (size_t)n);
	else if (n > 0)
		datapath_to_bottle(d, b, msg - head, (size_t)n);
}

static void finish(struct daemon *d, struct dnspend *p, uint8_t *msg,
		   size_t len, uint64_t now)
{
	struct resolver *r = d->res;
	struct rq *q = &r->rqs[dnspend_index(r->pending, p)];
	struct gw_bottle *b = asker(d, p->bottle);
	enum drop_reason reason;
	struct dns_msg *a = engine_scratch_answer(d->e);

	dnslatency_record(&d->dns_latency, now - p->created);
	if (!b) {
		dnspend_remove(r->pending, p);
		return;
	}
	reason = engine_dns_answer(d->e, &b->eb, &p->q, &p->client, p->client_port,
				   &p->server, p->server_port, msg, len, now, a);
	if (reason == DROP_DNS_PRIVATE_ANSWER) {
		int n = dns_synth_refusal(msg, len, a, DNS_RCODE_REFUSED, EDE_BLOCKED);

		engine_tally(d->e, &b->eb, TALLY_MESSAGE, 0, reason);
		r->rejected_answers++;
		if (n > 0) {
			put_be16(msg + DNS_ID_OFF, p->client_id);
			deliver(d, b, p, q, msg, (size_t)n);
		}
		dnspend_remove(r->pending, p);
		return;
	}
	if (reason != DROP_NONE) {
		/* could be spoofed: keep waiting for the real one */
		engine_tally(d->e, &b->eb, TALLY_MESSAGE, 0, reason);
		r->rejected_answers++;
		return;
	}
	r->answered++;
	put_be16(msg + DNS_ID_OFF, p->client_id);
	deliver(d, b, p, q, msg, len);
	dnspend_remove(r->pending, p);
}

static bool start_tcp(struct daemon *d, struct dnspend *p, uint64_t now);

/* One answer @msg (@n bytes) from @from, read on socket @s */
static void on_answer(struct daemon *d, const struct usock *s, bool retired,
		      uint8_t *msg, size_t n, const struct sockaddr_storage *from,
		      uint64_t now)
{
	struct resolver *r = d->res;
	struct dnspend_key k = { .zone = 0, .port = retired ? s->old_port : s->port };
	struct dnspend *p;
	const struct rq *q;
	const struct upstream *u;
	struct ipaddr fa;
	uint16_t fport;

	if (n < DNS_HDR_LEN)
		return;
	sockaddr_split(from, &fa, &fport);
	k.id = get_be16(msg + DNS_ID_OFF);
	p = dnspend_find(r->pending, &k, now);
	if (!p) {
		r->unsolicited++;
		return;
	}
	q = &r->rqs[dnspend_index(r->pending, p)];
	u = &r->up[q->upstream];
	if (!addr_equal(&fa, &u->addr) || fport != u->port) {
		r->bad_source++;
		return;
	}
	if ((get_be16(msg + DNS_FLAGS_OFF) & DNS_FLAG_TC) && q->job < 0) {
		struct gw_bottle *b = asker(d, p->bottle);
		struct dns_msg *a = engine_scratch_answer(d->e);

		/* learn what the truncated part holds, then ask over TCP */
		if (b && engine_dns_answer(d->e, &b->eb, &p->q, &p->client,
					   p->client_port, &p->server,
					   p->server_port, msg, n, now,
					   a) == DROP_NONE &&
		    start_tcp(d, p, now))
			return;
	}
	finish(d, p, msg, n, now);
}

/* Write the answers deliver() held while the batch's lock was taken */
static void release_held(struct daemon *d)
{
	struct resolver *r = d->res;

	for (uint32_t i = 0; i < r->nout; i++) {
		struct held_answer *h = &r->out[i];

		if (nfq_owns(d, h->b))
			nfq_to_bottle(d, h->pkt, h->len);
		else
			datapath_to_bottle(d, h->b, h->pkt, h->len);
	}
	r->nout = 0;
}

void resolver_udp_ready(struct daemon *d, uint32_t index)
{
	struct resolver *r = d->res;
	bool retired = index & RETIRED_BIT;
	uint64_t now = now_ns();

	index &= ~RETIRED_BIT;
	if (index >= r->nsocks)
		return;
	for (int round = 0; round < 64 / RX_BATCH; round++) {
		const struct usock *s = &r->socks[index];
		int fd = retired ? s->old_fd : s->fd;
		int got;

		if (fd < 0)
			return;
		for (int i = 0; i < RX_BATCH; i++) {
			r->rx_iov[i] = (struct iovec){
				.iov_base = r->rx + (size_t)i * PKT_BUF_SIZE + PKT_HEADROOM,
				.iov_len = DNS_MSG_MAX,
			};
			r->rx_msgs[i].msg_hdr = (struct msghdr){
				.msg_name = &r->rx_from[i],
				.msg_namelen = sizeof(r->rx_from[i]),
				.msg_iov = &r->rx_iov[i],
				.msg_iovlen = 1,
			};
		}
		got = recvmmsg(fd, r->rx_msgs, RX_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0)
			return;
		engine_answers_begin(d->e);
		r->holding = true;
		for (int i = 0; i < got; i++)
			on_answer(d, s, retired, r->rx_iov[i].iov_base,
				  r->rx_msgs[i].msg_len, &r->rx_from[i], now);
		r->holding = false;
		engine_answers_end(d->e);
		release_held(d);
		if (got < RX_BATCH)
			return;	/* the queue is empty: no call to learn EAGAIN */
	}
}

static void servfail(struct daemon *d, struct dnspend *p)
{
	struct resolver *r = d->res;
	struct rq *q = &r->rqs[dnspend_index(r->pending, p)];
	struct gw_bottle *b = asker(d, p->bottle);
	uint8_t *msg = d->aux + PKT_HEADROOM;
	struct dns_msg m;
	int n;

	if (!b)
		return;
	engine_tally(d->e, &b->eb, TALLY_MESSAGE, 0, DROP_DNS_UPSTREAM);
	memcpy(msg, q->msg, q->len);
	put_be16(msg + DNS_ID_OFF, p->client_id);
	if (dns_parse_query(msg, q->len, &m) != DROP_NONE)
		return;
	n = dns_synth_refusal(msg, PKT_BUF_SIZE - PKT_HEADROOM, &m,
			      DNS_RCODE_SERVFAIL, -1);
	if (n > 0) {
		r->servfails++;
		deliver(d, b, p, q, msg, (size_t)n);
	}
}

/* End @p's query unanswered: its TCP retry closed, the client told SERVFAIL */
static void give_up(struct daemon *d, struct dnspend *p)
{
	struct resolver *r = d->res;
	struct rq *q = &r->rqs[dnspend_index(r->pending, p)];

	if (q->job >= 0) {
		job_close(d, &r->jobs[q->job]);
		q->job = -1;
	}
	servfail(d, p);
}

static void on_timeout(struct dnspend *p, void *arg)
{
	struct daemon *d = arg;

	d->res->timeouts++;
	give_up(d, p);
}

void resolver_tick(struct daemon *d, uint64_t now)
{
	struct resolver *r = d->res;

	for (uint32_t i = 0; i < r->nsocks; i++)
		if (r->socks[i].old_fd >= 0 && now >= r->socks[i].old_until)
			close_retired(d, &r->socks[i]);

	/* a query with upstreams left to ask goes to the next one */
	for (uint32_t i = 0; i < d->cfg.pending_dns; i++) {
		struct dnspend *p = dnspend_at(r->pending, i);
		struct rq *q = &r->rqs[i];

		if (!p || p->expires > now || q->tries >= r->nup || q->job >= 0)
			continue;
		r->timeouts++;
		send_to(d, p, (q->upstream + 1u) % r->nup, now);
	}
	dnspend_expire(r->pending, now, on_timeout, d);
	for (uint32_t i = 0; i < UPTCP_MAX; i++) {
		struct uptcp *j = &r->jobs[i];

		if (j->state != JOB_FREE && now > j->deadline)
			job_close(d, j);
	}
}

/*
 * DNS over TCP to the upstream, for an answer that came back truncated.
 * The job owns a socket; the pending entry keeps its key and notes the job.
 * Return: false if no job could start: the caller passes the truncated
 * answer on, and the client may retry over TCP itself.
 */
static bool start_tcp(struct daemon *d, struct dnspend *p, uint64_t now)
{
	struct resolver *r = d->res;
	uint32_t idx = dnspend_index(r->pending, p);
	struct rq *q = &r->rqs[idx];
	const struct upstream *u = &r->up[q->upstream];
	struct uptcp *j = NULL;
	int fd;

	for (uint32_t i = 0; i < UPTCP_MAX && !j; i++)
		if (r->jobs[i].state == JOB_FREE)
			j = &r->jobs[i];
	if (!j)
		goto give_up;
	fd = socket(u->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto give_up;
	if (connect(fd, (const struct sockaddr *)&u->sa, u->salen) && errno != EINPROGRESS) {
		close(fd);
		goto give_up;
	}
	j->fd = fd;
	j->state = JOB_CONNECTING;
	j->pending = idx;
	j->key = p->key;
	j->have = 0;
	j->deadline = now + r->timeout_ns;
	q->job = (int16_t)(j - r->jobs);
	r->tcp_retries++;
	if (loop_watch(d->epfd, fd, EPOLLOUT, TAG_UPTCP, (uint32_t)q->job)) {
		job_close(d, j);
		q->job = -1;
		goto give_up;
	}
	return true;
give_up:
	debug("dns: cannot retry over TCP; passing the truncated answer on");
	return false;
}

static void job_done(struct daemon *d, struct uptcp *j, bool ok)
{
	struct resolver *r = d->res;
	struct dnspend *p = dnspend_at(r->pending, j->pending);
	uint64_t now = now_ns();

	job_close(d, j);
	if (!p || memcmp(&p->key, &j->key, sizeof(j->key)))
		return;		/* answered or timed out meanwhile */
	r->rqs[j->pending].job = -1;
	if (!ok)
		return;		/* the UDP timeout will deal with it */
	memcpy(d->aux + PKT_HEADROOM, j->buf + DNS_TCP_LEN_PREFIX,
	       j->have - DNS_TCP_LEN_PREFIX);
	finish(d, p, d->aux + PKT_HEADROOM, j->have - 2, now);
}

void resolver_tcp_ready(struct daemon *d, uint32_t index, uint32_t events)
{
	struct resolver *r = d->res;
	struct uptcp *j;
	struct rq *q;
	uint8_t hdr[DNS_TCP_LEN_PREFIX];
	ssize_t n;

	if (index >= UPTCP_MAX || r->jobs[index].state == JOB_FREE)
		return;
	j = &r->jobs[index];
	q = &r->rqs[j->pending];
	if (events & EPOLLERR) {
		job_done(d, j, false);
		return;
	}
	if (j->state == JOB_CONNECTING) {
		struct iovec iov[2] = {
			{ .iov_base = hdr, .iov_len = DNS_TCP_LEN_PREFIX },
			{ .iov_base = q->msg, .iov_len = q->len },
		};
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
			job_done(d, j, false);
			return;
		}
		put_be16(hdr, q->len);
		/* a query is small: one write fits in any socket buffer */
		if (writev(j->fd, iov, 2) != DNS_TCP_LEN_PREFIX + q->len) {
			job_done(d, j, false);
			return;
		}
		j->state = JOB_READING;
		loop_watch(d->epfd, j->fd, EPOLLIN, TAG_UPTCP, index);
		return;
	}
	n = read(j->fd, j->buf + j->have, sizeof(j->buf) - j->have);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		job_done(d, j, false);
		return;
	}
	j->have += (size_t)n;
	if (j->have >= DNS_TCP_LEN_PREFIX &&
	    j->have >= DNS_TCP_LEN_PREFIX + (size_t)get_be16(j->buf))
		job_done(d, j, j->have == DNS_TCP_LEN_PREFIX + (size_t)get_be16(j->buf));
}

void resolver_forget_tcp(struct daemon *d, uint16_t conn)
{
	struct resolver *r = d->res;

	for (uint32_t i = 0; r && i < d->cfg.pending_dns; i++)
		if (r->rqs[i].via == DNS_VIA_TCP && r->rqs[i].conn == conn)
			r->rqs[i].via = DNS_VIA_GONE;
}

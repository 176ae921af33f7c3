// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * datapath.c - packets between bottles' TUNs and the egress TUN, on a worker
 *
 * Theory of operation: each wake-up drains a ready TUN queue up to BATCH
 * packets. A packet is read into one of the worker's buffers, its virtio-net
 * header (if the TUN has one) landing right in front of the IP packet;
 * parsed in place; decided by the worker's engine; rewritten in place
 * (source to the bottle's egress address on the way out, destination back
 * to the inside address on the way in, with incremental checksums, or
 * partial ones: common/vnet.h) and written from the same buffer, the
 * header in front again when the other TUN has one too: no allocation and
 * no copy on the forwarding path. Only where the other TUN has no header
 * is a GSO packet cut in software (send_pkt()), each segment a writev() of
 * fresh headers and a slice of the payload in place.
 *
 * Replies sentry writes itself (RSTs, ICMP errors) are built in the
 * worker's second buffer; a refused DNS query is answered in place; an
 * allowed one goes to the main thread's resolver (worker_push()).
 *
 * From a bottle, packets come in bursts of up to DATAPATH_BURST: read, each
 * into a buffer of its own, parsed, their flows' buckets and then entries
 * prefetched (engine_prefetch()), and only then decided one by one, so the
 * cache misses of a large flow table overlap instead of queueing up (the
 * pipeline bench measures it: README, Performance).
 *
 * The worker's shard lock (daemon/threads.h) is held from the engine call to the
 * end of the in-place rewrite, never across a read or a write.
 *
 * Write failures (a full TUN queue, say) are counted, never fatal: the
 * transport above retransmits.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#include "csum.h"
#include "daemon/daemon.h"
#include "daemon/datapath.h"
#include "reply.h"
#include "daemon/worker.h"
#include "daemon/bottles.h"
#include "daemon/loop.h"

#define BATCH		64

static const uint8_t zero_hdr[VNET_HDR_LEN];

/* Count a write of @want bytes that returned @n */
static void counted(struct worker *w, ssize_t n, size_t want, bool to_egress)
{
	if (n < 0) {
		if (to_egress)
			worker_count_add(w, egress_write_errors, 1);
		else
			worker_count_add(w, tun_write_errors, 1);
	} else if ((size_t)n != want) {
		worker_count_add(w, short_writes, 1);
	}
}

struct seg_out {
	struct worker *w;
	int fd;
	bool to_egress;
};

static int write_segment(void *ctx, const uint8_t *hdr, size_t hlen,
			 const uint8_t *payload, size_t plen)
{
	struct seg_out *o = ctx;
	struct iovec iov[2] = {
		{ (void *)(uintptr_t)hdr, hlen },
		{ (void *)(uintptr_t)payload, plen },
	};

	counted(o->w, writev(o->fd, iov, 2), hlen + plen, o->to_egress);
	worker_count_add(o->w, gso_segments, 1);
	return 0;
}

/*
 * send_pkt() - write @p, described by @vh, to @fd, a TUN with (@vnet) or
 * without a virtio-net header. With one, @vh goes in front, in the bytes
 * before p->data that the read left for it; without, the NIC's work is
 * done here first.
 */
static void send_pkt(struct worker *w, int fd, bool vnet, struct pkt *p,
		     struct vnet_hdr *vh, bool to_egress)
{
	if (vnet) {
		uint8_t *at = p->data - VNET_HDR_LEN;

		vnet_hdr_put(at, vh);
		counted(w, write(fd, at, p->len + VNET_HDR_LEN),
			p->len + VNET_HDR_LEN, to_egress);
		return;
	}
	if (vnet_gso(vh) != VNET_GSO_NONE) {
		struct seg_out o = { w, fd, to_egress };

		worker_count_add(w, gso_segmented, 1);
		if (gso_segment(p, vh, w->seghdr, write_segment, &o) < 0)
			counted(w, -1, 0, to_egress);
		return;
	}
	vnet_csum_finish(p, vh);
	counted(w, write(fd, p->data, p->len), p->len, to_egress);
}

/*
 * Write a packet sentry made itself, checksums complete, to a bottle's TUN
 * queue @fd: behind an all-zero virtio-net header ("nothing to finish")
 * when the TUN has headers. Returns what write() does; @want gets the
 * length it should have returned.
 */
static ssize_t write_made(int fd, bool vnet, const uint8_t *pkt, size_t len,
			  size_t *want)
{
	struct iovec iov[2] = {
		{ (void *)(uintptr_t)zero_hdr, VNET_HDR_LEN },
		{ (void *)(uintptr_t)pkt, len },
	};

	*want = len + (vnet ? VNET_HDR_LEN : 0);
	return vnet ? writev(fd, iov, 2) : write(fd, pkt, len);
}

static void reply_to_bottle(struct worker *w, const struct gw_bottle *b,
			    const uint8_t *pkt, size_t len)
{
	size_t want;
	ssize_t n = write_made(b->fds[w->id % b->nfds], b->vnet, pkt, len, &want);

	counted(w, n, want, false);
}

void datapath_to_bottle(struct daemon *d, struct gw_bottle *b,
			const uint8_t *pkt, size_t len)
{
	size_t want;
	ssize_t n = write_made(b->fds[0], b->vnet, pkt, len, &want);

	if (n < 0)
		d->c.tun_write_errors++;
	else if ((size_t)n != want)
		d->c.short_writes++;
}

/* Tell the bottle at once that a flow is refused, per the reject mode */
static void reject(struct worker *w, const struct gw_bottle *b,
		   const struct pkt *p)
{
	const struct sentry_config *cfg = &w->d->cfg;
	uint8_t *out = w->aux + PKT_HEADROOM;
	size_t cap = PKT_BUF_SIZE - PKT_HEADROOM;
	uint8_t mode;
	int n;

	switch (p->proto) {
	case PROTO_TCP:
		mode = cfg->reject_tcp;
		break;
	case PROTO_UDP:
		mode = cfg->reject_udp;
		break;
	default:
		mode = cfg->reject_other;
	}
	if (mode == CONFIG_REJECT_DROP || p->frag == PKT_FRAG_LATER)
		return;
	if (mode == CONFIG_REJECT_RST && p->proto == PROTO_TCP) {
		if (p->tcp_flags & TCP_RST)
			return;
		n = reply_tcp_rst(p, out, cap);
	} else {
		n = reply_icmp_prohibited(p, out, cap);
	}
	if (n > 0) {
		reply_to_bottle(w, b, out, (size_t)n);
		worker_count_add(w, rejects_sent, 1);
	}
}

/* A query sentry refuses: answered from the same buffer */
static void refuse_query(struct worker *w, const struct gw_bottle *b,
			 struct pkt *p, const struct engine_result *r)
{
	unsigned int rcode = r->reason == DROP_DNS_DENIED ? r->dns_refusal
							  : DNS_RCODE_REFUSED;
	size_t cap = PKT_BUF_SIZE - (size_t)(p->data - w->buf);
	int n = reply_dns_refusal(p, cap, r->dns, rcode, EDE_BLOCKED);

	if (n > 0) {
		reply_to_bottle(w, b, p->data, (size_t)n);
		worker_count_add(w, dns_local_answers, 1);
	}
}

/* An allowed query, for the main thread's resolver */
static void hand_query(struct worker *w, const struct gw_bottle *b,
		       struct bottle *eb, const struct pkt *p,
		       const struct engine_result *r)
{
	struct handoff *m = worker_slot(w, p->payload_len);

	if (!m) {
		pthread_mutex_lock(&w->shard);
		engine_tally(w->e, eb, TALLY_MESSAGE, 0, p->payload_len > HANDOFF_MSG_MAX ?
			     DROP_DNS_TRUNCATED : DROP_DNS_PENDING_FULL);
		pthread_mutex_unlock(&w->shard);
		return;
	}
	m->kind = HANDOFF_DNS;
	m->slot = b->slot;
	m->zone = b->eb.id;
	pkt_src_addr(p, &m->client);
	pkt_dst_addr(p, &m->server);
	m->cport = p->sport;
	m->sport = p->dport;
	m->len = (uint16_t)p->payload_len;
	memcpy(m->msg, p->data + r->dns_off, p->payload_len);
	worker_publish(w);
}

/* One packet of a burst: where it is, and what parsing it found */
struct burst_pkt {
	uint8_t *base;			/* its buffer (becomes w->buf) */
	size_t len;			/* IP bytes */
	struct vnet_hdr vh;
	struct pkt p;
	enum drop_reason why;		/* of pkt_parse() and vnet_check() */
};

static void outbound(struct worker *w, struct gw_bottle *b, struct burst_pkt *bp,
		     uint64_t now)
{
	struct bottle *eb = &w->eb[b->slot];
	struct vnet_hdr *vh = &bp->vh;
	struct pkt *p = &bp->p;
	const uint8_t *egress;
	struct engine_result r;
	enum engine_action act;

	w->buf = bp->base;
	pthread_mutex_lock(&w->shard);
	if (bp->why != DROP_NONE) {
		engine_tally(w->e, eb, TALLY_PACKET_OUT, bp->len, bp->why);
		pthread_mutex_unlock(&w->shard);
		log_ratelimited(&w->parse_log, now, LOG_LVL_DEBUG,
				"bottle %s: dropped a malformed packet: %s",
				b->eb.name, drop_name(bp->why));
		return;
	}
	act = engine_outbound(w->e, eb, p, now, &r);
	if (act == ENGINE_FORWARD) {
		egress = p->family == ADDR_FAMILY_V4 ? b->egress4.b : b->egress6.b;
		/* an error that still quoted the inside address would leak it */
		if (p->icmp_kind == ICMP_KIND_ERROR &&
		    pkt_rewrite_quote_addr(p, true, egress)) {
			engine_tally(w->e, eb, TALLY_UNPASS, 0, DROP_ICMP_INNER);
			act = ENGINE_DROP;
		} else {
			vnet_rewrite_addr(p, vh, 0, egress);
		}
	}
	pthread_mutex_unlock(&w->shard);

	switch (act) {
	case ENGINE_FORWARD:
		send_pkt(w, w->d->egress_fds[w->id % w->d->egress_nfds],
			 w->d->egress.vnet_hdr, p, vh, true);
		break;
	case ENGINE_REJECT:
		reject(w, b, p);
		break;
	case ENGINE_DNS:
		if (r.dns_allow)
			hand_query(w, b, eb, p, &r);
		else
			refuse_query(w, b, p, &r);
		break;
	case ENGINE_DROP:
		break;
	}
}

/* The TUN of @b failed: the main thread detaches it (worker.c) */
static void bottle_failed(struct worker *w, struct gw_bottle *b, int fd)
{
	struct handoff *m = worker_slot(w, 0);

	/* no more wake-ups for it; inotify or the pidfd tell the main thread too */
	worker_unwatch(w, fd);
	if (!m)
		return;
	m->kind = HANDOFF_GONE;
	m->slot = b->slot;
	m->zone = b->eb.id;
	worker_publish(w);
}

void datapath_bottle(struct worker *w, uint32_t ref, uint32_t events)
{
	struct daemon *d = w->d;
	uint32_t slot = BOTTLE_REF_SLOT(ref), q = BOTTLE_REF_QUEUE(ref);
	size_t hl;
	struct gw_bottle *b;
	uint64_t now = now_ns();
	int fd;

	if (slot >= d->cfg.bottles)
		return;
	b = &d->bottles[slot];
	if (!__atomic_load_n(&b->live, __ATOMIC_ACQUIRE) || q >= b->nfds)
		return;
	fd = b->fds[q];
	if (events & (EPOLLERR | EPOLLHUP)) {
		bottle_failed(w, b, fd);
		return;
	}
	hl = b->vnet ? VNET_HDR_LEN : 0;
	for (int reads = 0; reads < BATCH;) {
		struct burst_pkt bp[DATAPATH_BURST];
		enum { MORE, EMPTY, FAILED } after = MORE;
		int nb = 0;

		while (nb < DATAPATH_BURST && reads < BATCH) {
			uint8_t *base = w->burst + (size_t)nb * PKT_BUF_SIZE;
			uint8_t *pkt = base + PKT_HEADROOM;
			ssize_t n = read(fd, pkt - hl, PKT_IP_MAX + hl);

			reads++;
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN) {
					after = EMPTY;
					break;
				}
				/* the device is gone (EBADFD); anything else lost one
				 * packet (one too big for the buffer: EFAULT, EINVAL) */
				if (errno == EBADFD || errno == EIO || errno == ENXIO) {
					after = FAILED;
					break;
				}
				worker_count_add(w, tun_read_errors, 1);
				continue;
			}
			if ((size_t)n <= hl) {
				pthread_mutex_lock(&w->shard);
				engine_tally(w->e, &w->eb[slot], TALLY_PACKET_OUT, 0,
					     DROP_PKT_EMPTY);
				pthread_mutex_unlock(&w->shard);
				continue;
			}
			bp[nb].base = base;
			bp[nb].len = (size_t)n - hl;
			bp[nb].vh = (struct vnet_hdr){ 0 };
			if (hl)
				vnet_hdr_get(pkt - hl, &bp[nb].vh);
			bp[nb].why = pkt_parse(pkt, bp[nb].len, &bp[nb].p);
			if (bp[nb].why == DROP_NONE)
				bp[nb].why = vnet_check(&bp[nb].vh, &bp[nb].p);
			nb++;
		}
		if (nb) {
			/* under the lock: the bottle's view is the engine's */
			pthread_mutex_lock(&w->shard);
			for (int i = 0; i < nb; i++)
				if (bp[i].why == DROP_NONE)
					engine_prefetch(w->e, &w->eb[slot], &bp[i].p,
							PREFETCH_BUCKET);
			for (int i = 0; i < nb; i++)
				if (bp[i].why == DROP_NONE)
					engine_prefetch(w->e, &w->eb[slot], &bp[i].p,
							PREFETCH_ENTRY);
			pthread_mutex_unlock(&w->shard);
			for (int i = 0; i < nb; i++)
				outbound(w, b, &bp[i], now);
			w->buf = w->burst;
		}
		if (after == FAILED)
			bottle_failed(w, b, fd);
		if (after != MORE)
			return;
	}
}

static void inbound(struct worker *w, uint8_t *pkt, size_t len,
		    struct vnet_hdr *vh, uint64_t now)
{
	struct daemon *d = w->d;
	struct engine_result r;
	enum drop_reason reason;
	enum engine_action act;
	struct gw_bottle *b;
	struct bottle *eb;
	const uint8_t *inside;
	struct pkt p;
	int slot;

	reason = pkt_parse(pkt, len, &p);
	if (reason == DROP_NONE)
		reason = vnet_check(vh, &p);
	if (reason != DROP_NONE) {
		pthread_mutex_lock(&w->shard);
		engine_tally(w->e, NULL, TALLY_PACKET_IN, len, reason);
		pthread_mutex_unlock(&w->shard);
		return;
	}
	slot = bottle_slot_by_egress(d, pkt_dst(&p), p.family);
	b = slot >= 0 ? &d->bottles[slot] : NULL;
	if (!b || !__atomic_load_n(&b->live, __ATOMIC_ACQUIRE)) {
		worker_count_add(w, egress_no_bottle, 1);
		return;
	}
	eb = &w->eb[slot];
	pthread_mutex_lock(&w->shard);
	if (p.family == ADDR_FAMILY_V4 ? !eb->has4 : !eb->has6) {
		engine_tally(w->e, eb, TALLY_PACKET_IN, len, DROP_NO_FLOW);
		pthread_mutex_unlock(&w->shard);
		return;
	}
	inside = p.family == ADDR_FAMILY_V4 ? eb->addr4.b : eb->addr6.b;
	vnet_rewrite_addr(&p, vh, 1, inside);
	if (p.icmp_kind == ICMP_KIND_ERROR && pkt_rewrite_quote_addr(&p, false, inside)) {
		engine_tally(w->e, eb, TALLY_PACKET_IN, len, DROP_ICMP_INNER);
		pthread_mutex_unlock(&w->shard);
		return;
	}
	act = engine_inbound(w->e, eb, &p, now, &r);
	pthread_mutex_unlock(&w->shard);
	if (act == ENGINE_FORWARD)
		send_pkt(w, b->fds[w->id % b->nfds], b->vnet, &p, vh, false);
}

void datapath_egress(struct worker *w, uint32_t queue)
{
	struct daemon *d = w->d;
	size_t hl = d->egress.vnet_hdr ? VNET_HDR_LEN : 0;
	uint64_t now = now_ns();

	if (queue >= d->egress_nfds)
		return;
	for (int i = 0; i < BATCH; i++) {
		uint8_t *pkt = w->buf + PKT_HEADROOM;
		struct vnet_hdr vh = { 0 };
		ssize_t n = read(d->egress_fds[queue], pkt - hl, PKT_IP_MAX + hl);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				worker_count_add(w, egress_read_errors, 1);
			return;
		}
		if ((size_t)n <= hl)
			continue;
		if (hl)
			vnet_hdr_get(pkt - hl, &vh);
		inbound(w, pkt, (size_t)n - hl, &vh, now);
	}
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfq.c - the NFQUEUE source: bottles whose traffic the kernel routes
 * (main thread)
 *
 * Theory of operation
 *
 * A guarded bottle is an address behind an interface of the namespace the
 * daemon runs in. kernel/nfqueue_rules.c hooks that interface's forward
 * path: every packet of a flow not yet decided comes here through the
 * bottle's own queue (one netlink socket per bottle, libnetfilter_queue's
 * libmnl API), is parsed in place in the receive buffer and decided by
 * this source's own engine (engine_new_worker(): its own flow table,
 * sharing the root's learnt addresses, policies and generation, so the
 * same policy, decision log and counters as a TUN bottle). The verdict:
 *
 *   forward  NF_REPEAT with the packet mark of the current generation:
 *            the ruleset copies it into the conntrack mark and accepts,
 *            and the flow's later packets never leave the kernel
 *   drop     NF_DROP
 *   reject   NF_DROP, and the RST or ICMP error [reject] asks for, sent
 *            to the bottle through a raw socket (opened before lock-down)
 *   DNS      NF_DROP; a refused query gets its refusal, an allowed one
 *            goes to resolver_query() as a TUN bottle's does
 *
 * DNS. UDP to port 53 at any address is queued like any new flow, and the
 * engine calls it DNS (ENGINE_DNS) as it does for a TUN bottle: this file
 * hands an allowed query straight to resolver_query() (both run on the
 * main thread, as dnstcp.c does) and drops the packet, so no query leaves
 * but the resolver's. The resolver finds the asker with nfq_bottle_by_zone()
 * and writes the answer with nfq_to_bottle(): the raw socket, from the
 * address the bottle asked, after engine_dns_answer() has learnt it, so
 * the bottle can never connect before its address is allowed. This route
 * rather than a UDP listener the table redirects to: the packet is here
 * already, decided by the same engine call, with one decision line, and
 * no socket, port or address has to be found for the redirect. DNS over
 * TCP cannot come here (the kernel must terminate TCP): the table
 * redirects it to dnstcp.c's listener (nfqueue_rules.c), which finds the
 * bottle by its address with nfq_bottle_by_addr().
 *
 * Verdicts of one wake-up go out in one sendto() (a netlink batch).
 * The queue is bound without NFQA_CFG_F_FAIL_OPEN and the rules without
 * bypass: a full queue or a dead daemon drops. NFQA_CFG_F_GSO: the kernel
 * hands over GSO packets whole; only the headers are read.
 *
 * Reload: a new policy generation gets a new mark (nfq_tick() swaps the
 * table's allow set), so each live flow's next packet is queued again and
 * re-decided; the engine revokes a flow the new policy denies.
 *
 * The daemon leaves the tables in place when it stops (fail closed);
 * `sentry unguard` (nfq_unguard()) removes one.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/netfilter.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "daemon/bottles.h"
#include "daemon/daemon.h"
#include "daemon/datapath.h"
#include "daemon/dnstcp.h"
#include "daemon/loop.h"
#include "daemon/nfq.h"
#include "daemon/policies.h"
#include "daemon/resolver.h"
#include "kernel/nfqueue_rules.h"
#include "log.h"
#include "num.h"
#include "reply.h"

#define RECV_BATCH	64	/* recv() calls per wake-up and socket */
#define RECV_BUF	(PKT_IP_MAX + 4096)	/* one packet and its attributes */
#define VERDICT_BUF	((size_t)RECV_BATCH * 64)	/* a verdict is 40 bytes with its mark */
#define VERDICT_ROOM	64
#define CONFIG_MSG_BUF	8192	/* a config message, or its acknowledgement */

struct guard {
	bool used;
	struct gw_bottle gb;		/* only gb.eb is used: the resolver and dnstcp.c take a gw_bottle */
	struct nfqr_spec spec;
	struct mnl_socket *nl;
	uint32_t portid;
	uint64_t guarded_ns;
	uint64_t verdict_errors;
};

struct nfq {
	enum nfqr_method method;
	char method_err[256];
	struct engine *e;
	int raw, raw6;			/* IPPROTO_RAW: refusals and answers to bottles, or -1 */
	uint32_t mark_gen;		/* the generation the tables' sets hold */
	uint8_t *rbuf;			/* RECV_BUF */
	uint8_t *aux;			/* PKT_BUF_SIZE: replies */
	char vbuf[VERDICT_BUF];
	struct mnl_nlmsg_batch *vb;
	struct guard g[NFQ_GUARDS_MAX];
	uint64_t rejects_sent, send_errors;
};

static void emit(void *ctx, const char *line, size_t len)
{
	struct daemon *d = ctx;

	pthread_mutex_lock(&d->declog_lock);
	if (d->declog)
		fwrite(line, 1, len, d->declog);
	pthread_mutex_unlock(&d->declog_lock);
}

int nfq_init(struct daemon *d)
{
	struct engine_config ec;
	struct nfq *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	d->nfq = q;
	q->raw = q->raw6 = -1;
	config_engine(&d->cfg, &ec);
	/* guarded bottles' flows stay in the kernel once decided: a small table */
	ec.flow_capacity = d->cfg.flows / 4 ? d->cfg.flows / 4 : 1;
	ec.frag_capacity = d->cfg.fragments / 4 ? d->cfg.fragments / 4 : 1;
	q->e = engine_new_worker(d->e, &ec);
	q->rbuf = malloc(RECV_BUF);
	q->aux = malloc(PKT_BUF_SIZE);
	if (!q->e || !q->rbuf || !q->aux)
		return -ENOMEM;
	engine_set_sink(q->e, &(struct decision_sink){ emit, d });
	engine_set_wall_offset(q->e, engine_wall_offset(d->e));
	q->mark_gen = engine_generation(d->e);
	/* CAP_NET_RAW is gone after lock-down: open it now */
	q->raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
	if (q->raw < 0)
		warn("nfqueue: no raw socket (%s): refusals to guarded bottles are silent drops",
		     strerror(errno));
	/* IPv6's IPPROTO_RAW sends whole packets, header included, as IPv4's */
	q->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
	if (q->raw6 < 0)
		warn("nfqueue: no IPv6 raw socket (%s): refusals and DNS answers to "
		     "guarded bottles over IPv6 are lost", strerror(errno));
	if (nfqr_detect(&q->method, q->method_err, sizeof(q->method_err))) {
		q->method = NFQR_NONE;
		warn("nfqueue: this kernel cannot queue packets (%s): sentry guard is unavailable",
		     q->method_err);
	} else {
		info("nfqueue: queue rules use the %s", nfqr_method_name(q->method));
	}
	return 0;
}

void nfq_fini(struct daemon *d)
{
	struct nfq *q = d->nfq;

	if (!q)
		return;
	/* the tables stay: a guarded bottle has no network without us */
	for (uint32_t i = 0; i < NFQ_GUARDS_MAX; i++) {
		if (!q->g[i].used)
			continue;
		mnl_socket_close(q->g[i].nl);
		engine_policy_put(d->e, q->g[i].gb.eb.policy);
		info("nfqueue: %s stays blocked (table ip %s); `sentry unguard %s` "
		     "or `nft delete table ip %s` lifts it", q->g[i].gb.eb.name,
		     q->g[i].spec.table, q->g[i].gb.eb.name, q->g[i].spec.table);
	}
	if (q->raw >= 0)
		close(q->raw);
	if (q->raw6 >= 0)
		close(q->raw6);
	if (q->e)
		engine_free(q->e);
	free(q->rbuf);
	free(q->aux);
	free(q);
	d->nfq = NULL;
}

/* Send config message @nlh and wait for its acknowledgement */
static int config_call(struct guard *g, struct nlmsghdr *nlh, uint8_t *buf)
{
	ssize_t n;
	int rc;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* packets cannot arrive before the rules exist: the next message is the ack */
	n = mnl_socket_recvfrom(g->nl, buf, CONFIG_MSG_BUF);
	if (n < 0)
		return -errno;
	rc = mnl_cb_run(buf, (size_t)n, 0, g->portid, NULL, NULL);
	return rc < 0 ? -errno : 0;
}

/* Bind @g's socket to its queue: copy packets whole, GSO, no fail-open */
static int bind_queue(struct daemon *d, struct guard *g, char *err, size_t len)
{
	uint8_t buf[CONFIG_MSG_BUF];
	struct nlmsghdr *nlh;
	int one = 1, rcv = 4 << 20, rc;

	g->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!g->nl || mnl_socket_bind(g->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		snprintf(err, len, "netfilter queue socket: %s", strerror(errno));
		return rc;
	}
	g->portid = mnl_socket_get_portid(g->nl);
	/* a burst beyond the socket buffer is the kernel's queue drop, counted */
	setsockopt(mnl_socket_get_fd(g->nl), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	mnl_socket_setsockopt(g->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));

	nlh = nfq_nlmsg_put((char *)buf, NFQNL_MSG_CONFIG, g->spec.queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if ((rc = config_call(g, nlh, buf))) {
		snprintf(err, len, "queue %u: bind: %s%s", g->spec.queue, strerror(-rc),
			 rc == -EBUSY ? " (another program reads it)" : "");
		return rc;
	}
	nlh = nfq_nlmsg_put((char *)buf, NFQNL_MSG_CONFIG, g->spec.queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, d->cfg.nfq_queue_maxlen);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_GSO));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	if ((rc = config_call(g, nlh, buf))) {
		snprintf(err, len, "queue %u: parameters: %s", g->spec.queue, strerror(-rc));
		return rc;
	}
	if (fcntl(mnl_socket_get_fd(g->nl), F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static struct guard *guard_by_name(struct nfq *q, const char *name)
{
	for (uint32_t i = 0; i < NFQ_GUARDS_MAX; i++)
		if (q->g[i].used && !strcmp(q->g[i].gb.eb.name, name))
			return &q->g[i];
	return NULL;
}

int nfq_guard(struct daemon *d, const struct ctl_request *req, char *err,
	      size_t len)
{
	struct nfq *q = d->nfq;
	struct engine_policy *ep;
	struct guard *g = NULL;
	int rc;

	if (q->method == NFQR_NONE) {
		snprintf(err, len, "this kernel cannot queue packets: %s", q->method_err);
		return -EOPNOTSUPP;
	}
	if (guard_by_name(q, req->name) || bottle_by_name(d, req->name)) {
		snprintf(err, len, "a bottle named %s exists", req->name);
		return -EEXIST;
	}
	if ((req->addr4.set && req->addr4.plen != 32) ||
	    (req->addr6.set && req->addr6.plen != 128)) {
		snprintf(err, len, "addr4 and addr6 must be one address each (/32, /128)");
		return -EINVAL;
	}
	for (uint32_t i = 0; i < NFQ_GUARDS_MAX; i++) {
		if (q->g[i].used && q->g[i].spec.queue == req->queue) {
			snprintf(err, len, "queue %u guards %s already", req->queue,
				 q->g[i].gb.eb.name);
			return -EBUSY;
		}
		if (!q->g[i].used && !g)
			g = &q->g[i];
	}
	if (!g) {
		snprintf(err, len, "%d guarded bottles at most", NFQ_GUARDS_MAX);
		return -ENOSPC;
	}
	ep = policies_get(d, req->policy, err, len);
	if (!ep)
		return -ENOENT;
	memset(g, 0, sizeof(*g));
	snprintf(g->spec.table, sizeof(g->spec.table), NFQR_TABLE_PREFIX "%s", req->name);
	for (char *c = g->spec.table; *c; c++)	/* nft identifiers: no '.' */
		if (*c == '.')
			*c = '_';
	snprintf(g->spec.ifname, sizeof(g->spec.ifname), "%s", req->iface);
	g->spec.shared = req->port[0] != '\0';
	snprintf(g->spec.port, sizeof(g->spec.port), "%s", req->port);
	g->spec.has4 = req->addr4.set;
	g->spec.has6 = req->addr6.set;
	memcpy(g->spec.addr4, req->addr4.addr.b, 4);
	memcpy(g->spec.addr6, req->addr6.addr.b, 16);
	g->spec.queue = (uint16_t)req->queue;
	/* dnstcp.c listens on the egress TUN's own addresses, the pools' first */
	g->spec.dns_port = (uint16_t)d->cfg.dns_tcp_port;
	if (d->cfg.pool4.enabled) {
		g->spec.has_dns4 = true;
		memcpy(g->spec.dns4, d->cfg.pool4.net.b, 4);
		g->spec.dns4[3] |= 1;
	}
	if (d->cfg.pool6.enabled) {
		g->spec.has_dns6 = true;
		memcpy(g->spec.dns6, d->cfg.pool6.net.b, 16);
		g->spec.dns6[15] |= 1;
	}
	g->spec.mark = NFQR_MARK(q->mark_gen);
	g->spec.method = q->method;
	if ((rc = bind_queue(d, g, err, len)))
		goto fail;
	/* the rules last: from here on, packets are queued to a reader */
	if ((rc = nfqr_install(&g->spec, err, len)))
		goto fail;
	rc = loop_watch(d->epfd, mnl_socket_get_fd(g->nl), EPOLLIN, TAG_NFQUEUE,
			(uint32_t)(g - q->g));
	if (rc) {
		snprintf(err, len, "epoll: %s", strerror(-rc));
		goto fail;
	}
	engine_bottle_init(&g->gb.eb, d->next_zone++, req->name, ep);
	g->gb.eb.slot = d->cfg.bottles + (uint32_t)(g - q->g);
	/* no TUN, no process: nothing of gb but eb may ever be used */
	g->gb.fds[0] = g->gb.pidfd = g->gb.nswatch = g->gb.watch_wd = -1;
	g->gb.eb.has4 = req->addr4.set;
	g->gb.eb.addr4 = req->addr4.addr;
	g->gb.eb.has6 = req->addr6.set;
	g->gb.eb.addr6 = req->addr6.addr;
	g->guarded_ns = now_ns();
	g->used = true;
	info("nfqueue: guarding %s (%s%s%s via %s%s, queue %u) with policy %s; "
	     "tables ip and ip6 %s", req->name,
	     req->addr4.set ? addr_format(&req->addr4.addr, (char[ADDR_TEXT_MAX]){ 0 }) : "",
	     req->addr4.set && req->addr6.set ? " " : "",
	     req->addr6.set ? addr_format(&req->addr6.addr, (char[ADDR_TEXT_MAX]){ 0 }) : "",
	     req->iface, req->port[0] ? ", a shared bridge" : "", req->queue, req->policy,
	     g->spec.table);
	return 0;
fail:
	if (g->nl)
		mnl_socket_close(g->nl);
	g->nl = NULL;
	engine_policy_put(d->e, ep);
	return rc;
}

int nfq_unguard(struct daemon *d, const char *name, char *err, size_t len)
{
	struct guard *g = d->nfq ? guard_by_name(d->nfq, name) : NULL;
	int rc;

	if (!g) {
		snprintf(err, len, "no guarded bottle named '%s'", name);
		return -ENOENT;
	}
	rc = nfqr_remove(g->spec.table, err, len);
	if (rc)
		return rc;
	loop_unwatch(d->epfd, mnl_socket_get_fd(g->nl));
	mnl_socket_close(g->nl);
	dnstcp_forget_bottle(d, g->gb.eb.id);
	engine_policy_put(d->e, g->gb.eb.policy);
	info("nfqueue: %s unguarded; tables ip and ip6 %s removed", g->gb.eb.name,
	     g->spec.table);
	memset(g, 0, sizeof(*g));
	return 0;
}

/* Send the verdicts batched so far, in one system call */
static void flush(struct nfq *q, struct guard *g)
{
	if (mnl_nlmsg_batch_size(q->vb) &&
	    mnl_socket_sendto(g->nl, mnl_nlmsg_batch_head(q->vb),
			      mnl_nlmsg_batch_size(q->vb)) < 0)
		g->verdict_errors++;
	mnl_nlmsg_batch_reset(q->vb);
}

/* Queue a verdict for packet @id of @g, with @mark if non-zero */
static void verdict(struct nfq *q, struct guard *g, uint32_t id, int v,
		    uint32_t mark)
{
	struct nlmsghdr *nlh;

	if (mnl_nlmsg_batch_size(q->vb) + VERDICT_ROOM > VERDICT_BUF)
		flush(q, g);
	nlh = nfq_nlmsg_put(mnl_nlmsg_batch_current(q->vb), NFQNL_MSG_VERDICT,
			    g->spec.queue);
	nfq_nlmsg_verdict_put(nlh, (int)id, v);
	if (mark)
		nfq_nlmsg_verdict_put_mark(nlh, mark);
	mnl_nlmsg_batch_next(q->vb);
}

/* Write IP packet @pkt (checksums complete, from a parsed or built header) */
static void send_to_bottle(struct nfq *q, const uint8_t *pkt, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };

	if (len >= IPV6_HDR_LEN && (pkt[0] >> 4) == 6) {
		memcpy(&to6.sin6_addr, pkt + 24, 16);	/* IPv6 destination */
		if (q->raw6 < 0 || sendto(q->raw6, pkt, len, 0, (struct sockaddr *)&to6,
					  sizeof(to6)) != (ssize_t)len)
			q->send_errors++;
		return;
	}
	if (len < IPV4_HDR_MIN || (pkt[0] >> 4) != 4) {
		q->send_errors++;
		return;
	}
	memcpy(&to.sin_addr, pkt + 16, 4);	/* IPv4 destination */
	if (q->raw < 0 || sendto(q->raw, pkt, len, 0, (struct sockaddr *)&to,
				 sizeof(to)) != (ssize_t)len)
		q->send_errors++;
}

/* [reject]: the RST or ICMP error for refused packet @p */
static void reject(struct daemon *d, struct nfq *q, const struct pkt *p)
{
	uint8_t mode = p->proto == PROTO_TCP ? d->cfg.reject_tcp :
		       p->proto == PROTO_UDP ? d->cfg.reject_udp : d->cfg.reject_other;
	uint8_t *out = q->aux + PKT_HEADROOM;
	int n;

	if (mode == CONFIG_REJECT_DROP || p->frag == PKT_FRAG_LATER)
		return;
	if (mode == CONFIG_REJECT_RST && p->proto == PROTO_TCP) {
		if (p->tcp_flags & TCP_RST)
			return;
		n = reply_tcp_rst(p, out, PKT_BUF_SIZE - PKT_HEADROOM);
	} else {
		n = reply_icmp_prohibited(p, out, PKT_BUF_SIZE - PKT_HEADROOM);
	}
	if (n > 0) {
		send_to_bottle(q, out, (size_t)n);
		q->rejects_sent++;
	}
}

/* A refused query: the refusal, built in a copy (the receive buffer holds more) */
static void refuse_query(struct nfq *q, const uint8_t *pkt, size_t len,
			 const struct engine_result *r)
{
	unsigned int rcode = r->reason == DROP_DNS_DENIED ? r->dns_refusal
							  : DNS_RCODE_REFUSED;
	uint8_t *copy = q->aux + PKT_HEADROOM;
	struct pkt p;
	int n;

	struct dns_msg *m = engine_scratch_dns(q->e);

	memcpy(copy, pkt, len);
	/* r->dns points into @pkt: reply_dns_refusal() needs the copy's query */
	if (pkt_parse(copy, len, &p) != DROP_NONE ||
	    dns_parse_query(copy + r->dns_off, p.payload_len, m) != DROP_NONE)
		return;
	n = reply_dns_refusal(&p, PKT_BUF_SIZE - PKT_HEADROOM, m, rcode,
			      EDE_BLOCKED);
	if (n > 0)
		send_to_bottle(q, copy, (size_t)n);
}

/* An allowed query: to the resolver, which copies what it keeps */
static void hand_query(struct daemon *d, struct guard *g, const struct pkt *p,
		       const struct engine_result *r)
{
	struct ipaddr client, server;

	pkt_src_addr(p, &client);
	pkt_dst_addr(p, &server);
	resolver_query(d, &g->gb, p->data + r->dns_off, p->payload_len, r->dns,
		       &client, p->sport, &server, p->dport, DNS_VIA_UDP, 0);
}

/* Decide one queued packet of @g */
static void one_packet(struct daemon *d, struct nfq *q, struct guard *g,
		       uint32_t id, uint8_t *pkt, size_t len, uint64_t now)
{
	struct engine_result r;
	enum engine_action act;
	enum drop_reason reason;
	bool out;
	struct pkt p;

	reason = pkt_parse(pkt, len, &p);
	/* from the bottle when its source is the bottle's (the table let only
	 * the bottle's own source in, and the bottle's destination out) */
	if (len >= IPV6_HDR_LEN && (pkt[0] >> 4) == 6)
		out = g->spec.has6 && !memcmp(pkt + 8, g->spec.addr6, 16);
	else
		out = len >= IPV4_HDR_MIN && g->spec.has4 && !memcmp(pkt + 12, g->spec.addr4, 4);
	if (reason != DROP_NONE) {
		engine_tally(q->e, &g->gb.eb, out ? TALLY_PACKET_OUT : TALLY_PACKET_IN,
			     len, reason);
		verdict(q, g, id, NF_DROP, 0);
		return;
	}
	act = out ? engine_outbound(q->e, &g->gb.eb, &p, now, &r)
		  : engine_inbound(q->e, &g->gb.eb, &p, now, &r);
	switch (act) {
	case ENGINE_FORWARD:
		verdict(q, g, id, NF_REPEAT, NFQR_MARK(q->mark_gen));
		return;
	case ENGINE_REJECT:
		verdict(q, g, id, NF_DROP, 0);
		reject(d, q, &p);
		return;
	case ENGINE_DNS:
		verdict(q, g, id, NF_DROP, 0);
		if (r.dns_allow)
			hand_query(d, g, &p, &r);
		else
			refuse_query(q, pkt, len, &r);
		return;
	case ENGINE_DROP:
		verdict(q, g, id, NF_DROP, 0);
		return;
	}
}

struct cb_ctx {
	struct daemon *d;
	struct guard *g;
	uint64_t now;
};

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct cb_ctx *c = data;
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	if (!attr[NFQA_PAYLOAD]) {	/* nothing to decide on: refuse */
		verdict(c->d->nfq, c->g, ntohl(ph->packet_id), NF_DROP, 0);
		return MNL_CB_OK;
	}
	one_packet(c->d, c->d->nfq, c->g, ntohl(ph->packet_id),
		   mnl_attr_get_payload(attr[NFQA_PAYLOAD]),
		   mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]), c->now);
	return MNL_CB_OK;
}

void nfq_ready(struct daemon *d, uint32_t index)
{
	struct nfq *q = d->nfq;
	struct cb_ctx c = { d, NULL, now_ns() };
	struct guard *g;

	if (!q || index >= NFQ_GUARDS_MAX || !q->g[index].used)
		return;
	g = c.g = &q->g[index];
	q->vb = mnl_nlmsg_batch_start(q->vbuf, sizeof(q->vbuf));
	for (int i = 0; i < RECV_BATCH; i++) {
		ssize_t n = recv(mnl_socket_get_fd(g->nl), q->rbuf, RECV_BUF, MSG_DONTWAIT);

		if (n < 0)
			break;	/* EAGAIN; ENOBUFS is off (the kernel counts its drops) */
		mnl_cb_run(q->rbuf, (size_t)n, 0, g->portid, on_msg, &c);
	}
	flush(q, g);
	mnl_nlmsg_batch_stop(q->vb);
	q->vb = NULL;
}

void nfq_tick(struct daemon *d, uint64_t now)
{
	struct nfq *q = d->nfq;
	uint32_t gen;
	char err[256];

	if (!q)
		return;
	engine_set_wall_offset(q->e, engine_wall_offset(d->e));
	engine_expire(q->e, now);
	gen = engine_generation(d->e);
	if (gen == q->mark_gen)
		return;
	/* a new policy generation: every live flow is queued and decided again */
	q->mark_gen = gen;
	for (uint32_t i = 0; i < NFQ_GUARDS_MAX; i++)
		if (q->g[i].used &&
		    nfqr_set_mark(&q->g[i].spec, NFQR_MARK(gen), err, sizeof(err)))
			warn("nfqueue: %s: cannot renew the allow mark: %s",
			     q->g[i].gb.eb.name, err);
}

struct gw_bottle *nfq_bottle_by_zone(struct daemon *d, uint32_t zone)
{
	for (uint32_t i = 0; d->nfq && i < NFQ_GUARDS_MAX; i++)
		if (d->nfq->g[i].used && d->nfq->g[i].gb.eb.id == zone)
			return &d->nfq->g[i].gb;
	return NULL;
}

struct gw_bottle *nfq_bottle_by_addr(struct daemon *d, const struct ipaddr *a)
{
	for (uint32_t i = 0; d->nfq && i < NFQ_GUARDS_MAX; i++)
		if (d->nfq->g[i].used &&
		    ((d->nfq->g[i].gb.eb.has4 && addr_equal(&d->nfq->g[i].gb.eb.addr4, a)) ||
		     (d->nfq->g[i].gb.eb.has6 && addr_equal(&d->nfq->g[i].gb.eb.addr6, a))))
			return &d->nfq->g[i].gb;
	return NULL;
}

bool nfq_owns(struct daemon *d, const struct gw_bottle *b)
{
	/* by identity, not by address range: zones are unique across sources */
	return nfq_bottle_by_zone(d, b->eb.id) == b;
}

void nfq_to_bottle(struct daemon *d, const uint8_t *pkt, size_t len)
{
	send_to_bottle(d->nfq, pkt, len);
}

bool nfq_has(struct daemon *d, const char *name)
{
	return d->nfq && guard_by_name(d->nfq, name);
}

/* The kernel's own counters for queue @num (/proc/net/netfilter/nfnetlink_queue) */
static bool kernel_drops(uint16_t num, uint64_t *qdrop, uint64_t *udrop)
{
	char line[256];
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		/* queue portid waiting mode range queue_dropped user_dropped ... */
		uint64_t field[7];
		char *save = NULL, *tok = strtok_r(line, " \n", &save);
		int i;

		for (i = 0; tok && i < 7; i++, tok = strtok_r(NULL, " \n", &save))
			if (num_parse(tok, 10, 0, UINT64_MAX, &field[i]))
				break;
		if (i == 7 && field[0] == num) {
			*qdrop = field[5];
			*udrop = field[6];
			found = true;
		}
	}
	fclose(f);
	return found;
}

void nfq_view_bottles(struct daemon *d, bool json, bool first, struct sbuf *o)
{
	struct nfq *q = d->nfq;
	uint64_t now = now_ns();

	for (uint32_t i = 0; q && i < NFQ_GUARDS_MAX; i++) {
		const struct guard *g = &q->g[i];
		char a4[ADDR_TEXT_MAX], a6[ADDR_TEXT_MAX], a[2 * ADDR_TEXT_MAX + 16];

		if (!g->used)
			continue;
		snprintf(a, sizeof(a), "%s%s%s%s%s",
			 g->gb.eb.has4 ? addr_format(&g->gb.eb.addr4, a4) : "",
			 g->gb.eb.has4 ? "/32" : "", g->gb.eb.has4 && g->gb.eb.has6 ? "," : "",
			 g->gb.eb.has6 ? addr_format(&g->gb.eb.addr6, a6) : "",
			 g->gb.eb.has6 ? "/128" : "");
		if (json) {
			sbuf_printf(o, "%s{\"name\":", first ? "" : ",");
			sbuf_json_str(o, g->gb.eb.name);
			sbuf_printf(o, ",\"policy\":");
			sbuf_json_str(o, g->gb.eb.policy->name);
			sbuf_printf(o, ",\"addresses\":\"%s\",\"source\":\"nfqueue\","
				    "\"interface\":", a);
			sbuf_json_str(o, g->spec.ifname);
			sbuf_printf(o, ",\"queue\":%u,\"uptime\":%.1f}", g->spec.queue,
				    (double)(now - g->guarded_ns) / 1e9);
		} else {
			sbuf_printf(o, "%-42s %-16s %-34s %-14s %.0fs nfqueue\n",
				    g->gb.eb.name, g->gb.eb.policy->name, a, "-",
				    (double)(now - g->guarded_ns) / 1e9);
		}
		first = false;
	}
}

void nfq_view_stats(struct daemon *d, bool json, struct sbuf *o)
{
	struct nfq *q = d->nfq;
	const struct engine_stats *s;

	if (!q)
		return;
	s = engine_stats(q->e);
	if (json) {
		sbuf_printf(o, ",\"nfqueue\":{\"method\":\"%s\",\"packets\":%" PRIu64
			    ",\"forwarded\":%" PRIu64 ",\"dropped\":%" PRIu64
			    ",\"flows_allowed\":%" PRIu64 ",\"flows_denied\":%" PRIu64
			    ",\"revoked\":%" PRIu64 ",\"rejects_sent\":%" PRIu64
			    ",\"queues\":[", q->method == NFQR_NATIVE ? "native" :
			    q->method == NFQR_COMPAT ? "compat" : "none",
			    s->packets, s->forwarded, s->dropped, s->flows_allowed,
			    s->flows_denied, s->revoked, q->rejects_sent);
	} else {
		sbuf_printf(o, "nfqueue: %s\n  packets %" PRIu64 " forwarded %" PRIu64
			    " dropped %" PRIu64 " flows_allowed %" PRIu64
			    " flows_denied %" PRIu64 " revoked %" PRIu64
			    " rejects_sent %" PRIu64 "\n", nfqr_method_name(q->method),
			    s->packets, s->forwarded, s->dropped, s->flows_allowed,
			    s->flows_denied, s->revoked, q->rejects_sent);
	}
	for (uint32_t i = 0, n = 0; i < NFQ_GUARDS_MAX; i++) {
		const struct guard *g = &q->g[i];
		uint64_t qd = 0, ud = 0;

		if (!g->used)
			continue;
		kernel_drops(g->spec.queue, &qd, &ud);
		if (json)
			sbuf_printf(o, "%s{\"bottle\":\"%s\",\"queue\":%u,"
				    "\"queue_dropped\":%" PRIu64 ",\"user_dropped\":%" PRIu64
				    ",\"verdict_errors\":%" PRIu64 "}", n++ ? "," : "",
				    g->gb.eb.name, g->spec.queue, qd, ud, g->verdict_errors);
		else
			sbuf_printf(o, "  queue %u (%s): queue_dropped %" PRIu64
				    " user_dropped %" PRIu64 " verdict_errors %" PRIu64 "\n",
				    g->spec.queue, g->gb.eb.name, qd, ud, g->verdict_errors);
	}
	if (json)
		sbuf_printf(o, "]}");
}

const char *nfq_method(const struct daemon *d)
{
	return d->nfq ? nfqr_method_name(d->nfq->method) : "none";
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.h - the running gateway: the state the daemon's modules share
 *
 * Each module has its own header (bottles.h, datapath.h, resolver.h,
 * dnstcp.h, control.h, policies.h, fdlimit.h, tablewatch.h, worker.h,
 * ctl_views.h, loop.h); none of them calls back into daemon.c, which
 * only sets up, dispatches and tears down.
 *
 * Theory of operation
 *
 * Threads. The main thread runs one epoll loop for everything but packets;
 * N workers ([daemon] workers, default one per online CPU) each run their
 * own loop over TUN queues. Every registered descriptor carries a tag
 * (epoll_event.data.u64 = TAG << 32 | index) saying what it is:
 *
 *   worker loops:
 *   TAG_BOTTLE    a bottle's TUN queue: packets the bottle sends
 *                 (datapath.c -> engine_outbound() -> egress / local answer)
 *   TAG_EGRESS    the egress TUN in sentry's own namespace: replies from the
 *                 internet, addressed to a bottle's egress address
 *                 (datapath.c -> engine_inbound() -> the bottle's TUN)
 *   TAG_WAKE      the worker's eventfd: time to stop
 *   main loop:
 *   TAG_WORKER    a worker's eventfd: messages in its queue (worker.c)
 *   TAG_UPSTREAM  a UDP socket to the upstream resolvers (resolver.c)
 *   TAG_UPTCP     a TCP connection to an upstream, retrying a truncated answer
 *   TAG_DNSTCP    the listener for bottles' DNS over TCP, which nftables
 *                 redirects here, and its connections (dnstcp.c)
 *   TAG_CONTROL   the control socket and its connections (control.c)
 *   TAG_PIDFD     a bottle's process: readable when it exits
 *   TAG_NSWATCH   a bottle's own netns watch, made by its client (inotify)
 *   TAG_INOTIFY   deletions in the directories holding bottles' netns files
 *   TAG_TIMER     100 ms upkeep: DNS timeouts, flow expiry, policy store
 *                 generation (a changed store is recompiled within 1 s),
 *                 and once a second a warning for tables that were full
 *                 (tablewatch.c)
 *   TAG_SIGNAL    SIGTERM/SIGINT stop, SIGHUP reopens the log and reloads
 *   TAG_NFQUEUE   a guarded bottle's netfilter queue (nfq.c)
 *
 * Queues. Worker i reads queue q of every bottle TUN and of the egress TUN
 * when q % N == i, and writes to queue i % (that TUN's queue count). The
 * bottle side opens one queue per online CPU by default (attach.h): the
 * client cannot know N, but both default to the CPU count, and any other
 * count still works. The egress gets max([egress] queues, N) queues.
 *
 * Flows stay on one worker because of how the kernel picks a TUN queue
 * for a packet it hands to sentry (tun_automq_select_queue()): a symmetric
 * hash of the flow, looked up in a per-device table that remembers the
 * queue sentry last *wrote* that flow's packets to (aged out after 3 s
 * without a write), else the hash spread over the queues. A bottle's new
 * flow lands on some queue i; worker i writes it to egress queue i; the
 * egress TUN remembers i for the flow, so the reply comes back on egress
 * queue i to worker i, who writes it to bottle queue i, which the bottle
 * TUN remembers in turn. So each worker has its OWN engine (engine.h):
 * flow and fragment tables are sharded by the kernel's steering, and the
 * packet path takes no lock another worker contends. The threads, the
 * locks and what each guards are listed once, in daemon/threads.h; here
 * is why they are so:
 *
 *   - steering moves (a flow idle > 3 s lost its table entries, so its
 *     next packet is hashed, and the hash on the egress side is of the
 *     pool address, not the inside one; and at a connection's start the
 *     reply can overtake the kernel's note of where sentry wrote the
 *     request): a miss in the worker's own table asks the other workers'
 *     tables and moves the flow over with its verdict and counters
 *     (engine_steal_fn, worker.c; counted as flows_stolen). With two
 *     workers a flow is never missing from both tables for whoever looks
 *     (with more, see worker.c). A bare SYN skips this: nobody can have
 *     its flow yet. So an established connection whose DNS answer expired
 *     is neither re-decided nor cut, and a reply after a pause is not
 *     dropped as no_flow. Measured (test/bench/bench_threads.c, medians
 *     of runs on a shared 2-CPU machine): 55 to 150 ns more per non-SYN
 *     new flow with two workers (on about 600 ns), and 10 to 40 ns per
 *     packet for the shard lock itself (on about 170 ns of parse and
 *     engine).
 *   - the learnt-address table and the policy slots are shared under a
 *     writer-preferring rwlock, so the addresses of an answer are in every
 *     worker's view before the answer is released to the bottle. A private
 *     copy of policies and learnt addresses per worker, with every learnt
 *     address broadcast, was measured against this
 *     (test/bench/bench_threads.c): two threads deciding nothing but new
 *     flows took 814 to 1249 ns each per flow with private copies, 1013
 *     to 1259 ns with the shared rwlock (one thread: 564 to 631 ns
 *     without the lock, 613 to 670 ns with it). At most a quarter more on
 *     the decision alone, a few per cent of what a new connection costs
 *     the kernels around sentry; not worth a broadcast that every DNS
 *     answer would have to wait for.
 *   - tables are sized per worker: [tables] flows and fragments are
 *     shared out evenly, so `ctl stats` shows the configured capacity,
 *     but a worker that reads no queue of a busy bottle (more workers than
 *     the bottle has queues) leaves its share unused.
 *   - counters: every worker's engine counts packets for its own view of
 *     each bottle (struct worker.eb); `ctl stats` sums them. DNS token
 *     buckets are the root view's, so a bottle's rate is one limit
 *     whatever the queue its queries came on (buckets per worker would
 *     let a bottle with N queues ask N times the configured rate).
 *   - system calls: a TUN reads and writes one packet per call, and
 *     readv()/writev() only gather one packet's pieces, so the batching
 *     is per wake-up (up to 64 packets per ready queue); writev() is used
 *     where it saves a copy (a software segment: new headers + payload in
 *     place; the zero vnet header in front of a reply from the main
 *     thread).
 *   - DNS: a worker answers refused queries itself, in place; it hands
 *     allowed ones to the main thread, which owns the resolver, the
 *     pending table and the upstream sockets (the life of a query:
 *     README.md, "The life of an allowed DNS query").
 *
 * Bottles. Only the main thread attaches and detaches; how a bottle is
 * published to the workers and taken back: daemon/threads.h.
 *
 * Offloads: see common/vnet.h. Bottle TUNs and the egress TUN have a
 * virtio-net header by default, and the daemon switches the bottle's
 * offloads on when the egress has a header too ([egress] offload = yes),
 * so GSO packets pass through whole; a TUN without one is served plain,
 * GSO packets bound for it being cut in software (common/gso.h). The
 * header lives in the packet buffer right in front of the IP packet, so
 * the buffer read is the buffer written: no copy per packet either way.
 *
 * Addresses: each bottle gets a unique egress address from the pool
 * (host index slot + 2; .1 is the egress TUN's own). Outbound packets leave
 * with that source, so conntrack and masquerade in sentry's namespace keep
 * bottles with equal inside addresses apart; a reply's destination indexes
 * the bottle table directly.
 */
#ifndef SENTRY_DAEMON_H
#define SENTRY_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "config/config.h"
#include "ctl_proto.h"
#include "engine.h"
#include "kernel/netcfg.h"
#include "daemon/dnslatency.h"
#include "daemon/fdlimit.h"
#include "daemon/loop.h"
#include "daemon/tablewatch.h"


/*
 * The main loop's bounded sets of descriptors, here rather than in their
 * files because fdbudget.c counts them too.
 */
#define CONTROL_CONNS		16	/* control connections at once (control.c) */
#define CONTROL_FDS_MAX		(CTL_QUEUES_MAX + 2)	/* with one request: queues, pidfd, watch */
#define DNSTCP_MAX		128	/* bottles' DNS-over-TCP connections (dnstcp.c) */
#define UPTCP_MAX		64	/* TCP retries to an upstream at once (resolver.c) */

struct gw_bottle;
struct resolver;
struct dnstcp;
struct control;
struct worker;
struct nfq;

struct daemon_counters {
	uint64_t egress_no_bottle;	/* replies to an egress address nobody holds */
	uint64_t tun_write_errors;	/* writes to a bottle's TUN that failed */
	uint64_t egress_write_errors;
	uint64_t short_writes;
	uint64_t rejects_sent;		/* RSTs and ICMP errors written to bottles */
	uint64_t dns_local_answers;	/* refusals answered by sentry */
	uint64_t egress_read_errors;	/* reads from the egress that failed (not EAGAIN) */
	uint64_t tun_read_errors;	/* reads from a bottle that lost a packet */
	uint64_t gso_segmented;		/* GSO packets cut in software */
	uint64_t gso_segments;		/* the packets they were cut into */
	uint64_t handoff_full;		/* allowed queries dropped: main thread's queue full */
};

struct metrics_export;

struct daemon {
	struct sentry_config cfg;
	struct engine *e;
	struct pstore *store;
	uint64_t store_gen;
	int epfd, timerfd, sigfd, inotify_fd;
	struct egress_spec egress;
	int egress_fds[CTL_QUEUES_MAX];
	uint32_t egress_nfds;
	bool egress_up;
	struct gw_bottle *bottles;	/* cfg.tables.bottles slots */
	uint32_t nbottles;		/* in use */
	uint64_t bottles_seen;		/* attached since start */
	uint64_t bottles_refused;	/* attaches refused: the table was full */
	uint32_t next_zone;
	struct resolver *res;
	struct dnstcp *dnstcp;
	struct control *ctl;
	FILE *declog;
	pthread_mutex_t declog_lock;	/* workers log too; SIGHUP swaps the FILE */
	uint8_t *aux;			/* PKT_BUF_SIZE: the main thread's replies */
	struct worker *workers;
	uint32_t nworkers;
	bool stop;
	uint64_t started_ns;
	struct daemon_counters c;
	struct tablewatch tw;
	struct fdlimit fdl;
	struct nfq *nfq;			/* the NFQUEUE source (nfq.h) */
	struct dnslatency dns_latency;		/* main thread: resolver.c records */
	struct metrics_export *mx;		/* [metrics] listen, textfile (metrics_export.h) */
};

/* daemon.c */
/* daemon_main() - `sentry run -c FILE`: returns the exit status */
int daemon_main(const char *config_path);

/*
 * daemon_run() - run the daemon with configuration @cfg until stopped
 * @ready_fd:	written "r" once the control socket answers, then closed; -1
 * @pasta_pidfile: standalone only: the pasta to stop on the way out, or NULL
 *
 * With cfg->standalone the daemon stops once its bottles have come and gone.
 * Return: the exit status.
 */
int daemon_run(const struct sentry_config *cfg, int ready_fd,
	       const char *pasta_pidfile);

/* daemon_decision_emit() - one decision line to the decision log (any thread) */
void daemon_decision_emit(struct daemon *d, const char *line, size_t len);
#endif /* SENTRY_DAEMON_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.h - the running gateway: shared state of `sentry run`
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
 * TUN remembers in turn. So each worker has its OWN engine (engine.h,
 * "Threading"): flow table and fragment table are sharded by the kernel's
 * steering, and the packet path takes no lock another worker contends:
 *
 *   - shard lock: each worker's mutex over its engine's tables, taken
 *     per packet around the engine call and the in-place rewrite (not
 *     around the read or write), uncontended but for the slow paths below.
 *   - steering moves (a flow idle > 3 s lost its table entries, so its
 *     next packet is hashed, and the hash on the egress side is of the
 *     pool address, not the inside one; and at a connection's start the
 *     reply can overtake the kernel's note of where sentry wrote the
 *     request): a miss in the worker's own table asks the other workers'
 *     tables and moves the flow over with its verdict and counters
 *     (engine_steal_fn, worker.c; counted as flows_stolen). The two shard
 *     locks are taken in worker order, and the worker's own is held from
 *     the removal to the insertion, so with two workers a flow is never
 *     missing from both tables for whoever looks (with more, see
 *     worker.c). A bare SYN skips this: nobody can have its flow yet. So
 *     an established connection whose DNS answer expired is neither
 *     re-decided nor cut, and a reply after a pause is not dropped as
 *     no_flow. Measured (test/bench/bench_threads.c, medians of runs on a
 *     shared 2-CPU machine): 55 to 150 ns more per non-SYN new flow with
 *     two workers (on about 600 ns), and 10 to 40 ns per packet for the
 *     shard lock itself (on about 170 ns of parse and engine).
 *   - the learnt-address table and the policy slots are the root engine's
 *     (d->e, main thread), shared with the workers under a
 *     writer-preferring rwlock: the main thread writes (a DNS answer
 *     learnt, a policy reloaded) holding it exclusively, so the addresses
 *     are in every worker's view before the answer is released to the
 *     bottle; a worker reads only on a new flow, a stale verdict, a DNS
 *     query or a logged refusal. A known flow with a current verdict
 *     takes no shared lock: it compares the flow's generation with the
 *     root's, one relaxed atomic load.
 *     A private copy of policies and learnt addresses per worker, with
 *     every learnt address broadcast, was measured against this
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
 *     each bottle (struct worker.eb); `ctl stats` sums the root's and the
 *     workers', each read under its shard lock. DNS token buckets are the
 *     root view's, under the root's bucket mutex, so a bottle's rate is
 *     one limit whatever the queue its queries came on (buckets per worker
 *     would let a bottle with N queues ask N times the configured rate).
 *   - system calls: a TUN reads and writes one packet per call, and
 *     readv()/writev() only gather one packet's pieces, so the batching
 *     is per wake-up (up to 64 packets per ready queue); writev() is used
 *     where it saves a copy (a software segment: new headers + payload in
 *     place; the zero vnet header in front of a reply from the main
 *     thread).
 *   - DNS: a worker answers refused queries itself, in place; it hands
 *     allowed ones to the main thread (a single-producer ring per worker
 *     and an eventfd, worker.h), which owns the resolver, the pending
 *     table and the upstream sockets. The main thread writes answers,
 *     and sentry's other replies, straight to the bottle's TUN queue 0:
 *     a write() of one whole packet to a TUN is atomic with respect to
 *     any other writer of the same device, so a worker and the main
 *     thread writing the same TUN at once only ever interleave packets.
 *
 * Bottles. Only the main thread attaches and detaches. A bottle is
 * published to workers by a release store of gw_bottle.live after every
 * field they read is set, and its queues are added to the workers' epoll
 * sets after that. Detach clears live, removes the queues from the epoll
 * sets, and waits (workers_quiesce()) until each worker has finished the
 * wake-up it was in: a worker reads live after marking itself busy, and the
 * main thread reads that mark after clearing live (both sequentially
 * consistent), so one of them sees the other. Only then are the fds
 * closed (an fd number reused while a worker still held it would be a
 * write to the wrong device) and the policy reference dropped.
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

#include "config.h"
#include "ctl_proto.h"
#include "engine.h"
#include "netcfg.h"

enum tag {
	TAG_BOTTLE = 1,
	TAG_EGRESS,
	TAG_WAKE,
	TAG_WORKER,
	TAG_UPSTREAM,
	TAG_UPTCP,
	TAG_DNSTCP_LISTEN,
	TAG_DNSTCP,
	TAG_CONTROL_LISTEN,
	TAG_CONTROL,
	TAG_PIDFD,
	TAG_NSWATCH,
	TAG_INOTIFY,
	TAG_TIMER,
	TAG_SIGNAL,
};

/* Index for TAG_BOTTLE: slot and queue */
#define BOTTLE_REF(slot, q)	((uint32_t)(slot) << 5 | (uint32_t)(q))
#define BOTTLE_REF_SLOT(r)	((r) >> 5)
#define BOTTLE_REF_QUEUE(r)	((r) & 31)

/*
 * Packet buffers: PKT_HEADROOM bytes (room for a vnet header, and for the
 * headers of a DNS answer built in front of its message), then the IP
 * packet, a 64 KiB GSO packet at most.
 */
#define PKT_HEADROOM	64
#define PKT_IP_MAX	65536
#define PKT_BUF_SIZE	(PKT_IP_MAX + PKT_HEADROOM)

/*
 * The main loop's bounded sets of descriptors, here rather than in their
 * files because fdbudget.c counts them too.
 */
#define CONTROL_CONNS		16	/* control connections at once (control.c) */
#define CONTROL_FDS_MAX		(CTL_QUEUES_MAX + 2)	/* with one request: queues, pidfd, watch */
#define DNSTCP_MAX		128	/* bottles' DNS-over-TCP connections (dnstcp.c) */
#define UPTCP_MAX		64	/* TCP retries to an upstream at once (resolver.c) */

struct gw_bottle {
	struct bottle eb;		/* the engine's view: id, name, policy, counters */
	bool used;
	uint32_t slot;
	int fds[CTL_QUEUES_MAX];
	uint32_t nfds;
	int pidfd;			/* -1 if none */
	int nswatch;			/* the client's inotify fd on the netns directory, or -1 */
	int watch_wd;			/* inotify watch on the netns file's directory, or -1 */
	bool keep;			/* stay when the netns file goes */
	char netns[CTL_PATH_MAX];	/* "" if none */
	bool has_e4, has_e6;
	struct ipaddr egress4, egress6;	/* source addresses on the egress side */
	uint8_t plen4, plen6;
	bool vnet;			/* its TUN has a virtio-net header */
	bool live;			/* atomic: published to the workers */
	struct ctl_request req;		/* what attach asked for (addresses, gateway, dns) */
	uint64_t attached_wall_ns;	/* CLOCK_REALTIME */
	uint64_t attached_ns;		/* CLOCK_MONOTONIC */
};

struct resolver;
struct dnstcp;
struct control;
struct worker;

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

/* tablewatch.c: what the log was last told of each full table */
enum tablewatch_kind {
	TW_FLOWS, TW_LEARNT, TW_NAMES, TW_PER_ADDR, TW_FRAGMENTS, TW_PENDING,
	TW_KINDS
};

struct tablewatch {
	uint64_t checked_ns;
	uint64_t reported[TW_KINDS];	/* the count the last line covered */
	uint64_t said_ns[TW_KINDS];	/* when that line was written, 0: never */
};

/* fdlimit.c: the descriptor limit, and running out of descriptors */
#define FDLIMIT_LISTENERS	3	/* control, DNS over TCP v4 and v6 */

struct fdlimit {
	uint64_t limit;			/* RLIMIT_NOFILE (soft), once raised */
	uint64_t need;			/* what the configuration can need (fdbudget.h) */
	int reserve;			/* the spare descriptor, on /dev/null; -1: spent */
	bool short_now;			/* out of descriptors: an episode is under way */
	uint64_t episodes;		/* times the daemon ran out */
	uint64_t refused;		/* connections and attaches refused for want of one */
	uint64_t episode_refused;	/* ...in the episode under way */
	struct {
		int fd;
		enum tag tag;
		uint32_t index;
	} paused[FDLIMIT_LISTENERS];	/* listeners taken out of the loop until a tick */
	uint32_t npaused;
};

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
};

/* now_ns() - CLOCK_MONOTONIC in ns, the clock of every table */
uint64_t now_ns(void);
/* wall_ns() - CLOCK_REALTIME in ns, for logs and "attached at" */
uint64_t wall_ns(void);

/* daemon_watch() - add @fd to the loop for @events, tagged */
int daemon_watch(struct daemon *d, int fd, uint32_t events, enum tag tag,
		 uint32_t index);
void daemon_unwatch(struct daemon *d, int fd);

/* fdlimit.c */
/* fdlimit_init() - raise RLIMIT_NOFILE to its hard limit, open the spare */
void fdlimit_init(struct daemon *d);
/*
 * fdlimit_check() - warn when the limit is below what the configuration
 * can need; @families: address families of the upstream resolvers
 */
void fdlimit_check(struct daemon *d, uint32_t families);
/*
 * fdlimit_accept() - accept4() on listener @lfd (registered as @tag,
 * @index), never leaving a connection the daemon has no descriptor for
 * waiting in the backlog
 * @sa, @salen:	the peer, as for accept4()
 * @tell:	write the refused client one "error ..." line (control)
 * Return: a descriptor; -EMFILE when a connection was refused for want of
 * one (call again); -EAGAIN when none is waiting, or another -errno (stop).
 */
int fdlimit_accept(struct daemon *d, int lfd, enum tag tag, uint32_t index,
		   struct sockaddr *sa, socklen_t *salen, bool tell);
/* fdlimit_short() - count a request refused for want of a descriptor */
void fdlimit_short(struct daemon *d, const char *what);
/* fdlimit_tick() - from the timer: end an episode, put paused listeners back */
void fdlimit_tick(struct daemon *d);
void fdlimit_fini(struct daemon *d);

/* tablewatch_tick() - from the timer: log tables that were full (tablewatch.c) */
void tablewatch_tick(struct daemon *d, uint64_t now);

/* bottles.c */
int bottles_init(struct daemon *d);
void bottles_fini(struct daemon *d);
/*
 * bottle_attach() - take over a bottle from an attach request
 * @fds:	req->queues TUN fds, then a pidfd if req->pidfd; owned by the
 *		bottle on success, by the caller on failure
 * Return: 0 (@err then holds a warning for the client, or ""), or -errno
 * with a message in @err for the client.
 */
int bottle_attach(struct daemon *d, const struct ctl_request *req, int *fds,
		  char *err, size_t errlen);
void bottle_detach(struct daemon *d, struct gw_bottle *b, const char *why);
struct gw_bottle *bottle_by_name(struct daemon *d, const char *name);
struct gw_bottle *bottle_by_zone(struct daemon *d, uint32_t zone);
/* bottle_by_egress() - the bottle whose egress address is @dst, or NULL */
struct gw_bottle *bottle_by_egress(struct daemon *d, const uint8_t *dst,
				   uint8_t family);
/*
 * bottle_slot_by_egress() - the slot egress address @dst belongs to,
 * whether or not a bottle holds it, or -1 (any thread: reads only the
 * configuration)
 */
int bottle_slot_by_egress(const struct daemon *d, const uint8_t *dst,
			  uint8_t family);
/* bottles_netns_event() - a file was deleted in a watched directory */
void bottles_inotify(struct daemon *d);
void bottles_pidfd(struct daemon *d, uint32_t slot);
/* bottles_nswatch() - events on bottle @slot's own netns watch */
void bottles_nswatch(struct daemon *d, uint32_t slot);

/* datapath.c, on a worker's thread */
/* datapath_bottle() - drain bottle queue @ref (BOTTLE_REF) that epoll reported */
void datapath_bottle(struct worker *w, uint32_t ref, uint32_t events);
/* datapath_egress() - drain egress queue @queue */
void datapath_egress(struct worker *w, uint32_t queue);
/*
 * datapath_to_bottle() - write packet @pkt (@len bytes, checksums
 * complete) to bottle @b, behind a zero vnet header if its TUN has one
 * (main thread: counts in d->c)
 */
void datapath_to_bottle(struct daemon *d, struct gw_bottle *b,
			const uint8_t *pkt, size_t len);

/* resolver.c */
int resolver_init(struct daemon *d);
void resolver_fini(struct daemon *d);
/*
 * resolver_query() - send an allowed query on behalf of bottle @b
 * @msg, @len:	the query as the bottle sent it (its ID is replaced)
 * @m:		the parsed query (question, EDNS)
 * @tcp_conn:	the bottle's DNS-over-TCP connection index, or -1 for UDP
 */
void resolver_query(struct daemon *d, struct gw_bottle *b,
		    const uint8_t *msg, size_t len, const struct dns_msg *m,
		    const struct ipaddr *client, uint16_t cport,
		    const struct ipaddr *server, uint16_t sport, int tcp_conn);
void resolver_udp_ready(struct daemon *d, uint32_t index);
void resolver_tcp_ready(struct daemon *d, uint32_t index, uint32_t events);
void resolver_tick(struct daemon *d, uint64_t now);
/* resolver_forget_tcp() - a bottle's TCP connection closed: drop its queries */
void resolver_forget_tcp(struct daemon *d, int tcp_conn);
uint32_t resolver_pending(const struct daemon *d);
/* resolver_families() - address families of the upstream sockets, 0 before init */
uint32_t resolver_families(const struct daemon *d);

/* dnstcp.c */
int dnstcp_init(struct daemon *d);
void dnstcp_fini(struct daemon *d);
void dnstcp_accept(struct daemon *d, uint32_t index);
void dnstcp_ready(struct daemon *d, uint32_t index, uint32_t events);
/* dnstcp_answer() - send a DNS message on bottle connection @conn, framed */
void dnstcp_answer(struct daemon *d, int conn, const uint8_t *msg, size_t len);
void dnstcp_tick(struct daemon *d, uint64_t now);
/* dnstcp_forget_bottle() - close the connections of a departing bottle */
void dnstcp_forget_bottle(struct daemon *d, uint32_t zone);

/* control.c */
int control_init(struct daemon *d);
void control_fini(struct daemon *d);
void control_lock_down(struct daemon *d, uid_t uid);
void control_accept(struct daemon *d);
void control_ready(struct daemon *d, uint32_t index, uint32_t events);

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
/* daemon_reload() - recompile every policy in use from the store */
void daemon_reload(struct daemon *d, bool force);
/* daemon_policy() - the engine slot for @name, loading it from the store; NULL + @err */
struct engine_policy *daemon_policy(struct daemon *d, const char *name,
				    char *err, size_t errlen);

#endif /* SENTRY_DAEMON_H */

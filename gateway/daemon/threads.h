/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * threads.h - the daemon's threads and locks, written once
 *
 * Every other comment about who may touch what points here. The why of
 * each choice (and its measurements) is in daemon.h, "Theory of operation".
 *
 * Threads
 *   main     one epoll loop (daemon.c): control socket, attach/detach,
 *            resolver and upstream sockets, DNS over TCP, timers, signals.
 *            Owns the root engine (d->e): the only writer of the learnt
 *            table, the policy slots and the generation.
 *   worker   N of them (worker.c), one epoll loop each over queue i of
 *            every bottle TUN and of the egress TUN: parse, decide
 *            (its own engine, engine_new_worker()), rewrite, write.
 *   metrics  one, libmicrohttpd's internal polling thread ([metrics] listen,
 *            metrics_export.c): serves GET /metrics. It never reads
 *            counters itself: it asks, and copies the snapshot the main
 *            thread publishes on its next tick (lock 5).
 *   helper   short-lived: tun.c's setns thread (in the client, not the
 *            daemon), the attach client's own process.
 *
 * Locks, and what each guards
 *   1. shard[i] (struct worker.shard, mutex): worker i's engine (flow and
 *      fragment tables, counters, its bottle views). Held by worker i per
 *      packet around the engine call and the in-place rewrite (never
 *      around a read or write system call); by the main thread to sum
 *      counters, walk flows, expire. Two shard locks are held at once only
 *      by the steal hook (worker.c steal()), always in worker order.
 *   2. root rwlock (engine.c, the root engine's): the learnt table and
 *      the policy slots. The main thread writes under it (a DNS answer
 *      learnt, a policy replaced); workers read under it on a new flow, a
 *      stale verdict, a DNS query or a logged refusal only. Taken inside
 *      the engine (engine_read_lock()); callers never take it.
 *   3. bucket mutex (engine.c, the root's): the bottles' DNS token buckets
 *      (struct bottle.shared), taken inside engine_dns_query() and the
 *      UDP DNS path.
 *   4. declog_lock (struct daemon, mutex): the decision log FILE; any
 *      thread writing a line, the main thread swapping it on SIGHUP.
 *   5. metrics lock (struct metrics_export, mutex + condvar): the metrics
 *      snapshot; the main thread swaps it in, the HTTP thread copies it
 *      out or waits (at most 2 s) for a fresher one. Held alone.
 *   Order, when more than one is held: shard (own, then others in worker
 *   order) -> root rwlock -> bucket -> declog. Nothing is held across a
 *   blocking system call.
 *
 * Lock-free hand-offs
 *   - gw_bottle.live: the main thread publishes a bottle with a release
 *     store after every field workers read is set; detach clears it, takes
 *     the queues out of the workers' epoll sets and waits
 *     (workers_quiesce(): each worker's seq moves) before closing fds.
 *   - the generation and epoch: relaxed atomic loads by workers (a known
 *     flow with a current verdict takes no lock at all).
 *   - worker -> main: one single-producer ring per worker (worker.h, struct
 *     handoff_ring) and an eventfd: allowed DNS queries, dead TUNs.
 *   - worker counters in struct daemon_counters: relaxed atomic adds,
 *     summed by the main thread.
 *   - writes to a bottle's TUN from the main thread (DNS answers) and a
 *     worker at once: a write() of one whole packet to a TUN is atomic
 *     with respect to the other writer; they only interleave packets.
 */
#ifndef SENTRY_DAEMON_THREADS_H
#define SENTRY_DAEMON_THREADS_H

#endif /* SENTRY_DAEMON_THREADS_H */

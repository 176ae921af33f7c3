// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bottles.c - the bottles the daemon serves: attach, detach, and noticing
 * when one is gone
 *
 * A bottle ends when:
 *   - `sentry detach NAME` (or `sentry ctl detach`) asks;
 *   - its TUN reports an error or hang-up (the device went away);
 *   - the process it was attached by pid exits (pidfd readable);
 *   - its network namespace file is deleted (inotify on the file's
 *     directory; Podman and `ip netns del` delete it), unless keep=1.
 * The TUN fds pin the bottle's namespace while sentry holds them, so the
 * namespace cannot "disappear" by itself: the file going is the signal, as
 * for pasta. Closing the fds then destroys the TUN, and the bottle's
 * namespace has no way out.
 *
 * Zones (the engine's bottle ids) are never reused while the daemon runs, so
 * a flow left behind by a departed bottle can never match a newcomer that
 * got the same slot or inside address.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/bottles.h"
#include "log.h"
#include "kernel/netcfg.h"
#include "daemon/worker.h"
#include "daemon/policies.h"
#include "daemon/dnstcp.h"
#include "daemon/loop.h"
#include "daemon/inbound.h"

int bottles_init(struct daemon *d)
{
	d->bottles = calloc(d->cfg.bottles, sizeof(*d->bottles));
	if (!d->bottles)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->cfg.bottles; i++) {
		d->bottles[i].slot = i;
		d->bottles[i].pidfd = -1;
		d->bottles[i].nswatch = -1;
		d->bottles[i].watch_wd = -1;
	}
	d->next_zone = 1;
	return 0;
}

void bottles_fini(struct daemon *d)
{
	if (!d->bottles)
		return;
	for (uint32_t i = 0; i < d->cfg.bottles; i++)
		if (d->bottles[i].used)
			bottle_detach(d, &d->bottles[i], "daemon stopping");
	free(d->bottles);
	d->bottles = NULL;
}

struct gw_bottle *bottle_by_name(struct daemon *d, const char *name)
{
	for (uint32_t i = 0; i < d->cfg.bottles; i++)
		if (d->bottles[i].used && !strcmp(d->bottles[i].eb.name, name))
			return &d->bottles[i];
	return NULL;
}

struct gw_bottle *bottle_by_zone(struct daemon *d, uint32_t zone)
{
	for (uint32_t i = 0; i < d->cfg.bottles; i++)
		if (d->bottles[i].used && d->bottles[i].eb.id == zone)
			return &d->bottles[i];
	return NULL;
}

/* The pool address of host index @host (network byte order into @out) */
static void pool_addr(const struct ipaddr *pool, uint32_t host, struct ipaddr *out)
{
	size_t n = addr_len(pool);

	*out = *pool;
	for (size_t i = n; i > n - 4 && host; i--) {
		uint32_t sum = out->b[i - 1] + (host & 0xff);

		out->b[i - 1] = (uint8_t)sum;
		host = (host >> 8) + (sum >> 8);
	}
}

/* Host index of @a within @pool/@plen, or UINT32_MAX if outside */
static uint32_t pool_index(const struct ipaddr *pool, uint8_t plen,
			   const uint8_t *a, uint8_t family)
{
	struct ipaddr x;
	size_t n = family == ADDR_FAMILY_V4 ? 4 : 16;
	uint32_t host = 0;

	addr_set(&x, a, n);
	if (!addr_in_prefix(&x, pool, plen))
		return UINT32_MAX;
	for (size_t i = n - 4; i < n; i++)
		host = host << 8 | x.b[i];
	/* the bits above the pool's host part are the network's */
	if (n * 8 - plen < 32)
		host &= (1U << (n * 8 - plen)) - 1;
	return host;
}

int bottle_slot_by_egress(const struct daemon *d, const uint8_t *dst,
			  uint8_t family)
{
	const struct sentry_config *c = &d->cfg;
	uint32_t host;

	if (family == ADDR_FAMILY_V4)
		host = c->pool4.enabled ? pool_index(&c->pool4.net, c->pool4.plen, dst, family)
				    : UINT32_MAX;
	else
		host = c->pool6.enabled ? pool_index(&c->pool6.net, c->pool6.plen, dst, family)
				    : UINT32_MAX;
	if (host == UINT32_MAX || host < 2 || host - 2 >= c->bottles)
		return -1;
	return (int)(host - 2);
}

struct gw_bottle *bottle_by_egress(struct daemon *d, const uint8_t *dst,
				   uint8_t family)
{
	int slot = bottle_slot_by_egress(d, dst, family);

	return slot >= 0 && d->bottles[slot].used ? &d->bottles[slot] : NULL;
}

/*
 * A bottle TUN with a virtio-net header takes offloads when the egress
 * has a header too, so GSO packets pass through whole; otherwise it keeps
 * the header but asks for nothing, and every packet comes whole and
 * checksummed (common/vnet.h).
 */
static int setup_vnet(struct daemon *d, struct gw_bottle *b, char *errbuf,
		      size_t errlen)
{
	unsigned int got;
	int rc = tun_vnet_hdr(b->fds[0]);

	if (rc < 0) {
		snprintf(errbuf, errlen, "not a TUN queue: %s", strerror(-rc));
		return rc;
	}
	b->vnet = rc;
	for (uint32_t q = 1; q < b->nfds; q++) {
		if (tun_vnet_hdr(b->fds[q]) != rc) {
			snprintf(errbuf, errlen, "TUN queues disagree on the vnet header");
			return -EINVAL;
		}
	}
	if (!b->vnet)
		return 0;
	rc = tun_offload(b->fds[0], d->egress.vnet_hdr, &got);
	if (rc) {
		snprintf(errbuf, errlen, "cannot set the TUN's offloads: %s", strerror(-rc));
		return rc;
	}
	debug("bottle %s: vnet header, offloads 0x%x", b->eb.name, got);
	return 0;
}

/*
 * Watch the directory of @b's netns file for its deletion. On failure
 * @warning says so: the TUN pins the namespace, so without the watch the
 * bottle ends only on detach.
 */
static void watch_netns(struct daemon *d, struct gw_bottle *b, char *warning,
			size_t len)
{
	char dir[CTL_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", b->netns);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	b->watch_wd = inotify_add_watch(d->inotify_fd, dir,
					IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF |
					IN_UNMOUNT);
	if (b->watch_wd < 0 && warning) {
		snprintf(warning, len, "cannot watch %s (%s): bottle %s will end only on detach",
			 dir, strerror(errno), b->eb.name);
		warn("%s", warning);
	}
}

static int check_pool(struct daemon *d, uint32_t slot, const struct ctl_request *req,
		      char *errbuf, size_t errlen)
{
	const struct sentry_config *c = &d->cfg;
	uint64_t hosts;

	if (req->addr4.set) {
		if (!c->pool4.enabled) {
			snprintf(errbuf, errlen, "bottle has IPv4 but the daemon has no [egress] pool4");
			return -EINVAL;
		}
		hosts = 32 - c->pool4.plen >= 32 ? UINT32_MAX : (1ULL << (32 - c->pool4.plen));
		if (slot + 3 > hosts) {
			snprintf(errbuf, errlen, "egress pool4 is full");
			return -ENOSPC;
		}
	}
	if (req->addr6.set && !c->pool6.enabled) {
		snprintf(errbuf, errlen, "bottle has IPv6 but the daemon has no [egress] pool6");
		return -EINVAL;
	}
	return 0;
}

/*
 * Take @b away from the workers: after this no worker reads its queues or
 * any of its fields (daemon.h, "Bottles"), so its fds may be closed.
 */
static void unpublish(struct daemon *d, struct gw_bottle *b)
{
	__atomic_store_n(&b->live, false, __ATOMIC_SEQ_CST);
	for (uint32_t q = 0; q < b->nfds; q++)
		worker_unwatch(worker_for_queue(d, q), b->fds[q]);
	workers_quiesce(d);
}

int bottle_attach(struct daemon *d, const struct ctl_request *req, int *fds,
		  char *errbuf, size_t errlen)
{
	struct engine_policy *ep;
	struct gw_bottle *b = NULL;
	const char *policy = req->policy[0] ? req->policy : d->cfg.default_policy;
	int rc;

	if (bottle_by_name(d, req->name)) {
		snprintf(errbuf, errlen, "a bottle named '%s' is already attached", req->name);
		return -EEXIST;
	}
	if (!policy[0]) {
		snprintf(errbuf, errlen, "no policy given and no default_policy configured");
		return -EINVAL;
	}
	for (uint32_t i = 0; i < d->cfg.bottles && !b; i++)
		if (!d->bottles[i].used)
			b = &d->bottles[i];
	if (!b) {
		static struct ratelimit rl = { .interval_ns = 1000000000ULL, .burst = 5 };

		d->bottles_refused++;
		snprintf(errbuf, errlen, "bottle table full (%u, [tables] bottles)",
			 d->cfg.bottles);
		log_ratelimited(&rl, now_ns(), LOG_LVL_WARN, "refused bottle %s: %s",
				req->name, errbuf);
		return -ENOSPC;
	}
	rc = check_pool(d, b->slot, req, errbuf, errlen);
	if (!rc)
		rc = inbound_attach_check(d, req, errbuf, errlen);
	if (rc)
		return rc;
	ep = policies_get(d, policy, errbuf, errlen);
	if (!ep)
		return -ENOENT;

	engine_bottle_init(&b->eb, d->next_zone++, req->name, ep);
	b->eb.slot = b->slot;
	b->req = *req;
	b->eb.has4 = req->addr4.set;
	b->eb.addr4 = req->addr4.addr;
	b->eb.has6 = req->addr6.set;
	b->eb.addr6 = req->addr6.addr;
	b->has_e4 = req->addr4.set;
	b->has_e6 = req->addr6.set;
	if (b->has_e4)
		pool_addr(&d->cfg.pool4.net, b->slot + 2, &b->egress4);
	if (b->has_e6)
		pool_addr(&d->cfg.pool6.net, b->slot + 2, &b->egress6);
	b->nfds = req->queues;
	for (uint32_t q = 0; q < b->nfds; q++)
		b->fds[q] = fds[q];
	rc = setup_vnet(d, b, errbuf, errlen);
	if (rc)
		goto put_policy;
	/* every field a worker reads is set: publish, then let the queues in */
	workers_bottle_init(d, b);
	__atomic_store_n(&b->live, true, __ATOMIC_RELEASE);
	for (uint32_t q = 0; q < b->nfds; q++) {
		rc = worker_watch(worker_for_queue(d, q), fds[q], TAG_BOTTLE,
				  BOTTLE_REF(b->slot, q));
		if (rc) {
			snprintf(errbuf, errlen, "epoll: %s", strerror(-rc));
			goto unpublish;
		}
	}
	b->pidfd = -1;
	if (req->pidfd) {
		b->pidfd = fds[b->nfds];
		loop_watch(d->epfd, b->pidfd, EPOLLIN, TAG_PIDFD, b->slot);
	}
	b->nswatch = -1;
	if (req->inotify) {
		b->nswatch = fds[b->nfds + (req->pidfd ? 1 : 0)];
		loop_watch(d->epfd, b->nswatch, EPOLLIN, TAG_NSWATCH, b->slot);
	}
	b->keep = req->keep;
	snprintf(b->netns, sizeof(b->netns), "%s", req->netns);
	b->watch_wd = -1;
	errbuf[0] = '\0';	/* from here on it holds a warning, if any */
	/* the client's own watch sees the file where the client does; ours is a spare */
	if (b->netns[0] && !b->keep)
		watch_netns(d, b, b->nswatch >= 0 ? NULL : errbuf, errlen);
	b->attached_ns = now_ns();
	b->attached_wall_ns = wall_ns();
	b->inbound_allowed = b->inbound_refused = b->inbound_unlogged = 0;
	b->inbound_window = 0;
	b->inbound_used = 0;
	b->used = true;
	d->nbottles++;
	d->bottles_seen++;
	info("bottle %s attached: policy %s, %u queue(s)%s%s%s", b->eb.name, ep->name,
	     b->nfds, b->vnet ? ", vnet header" : "", b->netns[0] ? ", netns " : "",
	     b->netns);
	return 0;

unpublish:
	unpublish(d, b);
put_policy:
	/* the fds stay the caller's: forget them here */
	engine_policy_put(d->e, ep);
	b->nfds = 0;
	return rc;
}

void bottle_detach(struct daemon *d, struct gw_bottle *b, const char *why)
{
	if (!b->used)
		return;
	info("bottle %s detached: %s", b->eb.name, why);
	dnstcp_forget_bottle(d, b->eb.id);
	unpublish(d, b);
	for (uint32_t q = 0; q < b->nfds; q++)
		close(b->fds[q]);
	if (b->pidfd >= 0) {
		loop_unwatch(d->epfd, b->pidfd);
		close(b->pidfd);
	}
	if (b->nswatch >= 0) {
		loop_unwatch(d->epfd, b->nswatch);
		close(b->nswatch);
		b->nswatch = -1;
	}
	if (b->watch_wd >= 0) {
		bool shared = false;

		/* one watch per directory: drop it only when no one else uses it */
		for (uint32_t i = 0; i < d->cfg.bottles; i++)
			if (&d->bottles[i] != b && d->bottles[i].used &&
			    d->bottles[i].watch_wd == b->watch_wd)
				shared = true;
		if (!shared)
			inotify_rm_watch(d->inotify_fd, b->watch_wd);
	}
	engine_policy_put(d->e, b->eb.policy);
	b->used = false;
	b->nfds = 0;
	b->pidfd = -1;
	b->watch_wd = -1;
	d->nbottles--;
}

void bottles_nswatch(struct daemon *d, uint32_t slot)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *base;
	struct gw_bottle *b;
	ssize_t n;

	if (slot >= d->cfg.bottles || !d->bottles[slot].used)
		return;
	b = &d->bottles[slot];
	base = strrchr(b->netns, '/');
	while ((n = read(b->nswatch, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if ((ev->mask & (IN_DELETE_SELF | IN_UNMOUNT | IN_IGNORED)) ||
			    (ev->len && base && !strcmp(ev->name, base + 1))) {
				bottle_detach(d, b, "its network namespace was deleted");
				return;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

void bottles_pidfd(struct daemon *d, uint32_t slot)
{
	if (slot < d->cfg.bottles && d->bottles[slot].used)
		bottle_detach(d, &d->bottles[slot], "its process exited");
}

/* Does deleted entry @name in watch @wd name bottle @b's netns file? */
static bool is_netns_of(const struct gw_bottle *b, int wd, const char *name)
{
	const char *base = strrchr(b->netns, '/');

	return b->used && b->watch_wd == wd && base && !strcmp(base + 1, name);
}

void bottles_inotify(struct daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(d->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			for (uint32_t i = 0; i < d->cfg.bottles; i++) {
				struct gw_bottle *b = &d->bottles[i];

				if (!b->used || b->watch_wd != ev->wd)
					continue;
				if ((ev->mask & (IN_DELETE_SELF | IN_UNMOUNT | IN_IGNORED)) ||
				    (ev->len && is_netns_of(b, ev->wd, ev->name)))
					bottle_detach(d, b, "its network namespace was deleted");
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

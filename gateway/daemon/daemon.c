// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon.c - `sentry run`: set-up, the event loop, upkeep and tear-down
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/metrics_export.h"
#include "log.h"
#include "num.h"
#include "pstore.h"
#include "kernel/sandbox.h"
#include "daemon/worker.h"
#include "daemon/policies.h"
#include "daemon/dnstcp.h"
#include "daemon/resolver.h"
#include "daemon/control.h"
#include "daemon/tablewatch.h"
#include "daemon/fdlimit.h"
#include "daemon/bottles.h"
#include "daemon/datapath.h"
#include "daemon/loop.h"
#include "daemon/nfq.h"

/* Limits defined in different places that must agree */
static_assert(CONFIG_NFT_NAME_MAX + 1 == EGRESS_TABLE_MAX,
	      "[egress] nft_table fits the egress spec's table name");
static_assert(CONFIG_IFNAME_MAX + 1 == IFNAMSIZ,
	      "[egress] interface is a kernel interface name");
static_assert(TUN_QUEUES_MAX <= CTL_QUEUES_MAX,
	      "every queue an attach client opens can be handed to the daemon");
/* equal today: the assertion is that they stay so */
static_assert(CONTROL_FDS_MAX >= TUN_QUEUES_MAX + 2,	// NOLINT(misc-redundant-expression)
	      "an attach's queues, pidfd and netns watch fit one request");
static_assert(WORKERS_MAX <= CTL_QUEUES_MAX && CONFIG_QUEUES_MAX <= CTL_QUEUES_MAX,
	      "the egress TUN's queues (a worker's each, or [egress] queues) fit egress_fds");

#define TICK_NS		(100 * 1000000ULL)
#define EVENTS_PER_WAIT	64

void daemon_decision_emit(struct daemon *d, const char *line, size_t len)
{
	pthread_mutex_lock(&d->declog_lock);
	if (d->declog)
		fwrite(line, 1, len, d->declog);
	pthread_mutex_unlock(&d->declog_lock);
}

static void emit_decision(void *ctx, const char *line, size_t len)
{
	daemon_decision_emit(ctx, line, len);
}

static int open_declog(struct daemon *d)
{
	const char *path = d->cfg.decision_log;
	FILE *f;

	if (!path[0] || !strcmp(path, "stderr")) {
		pthread_mutex_lock(&d->declog_lock);
		d->declog = stderr;
		pthread_mutex_unlock(&d->declog_lock);
		return 0;
	}
	f = fopen(path, "ae");
	if (!f) {
		err("decision log %s: %s", path, strerror(errno));
		return -errno;
	}
	pthread_mutex_lock(&d->declog_lock);
	if (d->declog && d->declog != stderr)
		fclose(d->declog);
	d->declog = f;
	pthread_mutex_unlock(&d->declog_lock);
	return 0;
}

static void tick(struct daemon *d)
{
	uint64_t expirations, now = now_ns();

	if (read(d->timerfd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		warn("timerfd: %s", strerror(errno));
	/* follow wall-clock steps in log timestamps */
	engine_set_wall_offset(d->e, (int64_t)(wall_ns() - now));
	policies_reload(d, false);
	engine_expire(d->e, now);
	workers_expire(d, now);
	nfq_tick(d, now);
	resolver_tick(d, now);
	dnstcp_tick(d, now);
	control_tick(d, now);
	tablewatch_tick(d, now);
	fdlimit_tick(d);
	metrics_export_tick(d, now);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			info("SIGHUP: reopening the decision log, reloading policies");
			open_declog(d);
			policies_reload(d, true);
			break;
		default:
			info("signal %u: stopping", si.ssi_signo);
			d->stop = true;
		}
	}
}

static void dispatch(struct daemon *d, const struct epoll_event *ev)
{
	uint32_t tag = (uint32_t)(ev->data.u64 >> 32);
	uint32_t index = (uint32_t)ev->data.u64;

	switch (tag) {
	case TAG_WORKER:
		workers_drain(d, index);
		break;
	case TAG_UPSTREAM:
		resolver_udp_ready(d, index);
		break;
	case TAG_UPTCP:
		resolver_tcp_ready(d, index, ev->events);
		break;
	case TAG_DNSTCP_LISTEN:
		dnstcp_accept(d, index);
		break;
	case TAG_DNSTCP:
		dnstcp_ready(d, index, ev->events);
		break;
	case TAG_CONTROL_LISTEN:
		control_accept(d);
		break;
	case TAG_CONTROL:
		control_ready(d, index, ev->events);
		break;
	case TAG_PIDFD:
		bottles_pidfd(d, index);
		break;
	case TAG_NSWATCH:
		bottles_nswatch(d, index);
		break;
	case TAG_INOTIFY:
		bottles_inotify(d);
		break;
	case TAG_TIMER:
		tick(d);
		break;
	case TAG_SIGNAL:
		on_signal(d);
		break;
	case TAG_NFQUEUE:
		nfq_ready(d, index);
		break;
	}
}

static int setup_loop_fds(struct daemon *d)
{
	struct itimerspec its = {
		.it_interval = { 0, TICK_NS },
		.it_value = { 0, TICK_NS },
	};
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->epfd < 0 || d->sigfd < 0 || d->timerfd < 0 || d->inotify_fd < 0)
		return -errno;
	if (timerfd_settime(d->timerfd, 0, &its, NULL))
		return -errno;
	if (loop_watch(d->epfd, d->sigfd, EPOLLIN, TAG_SIGNAL, 0) ||
	    loop_watch(d->epfd, d->timerfd, EPOLLIN, TAG_TIMER, 0) ||
	    loop_watch(d->epfd, d->inotify_fd, EPOLLIN, TAG_INOTIFY, 0))
		return -errno;
	return 0;
}

static void egress_spec_from_config(struct daemon *d)
{
	const struct sentry_config *c = &d->cfg;
	struct egress_spec *s = &d->egress;

	egress_spec_init(s);
	static_assert(sizeof(s->ifname) >= sizeof(c->interface), "interface fits");
	memcpy(s->ifname, c->interface, sizeof(c->interface));
	s->mtu = c->mtu;
	s->txqueuelen = c->txqueuelen;
	/* one queue per worker at least: worker i reads queue i */
	s->queues = c->queues > worker_count(c) ? c->queues : worker_count(c);
	s->vnet_hdr = c->offload;
	s->has_pool4 = c->pool4.enabled;
	s->pool4 = c->pool4.net;
	s->pool4_len = c->pool4.plen;
	s->has_pool6 = c->pool6.enabled;
	s->pool6 = c->pool6.net;
	s->pool6_len = c->pool6.plen;
	/* config.c allows 32 characters, netcfg's spec fewer: egress_spec_check() says so */
	snprintf(s->nft_table, sizeof(s->nft_table), "%.*s",
		 (int)sizeof(s->nft_table) - 1, c->nft_table);
	s->dns_tcp_port = (uint16_t)c->dns_tcp_port;
}

static int setup_egress(struct daemon *d)
{
	char msg[512];
	int rc;

	egress_spec_from_config(d);
	rc = egress_setup(&d->egress, d->egress_fds, msg, sizeof(msg));
	if (rc) {
		err("egress: %s", msg);
		return rc;
	}
	d->egress_nfds = d->egress.queues ? d->egress.queues : 1;
	d->egress_up = true;
	return 0;
}

static void teardown(struct daemon *d)
{
	char msg[512];

	metrics_export_fini(d);	/* its thread may wait on the main thread: first */
	workers_stop(d);
	control_fini(d);
	nfq_fini(d);
	dnstcp_fini(d);
	resolver_fini(d);
	bottles_fini(d);
	if (d->egress_up) {
		for (uint32_t q = 0; q < d->egress_nfds; q++)
			close(d->egress_fds[q]);
		if (egress_teardown(&d->egress, msg, sizeof(msg)))
			warn("egress: %s", msg);
	}
	workers_free(d);
	if (d->declog && d->declog != stderr)
		fclose(d->declog);
	if (d->store)
		pstore_close(d->store);
	engine_free(d->e);
	free(d->aux);
	fdlimit_fini(d);
	if (d->inotify_fd >= 0)
		close(d->inotify_fd);
	if (d->timerfd >= 0)
		close(d->timerfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->epfd >= 0)
		close(d->epfd);
}

static int setup(struct daemon *d)
{
	struct engine_config ec;
	char msg[512];
	int rc;

	config_engine(&d->cfg, &ec);
	/* the root engine keeps learnt names and policies; flows are the workers' */
	ec.flow_capacity = 1;
	ec.frag_capacity = 1;
	d->e = engine_new(&ec);
	d->aux = malloc(PKT_BUF_SIZE);
	if (!d->e || !d->aux) {
		config_engine(&d->cfg, &ec);
		err("out of memory for tables of %zu bytes", engine_memory(&ec));
		return -ENOMEM;
	}
	engine_set_sink(d->e, &(struct decision_sink){ emit_decision, d });
	engine_set_wall_offset(d->e, (int64_t)(wall_ns() - now_ns()));

	rc = pstore_open(d->cfg.policy_store, false, true, &d->store);
	if (rc) {
		char why[PATH_MAX + 128];

		err("policy store %s: %s", d->cfg.policy_store,
		    pstore_open_strerror(d->cfg.policy_store, rc, why, sizeof(why)));
		return rc;
	}
	d->store_gen = pstore_generation(d->store);
	if (d->cfg.default_policy[0] && !policies_get(d, d->cfg.default_policy,
							 msg, sizeof(msg))) {
		err("default_policy: %s", msg);
		return -ENOENT;
	}
	if ((rc = open_declog(d)) || (rc = setup_loop_fds(d)) ||
	    (rc = setup_egress(d)) || (rc = bottles_init(d)) ||
	    (rc = resolver_init(d)) || (rc = dnstcp_init(d)) ||
	    (rc = control_init(d)) || (rc = nfq_init(d)) ||
	    (rc = metrics_export_init(d)))
		return rc;
	rc = workers_init(d);
	if (rc) {
		err("workers: %s", strerror(-rc));
		return rc;
	}
	fdlimit_check(d, resolver_families(d));
	return 0;
}

/*
 * Least privilege, once everything that needs privilege is open. The
 * decision log changes owner so that SIGHUP can reopen it afterwards.
 */
static int lock_down(struct daemon *d)
{
	char msg[256];
	uid_t uid;
	gid_t gid;
	int rc;

	if (geteuid() == 0 && d->cfg.user[0] && strcmp(d->cfg.user, "root") &&
	    strcmp(d->cfg.user, "0")) {
		if (sandbox_lookup_user(d->cfg.user, &uid, &gid)) {
			err("user %s: no such user", d->cfg.user);
			return -ENOENT;
		}
		if (d->declog && d->declog != stderr &&
		    fchown(fileno(d->declog), uid, gid))
			warn("decision log: chown: %s (SIGHUP cannot reopen it)",
			     strerror(errno));
		rc = sandbox_drop(uid, gid, msg, sizeof(msg));
		if (rc) {
			err("%s", msg);
			return rc;
		}
		info("running as %s, keeping CAP_NET_ADMIN%s", d->cfg.user,
		     sandbox_kept_dac_read_search() ? " and CAP_DAC_READ_SEARCH" : "");
	}
	control_lock_down(d, getuid());
	rc = sandbox_seccomp(SANDBOX_DAEMON, msg, sizeof(msg));
	if (rc)
		err("%s", msg);
	return rc;
}

/*
 * Standalone (standalone.h): stop the pasta that joins the egress
 * namespace to the host, once the daemon is done with it.
 */
static void stop_pasta(const char *pidfile)
{
	char buf[16] = { 0 };
	int fd = open(pidfile, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	uint32_t pid;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[strcspn(buf, "\n")] = '\0';	/* pasta writes the number, a newline */
		if (!num_u32(buf, 2, INT32_MAX, &pid))
			kill((pid_t)pid, SIGTERM);
	}
	close(fd);
	unlink(pidfile);
}

int daemon_run(const struct sentry_config *cfg, int ready_fd,
	       const char *pasta_pidfile)
{
	struct epoll_event ev[EVENTS_PER_WAIT];
	struct daemon *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return 1;
	d->epfd = d->timerfd = d->sigfd = d->inotify_fd = -1;
	d->fdl.reserve = -1;
	d->cfg = *cfg;
	pthread_mutex_init(&d->declog_lock, NULL);
	log_set_level((enum log_level)d->cfg.log_level);
	d->started_ns = now_ns();
	/* first: set-up itself must not run out under a low soft limit */
	fdlimit_init(d);
	rc = setup(d);
	if (!rc)
		rc = lock_down(d);
	/* after lock_down(): the threads inherit the dropped rights and the filter */
	if (!rc && (rc = workers_start(d)))
		err("cannot start the workers: %s", strerror(-rc));
	if (!rc && (rc = metrics_export_start(d)))
		err("[metrics] cannot start the HTTP thread");
	if (rc) {
		teardown(d);
		pthread_mutex_destroy(&d->declog_lock);
		free(d);
		if (pasta_pidfile)
			stop_pasta(pasta_pidfile);
		return 1;
	}
	info("running: control socket %s, policy store %s, egress %s (%u queue(s)%s), %u worker(s)",
	     d->cfg.control_socket, d->cfg.policy_store, d->egress.ifname,
	     d->egress_nfds, d->egress.vnet_hdr ? ", offloads" : "", d->nworkers);
	if (ready_fd >= 0) {
		if (write(ready_fd, "r", 1) != 1)
			warn("cannot tell the helper the daemon is ready: %s", strerror(errno));
		close(ready_fd);
	}
	while (!d->stop) {
		int n = epoll_wait(d->epfd, ev, EVENTS_PER_WAIT, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++)
			dispatch(d, &ev[i]);
		pthread_mutex_lock(&d->declog_lock);
		if (d->declog)
			fflush(d->declog);
		pthread_mutex_unlock(&d->declog_lock);
		/* a standalone daemon lives for its bottle: once it came and went, stop */
		if (d->cfg.standalone && d->bottles_seen && !d->nbottles) {
			info("standalone: the last bottle is gone, stopping");
			d->stop = true;
		}
	}
	teardown(d);
	pthread_mutex_destroy(&d->declog_lock);
	free(d);
	if (pasta_pidfile)
		stop_pasta(pasta_pidfile);
	return 0;
}

int daemon_main(const char *config_path)
{
	struct sentry_config *cfg = malloc(sizeof(*cfg));
	char msg[512];
	int rc;

	if (!cfg)
		return 1;
	if (config_load(config_path, cfg, msg, sizeof(msg))) {
		fprintf(stderr, "%s\n", msg);
		free(cfg);
		return 1;
	}
	/* `sentry run` is the shared daemon: standalone is for helpers */
	cfg->standalone = false;
	rc = daemon_run(cfg, -1, NULL);
	free(cfg);
	return rc;
}

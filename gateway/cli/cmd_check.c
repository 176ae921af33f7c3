// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_check.c - `sentry check [-c FILE] [--quiet]`: is this configuration
 * one the daemon would start with?
 *
 * The OpenBSD habit: parse the configuration, print what was understood,
 * say "configuration OK". Beyond the file itself it checks what the daemon
 * would otherwise find wrong only at start-up: the user and group exist,
 * the policy store opens read-only and every policy in it loads, the
 * default policy is one of them, and there is an upstream resolver. It
 * also says which queue rule `sentry guard` would get from this kernel,
 * probed as the daemon probes it, in a namespace of its own.
 * After a parse error nothing else is checked (the settings are unknown);
 * after that every problem is reported, not only the first.
 *
 * Exit status: 0 good, 1 a problem (printed on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config/config.h"
#include "daemon/fdbudget.h"
#include "pstore.h"
#include "daemon/worker.h"
#include "kernel/nfqueue_rules.h"

struct check {
	const char *file;
	const struct sentry_config *cfg;
	struct pstore *store;
	bool quiet;
	bool default_found;
	unsigned int npolicies;
	uint32_t families;	/* of the upstream resolvers; 0: unknown */
	int rc;
};

static void check_usage(FILE *f)
{
	fprintf(f, "usage: sentry check [-c FILE] [--quiet]\n\n"
		"Parse FILE (default %s) and the policy store it names,\n"
		"print the effective configuration, and say \"configuration OK\".\n"
		"  -c, --config FILE  the configuration file\n"
		"  -q, --quiet        print nothing but problems\n"
		"Exit status: 0 OK, 1 a problem, 2 usage.\n",
		CONFIG_DEFAULT_PATH);
}

static bool numeric(const char *s)
{
	return *s >= '0' && *s <= '9';
}

/* check_ids() - the user and the group name accounts that exist */
static void check_ids(struct check *c)
{
	const struct sentry_config *cfg = c->cfg;

	errno = 0;
	if (!numeric(cfg->user) && !getpwnam(cfg->user)) {
		fprintf(stderr, "%s: [daemon] user '%s': %s\n", c->file,
			cfg->user, errno ? strerror(errno) : "no such user");
		c->rc = 1;
	}
	errno = 0;
	if (cfg->control_group[0] && !numeric(cfg->control_group) &&
	    !getgrnam(cfg->control_group)) {
		fprintf(stderr, "%s: [daemon] control_group '%s': %s\n",
			c->file, cfg->control_group,
			errno ? strerror(errno) : "no such group");
		c->rc = 1;
	}
}

static int check_policy(const char *name, void *arg)
{
	struct check *c = arg;
	struct policy *p;
	int ret;

	c->npolicies++;
	if (!strcmp(name, c->cfg->default_policy))
		c->default_found = true;
	ret = pstore_get(c->store, name, &p);
	if (ret) {
		fprintf(stderr, "%s: policy %s: %s\n", c->cfg->policy_store,
			name, pstore_strerror(ret));
		c->rc = 1;
		return 0;	/* the others may still be good: report them too */
	}
	if (!c->quiet)
		printf("policy %s: %u rules, default %s\n", name, p->nrules,
		       p->default_action == ACTION_ALLOW ? "allow" : "deny");
	policy_free(p);
	return 0;
}

static void check_store(struct check *c)
{
	const char *dir = c->cfg->policy_store;
	int ret;

	/* read-only, never created: a missing store must not become an empty one */
	ret = pstore_open(dir, false, true, &c->store);
	if (ret) {
		char msg[PATH_MAX + 128];

		fprintf(stderr, "%s: [daemon] policy_store %s: %s\n", c->file,
			dir, pstore_open_strerror(dir, ret, msg, sizeof(msg)));
		c->rc = 1;
		return;
	}
	ret = pstore_list(c->store, check_policy, c);
	if (ret) {
		fprintf(stderr, "%s: listing policies: %s\n", dir,
			pstore_strerror(ret));
		c->rc = 1;
	} else if (!c->quiet && !c->npolicies) {
		printf("policy store %s holds no policy: every bottle would "
		       "need one loaded first\n", dir);
	}
	if (!ret && c->cfg->default_policy[0] && !c->default_found) {
		fprintf(stderr, "%s: [daemon] default_policy '%s' is not in the "
			"policy store %s\n", c->file, c->cfg->default_policy,
			dir);
		c->rc = 1;
	}
	pstore_close(c->store);
	c->store = NULL;
}

static void check_upstreams(struct check *c)
{
	struct sentry_config tmp = *c->cfg;
	char err[CONFIG_ERR_MAX], buf[ADDR_TEXT_MAX + 8];

	if (config_resolv_upstreams(&tmp, err, sizeof(err))) {
		fprintf(stderr, "%s: [dns] no upstream given, and %s\n", c->file,
			err);
		c->rc = 1;
		return;
	}
	for (uint32_t i = 0; i < tmp.nupstreams; i++)
		c->families |= tmp.upstream[i].addr.family == ADDR_FAMILY_V4 ? 1 : 2;
	c->families = (c->families & 1) + (c->families >> 1);
	if (c->quiet)
		return;
	for (uint32_t i = 0; i < tmp.nupstreams; i++)
		printf("upstream %s%s%s\n",
		       config_upstream_format(&tmp.upstream[i], buf, sizeof(buf)),
		       tmp.upstreams_from_resolv ? " from " : "",
		       tmp.upstreams_from_resolv ? tmp.resolv_conf : "");
}

/*
 * The descriptors the daemon can need, before it starts: the daemon
 * raises its soft limit to the hard one, so the hard limit is what counts
 * (under systemd, LimitNOFILE; this shell's is shown for comparison)
 */
static void check_fds(struct check *c)
{
	struct fdbudget b;
	struct rlimit rl;
	char why[320];

	if (c->quiet)
		return;
	fdbudget_compute(c->cfg, worker_count(c->cfg), c->families, &b);
	printf("file descriptors: this configuration can need %llu: %s\n",
	       (unsigned long long)b.total, fdbudget_explain(&b, why, sizeof(why)));
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_max < b.total)
		printf("file descriptors: the hard limit here is %llu: a daemon started "
		       "from this shell could run out (raise LimitNOFILE, ulimit -Hn, "
		       "or lower [tables] bottles)\n", (unsigned long long)rl.rlim_max);
}

/* What the probe child found: nfqr_detect()'s answer */
struct probe {
	int rc;
	enum nfqr_method m;
	char err[256];
};

/*
 * Probe in a network namespace of its own, made for it and gone with the
 * child: the probe adds a scratch table with a queue rule, which has no
 * business in the namespace check runs in (the host's, often). Which
 * expressions the kernel has is the same in every namespace.
 */
static void probe_child(int fd)
{
	struct probe p = { 0 };

	if (unshare(CLONE_NEWNET))
		p.rc = -errno;
	else
		p.rc = nfqr_detect(&p.m, p.err, sizeof(p.err));
	_exit(write(fd, &p, sizeof(p)) == (ssize_t)sizeof(p) ? 0 : 1);
}

/*
 * Which queue rule `sentry guard` gets from this kernel, in the words the
 * daemon logs. Needs CAP_SYS_ADMIN (the namespace) and CAP_NET_ADMIN (the
 * table); without them, say so rather than guess. Not a configuration
 * problem either way.
 */
static void check_nfqueue(const struct check *c)
{
	struct probe p = { .rc = -ECHILD };
	int fds[2] = { -1, -1 }, status;
	pid_t pid;

	if (c->quiet)
		return;
	fflush(stdout);
	if (pipe2(fds, O_CLOEXEC) || (pid = fork()) < 0)
		p.rc = -errno;
	else if (pid == 0)
		probe_child(fds[1]);
	else {
		close(fds[1]);
		fds[1] = -1;
		if (read(fds[0], &p, sizeof(p)) != (ssize_t)sizeof(p))
			p.rc = -ECHILD;
		waitpid(pid, &status, 0);
	}
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	p.err[sizeof(p.err) - 1] = '\0';
	if (!p.rc)
		printf("nfqueue: queue rules use the %s\n", nfqr_method_name(p.m));
	else if (p.rc == -EPERM || p.rc == -EACCES)
		printf("nfqueue: not probed (%s): run check as root to see which "
		       "queue rule sentry guard gets\n", strerror(-p.rc));
	else if (p.rc == -ECHILD || !p.err[0])
		printf("nfqueue: not probed (%s)\n", strerror(-p.rc));
	else
		printf("nfqueue: this kernel cannot queue packets (%s): sentry guard "
		       "is unavailable\n", p.err);
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sentry_config cfg;
	char err[CONFIG_ERR_MAX];
	struct check c = { .file = CONFIG_DEFAULT_PATH, .cfg = &cfg };
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c.file = optarg;
			break;
		case 'q':
			c.quiet = true;
			break;
		case 'h':
			check_usage(stdout);
			return 0;
		default:
			return usage_error("check", "bad option");
		}
	}
	if (optind < argc)
		return usage_error("check", "unexpected argument '%s'",
				   argv[optind]);
	if (config_load(c.file, &cfg, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (!c.quiet) {
		config_print(&cfg, stdout);
		printf("\n");
	}
	check_ids(&c);
	check_store(&c);
	check_upstreams(&c);
	check_fds(&c);
	check_nfqueue(&c);
	if (c.rc)
		return c.rc;
	if (!c.quiet)
		printf("configuration OK\n");
	return fflush(stdout) ? 1 : 0;
}

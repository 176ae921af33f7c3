// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_policy.c - `sentry policy load|list|show|remove|test|sync|suggest`
 *
 * Exit status: 0 success (test: allow), 1 failure (test: deny), 2 usage or
 * store error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_policy.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "decision.h"
#include "dns.h"
#include "num.h"
#include "packet.h"
#include "policy_ini.h"
#include "pstore.h"

struct policy_cmd {
	const char *name;
	const char *args;
	int (*fn)(struct pstore *s, int argc, char **argv);
	bool create;		/* may create the store */
	bool write;
};

static int do_load(struct pstore *s, int argc, char **argv);
static int do_list(struct pstore *s, int argc, char **argv);
static int do_show(struct pstore *s, int argc, char **argv);
static int do_remove(struct pstore *s, int argc, char **argv);
static int do_test(struct pstore *s, int argc, char **argv);

static const struct policy_cmd policy_cmds[] = {
	{ "load", "FILE.ini...", do_load, true, true },
	{ "list", "", do_list, false, false },
	{ "show", "NAME", do_show, false, false },
	{ "remove", "NAME", do_remove, false, true },
	{ "test", "NAME TARGET [--learnt NAME]...", do_test, false, false },
	{ "sync", "DIRECTORY [--dry-run] [--allow-empty]", policy_sync, true, true },
};

#define NPOLICY_CMDS (sizeof(policy_cmds) / sizeof(policy_cmds[0]))

static void policy_usage(FILE *f)
{
	fprintf(f, "usage:\n");
	for (size_t i = 0; i < NPOLICY_CMDS; i++)
		fprintf(f, "  sentry policy %s --db DIR %s\n", policy_cmds[i].name,
			policy_cmds[i].args);
	fprintf(f, "  sentry policy suggest [--bottle NAME] [--name POLICY] [LOG...]\n");
	fprintf(f, "\nTARGET for test: a name (a DNS query for it), or PROTO:ADDR:PORT\n"
		"(tcp:198.18.0.10:443, udp:[2001:db8::1]:53, icmp:198.18.0.1).\n"
		"--learnt NAME: decide as if the address had been learnt from NAME.\n"
		"Exit status of test: 0 allow, 1 deny, 2 error.\n"
		"sync: make the store hold exactly DIRECTORY's *.ini policies (add, replace,\n"
		"remove) in one transaction, printing each change; --dry-run writes nothing.\n");
}

/* what load compiled: a file's name, or how many */
static void load_summary(struct progress *pr, char **files, int n, unsigned long rules,
			 double compiled, double committed)
{
	if (n == 1)
		progress_summary(pr, "%s: %lu rules compiled in %.2f s, committed in %.2f s "
				 "(%.2f s in all)", files[0], rules, compiled, committed,
				 progress_elapsed(pr));
	else
		progress_summary(pr, "%d files, %lu rules compiled in %.2f s, committed in "
				 "%.2f s (%.2f s in all)", n, rules, compiled, committed,
				 progress_elapsed(pr));
}

static int do_load(struct pstore *s, int argc, char **argv)
{
	struct policy **pols;
	char err[POLICY_ERR_MAX];
	struct progress pr;
	unsigned long rules = 0;
	double compiled, committed;
	int rc = 0, n = 0;

	if (argc < 1) {
		fprintf(stderr, "sentry policy load: no policy file given\n");
		return 2;
	}
	pols = calloc((size_t)argc, sizeof(*pols));
	if (!pols)
		return 2;
	progress_start(&pr, "sentry policy load");
	/* compile everything first: one bad file and the store stays as it was */
	for (n = 0; n < argc; n++) {
		progress_status(&pr, false, "compiling %d/%d: %s, %lu rules so far", n + 1,
				argc, argv[n], rules);
		if (policy_compile_file(argv[n], &pols[n], err)) {
			progress_clear(&pr);
			fprintf(stderr, "%s\n", err);
			rc = 1;
			goto out;
		}
		rules += pols[n]->nrules;
		for (int j = 0; j < n; j++) {
			if (strcmp(pols[j]->name, pols[n]->name))
				continue;
			progress_clear(&pr);
			fprintf(stderr, "sentry policy load: %s and %s both define policy '%s'\n",
				argv[j], argv[n], pols[n]->name);
			n++;
			rc = 1;
			goto out;
		}
	}
	compiled = progress_lap(&pr);
	progress_status(&pr, true, "committing %d %s, %lu rules", argc,
			argc == 1 ? "policy" : "policies", rules);
	rc = pstore_put(s, pols, (size_t)argc);
	committed = progress_lap(&pr);
	progress_clear(&pr);
	if (rc) {
		fprintf(stderr, "sentry policy load: %s\n", pstore_strerror(rc));
		rc = 2;
		goto out;
	}
	for (int i = 0; i < argc; i++)
		printf("loaded %s (%u rules, default %s)\n", pols[i]->name,
		       pols[i]->nrules,
		       pols[i]->default_action == ACTION_ALLOW ? "allow" : "deny");
	/* stdout first: a reader of both sees the loaded lines, then the summary */
	fflush(stdout);
	if (progress_large(&pr, (unsigned int)argc, rules))
		load_summary(&pr, argv, argc, rules, compiled, committed);
out:
	for (int i = 0; i < n && i < argc; i++)
		policy_free(pols[i]);
	free(pols);
	return rc;
}

static int print_name(const char *name, void *arg)
{
	(void)arg;
	printf("%s\n", name);
	return 0;
}

static int do_list(struct pstore *s, int argc, char **argv)
{
	int rc;

	(void)argv;
	if (argc) {
		fprintf(stderr, "sentry policy list: no arguments expected\n");
		return 2;
	}
	rc = pstore_list(s, print_name, NULL);
	if (rc < 0) {
		fprintf(stderr, "sentry policy list: %s\n", pstore_strerror(rc));
		return 2;
	}
	return 0;
}

static int get_policy(struct pstore *s, const char *cmd, const char *name,
		      struct policy **out)
{
	int rc = pstore_get(s, name, out);

	if (rc == -ENOENT)
		fprintf(stderr, "sentry policy %s: no policy named '%s' in the store\n",
			cmd, name);
	else if (rc)
		fprintf(stderr, "sentry policy %s: %s: %s\n", cmd, name,
			pstore_strerror(rc));
	return rc;
}

static int do_show(struct pstore *s, int argc, char **argv)
{
	struct policy *p;
	int rc;

	if (argc != 1) {
		fprintf(stderr, "sentry policy show: expected one policy name\n");
		return 2;
	}
	if (get_policy(s, "show", argv[0], &p))
		return 2;
	rc = policy_write_ini(p, stdout);
	policy_free(p);
	return rc ? 2 : 0;
}

static int do_remove(struct pstore *s, int argc, char **argv)
{
	int rc;

	if (argc != 1) {
		fprintf(stderr, "sentry policy remove: expected one policy name\n");
		return 2;
	}
	rc = pstore_remove(s, argv[0]);
	if (rc == -ENOENT) {
		fprintf(stderr, "sentry policy remove: no policy named '%s'\n", argv[0]);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "sentry policy remove: %s\n", pstore_strerror(rc));
		return 2;
	}
	printf("removed %s\n", argv[0]);
	return 0;
}

static void print_match(const struct policy *p, const struct policy_match *m,
			const char *via)
{
	char text[RULE_PATTERN_MAX + 256];

	if (m->rule == RULE_DEFAULT || m->rule >= p->nrules)
		snprintf(text, sizeof(text), "default %s",
			 p->default_action == ACTION_ALLOW ? "allow" : "deny");
	else
		decision_rule_text(&p->rules[m->rule], text, sizeof(text));
	printf("%s\t%s%s%s\n", m->action == ACTION_ALLOW ? "allow" : "deny", text,
	       via ? "\tvia " : "", via ? via : "");
}

/* "tcp:198.18.0.10:443", "udp:[2001:db8::1]:53", "icmp:198.18.0.1" */
static int parse_target(const char *t, uint8_t *proto, struct ipaddr *a,
			uint16_t *port)
{
	char buf[128], *addr, *rest = NULL;
	const char *colon = strchr(t, ':');
	size_t plen;
	uint64_t n;

	if (!colon || strlen(t) >= sizeof(buf))
		return -EINVAL;
	plen = (size_t)(colon - t);
	if (plen == 3 && !strncmp(t, "tcp", 3))
		*proto = PROTO_TCP;
	else if (plen == 3 && !strncmp(t, "udp", 3))
		*proto = PROTO_UDP;
	else if (plen == 4 && !strncmp(t, "icmp", 4))
		*proto = PROTO_ICMP;
	else
		return -EINVAL;
	memcpy(buf, colon + 1, strlen(colon + 1) + 1);	/* fits: t is shorter */
	addr = buf;
	if (*addr == '[') {
		char *close = strchr(addr, ']');

		if (!close)
			return -EINVAL;
		*close = '\0';
		addr++;
		if (close[1] == ':')
			rest = close + 2;
		else if (close[1])
			return -EINVAL;
	} else if (!strchr(addr, ':') || strchr(addr, '.')) {
		/* IPv4 takes :PORT unbracketed; an IPv6 address needs brackets */
		char *c = strrchr(addr, ':');

		if (c) {
			*c = '\0';
			rest = c + 1;
		}
	}
	if (addr_parse(addr, a))
		return -EINVAL;
	*port = 0;
	if (*proto == PROTO_ICMP)
		return rest ? -EINVAL : 0;
	if (!rest || num_parse(rest, 10, 1, 65535, &n))
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

static int test_name(const struct policy *p, const char *target)
{
	struct dns_name name;
	struct policy_match m;

	if (dns_name_from_text(target, &name)) {
		fprintf(stderr, "sentry policy test: '%s' is neither a DNS name nor PROTO:ADDR:PORT\n",
			target);
		return 2;
	}
	policy_decide_query(p, name.text, name.text_len, &m);
	print_match(p, &m, NULL);
	return m.action == ACTION_ALLOW ? 0 : 1;
}

/* Say which allow rules would admit the flow if the address were learnt from them */
static void explain_names(const struct policy *p, uint8_t proto, uint16_t port)
{
	char text[RULE_PATTERN_MAX + 256];
	bool any = false;

	for (uint32_t i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (r->kind == RULE_CIDR || r->action != ACTION_ALLOW ||
		    !rule_ports_match(r, proto, port))
			continue;
		if (!any)
			printf("  allowed only if the address was learnt from a name matching:\n");
		any = true;
		decision_rule_text(r, text, sizeof(text));
		printf("    %s\n", text);
	}
	if (!any)
		printf("  no domain rule admits %s port %u: no learnt name can allow it\n",
		       proto_name(proto), port);
}

static int test_flow(const struct policy *p, const char *target,
		     char *const *learnt, int nlearnt)
{
	struct policy_match m, allow = { .action = ACTION_DENY, .rule = RULE_DEFAULT };
	const char *allow_via = NULL;
	struct ipaddr a;
	uint8_t proto;
	uint16_t port;

	if (parse_target(target, &proto, &a, &port)) {
		fprintf(stderr, "sentry policy test: bad target '%s' (expected a name or "
			"PROTO:ADDR:PORT such as tcp:198.18.0.10:443)\n", target);
		return 2;
	}
	if (policy_decide_cidr(p, &a, proto, port, &m)) {
		print_match(p, &m, NULL);
		return m.action == ACTION_ALLOW ? 0 : 1;
	}
	if ((proto == PROTO_TCP || proto == PROTO_UDP) && port == DOT_PORT) {
		printf("deny\t%s\n", drop_describe(DROP_DOT_DENIED));
		return 1;
	}
	for (int i = 0; i < nlearnt; i++) {
		struct dns_name name;

		if (dns_name_from_text(learnt[i], &name)) {
			fprintf(stderr, "sentry policy test: bad --learnt name '%s'\n",
				learnt[i]);
			return 2;
		}
		if (!policy_decide_name(p, name.text, name.text_len, proto, port, &m))
			continue;
		if (m.action == ACTION_DENY) {
			print_match(p, &m, learnt[i]);
			return 1;
		}
		if (!allow_via) {
			allow = m;
			allow_via = learnt[i];
		}
	}
	if (allow_via) {
		print_match(p, &allow, allow_via);
		return 0;
	}
	policy_default(p, &m);
	print_match(p, &m, NULL);
	if (m.action == ACTION_DENY && !nlearnt)
		explain_names(p, proto, port);
	return m.action == ACTION_ALLOW ? 0 : 1;
}

static int do_test(struct pstore *s, int argc, char **argv)
{
	char **learnt = calloc((size_t)argc + 1, sizeof(*learnt));
	const char *pos[2];
	int npos = 0, nlearnt = 0, rc = 2;
	struct policy *p = NULL;

	if (!learnt)
		return 2;
	/* positional arguments first or interleaved: scan by hand */
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--learnt") && i + 1 < argc) {
			learnt[nlearnt++] = argv[++i];
		} else if (!strncmp(argv[i], "--learnt=", 9)) {
			learnt[nlearnt++] = argv[i] + 9;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "sentry policy test: unknown option '%s'\n", argv[i]);
			goto out;
		} else if (npos < 2) {
			pos[npos++] = argv[i];
		} else {
			npos++;
		}
	}
	if (npos != 2) {
		fprintf(stderr, "sentry policy test: expected NAME TARGET\n");
		goto out;
	}
	if (get_policy(s, "test", pos[0], &p))
		goto out;
	if (!strncmp(pos[1], "tcp:", 4) || !strncmp(pos[1], "udp:", 4) ||
	    !strncmp(pos[1], "icmp:", 5))
		rc = test_flow(p, pos[1], learnt, nlearnt);
	else
		rc = test_name(p, pos[1]);
out:
	policy_free(p);
	free(learnt);
	return rc;
}

int cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct policy_cmd *pc = NULL;
	const char *db = NULL;
	struct pstore *s;
	int rc, c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		policy_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	/* suggest reads logs and writes a file: no store to open */
	if (!strcmp(argv[1], "suggest"))
		return policy_suggest(argc - 1, argv + 1);
	for (size_t i = 0; i < NPOLICY_CMDS; i++)
		if (!strcmp(argv[1], policy_cmds[i].name))
			pc = &policy_cmds[i];
	if (!pc)
		return usage_error("policy", "unknown policy command '%s'", argv[1]);
	argc--;
	argv++;
	optind = 1;
	/* "+": stop at the first positional argument, so test's --learnt stays put */
	while ((c = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'h':
			policy_usage(stdout);
			return 0;
		default:
			return usage_error("policy", "bad option");
		}
	}
	if (!db)
		return usage_error("policy", "--db DIR is required");
	rc = pstore_open(db, pc->create, !pc->write, &s);
	if (rc) {
		char msg[PATH_MAX + 128];

		fprintf(stderr, "sentry policy %s: %s: %s\n", pc->name, db,
			pstore_open_strerror(db, rc, msg, sizeof(msg)));
		return 2;
	}
	rc = pc->fn(s, argc - optind, argv + optind);
	pstore_close(s);
	return rc;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_policy_suggest.c - `sentry policy suggest`: a first policy from
 * what a workload did, read from its (audit-mode) decision log
 *
 * Every allowed and would-deny flow line names the name it needed (audit
 * mode names it even when the policy denies it: engine_flow.c), so the
 * suggestion is name rules with exactly the ports seen. Names are grouped
 * under their registrable domain by the Public Suffix List (libpsl with
 * Debian's publicsuffix data, never a hand-kept list); a wildcard is only
 * offered, in a comment, when several names under one domain were seen,
 * because it also allows names the workload never used. A flow to an
 * address no name was learnt for becomes a /32 or /128 CIDR rule flagged
 * for review. Never suggested: DNS over TLS (sentry refuses it whatever
 * the policy says), names whose answers were private (rebinding), and
 * flows to private or special-purpose addresses.
 *
 * Bounded: SUG_NAMES names, SUG_ADDRS addresses, SUG_PORTS port specs
 * each; more is an error, not a silently shorter policy.
 */
#include <errno.h>
#include <getopt.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cli/cmd_policy.h"
#include "cli/commands.h"
#include "declog.h"

#define SUG_NAMES	4096
#define SUG_ADDRS	1024
#define SUG_PORTS	32
#define SUG_LINE_MAX	8192

struct sport { char proto[16]; int32_t port; };	/* port -1: icmp */

struct sug_ent {
	char key[DECLOG_STR_MAX];	/* name, or address text */
	size_t reg;			/* names: offset of the registrable domain in key */
	struct sport ports[SUG_PORTS];
	unsigned nports;
	bool connected, private_answer;
};

struct suggest {
	struct sug_ent *names, *addrs;
	unsigned nnames, naddrs;
	unsigned lines, used, dot, private;
	const char *bottle;
	psl_ctx_t *psl;
};

static struct sug_ent *find(struct sug_ent *v, unsigned *n, unsigned max, const char *key)
{
	for (unsigned i = 0; i < *n; i++)
		if (!strcmp(v[i].key, key))
			return &v[i];
	if (*n == max)
		return NULL;
	memset(&v[*n], 0, sizeof(v[*n]));
	snprintf(v[*n].key, sizeof(v[*n].key), "%s", key);
	return &v[(*n)++];
}

static int add_port(struct sug_ent *e, const struct declog_entry *d)
{
	struct sport p = { .port = -1 };

	if (!strcmp(d->proto, "tcp") || !strcmp(d->proto, "udp")) {
		if (d->dport < 0)
			return 0;
		p.port = d->dport;
	} else if (strcmp(d->proto, "icmp") && strcmp(d->proto, "icmpv6")) {
		return 0;	/* another protocol: no port set can name it */
	}
	snprintf(p.proto, sizeof(p.proto), "%s", p.port < 0 ? "icmp" : d->proto);
	for (unsigned i = 0; i < e->nports; i++)
		if (!strcmp(e->ports[i].proto, p.proto) && e->ports[i].port == p.port)
			return 0;
	if (e->nports == SUG_PORTS)
		return -E2BIG;
	e->ports[e->nports++] = p;
	return 0;
}

static bool public_address(const char *text)
{
	struct ipaddr a;

	return !addr_parse(text, &a) && addr_classify(&a) == ADDR_PUBLIC;
}

/* One decision line: 0, or -E2BIG when a bound is reached */
static int take(struct suggest *s, const struct declog_entry *d)
{
	struct sug_ent *e;
	bool flow = !strcmp(d->event, "flow"), dns = !strcmp(d->event, "dns");

	if (s->bottle && strcmp(d->bottle, s->bottle))
		return 0;
	if (strcmp(d->verdict, "allow") && strcmp(d->verdict, "would_deny"))
		return 0;	/* an enforced deny: the workload never got further */
	if ((!flow && !dns) || (dns && !d->qname[0]))
		return 0;
	s->used++;
	if (!strcmp(d->reason, "dot_denied")) {
		s->dot++;
		return 0;
	}
	if (dns) {
		e = find(s->names, &s->nnames, SUG_NAMES, d->qname);
		if (!e)
			return -E2BIG;
		if (!strcmp(d->reason, "dns_private_answer"))
			e->private_answer = true;
		return 0;
	}
	if (!public_address(d->dst)) {
		s->private++;
		return 0;
	}
	if (d->name[0])
		e = find(s->names, &s->nnames, SUG_NAMES, d->name);
	else
		e = find(s->addrs, &s->naddrs, SUG_ADDRS, d->dst);
	if (!e)
		return -E2BIG;
	e->connected = true;
	return add_port(e, d);
}

static int read_file(struct suggest *s, FILE *f, const char *path)
{
	char *line = malloc(SUG_LINE_MAX), err[128];
	struct declog_entry *d = malloc(sizeof(*d));
	unsigned lineno = 0;
	int rc = 0;

	if (!line || !d) {
		rc = -ENOMEM;
		goto out;
	}
	while (fgets(line, SUG_LINE_MAX, f)) {
		size_t len = strlen(line);

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f)) {
			fprintf(stderr, "sentry policy suggest: %s:%u: line too long\n", path, lineno);
			rc = -EINVAL;
			break;
		}
		if (!len)
			continue;
		s->lines++;
		if (declog_parse(line, len, d, err, sizeof(err)))
			continue;	/* a daemon's own log lines between decisions */
		rc = take(s, d);
		if (rc) {
			fprintf(stderr, "sentry policy suggest: %s:%u: more than %u names, %u "
				"addresses or %u ports per rule: split the log by --bottle\n",
				path, lineno, SUG_NAMES, SUG_ADDRS, SUG_PORTS);
			break;
		}
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "sentry policy suggest: %s: read error\n", path);
		rc = -EIO;
	}
out:
	free(line);
	free(d);
	return rc;
}

static void ports_text(const struct sug_ent *e, char *buf, size_t cap)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < e->nports && used < cap; i++) {
		if (e->ports[i].port < 0)
			used += (size_t)snprintf(buf + used, cap - used, " icmp");
		else
			used += (size_t)snprintf(buf + used, cap - used, " %s/%d",
						 e->ports[i].proto, e->ports[i].port);
	}
}

static int by_port(const void *a, const void *b)
{
	const struct sport *x = a, *y = b;
	int c = strcmp(x->proto, y->proto);

	return c ? c : (x->port > y->port) - (x->port < y->port);
}

static int by_domain(const void *a, const void *b)
{
	const struct sug_ent *x = a, *y = b;
	int c = strcmp(x->key + x->reg, y->key + y->reg);

	return c ? c : strcmp(x->key, y->key);
}

static void print_policy(struct suggest *s, const char *name)
{
	char ports[SUG_PORTS * 12];
	unsigned i, j;

	for (i = 0; i < s->nnames; i++) {
		const char *r = psl_registrable_domain(s->psl, s->names[i].key);

		/* an offset, not a pointer: qsort() moves the entries */
		s->names[i].reg = r ? (size_t)(r - s->names[i].key) : 0;
		qsort(s->names[i].ports, s->names[i].nports, sizeof(struct sport), by_port);
	}
	qsort(s->names, s->nnames, sizeof(*s->names), by_domain);
	printf("# Suggested by `sentry policy suggest` from %u decision line(s)%s%s.\n"
	       "# It allows exactly what was seen: review it before loading it.\n"
	       "[policy]\nname = %s\ndefault = deny\n\n[allow]\n",
	       s->used, s->bottle ? " of bottle " : "", s->bottle ? s->bottle : "", name);
	for (i = 0; i < s->nnames; i = j) {
		unsigned siblings = 0;
		const char *reg = s->names[i].key + s->names[i].reg;

		for (j = i; j < s->nnames && !strcmp(s->names[j].key + s->names[j].reg, reg); j++)
			if (!s->names[j].private_answer && s->names[j].connected &&
			    strcmp(s->names[j].key, reg))
				siblings++;
		printf("\n# %s\n", reg);
		for (unsigned k = i; k < j; k++) {
			const struct sug_ent *e = &s->names[k];

			if (e->private_answer) {
				printf("# not suggested: %s answered a private address "
				       "(rebinding protection)\n", e->key);
				continue;
			}
			if (!e->connected) {
				printf("# resolved, never connected to; to allow its lookup "
				       "(and any port): domain = %s\n", e->key);
				continue;
			}
			ports_text(e, ports, sizeof(ports));
			printf("domain = %s%s\n", e->key, ports);
		}
		if (siblings >= 2) {
			struct sug_ent all = { .nports = 0 };

			/* the ports of every sibling: the one rule must cover them all */
			for (unsigned k = i; k < j; k++)
				for (unsigned q = 0; q < s->names[k].nports; q++) {
					struct declog_entry d = { .dport = s->names[k].ports[q].port };

					snprintf(d.proto, sizeof(d.proto), "%s", s->names[k].ports[q].proto);
					if (!s->names[k].private_answer && add_port(&all, &d))
						break;	/* more than SUG_PORTS: the list is cut */
				}
			qsort(all.ports, all.nports, sizeof(struct sport), by_port);
			ports_text(&all, ports, sizeof(ports));
			printf("# choice: the %u names below %s could be one rule instead, which "
			       "also allows names not seen:\n#   domain = *.%s%s\n", siblings, reg,
			       reg, ports);
		}
	}
	if (s->naddrs)
		printf("\n# REVIEW: direct-IP flows (no name was learnt for these addresses);\n"
		       "# an address can change owner: prefer the name behind it if there is one\n");
	for (i = 0; i < s->naddrs; i++) {
		struct ipaddr a;

		qsort(s->addrs[i].ports, s->addrs[i].nports, sizeof(struct sport), by_port);
		ports_text(&s->addrs[i], ports, sizeof(ports));
		addr_parse(s->addrs[i].key, &a);
		printf("cidr = %s/%d%s\n", s->addrs[i].key, a.family == ADDR_FAMILY_V4 ? 32 : 128,
		       ports);
	}
	if (s->dot)
		printf("\n# not suggested: %u DNS-over-TLS flow(s); sentry refuses port 853 "
		       "whatever the policy (names are answered by sentry)\n", s->dot);
	if (s->private)
		printf("# not suggested: %u flow(s) to private or special-purpose addresses\n",
		       s->private);
}

int policy_suggest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bottle", required_argument, NULL, 'b' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct suggest s = { 0 };
	const char *name = "suggested";
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "b:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			s.bottle = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			printf("usage: sentry policy suggest [--bottle NAME] [--name POLICY] [LOG...]\n"
			       "Reads decision logs (files, or stdin: -) written in audit mode and\n"
			       "prints a policy allowing exactly the names, ports and addresses seen.\n");
			return 0;
		default:
			return usage_error("policy suggest", "bad option");
		}
	}
	s.psl = psl_latest(NULL);
	s.names = calloc(SUG_NAMES, sizeof(*s.names));
	s.addrs = calloc(SUG_ADDRS, sizeof(*s.addrs));
	if (!s.psl || !s.names || !s.addrs) {
		fprintf(stderr, "sentry policy suggest: %s\n", s.psl ? "out of memory" :
			"cannot load the Public Suffix List (Debian package publicsuffix)");
		rc = 2;
		goto out;
	}
	if (optind == argc)
		rc = read_file(&s, stdin, "stdin");
	for (int i = optind; i < argc && !rc; i++) {
		FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "r") : stdin;

		if (!f) {
			fprintf(stderr, "sentry policy suggest: %s: %s\n", argv[i], strerror(errno));
			rc = -errno;
			break;
		}
		rc = read_file(&s, f, argv[i]);
		if (f != stdin)
			fclose(f);
	}
	if (rc) {
		rc = 2;
		goto out;
	}
	if (!s.used) {
		fprintf(stderr, "sentry policy suggest: no allowed or would-deny decision in "
			"%u line(s)%s\n", s.lines, s.bottle ? " for that bottle" : "");
		rc = 1;
		goto out;
	}
	print_policy(&s, name);
out:
	psl_free(s.psl);
	free(s.names);
	free(s.addrs);
	return rc;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_policies_shipped.c - every file in policies/ compiles, means what
 * its comments say, and carries the metadata block of metadata-deny.ini
 *
 * policies/ is found at $SENTRY_TOP/policies, else relative to the working
 * directory (the repository root, or two levels below it), else relative
 * to this binary (build/asan/test/ in the tree).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packet.h"
#include "policy_ini.h"
#include "t.h"

#define MAX_FILES	64

static char dir[PATH_MAX];
static struct policy *pols[MAX_FILES];
static char files[MAX_FILES][NAME_MAX + 1];
static size_t nfiles;

static bool is_dir(const char *path)
{
	DIR *d = opendir(path);

	if (d)
		closedir(d);
	return d != NULL;
}

static bool find_dir(void)
{
	const char *top = getenv("SENTRY_TOP");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (top && *top) {
		snprintf(dir, sizeof(dir), "%s/policies", top);
		return is_dir(dir);
	}
	snprintf(dir, sizeof(dir), "policies");
	if (is_dir(dir))
		return true;
	snprintf(dir, sizeof(dir), "../../policies");
	if (is_dir(dir))
		return true;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	snprintf(dir, sizeof(dir), "%.*s/../../../policies", PATH_MAX - 32, exe);
	return is_dir(dir);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static struct policy *named(const char *name)
{
	size_t i;

	for (i = 0; i < nfiles; i++)
		if (pols[i] && !strcmp(pols[i]->name, name))
			return pols[i];
	return NULL;
}

static bool same_rule(const struct rule *a, const struct rule *b)
{
	unsigned int i;

	if (a->action != b->action || a->kind != b->kind ||
	    a->nports != b->nports || a->pattern_len != b->pattern_len ||
	    a->plen != b->plen || memcmp(a->pattern, b->pattern, a->pattern_len) ||
	    (a->kind == RULE_CIDR && !addr_equal(&a->net, &b->net)))
		return false;
	for (i = 0; i < a->nports; i++)
		if (a->ports[i].proto != b->ports[i].proto ||
		    a->ports[i].lo != b->ports[i].lo || a->ports[i].hi != b->ports[i].hi)
			return false;
	return true;
}

static int query(const struct policy *p, const char *name)
{
	struct policy_match m;

	policy_decide_query(p, name, strlen(name), &m);
	return m.action;
}

/* flow() - a new flow to an address learnt for @name: the name's rules, else the default */
static int flow(const struct policy *p, const char *name, uint8_t proto,
		uint16_t port)
{
	struct policy_match m;

	if (!policy_decide_name(p, name, strlen(name), proto, port, &m))
		policy_default(p, &m);
	return m.action;
}

static int cidr(const struct policy *p, const char *addr, uint16_t port)
{
	struct policy_match m;
	struct ipaddr a;

	if (addr_parse(addr, &a))
		return -1;
	if (!policy_decide_cidr(p, &a, PROTO_TCP, port, &m))
		policy_default(p, &m);
	return m.action;
}

TEST(every_file_compiles)
{
	char path[PATH_MAX + NAME_MAX + 2], err[POLICY_ERR_MAX];
	struct dirent *e;
	DIR *d;
	size_t i;

	CHECK(find_dir());
	d = opendir(dir);
	CHECK(d);
	while ((e = readdir(d)) && nfiles < MAX_FILES) {
		size_t n = strlen(e->d_name);

		if (n > 4 && !strcmp(e->d_name + n - 4, ".ini"))
			snprintf(files[nfiles++], sizeof(files[0]), "%s", e->d_name);
	}
	closedir(d);
	qsort(files, nfiles, sizeof(files[0]), by_name);
	CHECK(nfiles >= 6);
	for (i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (policy_compile_file(path, &pols[i], err)) {
			t_fail_at("%s", err);
			return;
		}
		/* the name inside is the file's */
		CHECK(!strncmp(files[i], pols[i]->name, strlen(pols[i]->name)));
		CHECK_STR(files[i] + strlen(pols[i]->name), ".ini");
	}
	CHECK(named("default-deny") && named("metadata-deny") &&
	      named("debian-apt") && named("pypi") && named("npm") &&
	      named("github"));
}

TEST(every_file_writes_back)
{
	char err[POLICY_ERR_MAX], *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0, i;
	struct policy *q;
	FILE *f;

	CHECK(nfiles);
	for (i = 0; i < nfiles; i++) {
		CHECK(pols[i]);
		f = open_memstream(&a, &alen);
		CHECK(f);
		CHECK_EQ(policy_write_ini(pols[i], f), 0);
		fclose(f);
		CHECK_EQ(policy_compile_text(a, alen, "x.ini", &q, err), 0);
		f = open_memstream(&b, &blen);
		CHECK(f);
		CHECK_EQ(policy_write_ini(q, f), 0);
		fclose(f);
		CHECK_STR(a, b);
		policy_free(q);
		free(a);
		free(b);
		a = b = NULL;
	}
}

TEST(service_policies_carry_the_metadata_block)
{
	const struct policy *md = named("metadata-deny");
	uint32_t i, j, ndeny = 0;
	size_t k, nservices = 0;

	CHECK(md);
	CHECK_EQ(md->default_action, ACTION_ALLOW);
	for (i = 0; i < md->nrules; i++) {
		CHECK_EQ(md->rules[i].action, ACTION_DENY);
		ndeny++;
	}
	CHECK(ndeny >= 8);
	for (k = 0; k < nfiles; k++) {
		const struct policy *p = pols[k];
		bool allows = false;

		CHECK(p);
		for (i = 0; i < p->nrules; i++)
			allows |= p->rules[i].action == ACTION_ALLOW;
		if (p == md || !allows)
			continue;
		/* a service policy: default deny, and the whole block */
		nservices++;
		CHECK_EQ(p->default_action, ACTION_DENY);
		CHECK_EQ(p->private_answers, ACTION_DENY);
		for (j = 0; j < md->nrules; j++) {
			for (i = 0; i < p->nrules; i++)
				if (same_rule(&p->rules[i], &md->rules[j]))
					break;
			if (i == p->nrules) {
				char text[300];

				rule_format(&md->rules[j], text, sizeof(text));
				t_fail_at("%s lacks '%s' of metadata-deny.ini",
					  files[k], text);
				return;
			}
		}
	}
	CHECK_EQ(nservices, 4);
}

TEST(policies_mean_what_they_say)
{
	const struct policy *dd = named("default-deny"), *md = named("metadata-deny");
	const struct policy *apt = named("debian-apt"), *pypi = named("pypi");
	const struct policy *npm = named("npm"), *gh = named("github");
	const struct policy *svc[] = { apt, pypi, npm, gh };
	size_t i;

	CHECK(dd && md && apt && pypi && npm && gh);
	CHECK_EQ(dd->nrules, 0);
	CHECK_EQ(dd->default_action, ACTION_DENY);
	CHECK_EQ(query(dd, "deb.debian.org"), ACTION_DENY);

	CHECK_EQ(query(md, "example.com"), ACTION_ALLOW);
	CHECK_EQ(query(md, "metadata.google.internal"), ACTION_DENY);
	CHECK_EQ(query(md, "metadata"), ACTION_DENY);
	CHECK_EQ(cidr(md, "169.254.169.254", 80), ACTION_DENY);
	CHECK_EQ(cidr(md, "169.254.1.1", 80), ACTION_DENY);
	CHECK_EQ(cidr(md, "fd00:ec2::254", 80), ACTION_DENY);
	CHECK_EQ(cidr(md, "fe80::1", 80), ACTION_DENY);
	CHECK_EQ(cidr(md, "100.100.100.200", 80), ACTION_DENY);
	CHECK_EQ(cidr(md, "198.18.0.1", 80), ACTION_ALLOW);

	CHECK_EQ(query(apt, "deb.debian.org"), ACTION_ALLOW);
	CHECK_EQ(query(apt, "security.debian.org"), ACTION_ALLOW);
	CHECK_EQ(flow(apt, "deb.debian.org", PROTO_TCP, 80), ACTION_ALLOW);
	CHECK_EQ(flow(apt, "deb.debian.org", PROTO_TCP, 443), ACTION_ALLOW);
	CHECK_EQ(flow(apt, "deb.debian.org", PROTO_TCP, 22), ACTION_DENY);
	CHECK_EQ(flow(apt, "deb.debian.org", PROTO_UDP, 443), ACTION_DENY);
	CHECK_EQ(query(apt, "salsa.debian.org"), ACTION_DENY);
	CHECK_EQ(query(apt, "pypi.org"), ACTION_DENY);

	CHECK_EQ(query(pypi, "pypi.org"), ACTION_ALLOW);
	CHECK_EQ(flow(pypi, "files.pythonhosted.org", PROTO_TCP, 443), ACTION_ALLOW);
	CHECK_EQ(flow(pypi, "files.pythonhosted.org", PROTO_TCP, 80), ACTION_DENY);
	CHECK_EQ(query(pypi, "evil.pythonhosted.org"), ACTION_DENY);

	CHECK_EQ(flow(npm, "registry.npmjs.org", PROTO_TCP, 443), ACTION_ALLOW);
	CHECK_EQ(query(npm, "www.npmjs.org"), ACTION_DENY);

	CHECK_EQ(flow(gh, "github.com", PROTO_TCP, 22), ACTION_ALLOW);
	CHECK_EQ(flow(gh, "github.com", PROTO_TCP, 443), ACTION_ALLOW);
	CHECK_EQ(flow(gh, "api.github.com", PROTO_TCP, 22), ACTION_DENY);
	CHECK_EQ(query(gh, "raw.githubusercontent.com"), ACTION_ALLOW);
	CHECK_EQ(flow(gh, "objects.githubusercontent.com", PROTO_TCP, 443), ACTION_ALLOW);
	CHECK_EQ(query(gh, "githubusercontent.com"), ACTION_DENY);
	CHECK_EQ(query(gh, "gist.github.com"), ACTION_DENY);

	for (i = 0; i < sizeof(svc) / sizeof(svc[0]); i++) {
		CHECK_EQ(cidr(svc[i], "169.254.169.254", 80), ACTION_DENY);
		CHECK_EQ(query(svc[i], "metadata.google.internal"), ACTION_DENY);
		CHECK_EQ(query(svc[i], "example.com"), ACTION_DENY);
	}
}

int main(void)
{
	size_t i;

	RUN(every_file_compiles);
	RUN(every_file_writes_back);
	RUN(service_policies_carry_the_metadata_block);
	RUN(policies_mean_what_they_say);
	for (i = 0; i < nfiles; i++)
		policy_free(pols[i]);
	return t_done();
}

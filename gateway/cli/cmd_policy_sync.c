// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_policy_sync.c - `sentry policy sync --db DIR DIRECTORY [--dry-run]`
 *
 * Makes the store hold exactly the policies of DIRECTORY's *.ini files:
 * the way configuration management (a Git checkout, Ansible, a ConfigMap
 * mounted into the SENTRY container) rolls policy out to many hosts. Every
 * file is compiled before anything is written, and the adds, replaces and
 * removes are one LMDB transaction, so a daemon reading the store sees the
 * old set or the new one. A policy whose canonical text (policy show) is
 * the same as the stored one is left alone: a sync that changes nothing
 * commits nothing, and the daemon recompiles nothing.
 *
 * Exit status: 0 success, 1 a file did not compile (store unchanged),
 * 2 usage or store error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_policy.h"
#include "cli/progress.h"
#include "policy_ini.h"
#include "pstore.h"

struct sync_file {
	char *path;
	struct policy *pol;
	const char *change;	/* "add", "replace", "unchanged" */
};

static int ini_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	/* editors' and Git's hidden files are not policies */
	return d->d_name[0] != '.' && n > 4 && !strcmp(d->d_name + n - 4, ".ini");
}

/* canonical() - @p as `policy show` prints it, in a new string */
static char *canonical(const struct policy *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	if (policy_write_ini(p, f)) {
		fclose(f);
		free(text);
		return NULL;
	}
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* classify() - add, replace or unchanged, against the stored copy */
static int classify(struct pstore *s, struct sync_file *sf)
{
	struct policy *old;
	char *a, *b;
	int rc = pstore_get(s, sf->pol->name, &old);

	if (rc == -ENOENT) {
		sf->change = "add";
		return 0;
	}
	if (rc)
		return rc;
	a = canonical(old);
	b = canonical(sf->pol);
	sf->change = a && b && !strcmp(a, b) ? "unchanged" : "replace";
	rc = a && b ? 0 : -ENOMEM;
	free(a);
	free(b);
	policy_free(old);
	return rc;
}

struct removed_ctx {
	unsigned int n;
	struct progress *pr;	/* its status line goes before a removal is printed */
};

static void on_removed(const char *name, void *arg)
{
	struct removed_ctx *c = arg;

	c->n++;
	progress_clear(c->pr);
	printf("remove %s\n", name);
}

int policy_sync(struct pstore *s, int argc, char **argv)
{
	const char *dir = NULL;
	bool dry_run = false, allow_empty = false;
	struct progress pr;
	struct removed_ctx rm = { 0, &pr };
	struct dirent **ents = NULL;
	struct sync_file *files = NULL;
	struct policy **pols = NULL;
	bool *write = NULL;
	char err[POLICY_ERR_MAX];
	unsigned int added = 0, replaced = 0, same = 0;
	unsigned long rules = 0;
	double compiled, committed;
	int n = 0, i, rc = 2;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry_run = true;
		else if (!strcmp(argv[i], "--allow-empty"))
			allow_empty = true;
		else if (argv[i][0] == '-' || dir) {
			fprintf(stderr, "sentry policy sync: unexpected argument '%s'\n",
				argv[i]);
			return 2;
		} else
			dir = argv[i];
	}
	if (!dir) {
		fprintf(stderr, "sentry policy sync: no DIRECTORY given\n");
		return 2;
	}
	progress_start(&pr, "sentry policy sync");
	n = scandir(dir, &ents, ini_file, alphasort);
	if (n < 0) {
		fprintf(stderr, "sentry policy sync: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	/* an unmounted volume or a wrong path must not wipe a host's policies */
	if (!n && !allow_empty) {
		fprintf(stderr, "sentry policy sync: %s holds no .ini file; refusing to "
			"empty the store (--allow-empty to mean it)\n", dir);
		goto out;
	}
	files = calloc((size_t)n + 1, sizeof(*files));
	pols = calloc((size_t)n + 1, sizeof(*pols));
	write = calloc((size_t)n + 1, sizeof(*write));
	if (!files || !pols || !write)
		goto out;
	/* compile everything first: one bad file and the store stays as it was */
	for (i = 0; i < n; i++) {
		if (asprintf(&files[i].path, "%s/%s", dir, ents[i]->d_name) < 0) {
			files[i].path = NULL;
			goto out;
		}
		progress_status(&pr, false, "compiling %d/%d: %s, %lu rules so far", i + 1, n,
				files[i].path, rules);
		if (policy_compile_file(files[i].path, &files[i].pol, err)) {
			progress_clear(&pr);
			fprintf(stderr, "%s\nsentry policy sync: nothing changed\n", err);
			rc = 1;
			goto out;
		}
		for (int j = 0; j < i; j++) {
			if (strcmp(files[j].pol->name, files[i].pol->name))
				continue;
			progress_clear(&pr);
			fprintf(stderr, "sentry policy sync: %s and %s both define policy "
				"'%s'; nothing changed\n", files[j].path, files[i].path,
				files[i].pol->name);
			rc = 1;
			goto out;
		}
		pols[i] = files[i].pol;
		rules += files[i].pol->nrules;
	}
	compiled = progress_lap(&pr);
	for (i = 0; i < n; i++) {
		int e;

		progress_status(&pr, false, "comparing %d/%d with the store: %s", i + 1, n,
				files[i].pol->name);
		e = classify(s, &files[i]);
		if (e) {
			progress_clear(&pr);
			fprintf(stderr, "sentry policy sync: %s: %s\n",
				files[i].pol->name, pstore_strerror(e));
			goto out;
		}
		write[i] = strcmp(files[i].change, "unchanged") != 0;
	}
	progress_status(&pr, true, "%s %d polic%s, %lu rules",
			dry_run ? "checking (dry run)" : "committing", n, n == 1 ? "y" : "ies",
			rules);
	/* removals are printed from inside the transaction, as they are made */
	rc = pstore_sync(s, pols, write, (size_t)n, on_removed, &rm, dry_run);
	committed = progress_lap(&pr);
	progress_clear(&pr);
	if (rc) {
		fprintf(stderr, "sentry policy sync: %s; nothing changed\n",
			pstore_strerror(rc));
		rc = 2;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct policy *p = files[i].pol;

		printf("%s %s (%s: %u rules, default %s)\n", files[i].change, p->name,
		       files[i].path, p->nrules,
		       p->default_action == ACTION_ALLOW ? "allow" : "deny");
		added += files[i].change[0] == 'a';
		replaced += files[i].change[0] == 'r';
		same += files[i].change[0] == 'u';
	}
	printf("%s%u added, %u replaced, %u removed, %u unchanged\n",
	       dry_run ? "dry run, nothing written: " : "", added, replaced, rm.n, same);
	rc = fflush(stdout) ? 2 : 0;
	if (progress_large(&pr, (unsigned int)n, rules))
		progress_summary(&pr, "%s: %d file%s, %lu rules compiled in %.2f s; %u change%s "
				 "%s in %.2f s (%.2f s in all)", dir, n, n == 1 ? "" : "s",
				 rules, compiled, added + replaced + rm.n,
				 added + replaced + rm.n == 1 ? "" : "s",
				 dry_run ? "found (dry run, nothing committed)" : "committed",
				 committed, progress_elapsed(&pr));
out:
	for (i = 0; files && i < n; i++) {
		free(files[i].path);
		if (files[i].pol)
			policy_free(files[i].pol);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	free(files);
	free(pols);
	free(write);
	return rc;
}

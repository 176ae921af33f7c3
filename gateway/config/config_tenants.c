// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config_tenants.c - [tenants]: which policies a user may attach under
 *
 *   [tenants]
 *   uid.1500 = web, npm        ; uid 1500: web (its default) or npm
 *   gid.1600 = strict          ; members of group 1600: strict only
 *
 * A key is "uid.N" or "gid.N" with N a number: the daemon matches the
 * peer's SO_PEERCRED and SO_PEERGROUPS, which are numbers, and resolving
 * names would need NSS files after the daemon locked itself down. The
 * value lists policy names separated by commas; the first is the default
 * (" ;" starts a comment, so the default cannot be marked with one). Root
 * and the daemon's user are not bound by these rules: the administrator
 * picks any policy. With no rule at all, every peer picks any policy, as
 * before tenants existed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config_int.h"
#include "inifile.h"
#include "num.h"

static int parse_key(struct inifile *f, const char *key,
		     struct config_tenant *t)
{
	char sv[INIFILE_SHOW_MAX];

	if (!strncmp(key, "uid.", 4))
		t->kind = CONFIG_TENANT_UID;
	else if (!strncmp(key, "gid.", 4))
		t->kind = CONFIG_TENANT_GID;
	if (!t->kind || num_u32(key + 4, 0, UINT32_MAX - 1, &t->id))
		return inifile_fail(f, "expected uid.N or gid.N (a number) as a "
				    "key of [tenants], got '%s'",
				    inifile_show(key, SIZE_MAX, sv));
	return 1;
}

/* One name of the list, blanks around it trimmed, into t->policy[] */
static int add_policy(struct inifile *f, struct config_tenant *t,
		      const char *s, size_t n)
{
	char name[POLICY_NAME_MAX + 2], sv[INIFILE_SHOW_MAX];

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > POLICY_NAME_MAX)
		n = POLICY_NAME_MAX + 1;	/* refused below as too long */
	memcpy(name, s, n);
	name[n] = '\0';
	if (!n)
		return inifile_fail(f, "expected policy names separated by ',' "
				    "(an empty one found)");
	if (!policy_name_valid(name))
		return inifile_fail(f, "bad policy name '%s' in [tenants] (1 to "
				    "%d letters, digits, '_', '.' or '-', starting "
				    "with a letter or digit)",
				    inifile_show(name, n, sv), POLICY_NAME_MAX);
	for (uint32_t i = 0; i < t->npolicies; i++)
		if (!strcmp(t->policy[i], name))
			return inifile_fail(f, "policy '%s' listed twice", name);
	if (t->npolicies == CONFIG_GRANTS_MAX)
		return inifile_fail(f, "more than %d policies in one [tenants] "
				    "rule", CONFIG_GRANTS_MAX);
	memcpy(t->policy[t->npolicies++], name, n + 1);
	return 1;
}

int config_tenant_key(struct inifile *f, struct sentry_config *cfg,
		      const char *key, const char *value)
{
	struct config_tenant t;
	const char *s = value, *comma;

	memset(&t, 0, sizeof(t));	/* printed and compared whole */
	if (!parse_key(f, key, &t))
		return 0;
	for (uint32_t i = 0; i < cfg->ntenants; i++)
		if (cfg->tenants[i].kind == t.kind && cfg->tenants[i].id == t.id)
			return inifile_fail(f, "duplicate rule for %s in [tenants]",
					    key);
	if (cfg->ntenants == CONFIG_TENANTS_MAX)
		return inifile_fail(f, "more than %d rules in [tenants]",
				    CONFIG_TENANTS_MAX);
	do {
		comma = strchr(s, ',');
		if (!add_policy(f, &t, s, comma ? (size_t)(comma - s) : strlen(s)))
			return 0;
		if (comma)	/* after the last one there is nothing to step past */
			s = comma + 1;
	} while (comma);
	cfg->tenants[cfg->ntenants++] = t;
	return 1;
}

void config_tenants_print(const struct sentry_config *cfg, FILE *f)
{
	for (uint32_t i = 0; i < cfg->ntenants; i++) {
		const struct config_tenant *t = &cfg->tenants[i];

		fprintf(f, "%s.%u = ", t->kind == CONFIG_TENANT_UID ? "uid" : "gid",
			t->id);
		for (uint32_t j = 0; j < t->npolicies; j++)
			fprintf(f, "%s%s", j ? ", " : "", t->policy[j]);
		fputc('\n', f);
	}
}

static bool rule_matches(const struct config_tenant *t, uint32_t uid,
			 const uint32_t *gids, size_t ngids)
{
	if (t->kind == CONFIG_TENANT_UID)
		return t->id == uid;
	for (size_t i = 0; i < ngids; i++)
		if (gids[i] == t->id)
			return true;
	return false;
}

static void granted_list(const struct sentry_config *cfg, uint32_t uid,
			 const uint32_t *gids, size_t ngids, char *buf,
			 size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < cfg->ntenants; i++) {
		const struct config_tenant *t = &cfg->tenants[i];

		if (!rule_matches(t, uid, gids, ngids))
			continue;
		for (uint32_t j = 0; j < t->npolicies && used < len; j++)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? ", " : "", t->policy[j]);
	}
}

int config_tenant_policy(const struct sentry_config *cfg, uint32_t uid,
			 const uint32_t *gids, size_t ngids, const char *asked,
			 const char **chosen, char *err, size_t errlen)
{
	const char *dflt = NULL;
	char list[256];

	*chosen = asked;
	if (!cfg->ntenants)
		return 0;
	for (int pass = CONFIG_TENANT_UID; pass <= CONFIG_TENANT_GID; pass++) {
		for (uint32_t i = 0; i < cfg->ntenants; i++) {
			const struct config_tenant *t = &cfg->tenants[i];

			if ((int)t->kind != pass || !rule_matches(t, uid, gids, ngids))
				continue;
			if (!dflt)
				dflt = t->policy[0];
			for (uint32_t j = 0; asked[0] && j < t->npolicies; j++)
				if (!strcmp(t->policy[j], asked))
					return 0;
		}
	}
	if (!dflt) {
		snprintf(err, errlen, "uid %u is granted no policy: no [tenants] "
			 "rule in sentry.ini names it or its groups", uid);
		return -EPERM;
	}
	if (!asked[0]) {
		*chosen = dflt;
		return 0;
	}
	granted_list(cfg, uid, gids, ngids, list, sizeof(list));
	snprintf(err, errlen, "policy '%s' is not granted to uid %u (granted: "
		 "%s; [tenants] in sentry.ini)", asked, uid, list);
	return -EPERM;
}

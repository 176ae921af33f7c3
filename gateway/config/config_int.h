/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config_int.h - what the config_*.c files share: the table of settings
 *
 * config_keys.c holds the table (and prints from it), config.c parses
 * through it, config_resolv.c reads upstream addresses. Nothing outside
 * these files includes this header.
 */
#ifndef SENTRY_CONFIG_INT_H
#define SENTRY_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"

#define CONFIG_KEYS_MAX	64	/* bound on config_nkeys (config_keys.c asserts it) */
#define CONFIG_FILE_MAX	(1u << 20)

enum config_section {
	SEC_DAEMON, SEC_DNS, SEC_EGRESS, SEC_TABLES, SEC_TIMEOUTS, SEC_REJECT,
	SEC_HELPER, SEC_NFQUEUE, SEC_METRICS, SEC_TENANTS, SEC_N
};

enum config_type {
	VAL_UINT,	/* uint32_t, decimal, min..max */
	VAL_OCTAL,	/* uint32_t, octal digits, 0..max */
	VAL_PATH,	/* absolute path; min 0: may be empty */
	VAL_LOG,	/* "stderr" or an absolute path */
	VAL_ID,		/* user or group: name or decimal id; min 0: may be empty */
	VAL_POLICY,	/* a policy name, or empty */
	VAL_WORD,	/* one of words[], stored as uint8_t */
	VAL_BOOL,	/* yes | no, stored as bool */
	VAL_UPSTREAM,	/* repeatable; struct config_upstream */
	VAL_POOL4,	/* struct config_pool; min..max: prefix lengths */
	VAL_POOL6,
	VAL_IFNAME,
	VAL_NFT,
	VAL_LISTEN,	/* "ADDR:PORT" or "[ADDR6]:PORT" (lib/hostport.h); may be empty */
};

struct config_word {
	const char *text;
	uint8_t value;
};

struct config_key {
	uint8_t section;	/* enum config_section */
	uint8_t type;		/* enum config_type */
	const char *name;
	size_t off;		/* in struct sentry_config */
	size_t size;		/* strings: the array */
	uint32_t min, max;
	const struct config_word *words;	/* VAL_WORD, ending with NULL text */
};

/* ending with NULL, as common/inifile.h wants */
extern const char *const config_section_names[SEC_N + 1];
extern const struct config_key config_keys[];
extern const size_t config_nkeys;

/*
 * config_read_file() - all of regular file @path, NUL-terminated (*@out,
 * to free), at most @max bytes
 * Return: 0, -EISDIR, -EINVAL (not a regular file), -EFBIG or -errno.
 */
int config_read_file(const char *path, size_t max, char **out, size_t *len);

/*
 * config_parse_upstream() - "A", "A:PORT" (IPv4), "V6", "[V6]", "[V6]:PORT"
 * Return: 0, -EINVAL (syntax, a zone id included) or -ERANGE (port).
 */
int config_parse_upstream(const char *v, struct config_upstream *u);

/* config_upstream_usable() - neither unspecified nor multicast */
bool config_upstream_usable(const struct config_upstream *u);

bool config_upstream_equal(const struct config_upstream *a,
			   const struct config_upstream *b);

struct inifile;

/*
 * config_tenant_key() - one "uid.N = a, b" or "gid.N = a" line of
 * [tenants] into @cfg (config_tenants.c)
 * Return: 1, or 0 after inifile_fail().
 */
int config_tenant_key(struct inifile *f, struct sentry_config *cfg,
		      const char *key, const char *value);

/* config_tenants_print() - the [tenants] rules, as config_load() reads them */
void config_tenants_print(const struct sentry_config *cfg, FILE *f);

#endif /* SENTRY_CONFIG_INT_H */

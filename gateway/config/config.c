// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config.c - sentry.ini to struct sentry_config
 *
 * Theory of operation
 *
 * The settings are data: config_keys[] (config_keys.c) gives each one's
 * section, name, type, place in struct sentry_config and bounds. Here a
 * key is looked up in that table and its value checked by type; the
 * "expected ..." lists in messages are built from it too.
 *
 * common/inifile.c reads the lines, with the rules policies follow too
 * (comments, blanks, line length, sections, "key = value", the FILE:LINE
 * message); numbers go through common/num.c.
 *
 * Everything is parsed into a private copy; the caller's struct is written
 * only when the whole file was good.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config_int.h"
#include "lib/hostport.h"
#include "inifile.h"
#include "num.h"

#define SHOW_MAX	INIFILE_SHOW_MAX	/* a value quoted in a message */

struct parse {
	struct inifile ini;
	unsigned int seen[CONFIG_KEYS_MAX];	/* line of each key, 0: unset */
	unsigned int upstream_line[CONFIG_UPSTREAMS_MAX];
	struct sentry_config cfg;
};

#define fail(p, ...)	inifile_fail(&(p)->ini, __VA_ARGS__)
#define show(v, n, buf)	inifile_show(v, n, buf)

static void *field(struct parse *p, const struct config_key *k)
{
	return (char *)&p->cfg + k->off;
}

static bool printable(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

static int set_number(struct parse *p, const struct config_key *k,
			const char *v)
{
	unsigned int base = k->type == VAL_OCTAL ? 8 : 10;
	char sv[SHOW_MAX];
	uint64_t n;
	int ret = num_parse(v, base, k->min, k->max, &n);

	if (ret == -ERANGE && base == 8)
		return fail(p, "%s %s out of range (0..0%o)", k->name,
			    show(v, SIZE_MAX, sv), k->max);
	if (ret == -ERANGE)
		return fail(p, "%s %s out of range (%u..%u)", k->name,
			    show(v, SIZE_MAX, sv), k->min, k->max);
	if (ret)
		return fail(p, "expected %s for %s, got '%s'",
			    base == 8 ? "octal permission bits (e.g. 0660)" :
			    "a decimal number", k->name, show(v, SIZE_MAX, sv));
	*(uint32_t *)field(p, k) = (uint32_t)n;
	return 1;
}

static bool id_valid(const char *v)
{
	uint64_t n;
	size_t i;

	if (v[0] >= '0' && v[0] <= '9')	/* an id; (uid_t)-1 means "none" */
		return !num_parse(v, 10, 0, UINT32_MAX - 1, &n);
	if (!((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z') ||
	      v[0] == '_'))
		return false;
	for (i = 1; v[i]; i++) {
		char c = v[i];

		if (i >= CONFIG_NAME_MAX)
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
		    (c == '$' && !v[i + 1]))
			continue;
		return false;
	}
	return true;
}

static bool ifname_valid(const char *v)
{
	if (!strcmp(v, ".") || !strcmp(v, ".."))
		return false;
	/*
	 * The kernel refuses '/', ':' and blanks; '%' would ask it to pick a
	 * name; ';' would start a comment when `sentry check` prints the
	 * value back after "= " (found by fuzz_config).
	 */
	for (; *v; v++)
		if (*v <= ' ' || *v >= 0x7f || *v == '/' || *v == ':' ||
		    *v == '%' || *v == ';')
			return false;
	return true;
}

static bool nft_valid(const char *v)
{
	if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z')))
		return false;
	for (v++; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		      (*v >= '0' && *v <= '9') || *v == '_'))
			return false;
	return true;
}

static int set_string(struct parse *p, const struct config_key *k,
			const char *v)
{
	size_t n = strlen(v);
	char sv[SHOW_MAX];

	if (!n && !k->min)
		goto ok;
	if (!n)
		return fail(p, "expected a value for %s", k->name);
	if (!printable(v))
		return fail(p, "control character in the value of %s", k->name);
	if (n >= k->size)
		return fail(p, "%s too long (at most %zu characters)", k->name,
			    k->size - 1);
	switch (k->type) {
	case VAL_LOG:
		if (!strcmp(v, "stderr"))
			break;
		/* fall through */
	case VAL_PATH:
		if (v[0] != '/')
			return fail(p, "expected an absolute path for %s%s, "
				    "got '%s'", k->name, k->type == VAL_LOG ?
				    " (or stderr)" : "", show(v, n, sv));
		break;
	case VAL_ID:
		if (!id_valid(v))
			return fail(p, "expected a %s name or number for %s, "
				    "got '%s'", strcmp(k->name, "user") ?
				    "group" : "user", k->name, show(v, n, sv));
		break;
	case VAL_POLICY:
		if (!policy_name_valid(v))
			return fail(p, "bad policy name '%s' for %s (1 to %d "
				    "letters, digits, '_', '.' or '-', starting "
				    "with a letter or digit)", show(v, n, sv),
				    k->name, POLICY_NAME_MAX);
		break;
	case VAL_LISTEN: {
		struct ipaddr a;
		uint16_t port;

		if (hostport_parse(v, &a, &port))
			return fail(p, "expected ADDR:PORT or [ADDR6]:PORT for %s, "
				    "got '%s'", k->name, show(v, n, sv));
		break;
	}
	case VAL_IFNAME:
		if (!ifname_valid(v))
			return fail(p, "bad interface name '%s' (no blanks, "
				    "'/', ':', '%%' or ';')", show(v, n, sv));
		break;
	default:
		if (!nft_valid(v))
			return fail(p, "bad nftables table name '%s' (a letter, "
				    "then letters, digits or '_')",
				    show(v, n, sv));
		break;
	}
ok:
	memset(field(p, k), 0, k->size);	/* no tail of the default left */
	memcpy(field(p, k), v, n);
	return 1;
}

static void word_list(const struct config_word *w, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; w[i].text && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 !i ? "" : w[i + 1].text ? ", " : " or ",
					 w[i].text);
}

static int set_word(struct parse *p, const struct config_key *k,
			const char *v)
{
	char list[128], sv[SHOW_MAX];

	if (k->type == VAL_BOOL) {
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return fail(p, "expected yes or no for %s, got '%s'",
				    k->name, show(v, SIZE_MAX, sv));
		*(bool *)field(p, k) = !strcmp(v, "yes");
		return 1;
	}
	for (const struct config_word *w = k->words; w->text; w++) {
		if (!strcmp(v, w->text)) {
			*(uint8_t *)field(p, k) = w->value;
			return 1;
		}
	}
	word_list(k->words, list, sizeof(list));
	return fail(p, "expected %s for %s in [%s], got '%s'", list, k->name,
		    config_section_names[k->section], show(v, SIZE_MAX, sv));
}

static int add_upstream(struct parse *p, const char *v)
{
	struct sentry_config *cfg = &p->cfg;
	struct config_upstream u;
	char sv[SHOW_MAX];
	uint32_t i;
	int ret;

	ret = config_parse_upstream(v, &u);
	if (ret == -ERANGE)
		return fail(p, "upstream port out of range (1..65535) in '%s'",
			    show(v, SIZE_MAX, sv));
	if (ret)
		return fail(p, "expected ADDRESS, ADDRESS:PORT or [IPV6]:PORT "
			    "for upstream (no zone id), got '%s'",
			    show(v, SIZE_MAX, sv));
	if (!config_upstream_usable(&u))
		return fail(p, "upstream '%s' is an unspecified or multicast "
			    "address", show(v, SIZE_MAX, sv));
	for (i = 0; i < cfg->nupstreams; i++)
		if (config_upstream_equal(&cfg->upstream[i], &u))
			return fail(p, "upstream '%s' given twice (first on "
				    "line %u)", show(v, SIZE_MAX, sv),
				    p->upstream_line[i]);
	if (cfg->nupstreams == CONFIG_UPSTREAMS_MAX)
		return fail(p, "more than %d upstreams", CONFIG_UPSTREAMS_MAX);
	p->upstream_line[cfg->nupstreams] = p->ini.lineno;
	cfg->upstream[cfg->nupstreams++] = u;
	return 1;
}

static int set_pool(struct parse *p, const struct config_key *k,
			const char *v)
{
	struct config_pool *pool = field(p, k);
	uint8_t family = k->type == VAL_POOL4 ? ADDR_FAMILY_V4 : ADDR_FAMILY_V6;
	char sv[SHOW_MAX], want[ADDR_TEXT_MAX];
	struct ipaddr net;
	enum addr_class c;
	uint8_t plen;
	int ret;

	if (!strcmp(v, "none")) {
		memset(pool, 0, sizeof(*pool));
		return 1;
	}
	ret = addr_parse_prefix(v, true, &net, &plen);
	if (ret == -EADDRNOTAVAIL) {
		addr_parse_prefix(v, false, &net, &plen);
		return fail(p, "%s '%s' has host bits set (did you mean %s/%u?)",
			    k->name, show(v, SIZE_MAX, sv),
			    addr_format(&net, want), plen);
	}
	if (ret || net.family != family || !strchr(v, '/'))
		return fail(p, "expected an IPv%d prefix (e.g. %s) or none for "
			    "%s, got '%s'", family, family == ADDR_FAMILY_V4 ?
			    "100.127.0.0/16" : "fd5e:5e:5e::/64", k->name,
			    show(v, SIZE_MAX, sv));
	if (plen < k->min || plen > k->max)
		return fail(p, "%s prefix length /%u out of range (/%u../%u)",
			    k->name, plen, k->min, k->max);
	c = addr_classify(&net);
	if (c == ADDR_UNSPECIFIED || c == ADDR_LOOPBACK ||
	    c == ADDR_MULTICAST || c == ADDR_LINK_LOCAL)
		return fail(p, "%s '%s' is a %s range, which cannot be a source "
			    "address", k->name, show(v, SIZE_MAX, sv),
			    addr_class_name(c));
	pool->enabled = true;
	pool->net = net;
	pool->plen = plen;
	return 1;
}

static void key_list(int s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < config_nkeys && used < len; i++)
		if (config_keys[i].section == s)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? ", " : "", config_keys[i].name);
}

static int on_key(struct inifile *f, int s, const char *name,
		  const char *value)
{
	struct parse *p = f->user;
	char sv[SHOW_MAX], list[512];
	const struct config_key *k = NULL;
	size_t i;

	if (s == SEC_TENANTS)	/* keys name users and groups: no table */
		return config_tenant_key(f, &p->cfg, name, value);
	for (i = 0; i < config_nkeys; i++) {
		if (config_keys[i].section == s && !strcmp(config_keys[i].name, name)) {
			k = &config_keys[i];
			break;
		}
	}
	if (!k) {
		key_list(s, list, sizeof(list));
		return fail(p, "unknown key '%s' in [%s] (expected %s)",
			    show(name, SIZE_MAX, sv), config_section_names[s],
			    list);
	}
	if (k->type == VAL_UPSTREAM)
		return add_upstream(p, value);
	if (!inifile_once(f, &p->seen[i], config_section_names[s], name))
		return 0;
	switch (k->type) {
	case VAL_UINT:
	case VAL_OCTAL:
		return set_number(p, k, value);
	case VAL_WORD:
	case VAL_BOOL:
		return set_word(p, k, value);
	case VAL_POOL4:
	case VAL_POOL6:
		return set_pool(p, k, value);
	default:
		return set_string(p, k, value);
	}
}

static unsigned int key_line(const struct parse *p, int s, const char *name)
{
	for (size_t i = 0; i < config_nkeys; i++)
		if (config_keys[i].section == s && !strcmp(config_keys[i].name, name))
			return p->seen[i];
	return 0;
}

/* finish() - checks that span keys, blamed on the later line */
static void finish(struct parse *p)
{
	unsigned int l4, l6;

	if (p->cfg.pool4.enabled || p->cfg.pool6.enabled)
		return;
	l4 = key_line(p, SEC_EGRESS, "pool4");
	l6 = key_line(p, SEC_EGRESS, "pool6");
	inifile_fail_at(&p->ini, l4 > l6 ? l4 : l6, "pool4 and pool6 are both "
			"none: egress needs at least one");
}

int config_load_text(const char *text, size_t len, const char *filename,
		     struct sentry_config *cfg, char *err, size_t errlen)
{
	struct parse *p = calloc(1, sizeof(*p));
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!p)
		return -ENOMEM;
	p->ini = (struct inifile){
		.text = text, .len = len, .file = filename ? filename : "-",
		.sections = config_section_names, .key = on_key, .user = p,
		.err = err, .errlen = errlen,
	};
	config_defaults(&p->cfg);
	rc = inifile_parse(&p->ini);
	if (!rc) {
		finish(p);
		rc = p->ini.err_line ? -EINVAL : 0;
	}
	if (!rc)
		memcpy(cfg, &p->cfg, sizeof(*cfg));	/* padding too */
	free(p);
	return rc;
}

int config_read_file(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	struct stat st;
	size_t n;
	int ret;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st)) {
		ret = -errno;
		goto out;
	}
	ret = S_ISDIR(st.st_mode) ? -EISDIR : !S_ISREG(st.st_mode) ? -EINVAL :
	      (uint64_t)st.st_size > max ? -EFBIG : 0;
	if (ret)
		goto out;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	n = fread(buf, 1, (size_t)st.st_size + 1, f);
	if (ferror(f) || n > (size_t)st.st_size) {
		ret = ferror(f) ? -EIO : -EFBIG;	/* grew while read */
		free(buf);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
out:
	fclose(f);
	return ret;
}

int config_load(const char *path, struct sentry_config *cfg, char *err,
		size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = config_read_file(path, CONFIG_FILE_MAX, &text, &len);
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, ret == -EFBIG ?
				 "file too large (at most 1 MiB)" :
				 ret == -EINVAL ? "not a regular file" :
				 strerror(-ret));
		return ret;
	}
	ret = config_load_text(text, len, path, cfg, err, errlen);
	free(text);
	return ret;
}


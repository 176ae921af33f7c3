// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config_resolv.c - upstream resolvers: "ADDR:PORT" values and resolv.conf
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "num.h"

int config_parse_upstream(const char *v, struct config_upstream *u)
{
	char buf[ADDR_TEXT_MAX];
	const char *addr = v, *port = NULL;
	size_t alen = strlen(v);
	uint64_t n = CONFIG_DNS_PORT;

	memset(u, 0, sizeof(*u));	/* padding too: configs compare with memcmp */
	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		addr = v + 1;
		alen = (size_t)(close - addr);
		port = close[1] ? close + 2 : NULL;
	} else if (strchr(v, ':') == strrchr(v, ':') && strchr(v, ':')) {
		port = strchr(v, ':') + 1;	/* one colon: IPv4:PORT */
		alen = (size_t)(port - 1 - v);
	}
	if (alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, addr, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, &u->addr) ||
	    (v[0] == '[' && u->addr.family != ADDR_FAMILY_V6))
		return -EINVAL;
	if (port) {
		int ret = num_parse(port, 10, 1, 65535, &n);

		if (ret)
			return ret;
	}
	u->port = (uint16_t)n;
	return 0;
}

bool config_upstream_usable(const struct config_upstream *u)
{
	enum addr_class c = addr_classify(&u->addr);

	return c != ADDR_UNSPECIFIED && c != ADDR_MULTICAST;
}

bool config_upstream_equal(const struct config_upstream *a,
			   const struct config_upstream *b)
{
	return addr_equal(&a->addr, &b->addr) && a->port == b->port;
}

char *config_upstream_format(const struct config_upstream *u, char *buf,
			     size_t len)
{
	char a[ADDR_TEXT_MAX];

	addr_format(&u->addr, a);
	snprintf(buf, len, u->addr.family == ADDR_FAMILY_V6 ? "[%s]:%u" :
		 "%s:%u", a, u->port);
	return buf;
}

/* resolv_line() - the address of a "nameserver ADDR" line, or -EINVAL */
static int resolv_line(char *line, struct config_upstream *u)
{
	char *save = NULL, *kw, *addr;

	memset(u, 0, sizeof(*u));
	kw = strtok_r(line, " \t\r\n", &save);
	if (!kw || strcmp(kw, "nameserver"))
		return -EINVAL;
	addr = strtok_r(NULL, " \t\r\n", &save);
	/* a zone id ties the address to an interface of another namespace */
	if (!addr || strchr(addr, '%') || addr_parse(addr, &u->addr))
		return -EINVAL;
	u->port = CONFIG_DNS_PORT;
	return config_upstream_usable(u) ? 0 : -EINVAL;
}

int config_resolv_upstreams(struct sentry_config *cfg, char *err,
			    size_t errlen)
{
	char *text, *line, *save = NULL;
	struct config_upstream u;
	uint32_t n = 0, i;
	size_t len;
	int ret;

	if (cfg->nupstreams)
		return 0;
	ret = config_read_file(cfg->resolv_conf, CONFIG_FILE_MAX, &text, &len);
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", cfg->resolv_conf,
				 ret == -EFBIG ? "file too large" : ret == -EINVAL ?
				 "not a regular file" : strerror(-ret));
		return ret;
	}
	/* a NUL ends the text early: what follows it is not read at all */
	for (line = strtok_r(text, "\n", &save);
	     line && n < CONFIG_UPSTREAMS_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		if (resolv_line(line, &u))
			continue;
		for (i = 0; i < n; i++)
			if (config_upstream_equal(&cfg->upstream[i], &u))
				break;
		if (i == n)
			cfg->upstream[n++] = u;
	}
	free(text);
	if (!n) {
		if (err && errlen)
			snprintf(err, errlen, "%s: no usable nameserver line "
				 "(or set upstream = in [dns])",
				 cfg->resolv_conf);
		return -EDESTADDRREQ;
	}
	cfg->nupstreams = n;
	cfg->upstreams_from_resolv = true;
	return 0;
}

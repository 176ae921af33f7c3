// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config_keys.c - every setting of sentry.ini: the table, the defaults,
 * and the file printed back
 *
 * config_keys[] is the one list of settings. The parser (config.c) looks
 * keys up in it, its messages list a section's keys from it, and
 * config_print() walks it, so a setting added here is parsed, named in
 * errors and printed without further code. Its order is the print order.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config_int.h"
#include "engine.h"
#include "log.h"
#include "share.h"

const char *const config_section_names[SEC_N + 1] = {
	[SEC_DAEMON] = "daemon", [SEC_DNS] = "dns", [SEC_EGRESS] = "egress",
	[SEC_TABLES] = "tables", [SEC_TIMEOUTS] = "timeouts",
	[SEC_REJECT] = "reject", [SEC_HELPER] = "helper",
	[SEC_NFQUEUE] = "nfqueue", [SEC_METRICS] = "metrics", [SEC_TENANTS] = "tenants",
	[SEC_N] = NULL,
};

static const struct config_word mode_words[] = {
	{ "enforce", CONFIG_MODE_ENFORCE }, { "audit", CONFIG_MODE_AUDIT },
	{ NULL, 0 },
};
static const struct config_word level_words[] = {
	{ "error", LOG_LVL_ERR }, { "warning", LOG_LVL_WARN },
	{ "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG }, { NULL, 0 },
};
static const struct config_word tcp_words[] = {
	{ "rst", CONFIG_REJECT_RST }, { "icmp", CONFIG_REJECT_ICMP },
	{ "drop", CONFIG_REJECT_DROP }, { NULL, 0 },
};
static const struct config_word publish_words[] = {
	{ "allow", 0 }, { "deny", 1 }, { NULL, 0 },
};
static const struct config_word icmp_words[] = {
	{ "icmp", CONFIG_REJECT_ICMP }, { "drop", CONFIG_REJECT_DROP },
	{ NULL, 0 },
};

#define OFF(field)	offsetof(struct sentry_config, field)
#define SIZE(field)	sizeof(((struct sentry_config *)0)->field)
#define NUM(s, n, f, lo, hi)	{ s, VAL_UINT, n, OFF(f), 0, lo, hi, NULL }
#define STR(s, t, n, f, req)	{ s, t, n, OFF(f), SIZE(f), req, 0, NULL }
#define WORD(s, n, f, w)	{ s, VAL_WORD, n, OFF(f), 0, 0, 0, w }
#define TSEC(n, f)		NUM(SEC_TIMEOUTS, n, timeouts.f, 1, 604800)

/* In print order; messages list a section's keys in this order too. */
const struct config_key config_keys[] = {
	STR(SEC_DAEMON, VAL_PATH, "control_socket", control_socket, 1),
	{ SEC_DAEMON, VAL_OCTAL, "control_mode", OFF(control_mode), 0, 0, 0777, NULL },
	STR(SEC_DAEMON, VAL_ID, "control_group", control_group, 0),
	STR(SEC_DAEMON, VAL_PATH, "policy_store", policy_store, 1),
	STR(SEC_DAEMON, VAL_LOG, "decision_log", decision_log, 1),
	WORD(SEC_DAEMON, "mode", mode, mode_words),
	STR(SEC_DAEMON, VAL_POLICY, "default_policy", default_policy, 0),
	STR(SEC_DAEMON, VAL_ID, "user", user, 1),
	WORD(SEC_DAEMON, "log_level", log_level, level_words),
	NUM(SEC_DAEMON, "log_refusals", log_refusals, 0, 1000000),
	NUM(SEC_DAEMON, "workers", workers, 0, CONFIG_QUEUES_MAX),

	{ SEC_DNS, VAL_UPSTREAM, "upstream", 0, 0, 0, 0, NULL },
	STR(SEC_DNS, VAL_PATH, "resolv_conf", resolv_conf, 1),
	NUM(SEC_DNS, "timeout_ms", dns_timeout_ms, 10, 60000),
	NUM(SEC_DNS, "rate", dns_rate, 0, 1000000),
	NUM(SEC_DNS, "burst", dns_burst, 1, 1000000),
	NUM(SEC_DNS, "tcp_port", dns_tcp_port, 1, 65535),
	NUM(SEC_DNS, "upstream_sockets", upstream_sockets, 1, 1024),

	STR(SEC_EGRESS, VAL_IFNAME, "interface", interface, 1),
	{ SEC_EGRESS, VAL_POOL4, "pool4", OFF(pool4), 0, 8, 30, NULL },
	{ SEC_EGRESS, VAL_POOL6, "pool6", OFF(pool6), 0, 48, 120, NULL },
	NUM(SEC_EGRESS, "mtu", mtu, 1280, 65535),
	NUM(SEC_EGRESS, "txqueuelen", txqueuelen, 1, 1000000),
	STR(SEC_EGRESS, VAL_NFT, "nft_table", nft_table, 1),
	NUM(SEC_EGRESS, "queues", queues, 1, CONFIG_QUEUES_MAX),
	{ SEC_EGRESS, VAL_BOOL, "offload", OFF(offload), 0, 0, 0, NULL },

	NUM(SEC_TABLES, "flows", flows, 1, CONFIG_TABLE_MAX),
	NUM(SEC_TABLES, "learnt", learnt, 1, CONFIG_TABLE_MAX),
	NUM(SEC_TABLES, "names", names, 1, CONFIG_TABLE_MAX),
	NUM(SEC_TABLES, "per_name", per_name, 0, CONFIG_TABLE_MAX),
	NUM(SEC_TABLES, "per_address", per_address, 0, CONFIG_TABLE_MAX),
	NUM(SEC_TABLES, "fragments", fragments, 1, CONFIG_TABLE_MAX),
	NUM(SEC_TABLES, "pending_dns", pending_dns, 1, CONFIG_TABLE_MAX),
	NUM(SEC_TABLES, "bottles", bottles, 1, 65536),

	TSEC("tcp_new", tcp_new),
	TSEC("tcp_established", tcp_established),
	TSEC("tcp_closing", tcp_closing),
	TSEC("tcp_closed", tcp_closed),
	TSEC("udp_new", udp_new),
	TSEC("udp_established", udp_established),
	TSEC("icmp", icmp),
	TSEC("other", other),
	NUM(SEC_TIMEOUTS, "fragments", frag_timeout, 1, 120),

	WORD(SEC_REJECT, "tcp", reject_tcp, tcp_words),
	WORD(SEC_REJECT, "udp", reject_udp, icmp_words),
	WORD(SEC_REJECT, "other", reject_other, icmp_words),

	{ SEC_HELPER, VAL_BOOL, "standalone", OFF(standalone), 0, 0, 0, NULL },
	STR(SEC_HELPER, VAL_PATH, "egress_netns", egress_netns, 0),
	WORD(SEC_HELPER, "publish", publish_deny, publish_words),
	NUM(SEC_HELPER, "publish_conns", publish_conns, 1, 4096),

	NUM(SEC_NFQUEUE, "queue_maxlen", nfq_queue_maxlen, 16, 1000000),

	STR(SEC_METRICS, VAL_LISTEN, "listen", metrics_listen, 0),
	STR(SEC_METRICS, VAL_PATH, "textfile", metrics_textfile, 0),
};

const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);

static_assert(sizeof(config_keys) / sizeof(config_keys[0]) <= CONFIG_KEYS_MAX,
	      "struct parse (config.c) keeps a line number per key");

void config_defaults(struct sentry_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s", "/run/sentry/control.sock");
	cfg->control_mode = 0600;
	snprintf(cfg->policy_store, sizeof(cfg->policy_store), "%s", "/var/lib/sentry/policies");
	snprintf(cfg->decision_log, sizeof(cfg->decision_log), "%s", "stderr");
	cfg->mode = CONFIG_MODE_ENFORCE;
	snprintf(cfg->user, sizeof(cfg->user), "%s", "nobody");
	cfg->log_level = LOG_LVL_INFO;
	cfg->log_refusals = 20;

	snprintf(cfg->resolv_conf, sizeof(cfg->resolv_conf), "%s", "/etc/resolv.conf");
	cfg->dns_timeout_ms = 2000;
	cfg->dns_rate = 100;
	cfg->dns_burst = 200;
	cfg->dns_tcp_port = 5353;
	cfg->upstream_sockets = 16;

	snprintf(cfg->interface, sizeof(cfg->interface), "%s", "sentry0");
	cfg->pool4.enabled = true;
	addr_parse("100.127.0.0", &cfg->pool4.net);
	cfg->pool4.plen = 16;
	cfg->pool6.enabled = true;
	addr_parse("fd5e:5e:5e::", &cfg->pool6.net);
	cfg->pool6.plen = 64;
	cfg->mtu = 65520;
	cfg->txqueuelen = 10000;
	cfg->nfq_queue_maxlen = 4096;
	snprintf(cfg->nft_table, sizeof(cfg->nft_table), "%s", "sentry");
	cfg->queues = 1;
	cfg->offload = true;

	cfg->flows = 65536;
	cfg->learnt = 65536;
	cfg->names = 16384;
	cfg->per_name = 32;
	cfg->per_address = 64;
	cfg->fragments = 1024;
	cfg->pending_dns = 4096;
	cfg->bottles = 256;

	flow_timeouts_default(&cfg->timeouts);
	cfg->frag_timeout = 30;

	cfg->reject_tcp = CONFIG_REJECT_RST;
	cfg->publish_conns = CONFIG_PUBLISH_CONNS_DEFAULT;
	cfg->reject_udp = CONFIG_REJECT_ICMP;
	cfg->reject_other = CONFIG_REJECT_ICMP;
}

static void print_upstreams(const struct sentry_config *cfg, FILE *f)
{
	char buf[ADDR_TEXT_MAX + 8];

	if (!cfg->nupstreams)
		fprintf(f, "; upstream: none given, the nameservers of "
			"resolv_conf are used\n");
	for (uint32_t i = 0; i < cfg->nupstreams; i++)
		fprintf(f, "%supstream = %s\n",
			cfg->upstreams_from_resolv ? "; from resolv_conf: " : "",
			config_upstream_format(&cfg->upstream[i], buf,
					       sizeof(buf)));
}

static void print_key(const struct sentry_config *cfg,
		      const struct config_key *k, FILE *f)
{
	const void *v = (const char *)cfg + k->off;
	const struct config_pool *pool = v;
	char a[ADDR_TEXT_MAX];

	switch (k->type) {
	case VAL_UPSTREAM:
		print_upstreams(cfg, f);
		return;
	case VAL_UINT:
		fprintf(f, "%s = %u\n", k->name, *(const uint32_t *)v);
		return;
	case VAL_OCTAL:
		fprintf(f, "%s = 0%03o\n", k->name, *(const uint32_t *)v);
		return;
	case VAL_BOOL:
		fprintf(f, "%s = %s\n", k->name, *(const bool *)v ? "yes" : "no");
		return;
	case VAL_WORD:
		for (const struct config_word *w = k->words; w->text; w++)
			if (w->value == *(const uint8_t *)v)
				fprintf(f, "%s = %s\n", k->name, w->text);
		return;
	case VAL_POOL4:
	case VAL_POOL6:
		if (!pool->enabled)
			fprintf(f, "%s = none\n", k->name);
		else
			fprintf(f, "%s = %s/%u\n", k->name,
				addr_format(&pool->net, a), pool->plen);
		return;
	default:
		if (*(const char *)v)
			fprintf(f, "%s = %s\n", k->name, (const char *)v);
		else
			fprintf(f, "%s =\n", k->name);
		return;
	}
}

int config_print(const struct sentry_config *cfg, FILE *f)
{
	for (int s = 0; s < SEC_N; s++) {
		fprintf(f, "%s[%s]\n", s ? "\n" : "", config_section_names[s]);
		for (size_t i = 0; i < config_nkeys; i++)
			if (config_keys[i].section == s)
				print_key(cfg, &config_keys[i], f);
		if (s == SEC_TENANTS)
			config_tenants_print(cfg, f);
	}
	return ferror(f) ? -EIO : 0;
}

uint32_t config_share_slots(const struct sentry_config *cfg)
{
	uint32_t n = cfg->bottles + CONFIG_GUARD_SLOTS;

	/* past the most a table keeps, slots fold (share.h): fairness lost, no more */
	return n < SHARE_OWNERS_MAX ? n : SHARE_OWNERS_MAX;
}

void config_engine(const struct sentry_config *cfg, struct engine_config *ec)
{
	memset(ec, 0, sizeof(*ec));
	ec->flow_capacity = cfg->flows;
	ec->owners = config_share_slots(cfg);
	ec->timeouts = cfg->timeouts;
	ec->learn.max_bindings = cfg->learnt;
	ec->learn.max_names = cfg->names;
	ec->learn.per_name_max = cfg->per_name;
	ec->learn.per_addr_max = cfg->per_address;
	ec->frag_capacity = cfg->fragments;
	ec->frag_timeout = cfg->frag_timeout;
	ec->dns_rate = cfg->dns_rate;
	ec->dns_burst = cfg->dns_burst;
	ec->audit = cfg->mode == CONFIG_MODE_AUDIT;
	ec->log_refusals_per_s = cfg->log_refusals;
	if (cfg->pool4.enabled)
		ec->pools[0] = (struct engine_pool){ cfg->pool4.net, cfg->pool4.plen };
	if (cfg->pool6.enabled)
		ec->pools[1] = (struct engine_pool){ cfg->pool6.net, cfg->pool6.plen };
}


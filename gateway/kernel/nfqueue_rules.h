/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfqueue_rules.h - a guarded bottle's nftables table (nfqueue_rules.c
 * explains the ruleset)
 */
#ifndef SENTRY_KERNEL_NFQUEUE_RULES_H
#define SENTRY_KERNEL_NFQUEUE_RULES_H

#include <stddef.h>
#include <stdint.h>

#define NFQR_TABLE_MAX		80	/* the prefix and a bottle name */
#define NFQR_TABLE_PREFIX	"sentry_g_"
/* packet and conntrack marks sentry sets: the top byte says "sentry's" */
#define NFQR_MARK_BASE		0x5e000000u
#define NFQR_MARK(gen)		(NFQR_MARK_BASE | ((gen) & 0x00ffffffu))

enum nfqr_method {
	NFQR_NONE = 0,
	NFQR_NATIVE,	/* the nftables queue expression (CONFIG_NFT_QUEUE) */
	NFQR_COMPAT,	/* the xtables NFQUEUE target through nft_compat */
};

struct nfqr_spec {
	char table[NFQR_TABLE_MAX];
	char ifname[16];	/* the bottle's interface on the forward path */
	uint8_t addr4[4];	/* the bottle's address: nothing else leaves */
	uint8_t dns4[4];	/* dnstcp.c's listener: TCP DNS is redirected there */
	uint16_t dns_port;	/* its port; 0: none, TCP DNS is dropped */
	uint16_t queue;
	uint32_t mark;		/* the allow mark of the current generation */
	enum nfqr_method method;
};

/* nfqr_method_name() - words for @m, for the log and `sentry check` */
const char *nfqr_method_name(enum nfqr_method m);

/*
 * nfqr_detect() - which way this kernel can queue packets (probed in a
 * scratch table with no hook). Return: 0 with @m set, or -errno with @err.
 */
int nfqr_detect(enum nfqr_method *m, char *err, size_t len);

/*
 * nfqr_install() - (re)place the table of @s
 * Return: 0 or -errno with @err; on failure a table may stay behind,
 * dropping the bottle's traffic (fail closed): nfqr_remove() lifts it.
 */
int nfqr_install(const struct nfqr_spec *s, char *err, size_t len);

/* nfqr_set_mark() - make @mark the one allow mark of @table. Return: 0 or -errno */
int nfqr_set_mark(const char *table, uint32_t mark, char *err, size_t len);

/* nfqr_remove() - delete @table if it exists. Return: 0 or -errno */
int nfqr_remove(const char *table, char *err, size_t len);

#endif /* SENTRY_KERNEL_NFQUEUE_RULES_H */

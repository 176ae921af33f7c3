/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfqueue_rules.h - a guarded bottle's nftables table (nfqueue_rules.c
 * explains the ruleset)
 */
#ifndef SENTRY_KERNEL_NFQUEUE_RULES_H
#define SENTRY_KERNEL_NFQUEUE_RULES_H

#include <stdbool.h>
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

/*
 * struct nfqr_spec - one guarded bottle's tables ("ip" and "ip6" TABLE)
 * @ifname:	the interface its traffic crosses in this namespace: its own
 *		(the veth peer), or with @shared a bridge other hosts use too
 * @shared:	match the bottle by its addresses only (a bridge); without
 *		it the interface is the bottle's alone, and every packet on it
 *		that is not the bottle's own address is dropped, in both
 *		families (a family without an address has no traffic at all)
 * @port:	with @shared, the bottle's port of the bridge: a "bridge"
 *		table drops what enters from it with another source address,
 *		so the bottle cannot step outside its match by changing address
 * @has4, @addr4, @has6, @addr6:	the bottle's addresses (one per family)
 * @has_dns4, @dns4, @has_dns6, @dns6, @dns_port:	dnstcp.c's listeners,
 *		where the bottle's TCP DNS is redirected; without, it is dropped
 */
struct nfqr_spec {
	char table[NFQR_TABLE_MAX];
	char ifname[16];
	bool shared;
	char port[16];
	bool has4, has6, has_dns4, has_dns6;
	uint8_t addr4[4], addr6[16];
	uint8_t dns4[4], dns6[16];
	uint16_t dns_port;
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

/*
 * nfqr_ruleset() - the nftables text of @s's table for family @v6 (without
 * the queue rule where @s->method is NFQR_COMPAT: nfqr_install() appends
 * it). Return: its length, 0 when @s needs no table of this family, or
 * -E2BIG / -EINVAL.
 */
int nfqr_ruleset(const struct nfqr_spec *s, bool v6, char *buf, size_t cap);

/*
 * nfqr_port_ruleset() - the "bridge" table text that pins @s->port to the
 * bottle's addresses. Return: its length, 0 without a port, or -E2BIG /
 * -EINVAL.
 */
int nfqr_port_ruleset(const struct nfqr_spec *s, char *buf, size_t cap);

/* nfqr_set_mark() - make @mark the one allow mark of @s's tables. Return: 0 or -errno */
int nfqr_set_mark(const struct nfqr_spec *s, uint32_t mark, char *err, size_t len);

/* nfqr_remove() - delete both families' @table if they exist. Return: 0 or -errno */
int nfqr_remove(const char *table, char *err, size_t len);

#endif /* SENTRY_KERNEL_NFQUEUE_RULES_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - the daemon's configuration file, sentry.ini
 *
 * The file is INI (libinih). Every key, its default and its bounds:
 *
 *   [daemon]
 *   control_socket = /run/sentry/control.sock  ; absolute, < 108 bytes
 *   control_mode = 0600               ; octal, 0000..0777
 *   control_group =                   ; group name or gid; empty: none
 *   policy_store = /var/lib/sentry/policies    ; absolute path
 *   decision_log = stderr             ; "stderr" or an absolute path
 *   mode = enforce                    ; enforce | audit
 *   default_policy =                  ; policy name; empty: none
 *   user = nobody                     ; user name or uid
 *   log_level = info                  ; error | warning | info | debug
 *   log_refusals = 20                 ; lines/s for refusals before
 *                                     ; policy, 0..1000000 (0: all)
 *   workers = 0                       ; packet threads, 0..16 (0: one per
 *                                     ; online CPU, at most 16)
 *   [dns]
 *   upstream = ADDR | ADDR:PORT | V6 | [V6] | [V6]:PORT
 *                                     ; repeatable, at most 8, port 53 if
 *                                     ; not given, no zone ids;
 *                                     ; none: nameservers of resolv_conf
 *   resolv_conf = /etc/resolv.conf    ; absolute path
 *   timeout_ms = 2000                 ; 10..60000
 *   rate = 100                        ; queries/s per bottle, 0..1000000
 *                                     ; (0: unlimited)
 *   burst = 200                       ; 1..1000000
 *   tcp_port = 5353                   ; 1..65535
 *   upstream_sockets = 16             ; 1..1024
 *   [egress]
 *   interface = sentry0               ; 1..15 bytes; no '/', ':', '%', blanks
 *   pool4 = 100.127.0.0/16            ; /8../30, or none; never
 *                                     ; loopback, link-local, multicast
 *   pool6 = fd5e:5e:5e::/64           ; /48../120, or none (not both none)
 *   mtu = 65520                       ; 1280..65535
 *   txqueuelen = 10000                ; 1..1000000
 *   nft_table = sentry                ; a letter, then letters, digits
 *                                     ; or '_'; at most 31
 *   queues = 1                        ; 1..16 (raised to the number
 *                                     ; of workers)
 *   offload = yes                     ; yes | no: vnet headers, checksum
 *                                     ; and segmentation offloads
 *   [tables]
 *   flows = 65536    learnt = 65536    names = 16384    fragments = 1024
 *   pending_dns = 4096                ; each 1..16777216
 *   per_name = 32                     ; 0..16777216 (0: no cap)
 *   per_address = 64                  ; 0..16777216 (0: no cap)
 *   bottles = 256                     ; 1..65536
 *   [timeouts]                        ; seconds, 1..604800
 *   tcp_new = 60  tcp_established = 7440  tcp_closing = 120  tcp_closed = 10
 *   udp_new = 30  udp_established = 180   icmp = 30          other = 60
 *   fragments = 30                    ; 1..120
 *   [reject]
 *   tcp = rst                         ; rst | icmp | drop
 *   udp = icmp                        ; icmp | drop
 *   other = icmp                      ; icmp | drop
 *   [helper]
 *   standalone = no                   ; yes | no
 *   egress_netns =                    ; absolute path; empty: none
 *   publish = allow                   ; allow | deny: may bottles publish
 *                                     ; ports (podman -p)? deny: their
 *                                     ; attach is refused
 *   publish_conns = 128               ; 1..4096: open connections per
 *                                     ; published mapping (the helper's
 *                                     ; relay refuses more, counted)
 *   [tenants]                         ; which policies a user may attach
 *   uid.N = POLICY[, POLICY...]       ; under (non-root peers): at most
 *   gid.N = POLICY[, POLICY...]       ; 16 rules of 8 policies, the
 *                                     ; first the default (config_tenants.c)
 *   [nfqueue]
 *   queue_maxlen = 4096               ; 16..1000000: packets a guarded
 *                                     ; bottle's queue holds (the kernel
 *                                     ; drops beyond, counted)
 *
 * Rules of the format: unknown sections and keys are errors; a key other
 * than upstream may appear once; a section may be opened more than once.
 * Values are whole: a number is decimal digits only (octal for
 * control_mode), with no sign, unit or blank. Paths are absolute, because
 * the daemon does not stay in the directory it was started from. A line
 * is at most 198 characters (libinih's buffer); a longer one is an error,
 * never split. Comments start with ';' or '#' at the start of a line, or
 * with " ;" after a value. Every error is "FILE:LINE: what was expected"
 * and stops the load; no partial configuration is ever returned.
 *
 * Nothing here touches the system beyond reading the file (and, for
 * config_resolv_upstreams(), resolv.conf): user and group names are checked
 * for syntax only, and paths are not opened. `sentry check` does the rest.
 *
 * Files: config.c parses, config_keys.c holds the table of keys (and
 * prints from it), config_resolv.c reads upstream addresses; config_int.h
 * is what they share.
 */
#ifndef SENTRY_CONFIG_H
#define SENTRY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "dns.h"
#include "flow.h"
#include "policy.h"

struct engine_config;

#define CONFIG_DEFAULT_PATH	"/etc/sentry/sentry.ini"
#define CONFIG_ERR_MAX		512	/* room for any message config_* writes */
#define CONFIG_PATH_MAX		160	/* a path value; printed with its key it fits a line */
#define CONFIG_SOCKET_MAX	107	/* sun_path, less its NUL */
#define CONFIG_NAME_MAX		32	/* user and group names */
#define CONFIG_PUBLISH_CONNS_DEFAULT 128	/* [helper] publish_conns */
#define CONFIG_IFNAME_MAX	15	/* IFNAMSIZ, less its NUL */
#define CONFIG_NFT_NAME_MAX	31	/* EGRESS_TABLE_MAX (netcfg.h), less its NUL */
#define CONFIG_UPSTREAMS_MAX	8
#define CONFIG_TABLE_MAX	(16u << 20)
#define CONFIG_QUEUES_MAX	16	/* TUN_QUEUES_MAX (netcfg.h) */
#define CONFIG_DNS_PORT		DNS_PORT

enum config_mode {
	CONFIG_MODE_ENFORCE = 0,
	CONFIG_MODE_AUDIT,	/* decide and log, forward denied traffic as would_deny */
};

/* How a denied flow is refused, per protocol */
enum config_reject {
	CONFIG_REJECT_DROP = 0,	/* silently */
	CONFIG_REJECT_RST,	/* TCP RST (TCP only) */
	CONFIG_REJECT_ICMP,	/* ICMP/ICMPv6 administratively prohibited */
};

struct config_upstream {
	struct ipaddr addr;	/* never unspecified or multicast */
	uint16_t port;		/* 1..65535, CONFIG_DNS_PORT unless given */
};

#define CONFIG_TENANTS_MAX	16	/* [tenants] rules */
#define CONFIG_GRANTS_MAX	8	/* policies in one rule */

enum config_tenant_kind { CONFIG_TENANT_UID = 1, CONFIG_TENANT_GID };

/* One [tenants] rule: "uid.1500 = web, npm" (policy[0] the default) */
struct config_tenant {
	uint32_t kind;		/* enum config_tenant_kind */
	uint32_t id;
	uint32_t npolicies;	/* 1..CONFIG_GRANTS_MAX */
	char policy[CONFIG_GRANTS_MAX][POLICY_NAME_MAX + 1];
};

struct config_pool {
	bool enabled;		/* false: "none" */
	struct ipaddr net;	/* host bits zero */
	uint8_t plen;
};

/*
 * struct sentry_config - the effective settings, defaults filled in
 *
 * A plain value: no pointers, safe to copy. Strings are NUL-terminated;
 * an empty string means "not set" where the key allows it. The functions
 * here leave padding and unused bytes zero, so memcmp() tells whether two
 * configurations are the same (a reload can see that nothing changed).
 */
struct sentry_config {
	/* [daemon] */
	char control_socket[CONFIG_SOCKET_MAX + 1];
	uint32_t control_mode;			/* permission bits, <= 0777 */
	char control_group[CONFIG_NAME_MAX + 1];	/* name or decimal gid; "": none */
	char policy_store[CONFIG_PATH_MAX + 1];
	char decision_log[CONFIG_PATH_MAX + 1];	/* an absolute path, or "stderr" */
	uint8_t mode;				/* enum config_mode */
	char default_policy[POLICY_NAME_MAX + 1];	/* "": none */
	char user[CONFIG_NAME_MAX + 1];		/* name or decimal uid */
	uint8_t log_level;			/* enum log_level (log.h) */
	uint32_t log_refusals;			/* engine_config.log_refusals_per_s */
	uint32_t workers;			/* 0: one per online CPU */

	/* [dns] */
	struct config_upstream upstream[CONFIG_UPSTREAMS_MAX];
	uint32_t nupstreams;			/* 0: ask config_resolv_upstreams() */
	bool upstreams_from_resolv;		/* upstream[] came from resolv_conf */
	char resolv_conf[CONFIG_PATH_MAX + 1];
	uint32_t dns_timeout_ms;
	uint32_t dns_rate;			/* 0: unlimited */
	uint32_t dns_burst;
	uint32_t dns_tcp_port;
	uint32_t upstream_sockets;

	/* [egress] */
	char interface[CONFIG_IFNAME_MAX + 1];
	struct config_pool pool4, pool6;	/* at least one enabled */
	uint32_t mtu;
	uint32_t txqueuelen;
	char nft_table[CONFIG_NFT_NAME_MAX + 1];
	uint32_t queues;
	bool offload;				/* IFF_VNET_HDR and TUNSETOFFLOAD */

	/* [nfqueue] */
	uint32_t nfq_queue_maxlen;		/* packets a guarded bottle's queue holds */

	/* [tables] */
	uint32_t flows;
	uint32_t learnt;			/* learnt bindings (address x name) */
	uint32_t names;
	uint32_t per_name;			/* addresses per name; 0: no cap */
	uint32_t per_address;			/* names per address; 0: no cap */
	uint32_t fragments;			/* datagrams being held */
	uint32_t pending_dns;			/* queries awaiting an upstream */
	uint32_t bottles;

	/* [timeouts] */
	struct flow_timeouts timeouts;		/* seconds */
	uint32_t frag_timeout;			/* seconds */

	/* [reject] */
	uint8_t reject_tcp;			/* enum config_reject */
	uint8_t reject_udp;			/* CONFIG_REJECT_ICMP or _DROP */
	uint8_t reject_other;			/* CONFIG_REJECT_ICMP or _DROP */

	/* [tenants] */
	struct config_tenant tenants[CONFIG_TENANTS_MAX];
	uint32_t ntenants;			/* 0: any policy for anyone */

	/* [helper] */
	bool standalone;
	char egress_netns[CONFIG_PATH_MAX + 1];	/* "": none */
	uint8_t publish_deny;			/* 1: attach with published ports refused */
	uint32_t publish_conns;			/* per mapping, read by the helper's relay */

	/* [metrics] */
	char metrics_listen[CONFIG_PATH_MAX + 1];	/* "ADDR:PORT" for GET /metrics; "": off */
	char metrics_textfile[CONFIG_PATH_MAX + 1];	/* the same text, rewritten; "": off */
};

/* config_defaults() - fill @cfg with the defaults listed above (no upstreams) */
void config_defaults(struct sentry_config *cfg);

/*
 * config_load() - read the configuration file at @path
 * @cfg:	on success, the defaults overlaid with the file's settings;
 *		untouched on failure
 * @err:	on failure, "PATH:LINE: what was expected" (or "PATH: reason"
 *		when the file cannot be read), NUL-terminated, cut to @errlen
 *		(CONFIG_ERR_MAX holds every message); may be NULL
 *
 * Return: 0; -EINVAL (a bad setting, with @err); -ENOENT, -EACCES, -EFBIG
 * (over 1 MiB), -EISDIR or another -errno when the file cannot be read.
 */
int config_load(const char *path, struct sentry_config *cfg, char *err,
		size_t errlen);

/*
 * config_load_text() - as config_load(), from @len bytes at @text
 * @filename:	names the text in messages ("-" if NULL)
 *
 * @text need not be NUL-terminated and may hold any bytes (fuzzing).
 * Return: 0, -EINVAL with @err, or -ENOMEM.
 */
int config_load_text(const char *text, size_t len, const char *filename,
		     struct sentry_config *cfg, char *err, size_t errlen);

/*
 * config_print() - write every effective setting of @cfg to @f, as a file
 * config_load() reads back to the same settings
 *
 * Upstreams taken from resolv_conf (upstreams_from_resolv) are written as
 * comments, so the file printed still means "read resolv_conf".
 * Return: 0, or -EIO if writing failed.
 */
int config_print(const struct sentry_config *cfg, FILE *f);

/*
 * config_engine() - the engine's configuration from @cfg
 * @ec:		every field set (none left from a previous value)
 */
void config_engine(const struct sentry_config *cfg, struct engine_config *ec);

/*
 * Share slots (common/share.h) past [tables] bottles: the bottles `sentry
 * guard` adds (nfq.c takes slot bottles + its guard index; it asserts
 * NFQ_GUARDS_MAX fits)
 */
#define CONFIG_GUARD_SLOTS	64

/* config_share_slots() - the share slots every table keeps: one per bottle */
uint32_t config_share_slots(const struct sentry_config *cfg);

/*
 * config_resolv_upstreams() - when @cfg names no upstream, take the
 * nameservers of @cfg->resolv_conf
 *
 * Reads "nameserver ADDR" lines, IPv4 and IPv6, port 53, in file order, at
 * most CONFIG_UPSTREAMS_MAX. Skipped: addresses with a zone id ("%eth0"),
 * unspecified and multicast addresses, duplicates, and lines that are not
 * an address. Sets upstreams_from_resolv.
 * @err:	on failure, "PATH: reason" (may be NULL)
 *
 * Return: 0 (also when @cfg already had upstreams: nothing is read);
 * -ENOENT, -EACCES, -EISDIR, -EFBIG or another -errno if the file cannot
 * be read; -EDESTADDRREQ if it names no usable nameserver (@cfg is then
 * unchanged).
 */
int config_resolv_upstreams(struct sentry_config *cfg, char *err,
			    size_t errlen);

/*
 * config_upstream_format() - "198.18.0.1:53" or "[2001:db8::1]:53" into
 * @buf (ADDR_TEXT_MAX + 8 bytes hold any); returns @buf
 */
char *config_upstream_format(const struct config_upstream *u, char *buf,
			     size_t len);

/*
 * config_tenant_policy() - the policy a non-administrator peer attaches
 * under, by the [tenants] rules of @cfg
 * @uid:	the peer's uid
 * @gids:	its primary and supplementary groups (@ngids of them)
 * @asked:	the policy it asked for, "" for none
 * @chosen:	on success, @asked, or the peer's default when @asked is
 *		"" ("" still when no [tenants] rule exists: default_policy
 *		applies then, as for root)
 * @err:	on refusal, why, naming the uid and what it is granted
 *
 * With no [tenants] rules every peer may use every policy (the behaviour
 * before tenants). Otherwise the rules naming @uid or one of @gids grant
 * the union of their policies; the default is the uid rule's first, else
 * that of the first matching gid rule in file order.
 * Return: 0, or -EPERM with @err.
 */
int config_tenant_policy(const struct sentry_config *cfg, uint32_t uid,
			 const uint32_t *gids, size_t ngids, const char *asked,
			 const char **chosen, char *err, size_t errlen);

#endif /* SENTRY_CONFIG_H */

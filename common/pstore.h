/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pstore.h - the policy store: LMDB, the single source of truth
 *
 * Caveats first:
 *   - One environment (a directory holding data.mdb and lock.mdb) holds
 *     many named policies. Writers are serialised by LMDB; readers never
 *     block and never see half a write.
 *   - Replacing a policy is one write transaction that deletes every record
 *     of the old policy and writes the new one. Readers see the old policy
 *     or the new one. pstore_put() of several policies writes them all in
 *     one transaction.
 *   - The generation of the store is LMDB's last committed transaction id.
 *     It changes on every commit; the daemon polls it (a read of the shared
 *     meta page, no system call) and recompiles the policies it uses.
 *   - Pointers LMDB returns are valid until their transaction ends; nothing
 *     here returns one. pstore_get() copies into a struct policy.
 *   - A directory without a sentry schema record is "foreign" and refused.
 *
 * Schema, version 1 (PSTORE_SCHEMA_VERSION). Integers are little-endian;
 * names are raw bytes with no terminator unless said.
 *
 *   named database "meta"
 *     "schema"          -> u32 version
 *     "magic"           -> "sentry-policy-store"
 *
 *   named database "policies"
 *     NAME              -> policy header, 24 bytes:
 *                          u8 default_action, u8 private_answers,
 *                          u8 dns_refusal, u8 name_check (policy.h: 0
 *                          enforce, 1 log, 2 off; a store written before
 *                          the key held 0 here, so it enforces),
 *                          u32 min_ttl, u32 max_ttl, u32 nrules,
 *                          u32 cidr_plens_v4 (bit n: a /n, n = 0..31),
 *                          u32 cidr_plens_v4_hi (bit 0: a /32; other bits 0)
 *                          (together: one u64 bitmap, bit n for /n; a u32
 *                          cannot hold the 33 lengths /0../32)
 *                          followed by 17 bytes: IPv6 prefix lengths present
 *                          (bitmap, bit n of byte n/8 for /n, n = 0..128)
 *
 *   named database "rules"
 *     NAME 0x00 u32be(i) -> rule i (big-endian index so rules sort in order):
 *                          u8 action, u8 kind, u8 plen, u8 nports,
 *                          u32 line, u8 family, 16 bytes net,
 *                          nports x (u8 proto, u16 lo, u16 hi),
 *                          u16 pattern_len, pattern bytes
 *
 *   named database "domains" (index for direct lookups)
 *     NAME 0x00 u8 kind PATTERN -> u32 rule indexes, ascending
 *
 *   named database "cidrs" (index for direct lookups)
 *     NAME 0x00 u8 family u8 plen NET(4|16) -> u32 rule indexes, ascending
 */
#ifndef SENTRY_PSTORE_H
#define SENTRY_PSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define PSTORE_SCHEMA_VERSION	1
#define PSTORE_MAGIC		"sentry-policy-store"
#define PSTORE_MAP_SIZE		(256UL << 20)	/* LMDB map size: address space, not memory */

struct pstore;

/*
 * pstore_open() - open the store in directory @dir
 * @create:	create @dir (and its missing parents, mode 0755, as mkdir -p)
 *		and an empty store if missing (writers); readers pass false
 *		and get -ENOENT for a missing store
 * @readonly:	open with MDB_RDONLY (the daemon)
 *
 * Return: 0, or -ENOENT (no store), -EACCES (unreadable), -EPROTO (a
 * directory that is not a sentry store, or a different schema version),
 * -EIO or another -errno from LMDB.
 */
int pstore_open(const char *dir, bool create, bool readonly,
		struct pstore **out);
void pstore_close(struct pstore *s);

/* pstore_strerror() - message for a pstore_* return code (-ENOENT: a policy) */
const char *pstore_strerror(int err);

/*
 * pstore_open_strerror() - message for a pstore_open() failure on @dir,
 * in @buf: for -ENOENT it says what is missing (the directory, or the
 * store in it) and the command that creates it.
 * Return: @buf.
 */
const char *pstore_open_strerror(const char *dir, int err, char *buf, size_t len);

/*
 * pstore_put() - replace (or add) @n policies in one write transaction
 * Return: 0 or -errno; on error the store is unchanged.
 */
int pstore_put(struct pstore *s, struct policy *const *pols, size_t n);

/**
 * pstore_sync() - make the store hold exactly @pols, in one write transaction
 * @s:		the store, opened for writing
 * @pols:	every policy the store is to hold (names distinct)
 * @write:	per policy: false when the stored copy is already the same
 *		(it is kept, not rewritten)
 * @n:		how many; 0 empties the store
 * @removed:	called with the name of each stored policy not in @pols,
 *		deleted in the same transaction (may be NULL)
 * @arg:	for @removed
 * @dry_run:	decide and report, then abort instead of committing
 *
 * Return: 0 or -errno; on error (or a dry run) the store is unchanged.
 */
int pstore_sync(struct pstore *s, struct policy *const *pols, const bool *write,
		size_t n, void (*removed)(const char *name, void *arg), void *arg,
		bool dry_run);

/* pstore_remove() - delete policy @name; -ENOENT if absent */
int pstore_remove(struct pstore *s, const char *name);

/*
 * pstore_get() - load policy @name into a new struct policy, index built
 * Return: 0, -ENOENT, -EPROTO (corrupt record) or -ENOMEM.
 */
int pstore_get(struct pstore *s, const char *name, struct policy **out);

/*
 * pstore_list() - call @fn with each policy name (NUL-terminated) in
 * order until it returns non-zero, which is returned. 0 or -errno otherwise.
 */
int pstore_list(struct pstore *s, int (*fn)(const char *name, void *arg),
		void *arg);

/* pstore_generation() - last committed transaction id (cheap; no syscall) */
uint64_t pstore_generation(struct pstore *s);

/*
 * Direct lookups: candidate rules read from LMDB in one read transaction,
 * without a compiled policy. They feed the same policy_decide() as the
 * compiled index. Used by `make bench` to compare the two and by tests to
 * cross-check them.
 *
 * @rules:	receives up to @max rules (copies)
 * Return: count found (<= @max), or -ENOENT (no such policy) or -errno.
 */
int pstore_direct_domain(struct pstore *s, const char *policy,
			 const char *name, size_t len, struct rule *rules,
			 size_t max);
int pstore_direct_cidr(struct pstore *s, const char *policy,
		       const struct ipaddr *a, struct rule *rules, size_t max);

#endif /* SENTRY_PSTORE_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * siphash.h - SipHash-2-4 (Aumasson and Bernstein), keyed 64-bit hash
 *
 * Hash tables indexed by packet fields use it with a secret from getrandom()
 * so that a bottle cannot choose addresses and ports that collide.
 */
#ifndef SENTRY_SIPHASH_H
#define SENTRY_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t k[2];
};

/* siphash() - SipHash-2-4 of @len bytes at @data under @key */
uint64_t siphash(const struct siphash_key *key, const void *data, size_t len);

/*
 * siphash_key_random() - fill @key from getrandom()
 * Return: 0 or -errno
 */
int siphash_key_random(struct siphash_key *key);

#endif /* SENTRY_SIPHASH_H */

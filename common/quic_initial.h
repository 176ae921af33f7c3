/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quic_initial.h - the CRYPTO frames of a client's QUIC Initial packets
 *
 * Theory of operation
 *
 * A QUIC client opens with Initial packets (RFC 9000 17.2.2) whose payload
 * is encrypted with keys anyone can derive from the packet's Destination
 * Connection ID (RFC 9001 5.2): the keys hide nothing from a middlebox,
 * they only stop tampering. quic_initial_scan() derives them (HKDF-SHA256),
 * removes header protection (AES-128-ECB over a sample of the ciphertext,
 * 5.4) and opens the payload (AES-128-GCM, 5.3), all with OpenSSL's
 * libcrypto, then walks the frames and hands each CRYPTO frame's bytes
 * and stream offset to a callback. The ClientHello in those bytes, once
 * whole, is tls_sni_hello()'s to read.
 *
 * Only version 1 is read. Packets after the first in a datagram
 * (coalesced, RFC 9000 12.2) are read while they are Initials of the same
 * connection ID; a later Initial with another connection ID is SCAN_BAD
 * (the server drops it too, so nothing legitimate is lost).
 *
 * Nothing here writes to the packet: the header's unmasked bytes are kept
 * on the stack and fed to the AEAD as associated data in pieces. The
 * plaintext goes to a caller's scratch buffer; the cipher contexts are
 * made once (quic_initial_new()), so nothing is allocated per packet by
 * this file (what libcrypto does inside a key set-up is its own).
 */
#ifndef SENTRY_QUIC_INITIAL_H
#define SENTRY_QUIC_INITIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name_scan.h"
#include "wire.h"

struct quic_initial;

/* quic_initial_new() - cipher contexts for one thread; NULL on failure */
struct quic_initial *quic_initial_new(void);
void quic_initial_free(struct quic_initial *q);

struct quic_keys {
	uint8_t key[QUIC_AEAD_KEY_LEN];
	uint8_t iv[QUIC_AEAD_IV_LEN];
	uint8_t hp[QUIC_HP_KEY_LEN];
};

/*
 * quic_initial_keys() - the Initial keys for @dcid (RFC 9001 5.2)
 * @server:	false for the client's keys (what the bottle sends)
 * Return: 0, or -EIO if libcrypto failed.
 */
int quic_initial_keys(const uint8_t *dcid, size_t dcid_len, bool server,
		      struct quic_keys *k);

/*
 * quic_crypto_fn - one CRYPTO frame's data at stream offset @off
 * Return: 0 to go on, non-zero to stop (the scan returns SCAN_BAD).
 */
typedef int (*quic_crypto_fn)(void *arg, uint64_t off, const uint8_t *data,
			      size_t len);

struct quic_scan {
	uint8_t dcid[QUIC_CID_MAX];	/* the first Initial's connection ID */
	uint8_t dcid_len;
	unsigned int crypto_frames;	/* CRYPTO frames handed to the callback */
};

/*
 * quic_initial_scan() - the client Initials at the start of datagram @buf
 * @plain, @cap:	scratch for one packet's plaintext
 * Return: SCAN_OTHER (not a version-1 long-header Initial: a short header,
 * another packet type or version), SCAN_BAD (malformed, a connection ID
 * over 20 bytes, a packet that does not open, a frame an Initial may not
 * carry, or @fn stopped it), or SCAN_MORE: read; @fn has had every CRYPTO
 * frame (maybe none) and @s says whose.
 */
enum scan_result quic_initial_scan(struct quic_initial *q, const uint8_t *buf,
				   size_t len, uint8_t *plain, size_t cap,
				   quic_crypto_fn fn, void *arg,
				   struct quic_scan *s);

#endif /* SENTRY_QUIC_INITIAL_H */

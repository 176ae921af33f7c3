/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hello.h - test builders for what a flow presents: a TLS ClientHello,
 * its record, and a sealed QUIC v1 client Initial (OpenSSL, RFC 9001 5)
 */
#ifndef SENTRY_TEST_HELLO_H
#define SENTRY_TEST_HELLO_H

#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "cursor.h"
#include "quic_initial.h"

/*
 * client_hello() - a ClientHello handshake message (header included)
 * @sni:	the host_name, or NULL for no server_name extension
 * @pad:	bytes of a padding extension (21) before server_name, to make
 *		it long as a post-quantum key share does
 */
static inline size_t client_hello(uint8_t *b, const char *sni, size_t pad)
{
	size_t n = 0, ext_at, hs_len;

	b[n++] = 1;			/* ClientHello */
	n += 3;				/* length, below */
	b[n++] = 3;
	b[n++] = 3;
	memset(b + n, 0xab, 32);	/* random */
	n += 32;
	b[n++] = 0;			/* session id */
	put_be16(b + n, 2);
	n += 2;
	put_be16(b + n, 0x1301);
	n += 2;
	b[n++] = 1;
	b[n++] = 0;			/* compression: null */
	ext_at = n;
	n += 2;
	if (pad) {
		put_be16(b + n, 21);
		put_be16(b + n + 2, (uint16_t)pad);
		memset(b + n + 4, 0, pad);
		n += 4 + pad;
	}
	if (sni) {
		size_t l = strlen(sni);

		put_be16(b + n, 0);
		put_be16(b + n + 2, (uint16_t)(l + 5));
		put_be16(b + n + 4, (uint16_t)(l + 3));
		b[n + 6] = 0;
		put_be16(b + n + 7, (uint16_t)l);
		memcpy(b + n + 9, sni, l);
		n += 9 + l;
	}
	/* supported_versions: TLS 1.3 */
	put_be16(b + n, 43);
	put_be16(b + n + 2, 3);
	b[n + 4] = 2;
	put_be16(b + n + 5, 0x0304);
	n += 7;
	put_be16(b + ext_at, (uint16_t)(n - ext_at - 2));
	hs_len = n - 4;
	b[1] = (uint8_t)(hs_len >> 16);
	put_be16(b + 2, (uint16_t)hs_len);
	return n;
}

/* tls_record() - @hello as one handshake record at @b */
static inline size_t tls_record(uint8_t *b, const uint8_t *hello, size_t n)
{
	b[0] = 22;
	b[1] = 3;
	b[2] = 1;
	put_be16(b + 3, (uint16_t)n);
	memmove(b + 5, hello, n);
	return n + 5;
}

/*
 * quic_seal() - a client Initial (v1, packet number @pn, 1-byte number)
 * to @dcid carrying one CRYPTO frame of @len bytes at stream offset @off,
 * padded to 1200 bytes, protected as RFC 9001 5 says. Returns its length.
 */
static inline size_t quic_seal(uint8_t *b, const uint8_t *dcid, uint8_t dlen,
			       uint8_t pn, uint64_t off, const uint8_t *data,
			       size_t len)
{
	uint8_t plain[1500], nonce[12], mask[16];
	struct quic_keys k;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t n = 0, pn_off, pl = 0, total = 1200, plen;
	int o = 0;

	quic_initial_keys(dcid, dlen, false, &k);
	/* frames: CRYPTO (varints of 4 and 2 bytes), then PADDING */
	plain[pl++] = 0x06;
	plain[pl++] = (uint8_t)(0x80 | (off >> 24));
	plain[pl++] = (uint8_t)(off >> 16);
	plain[pl++] = (uint8_t)(off >> 8);
	plain[pl++] = (uint8_t)off;
	plain[pl++] = (uint8_t)(0x40 | (len >> 8));
	plain[pl++] = (uint8_t)len;
	memcpy(plain + pl, data, len);
	pl += len;
	b[n++] = 0xc0;			/* long, fixed, Initial, pn length 1 */
	put_be32(b + n, 1);
	n += 4;
	b[n++] = dlen;
	memcpy(b + n, dcid, dlen);
	n += dlen;
	b[n++] = 0;			/* SCID */
	b[n++] = 0;			/* token */
	plen = total - n - 2;		/* Length: pn + payload + tag */
	put_be16(b + n, (uint16_t)(0x4000 | plen));
	n += 2;
	pn_off = n;
	b[n++] = pn;
	memset(plain + pl, 0, plen - 1 - 16 - pl);
	pl = plen - 1 - 16;
	memcpy(nonce, k.iv, 12);
	nonce[11] ^= pn;
	EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce);
	EVP_EncryptUpdate(c, NULL, &o, b, (int)n);
	EVP_EncryptUpdate(c, b + n, &o, plain, (int)pl);
	EVP_EncryptFinal_ex(c, b + n + pl, &o);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, b + n + pl);
	n += pl + 16;
	EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k.hp, NULL);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_EncryptUpdate(c, mask, &o, b + pn_off + 4, 16);
	b[0] ^= mask[0] & 0x0f;
	b[pn_off] ^= mask[1];
	EVP_CIPHER_CTX_free(c);
	return n;
}

#endif /* SENTRY_TEST_HELLO_H */

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * quic_initial.c - open a client's QUIC v1 Initial packets (RFC 9001 5)
 *
 * See quic_initial.h for the theory. The header is walked once through a
 * cursor (RFC 9000 17.2): first byte, version, DCID, SCID, token, Length;
 * the packet number's offset follows. Header protection is removed into
 * local copies of the first byte and the packet number; the AEAD sees the
 * header as associated data in three pieces (unmasked first byte, the
 * bytes in between as sent, the unmasked packet number).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cursor.h"
#include "quic_initial.h"

/* RFC 9001 5.2: initial_salt for QUIC version 1 */
static const uint8_t salt_v1[] = {
	0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
	0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
};

/* HKDF labels carry this prefix (RFC 8446 7.1) */
#define LABEL_PREFIX	"tls13 "
#define LABEL_MAX	32

struct quic_initial {
	EVP_CIPHER_CTX *ecb;	/* header protection */
	EVP_CIPHER_CTX *gcm;	/* payload */
};

static int hp_mask(struct quic_initial *q, const uint8_t *hp,
		   const uint8_t *sample, uint8_t mask[QUIC_HP_SAMPLE_LEN]);

/*
 * libcrypto loads its configuration and providers on first use, which
 * opens files: do it here, at start-up, before the daemon's sandbox
 * forbids that, by deriving a key set and running both ciphers once.
 */
static int warm_up(struct quic_initial *q)
{
	static const uint8_t dcid[8];
	uint8_t mask[QUIC_HP_SAMPLE_LEN];
	struct quic_keys k;
	int n = 0;

	if (quic_initial_keys(dcid, sizeof(dcid), false, &k) ||
	    hp_mask(q, k.hp, k.key, mask) ||
	    EVP_DecryptInit_ex(q->gcm, EVP_aes_128_gcm(), NULL, k.key, k.iv) != 1 ||
	    EVP_DecryptUpdate(q->gcm, NULL, &n, mask, sizeof(mask)) != 1)
		return -EIO;
	return 0;
}

struct quic_initial *quic_initial_new(void)
{
	struct quic_initial *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->ecb = EVP_CIPHER_CTX_new();
	q->gcm = EVP_CIPHER_CTX_new();
	if (!q->ecb || !q->gcm || warm_up(q)) {
		quic_initial_free(q);
		return NULL;
	}
	return q;
}

void quic_initial_free(struct quic_initial *q)
{
	if (!q)
		return;
	EVP_CIPHER_CTX_free(q->ecb);
	EVP_CIPHER_CTX_free(q->gcm);
	free(q);
}

/* HKDF-Expand-Label(secret, label, "", len) for len <= one SHA-256 block */
static int expand_label(const uint8_t secret[QUIC_SECRET_LEN], const char *label,
			uint8_t *out, size_t len)
{
	uint8_t info[2 + 1 + LABEL_MAX + 1 + 1], t[QUIC_SECRET_LEN];
	size_t ll = strlen(LABEL_PREFIX) + strlen(label), n = 0;
	unsigned int tl = 0;

	if (len > sizeof(t) || ll > LABEL_MAX)
		return -EINVAL;
	info[n++] = (uint8_t)(len >> 8);
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)ll;
	memcpy(info + n, LABEL_PREFIX, strlen(LABEL_PREFIX));
	n += strlen(LABEL_PREFIX);
	memcpy(info + n, label, strlen(label));
	n += strlen(label);
	info[n++] = 0;		/* empty context */
	info[n++] = 1;		/* T(1) = HMAC(PRK, info | 0x01) */
	if (!HMAC(EVP_sha256(), secret, QUIC_SECRET_LEN, info, n, t, &tl) ||
	    tl != sizeof(t))
		return -EIO;
	memcpy(out, t, len);
	return 0;
}

int quic_initial_keys(const uint8_t *dcid, size_t dcid_len, bool server,
		      struct quic_keys *k)
{
	uint8_t initial[QUIC_SECRET_LEN], secret[QUIC_SECRET_LEN];
	unsigned int n = 0;

	/* HKDF-Extract(salt, DCID) is HMAC keyed with the salt */
	if (!HMAC(EVP_sha256(), salt_v1, sizeof(salt_v1), dcid, dcid_len,
		  initial, &n) || n != sizeof(initial))
		return -EIO;
	if (expand_label(initial, server ? "server in" : "client in", secret,
			 sizeof(secret)) ||
	    expand_label(secret, "quic key", k->key, sizeof(k->key)) ||
	    expand_label(secret, "quic iv", k->iv, sizeof(k->iv)) ||
	    expand_label(secret, "quic hp", k->hp, sizeof(k->hp)))
		return -EIO;
	return 0;
}

/* A variable-length integer (RFC 9000 16) */
static uint64_t varint(struct cursor *c)
{
	uint8_t b = cur_u8(c);
	unsigned int extra = (1u << (b >> QUIC_VARINT_LEN_SHIFT)) - 1;
	uint64_t v = b & 0x3f;

	for (unsigned int i = 0; i < extra; i++)
		v = v << 8 | cur_u8(c);
	return v;
}

static int hp_mask(struct quic_initial *q, const uint8_t *hp,
		   const uint8_t *sample, uint8_t mask[QUIC_HP_SAMPLE_LEN])
{
	int n = 0;

	if (EVP_EncryptInit_ex(q->ecb, EVP_aes_128_ecb(), NULL, hp, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(q->ecb, 0) != 1 ||
	    EVP_EncryptUpdate(q->ecb, mask, &n, sample, QUIC_HP_SAMPLE_LEN) != 1 ||
	    n != QUIC_HP_SAMPLE_LEN)
		return -EIO;
	return 0;
}

/*
 * Open one packet: @pkt .. @pkt + @pn_off is the header up to the packet
 * number, @end the packet's end (pn_off + Length). Plaintext to @plain.
 * Return: the plaintext length, or -1.
 */
static long open_packet(struct quic_initial *q, const struct quic_keys *k,
			const uint8_t *pkt, size_t pn_off, size_t end,
			uint8_t *plain, size_t cap)
{
	uint8_t mask[QUIC_HP_SAMPLE_LEN], first, pn[4], nonce[QUIC_AEAD_IV_LEN];
	size_t pn_len, ct_off, ct_len;
	uint64_t pnum = 0;
	int n = 0, m = 0;

	/* the sample must lie inside the packet (RFC 9001 5.4.2) */
	if (end < pn_off + QUIC_HP_SAMPLE_OFF + QUIC_HP_SAMPLE_LEN)
		return -1;
	if (hp_mask(q, k->hp, pkt + pn_off + QUIC_HP_SAMPLE_OFF, mask))
		return -1;
	first = pkt[0] ^ (mask[0] & QUIC_LONG_HP_MASK);
	pn_len = (size_t)(first & QUIC_PN_LEN_MASK) + 1;
	for (size_t i = 0; i < pn_len; i++) {
		pn[i] = pkt[pn_off + i] ^ mask[1 + i];
		pnum = pnum << 8 | pn[i];
	}
	ct_off = pn_off + pn_len;
	if (end < ct_off + QUIC_AEAD_TAG_LEN)
		return -1;
	ct_len = end - ct_off - QUIC_AEAD_TAG_LEN;
	if (ct_len > cap)
		return -1;
	/* a client's first packets: the truncated number is the number */
	memcpy(nonce, k->iv, sizeof(nonce));
	for (size_t i = 0; i < 8; i++)
		nonce[sizeof(nonce) - 1 - i] ^= (uint8_t)(pnum >> (8 * i));
	if (EVP_DecryptInit_ex(q->gcm, EVP_aes_128_gcm(), NULL, k->key, nonce) != 1 ||
	    EVP_DecryptUpdate(q->gcm, NULL, &n, &first, 1) != 1 ||
	    EVP_DecryptUpdate(q->gcm, NULL, &n, pkt + 1, (int)(pn_off - 1)) != 1 ||
	    EVP_DecryptUpdate(q->gcm, NULL, &n, pn, (int)pn_len) != 1 ||
	    EVP_DecryptUpdate(q->gcm, plain, &n, pkt + ct_off, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(q->gcm, EVP_CTRL_GCM_SET_TAG, QUIC_AEAD_TAG_LEN,
				(void *)(uintptr_t)(pkt + ct_off + ct_len)) != 1 ||
	    EVP_DecryptFinal_ex(q->gcm, plain + n, &m) != 1)
		return -1;
	return (long)n + m;
}

/* The frames of one Initial's plaintext: CRYPTO to @fn, the rest skipped */
static enum scan_result frames(const uint8_t *p, size_t len, quic_crypto_fn fn,
			       void *arg, struct quic_scan *s)
{
	struct cursor c;

	cur_init(&c, p, len);
	while (cur_left(&c)) {
		uint64_t type = varint(&c), off, n, ranges;
		const uint8_t *data;

		switch (type) {
		case QUIC_FRAME_PADDING:
		case QUIC_FRAME_PING:
			break;
		case QUIC_FRAME_ACK:
		case QUIC_FRAME_ACK_ECN:
			varint(&c);			/* largest acknowledged */
			varint(&c);			/* delay */
			ranges = varint(&c);
			varint(&c);			/* first range */
			/* each range is two varints of a byte at least */
			if (ranges > cur_left(&c) / 2)
				return SCAN_BAD;
			for (uint64_t i = 0; i < 2 * ranges; i++)
				varint(&c);
			if (type == QUIC_FRAME_ACK_ECN) {
				varint(&c);
				varint(&c);
				varint(&c);
			}
			break;
		case QUIC_FRAME_CRYPTO:
			off = varint(&c);
			n = varint(&c);
			if (n > cur_left(&c))
				return SCAN_BAD;
			data = cur_bytes(&c, (size_t)n);
			if (!data || fn(arg, off, data, (size_t)n))
				return SCAN_BAD;
			s->crypto_frames++;
			break;
		case QUIC_FRAME_CLOSE:
			varint(&c);			/* error code */
			varint(&c);			/* frame type */
			n = varint(&c);
			if (n > cur_left(&c))
				return SCAN_BAD;
			cur_skip(&c, (size_t)n);
			break;
		default:
			return SCAN_BAD;		/* not allowed in an Initial */
		}
		if (!cur_ok(&c))
			return SCAN_BAD;
	}
	return SCAN_MORE;
}

enum scan_result quic_initial_scan(struct quic_initial *q, const uint8_t *buf,
				   size_t len, uint8_t *plain, size_t cap,
				   quic_crypto_fn fn, void *arg,
				   struct quic_scan *s)
{
	struct quic_keys k;
	struct cursor c;
	size_t start = 0;

	memset(s, 0, sizeof(*s));
	while (start < len) {
		const uint8_t *pkt = buf + start, *dcid;
		uint8_t first, dlen, slen;
		uint64_t tlen, plen;
		size_t pn_off, end;
		long n;
		enum scan_result r;

		cur_init(&c, pkt, len - start);
		first = cur_u8(&c);
		if (!(first & QUIC_LONG_HEADER) ||
		    ((first & QUIC_LONG_TYPE_MASK) >> QUIC_LONG_TYPE_SHIFT) != QUIC_TYPE_INITIAL ||
		    cur_u32(&c) != QUIC_VERSION_1 || !cur_ok(&c))
			/* the first packet decides what the datagram is; after it,
			 * other packet types end what Initials carry */
			return start ? SCAN_MORE : SCAN_OTHER;
		dlen = cur_u8(&c);
		if (dlen > QUIC_CID_MAX)
			return SCAN_BAD;
		dcid = cur_bytes(&c, dlen);
		slen = cur_u8(&c);
		if (slen > QUIC_CID_MAX)
			return SCAN_BAD;
		cur_skip(&c, slen);
		tlen = varint(&c);
		if (tlen > cur_left(&c))
			return SCAN_BAD;
		cur_skip(&c, (size_t)tlen);
		plen = varint(&c);
		if (!cur_ok(&c) || plen > cur_left(&c))
			return SCAN_BAD;
		pn_off = c.off;
		end = pn_off + (size_t)plen;
		if (!start) {
			memcpy(s->dcid, dcid, dlen);
			s->dcid_len = dlen;
			if (quic_initial_keys(dcid, dlen, false, &k))
				return SCAN_BAD;
		} else if (dlen != s->dcid_len || memcmp(dcid, s->dcid, dlen)) {
			return SCAN_BAD;	/* coalesced Initial of another connection */
		}
		n = open_packet(q, &k, pkt, pn_off, end, plain, cap);
		if (n < 0)
			return SCAN_BAD;
		r = frames(plain, (size_t)n, fn, arg, s);
		if (r != SCAN_MORE)
			return r;
		start += end;
	}
	return SCAN_MORE;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tls_sni.c - the server_name of a TLS ClientHello (RFC 8446 4.1.2, RFC 6066 3)
 *
 * Walked the OpenBSD way, through one cursor: check, read, advance. Every
 * length is checked against what contains it before it is trusted, and the
 * extension block must end exactly where the ClientHello does.
 */
#include "cursor.h"
#include "tls_sni.h"
#include "wire.h"

/* 24-bit handshake length */
static size_t u24(struct cursor *c)
{
	size_t hi = cur_u8(c);

	return hi << 16 | cur_u16(c);
}

/* The server_name extension's body: one host_name, at most */
static enum scan_result server_name(const uint8_t *p, size_t len,
				    struct scan_names *out)
{
	struct cursor c;
	size_t list;
	unsigned int hosts = 0;

	cur_init(&c, p, len);
	list = cur_u16(&c);
	/* the list fills the extension exactly */
	if (!cur_ok(&c) || list != cur_left(&c))
		return SCAN_BAD;
	while (cur_left(&c)) {
		uint8_t type = cur_u8(&c);
		size_t n = cur_u16(&c);
		const uint8_t *name = cur_bytes(&c, n);

		if (!name)
			return SCAN_BAD;	/* an entry past the list */
		if (type != TLS_SNI_HOST_NAME)
			continue;
		/* RFC 6066: no two names of one type; a server reads only one */
		if (hosts++ || !n)
			return SCAN_BAD;
		scan_names_add(out, name, n);
	}
	return hosts ? SCAN_NAME : SCAN_NONE;
}

/* The ClientHello body after its 4-byte header */
static enum scan_result hello_body(const uint8_t *p, size_t len,
				   struct scan_names *out)
{
	enum scan_result r = SCAN_NONE;
	struct cursor c;
	size_t n, ext;
	bool seen = false;

	cur_init(&c, p, len);
	cur_skip(&c, 2 + TLS_RANDOM_LEN);	/* legacy_version, random */
	n = cur_u8(&c);				/* legacy_session_id */
	if (n > TLS_SESSION_ID_MAX)
		return SCAN_BAD;
	cur_skip(&c, n);
	n = cur_u16(&c);			/* cipher_suites: pairs, at least one */
	if (n < 2 || n % 2)
		return SCAN_BAD;
	cur_skip(&c, n);
	n = cur_u8(&c);				/* legacy_compression_methods */
	if (n < 1)
		return SCAN_BAD;
	cur_skip(&c, n);
	if (!cur_ok(&c))
		return SCAN_BAD;
	if (!cur_left(&c))
		return SCAN_NONE;		/* no extensions (TLS 1.2 and older) */
	ext = cur_u16(&c);
	/* the extensions end where the hello ends: no trailing bytes */
	if (!cur_ok(&c) || ext != cur_left(&c))
		return SCAN_BAD;
	while (cur_left(&c)) {
		uint16_t type = cur_u16(&c);
		size_t elen = cur_u16(&c);
		const uint8_t *body = cur_bytes(&c, elen);

		if (!body)
			return SCAN_BAD;
		if (type != TLS_EXT_SERVER_NAME)
			continue;
		/* two server_name extensions: which one would the server read? */
		if (seen)
			return SCAN_BAD;
		seen = true;
		r = server_name(body, elen, out);
		if (r == SCAN_BAD)
			return r;
	}
	return r;
}

enum scan_result tls_sni_hello(const uint8_t *buf, size_t len,
			       struct scan_names *out, size_t *need)
{
	struct cursor c;
	size_t hlen;

	out->n = 0;
	*need = 0;
	if (len < 1)
		return SCAN_MORE;
	if (buf[0] != TLS_HS_CLIENT_HELLO)
		return SCAN_OTHER;
	if (len < TLS_HS_HDR_LEN)
		return SCAN_MORE;
	cur_init(&c, buf, len);
	cur_skip(&c, 1);
	hlen = u24(&c);
	*need = TLS_HS_HDR_LEN + hlen;
	if (len < *need)
		return SCAN_MORE;
	return hello_body(buf + TLS_HS_HDR_LEN, hlen, out);
}

enum scan_result tls_sni_record(const uint8_t *buf, size_t len,
				struct scan_names *out, size_t *need)
{
	struct cursor c;
	size_t rlen, hlen;

	out->n = 0;
	*need = 0;
	if (len < 1)
		return SCAN_MORE;
	if (buf[0] != TLS_CT_HANDSHAKE)
		return SCAN_OTHER;
	if (len >= 2 && buf[1] != TLS_VERSION_MAJOR)
		return SCAN_OTHER;
	if (len < TLS_RECORD_HDR_LEN + TLS_HS_HDR_LEN)
		return SCAN_MORE;
	cur_init(&c, buf, len);
	cur_skip(&c, 3);
	rlen = cur_u16(&c);
	if (rlen > TLS_RECORD_MAX || rlen < TLS_HS_HDR_LEN)
		return SCAN_BAD;
	/* the first handshake message of a client is its ClientHello */
	if (cur_u8(&c) != TLS_HS_CLIENT_HELLO)
		return SCAN_BAD;
	hlen = u24(&c);
	/* one record, one ClientHello: a hello spanning records is refused */
	if (TLS_HS_HDR_LEN + hlen != rlen)
		return SCAN_BAD;
	*need = TLS_RECORD_HDR_LEN + rlen;
	if (len < *need)
		return SCAN_MORE;
	return hello_body(buf + TLS_RECORD_HDR_LEN + TLS_HS_HDR_LEN, hlen, out);
}

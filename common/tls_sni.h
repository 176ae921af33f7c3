/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls_sni.h - the server_name a TLS ClientHello presents
 *
 * tls_sni_record() reads the first bytes a client sends on a TCP stream:
 * one TLS record holding one whole ClientHello. A ClientHello split over
 * several records is legal but no client sends one; it is SCAN_BAD here,
 * so it is refused rather than read wrong. tls_sni_hello() reads a bare
 * handshake message (QUIC carries the ClientHello in CRYPTO frames, with
 * no record layer).
 *
 * Guards, each a lie it catches: lengths that overrun their container, an
 * extension block that does not end where the message does, two
 * server_name extensions, two host_name entries, an empty host_name.
 * With ECH (extension 0xfe0d) the name read is the outer, public name.
 */
#ifndef SENTRY_TLS_SNI_H
#define SENTRY_TLS_SNI_H

#include "name_scan.h"

/*
 * tls_sni_record() - the ClientHello at the start of a TCP stream
 * @buf, @len:	the stream's first bytes
 * @need:	SCAN_MORE: the length of the whole record (once the header is in)
 * Return: SCAN_NAME (@out holds it), SCAN_NONE, SCAN_OTHER (not a TLS
 * handshake record), SCAN_MORE or SCAN_BAD.
 */
enum scan_result tls_sni_record(const uint8_t *buf, size_t len,
				struct scan_names *out, size_t *need);

/*
 * tls_sni_hello() - a ClientHello handshake message (header included)
 * Return: as tls_sni_record(); SCAN_OTHER if it is not a ClientHello.
 */
enum scan_result tls_sni_hello(const uint8_t *buf, size_t len,
			       struct scan_names *out, size_t *need);

#endif /* SENTRY_TLS_SNI_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_host.h - the names an HTTP/1.x request presents (RFC 9112)
 *
 * http_host_scan() reads the first bytes a client sends on a TCP stream.
 * It is HTTP if it opens with a known method and a space. The names are
 * the Host header's host (a ":port" suffix dropped) and, when the target
 * is in absolute form ("GET http://name/ HTTP/1.1"), or CONNECT's
 * authority, that host too: a server must prefer the target to Host
 * (RFC 9112 3.2.2), so both are reported and both must be allowed.
 *
 * Guards: two Host headers (which would the server use?), obsolete line
 * folding, a request line or header without its version or colon, a
 * header section that does not end within @len (SCAN_MORE: the caller
 * bounds it). "PRI * HTTP/2.0" (h2c prior knowledge) is SCAN_OTHER: its
 * names travel HPACK-coded and are not read here.
 */
#ifndef SENTRY_HTTP_HOST_H
#define SENTRY_HTTP_HOST_H

#include "name_scan.h"

/*
 * http_host_scan() - the request line and headers at the start of a stream
 * Return: SCAN_NAME (@out holds one or two hosts), SCAN_NONE (no Host, an
 * origin-form target: HTTP/1.0), SCAN_OTHER, SCAN_MORE (no empty line yet)
 * or SCAN_BAD.
 */
enum scan_result http_host_scan(const uint8_t *buf, size_t len,
				struct scan_names *out);

#endif /* SENTRY_HTTP_HOST_H */

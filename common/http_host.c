// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * http_host.c - Host header and absolute target of an HTTP/1.x request
 *
 * Lines end in CRLF or a bare LF (servers accept both, RFC 9112 2.2, so
 * this reader does too: a stricter reader than the server would let a
 * bare-LF request through unread). Nothing is copied: names point into
 * @buf.
 */
#include <string.h>

#include "http_host.h"

static const char *const methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
	"TRACE", "PATCH",
};

/* Where the line starting at @off ends (its LF), or @len if not within */
static size_t line_end(const uint8_t *buf, size_t len, size_t off)
{
	const uint8_t *lf = memchr(buf + off, '\n', len - off);

	return lf ? (size_t)(lf - buf) : len;
}

/* Length of the line without its CR, if any */
static size_t trim_cr(const uint8_t *buf, size_t off, size_t end)
{
	return end > off && buf[end - 1] == '\r' ? end - 1 - off : end - off;
}

static uint8_t lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b + ('a' - 'A')) : b;
}

static bool prefix_nocase(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(p[i]) != (uint8_t)s[i])
			return false;
	return true;
}

/* "host[:port]" or "[v6]:port" -> host; NULL-length when empty */
static void authority_host(const uint8_t *p, size_t len,
			   const uint8_t **host, size_t *hlen)
{
	size_t i;

	/* userinfo@host: the server reads what follows the last '@' */
	for (i = len; i > 0; i--)
		if (p[i - 1] == '@') {
			p += i;
			len -= i;
			break;
		}
	if (len && p[0] == '[') {
		const uint8_t *rb = memchr(p, ']', len);

		*host = p;
		*hlen = rb ? (size_t)(rb - p) + 1 : len;
		return;
	}
	for (i = 0; i < len && p[i] != ':'; i++)
		;
	*host = p;
	*hlen = i;
}

/* Which method opens @buf: its length, 0 if none, -1 if @buf is too short to say */
static int method(const uint8_t *buf, size_t len, bool *connect)
{
	bool prefix = false;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t n = strlen(methods[i]);

		if (len > n && !memcmp(buf, methods[i], n) && buf[n] == ' ') {
			*connect = !strcmp(methods[i], "CONNECT");
			return (int)n;
		}
		if (len <= n && !memcmp(buf, methods[i], len))
			prefix = true;
	}
	return prefix ? -1 : 0;
}

/* The request target: an absolute URI's or CONNECT's host, if any */
static enum scan_result target(const uint8_t *p, size_t len, bool connect,
			       struct scan_names *out)
{
	const uint8_t *sp = memchr(p, ' ', len);
	const uint8_t *host;
	size_t tlen, hlen, skip;

	if (!sp)
		return SCAN_BAD;
	tlen = (size_t)(sp - p);
	/* target SP "HTTP/1." digit: nothing else is HTTP/1.x */
	if (len - tlen - 1 != 8 || memcmp(sp + 1, "HTTP/1.", 7))
		return SCAN_BAD;
	if (!tlen)
		return SCAN_BAD;
	if (connect) {
		skip = 0;
	} else if (prefix_nocase(p, tlen, "http://")) {
		skip = 7;
	} else if (prefix_nocase(p, tlen, "https://")) {
		skip = 8;
	} else {
		return SCAN_NONE;	/* origin form, "*" */
	}
	p += skip;
	tlen -= skip;
	for (size_t i = 0; i < tlen; i++)
		if (p[i] == '/' || p[i] == '?' || p[i] == '#') {
			tlen = i;
			break;
		}
	authority_host(p, tlen, &host, &hlen);
	if (!hlen)
		return SCAN_BAD;
	scan_names_add(out, host, hlen);
	return SCAN_NAME;
}

enum scan_result http_host_scan(const uint8_t *buf, size_t len,
				struct scan_names *out)
{
	enum scan_result r;
	size_t off, end, n;
	bool connect = false, host = false;
	int m;

	out->n = 0;
	m = method(buf, len, &connect);
	if (m < 0)
		return SCAN_MORE;
	if (!m)
		return SCAN_OTHER;
	end = line_end(buf, len, 0);
	if (end == len)
		return SCAN_MORE;
	n = trim_cr(buf, 0, end);
	r = target(buf + m + 1, n - (size_t)m - 1, connect, out);
	if (r == SCAN_BAD)
		return r;
	for (off = end + 1;; off = end + 1) {
		const uint8_t *line, *colon, *v;
		size_t vlen;

		if (off >= len)
			return SCAN_MORE;
		end = line_end(buf, len, off);
		if (end == len)
			return SCAN_MORE;
		line = buf + off;
		n = trim_cr(buf, off, end);
		if (!n)
			break;				/* the empty line: headers end */
		if (line[0] == ' ' || line[0] == '\t')
			return SCAN_BAD;		/* obsolete folding */
		colon = memchr(line, ':', n);
		if (!colon || colon == line)
			return SCAN_BAD;
		if ((size_t)(colon - line) != 4 || !prefix_nocase(line, 4, "host"))
			continue;
		if (host)
			return SCAN_BAD;		/* two Host headers */
		host = true;
		v = colon + 1;
		vlen = n - (size_t)(v - line);
		while (vlen && (v[0] == ' ' || v[0] == '\t')) {
			v++;
			vlen--;
		}
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		authority_host(v, vlen, &v, &vlen);
		if (!vlen)
			return SCAN_BAD;		/* "Host:" with nothing */
		scan_names_add(out, v, vlen);
	}
	return out->n ? SCAN_NAME : SCAN_NONE;
}

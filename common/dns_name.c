// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dns_name.c - domain names: wire reading with compression, normalised text
 *
 * Theory of operation
 *
 * A name on the wire is a run of labels (a length byte 0-63, then that many
 * bytes) ending either at the root (a zero byte) or at a compression pointer
 * (two bytes, top bits 11, fourteen bits of offset) that continues the name
 * somewhere else in the message. Everything an attacker can do with this
 * format comes from pointers: loops, pointers into the header, pointers past
 * the end, and long pointer-to-pointer chains that cost time without adding
 * a byte. dns_name_read() takes each pointer only if:
 *
 *   - its target is at least DNS_HDR_LEN (names never start in the header);
 *   - its target is below the pointer's own offset, and below every target
 *     already followed for this name. The targets therefore strictly
 *     decrease, so no name can visit the same byte twice: no loop can exist.
 *     One bound says it all: the target must be below the lowest offset the
 *     name has read from so far (its start, then the last target), which
 *     also refuses a pointer at the name's own earlier labels;
 *   - fewer than MAX_POINTERS pointers were followed before it. A real
 *     encoder never needs more than one pointer per label, and a name has at
 *     most 127 labels, so this only cuts off pointer-to-pointer chains whose
 *     purpose is to make us spin.
 *
 * The uncompressed length (every label with its length byte, plus the root
 * byte) is checked against 255 before each label is copied, so the output
 * buffer can never overflow and DROP_DNS_NAME_LEN wins over a truncation
 * further on. Length bytes 0x40-0xbf are the extended (RFC 6891, obsolete)
 * and reserved label types: refused, which also means no wire label can be
 * longer than 63 bytes.
 *
 * The text form is for policy lookups and logs: lower case, no trailing
 * dot, root as "", and every byte outside [a-z0-9_-] as \DDD (three decimal
 * digits). A '.' inside a label is thus "\046" and can never pass for a
 * label boundary; a backslash is "\092", so the text has exactly one reading.
 * dns_name_from_text() accepts \DDD back, so a name copied from a log goes
 * through the CLI unchanged.
 */
#include <assert.h>
#include <errno.h>

#include "cursor.h"
#include "dns_internal.h"

/* One pointer per label at most (a name has <= 127 labels), plus slack */
#define MAX_POINTERS		128

/* Longest text: 250 label bytes, each as \DDD, 3 dots, the NUL */
static_assert(250 * 4 + 3 + 1 <= DNS_NAME_TEXT_MAX,
	      "DNS_NAME_TEXT_MAX holds the worst-case escaped name");

static uint8_t lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? (uint8_t)(b + ('a' - 'A')) : b;
}

static bool plain(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
	       b == '-' || b == '_';
}

enum drop_reason dns_name_read(const uint8_t *buf, size_t len, size_t off,
			       unsigned int flags, struct dns_wname *out,
			       size_t *end)
{
	size_t limit = off;		/* next pointer target must be below */
	size_t wlen = 0;		/* uncompressed bytes so far, no root */
	unsigned int pointers = 0;
	struct cursor c;

	cur_init(&c, buf, len);
	cur_seek(&c, off);

	for (;;) {
		uint8_t b = cur_u8(&c);
		const uint8_t *label;

		if (!cur_ok(&c))
			return DROP_DNS_TRUNCATED;

		if ((b & DNS_LABEL_TYPE_MASK) == DNS_LABEL_POINTER) {
			size_t target;

			if (flags & DNS_NAME_NO_POINTER)
				return DROP_DNS_POINTER_IN_QUERY;
			target = (size_t)(b & (DNS_POINTER_MASK >> 8)) << 8;
			target |= cur_u8(&c);
			if (!cur_ok(&c))
				return DROP_DNS_TRUNCATED;
			/* into the header: no name starts there */
			if (target < DNS_HDR_LEN)
				return DROP_DNS_POINTER;
			/*
			 * Not below everything this name has read: forward,
			 * self, or back into its own labels (a loop).
			 */
			if (target >= limit)
				return DROP_DNS_POINTER;
			/* a chain of pointers no encoder writes */
			if (++pointers > MAX_POINTERS)
				return DROP_DNS_POINTER;
			if (pointers == 1)
				*end = c.off;
			limit = target;
			cur_seek(&c, target);
			continue;
		}
		/* 0x40 extended label, 0x80 reserved */
		if (b & DNS_LABEL_TYPE_MASK)
			return DROP_DNS_LABEL_TYPE;

		if (!b)
			break;

		/* this label, its length byte and the root must still fit */
		if (wlen + 1 + b + 1 > DNS_NAME_WIRE_MAX)
			return DROP_DNS_NAME_LEN;
		label = cur_bytes(&c, b);
		if (!label)
			return DROP_DNS_TRUNCATED;
		if (out) {
			out->wire[wlen] = b;
			for (size_t i = 0; i < b; i++)
				out->wire[wlen + 1 + i] = lower(label[i]);
		}
		wlen += 1 + (size_t)b;
	}

	if (!pointers)
		*end = c.off;
	if (out) {
		out->wire[wlen] = 0;
		out->len = (uint16_t)(wlen + 1);
	}
	return DROP_NONE;
}

void dns_name_text(const struct dns_wname *w, struct dns_name *out)
{
	size_t i = 0, t = 0;

	while (i < w->len && w->wire[i]) {
		size_t n = w->wire[i++];

		if (t)
			out->text[t++] = '.';
		for (size_t k = 0; k < n; k++) {
			uint8_t b = lower(w->wire[i + k]);

			if (plain(b)) {
				out->text[t++] = (char)b;
				continue;
			}
			out->text[t++] = '\\';
			out->text[t++] = (char)('0' + b / 100);
			out->text[t++] = (char)('0' + b / 10 % 10);
			out->text[t++] = (char)('0' + b % 10);
		}
		i += n;
	}
	out->text[t] = '\0';
	out->text_len = (uint16_t)t;
	out->wire_len = w->len;
}

static int digit(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : -1;
}

int dns_name_from_text(const char *s, struct dns_name *out)
{
	struct dns_wname w;
	size_t wlen = 0;	/* bytes of finished labels */
	size_t llen = 0;	/* bytes in the label being built */

	/* the root, written either way */
	if (!s[0] || (s[0] == '.' && !s[1])) {
		w.wire[0] = 0;
		w.len = 1;
		dns_name_text(&w, out);
		return 0;
	}

	for (const char *p = s;; p++) {
		int byte;

		if (!*p || *p == '.') {
			/* "a..b", ".a"; "a." only as the very end */
			if (!llen)
				return -EINVAL;
			w.wire[wlen] = (uint8_t)llen;
			wlen += 1 + llen;
			llen = 0;
			if (!*p || !p[1])
				break;
			continue;
		}

		byte = (uint8_t)*p;
		if (*p == '\\') {
			int d0 = digit(p[1]), d1, d2;

			d1 = d0 < 0 ? -1 : digit(p[2]);
			d2 = d1 < 0 ? -1 : digit(p[3]);
			/* only the \DDD form the normaliser writes */
			if (d2 < 0)
				return -EINVAL;
			byte = d0 * 100 + d1 * 10 + d2;
			if (byte > 255)
				return -EINVAL;
			p += 3;
		}

		if (llen == DNS_LABEL_MAX)
			return -EINVAL;
		/* length byte, this label so far, the new byte, the root */
		if (wlen + 1 + llen + 1 + 1 > DNS_NAME_WIRE_MAX)
			return -EINVAL;
		w.wire[wlen + 1 + llen++] = lower((uint8_t)byte);
	}

	w.wire[wlen] = 0;
	w.len = (uint16_t)(wlen + 1);
	dns_name_text(&w, out);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dns_build.h - write DNS messages byte by byte for the DNS unit tests
 *
 * Deliberately naive: no compression unless the test writes a pointer
 * itself, no validation, so that tests can build exactly the malformed
 * message they mean. Every writer appends at w->n.
 */
#ifndef SENTRY_TEST_DNS_BUILD_H
#define SENTRY_TEST_DNS_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Room for the largest DNS message and then some, for "one past" tests */
#define WB_CAP	(65536 + 256)

struct wb {
	size_t n;
	uint8_t b[WB_CAP];
};

static inline void w8(struct wb *w, unsigned int v)
{
	w->b[w->n++] = (uint8_t)v;
}

static inline void w16(struct wb *w, unsigned int v)
{
	w8(w, v >> 8);
	w8(w, v);
}

static inline void w32(struct wb *w, uint32_t v)
{
	w16(w, v >> 16);
	w16(w, v);
}

static inline void wbytes(struct wb *w, const void *p, size_t n)
{
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

/* A name in dotted form, labels taken byte for byte; "" is the root */
static inline void wname(struct wb *w, const char *dotted)
{
	const char *p = dotted;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		w8(w, (unsigned int)n);
		wbytes(w, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	w8(w, 0);
}

/* A compression pointer to @off */
static inline void wptr(struct wb *w, unsigned int off)
{
	w16(w, 0xc000 | off);
}

/* Start a message: w->n = 0, then the 12-byte header */
static inline void whdr(struct wb *w, unsigned int id, unsigned int flags,
			unsigned int qd, unsigned int an, unsigned int ns,
			unsigned int ar)
{
	w->n = 0;
	w16(w, id);
	w16(w, flags);
	w16(w, qd);
	w16(w, an);
	w16(w, ns);
	w16(w, ar);
}

/* Overwrite header count @idx (0 qd, 1 an, 2 ns, 3 ar) */
static inline void wcount(struct wb *w, unsigned int idx, unsigned int v)
{
	w->b[4 + 2 * idx] = (uint8_t)(v >> 8);
	w->b[5 + 2 * idx] = (uint8_t)v;
}

static inline void wq(struct wb *w, const char *name, unsigned int type,
		      unsigned int qclass)
{
	wname(w, name);
	w16(w, type);
	w16(w, qclass);
}

/*
 * The fixed part of a record whose owner the caller already wrote; returns
 * the offset of RDLENGTH, for wrr_end() once the rdata is written.
 */
static inline size_t wrr(struct wb *w, unsigned int type, unsigned int rclass,
			 uint32_t ttl)
{
	size_t at;

	w16(w, type);
	w16(w, rclass);
	w32(w, ttl);
	at = w->n;
	w16(w, 0);
	return at;
}

static inline void wrr_end(struct wb *w, size_t at)
{
	size_t len = w->n - at - 2;

	w->b[at] = (uint8_t)(len >> 8);
	w->b[at + 1] = (uint8_t)len;
}

/* A whole class IN A record owned by @owner ("" root; NULL: pointer to 12) */
static inline void wa(struct wb *w, const char *owner, uint32_t ttl,
		      uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	size_t at;

	if (owner)
		wname(w, owner);
	else
		wptr(w, 12);
	at = wrr(w, 1, 1, ttl);
	w8(w, a);
	w8(w, b);
	w8(w, c);
	w8(w, d);
	wrr_end(w, at);
}

/* A whole class IN CNAME record, both names uncompressed */
static inline void wcname(struct wb *w, const char *owner, const char *target,
			  uint32_t ttl)
{
	size_t at;

	wname(w, owner);
	at = wrr(w, 5, 1, ttl);
	wname(w, target);
	wrr_end(w, at);
}

/* An OPT record: @udp size, version @ver, DO bit, no options */
static inline void wopt(struct wb *w, unsigned int udp, unsigned int ver,
			int do_bit)
{
	size_t at;

	w8(w, 0);
	at = wrr(w, 41, udp, (uint32_t)ver << 16 | (do_bit ? 0x8000u : 0));
	wrr_end(w, at);
}

#endif /* SENTRY_TEST_DNS_BUILD_H */

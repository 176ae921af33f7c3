/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cursor.h - bounds-checked reading of wire formats, with a sticky error
 *
 * Theory of operation: every parser in sentry reads packet and message bytes
 * through one struct cursor. Reads past the end do not fault: they return 0
 * and set c->err, which stays set. A parser therefore reads a whole header
 * (the OpenBSD p/rem walk: check length, read, advance, in the same order for
 * every header) and checks cur_ok() once. This is the single choke point for
 * packet access; nothing else indexes into a packet with an unchecked offset.
 *
 * All multi-byte reads are network byte order and return host order.
 */
#ifndef SENTRY_CURSOR_H
#define SENTRY_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *base;	/* start of the buffer */
	size_t len;		/* bytes in the buffer */
	size_t off;		/* next byte to read */
	bool err;		/* sticky: set by the first overrun */
};

static inline void cur_init(struct cursor *c, const uint8_t *base, size_t len)
{
	c->base = base;
	c->len = len;
	c->off = 0;
	c->err = false;
}

static inline bool cur_ok(const struct cursor *c)
{
	return !c->err;
}

static inline size_t cur_left(const struct cursor *c)
{
	return c->err ? 0 : c->len - c->off;
}

/* cur_need() - true if @n more bytes can be read; sets the error if not */
static inline bool cur_need(struct cursor *c, size_t n)
{
	if (c->err || n > c->len - c->off) {
		c->err = true;
		return false;
	}
	return true;
}

static inline uint8_t cur_u8(struct cursor *c)
{
	if (!cur_need(c, 1))
		return 0;
	return c->base[c->off++];
}

static inline uint16_t cur_u16(struct cursor *c)
{
	const uint8_t *p;

	if (!cur_need(c, 2))
		return 0;
	p = c->base + c->off;
	c->off += 2;
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t cur_u32(struct cursor *c)
{
	const uint8_t *p;

	if (!cur_need(c, 4))
		return 0;
	p = c->base + c->off;
	c->off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* cur_bytes() - pointer to the next @n bytes, advancing; NULL on overrun */
static inline const uint8_t *cur_bytes(struct cursor *c, size_t n)
{
	const uint8_t *p;

	if (!cur_need(c, n))
		return NULL;
	p = c->base + c->off;
	c->off += n;
	return p;
}

static inline void cur_skip(struct cursor *c, size_t n)
{
	if (cur_need(c, n))
		c->off += n;
}

/* cur_seek() - move to absolute offset @off; an offset past the end is an error */
static inline void cur_seek(struct cursor *c, size_t off)
{
	if (c->err || off > c->len)
		c->err = true;
	else
		c->off = off;
}

/* Big-endian loads and stores for fields already bounds-checked by a parse. */
static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* SENTRY_CURSOR_H */

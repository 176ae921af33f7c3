/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cursor.h - bounds-checked reading and writing of wire formats, sticky errors
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
#include <string.h>

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

/*
 * The write cursor: the same contract for builders (Knot's wire_ctx writes).
 * Every reply, answer and segment header sentry writes goes through one
 * struct wcursor over the caller's buffer. A write that would pass @cap
 * writes nothing, sets w->err, and every later write is a no-op; so a
 * builder writes a whole header and checks wcur_ok() once, and never
 * measures capacity by hand. Bytes written before the overrun stay
 * written: a builder that must leave its buffer untouched on failure
 * reserves the whole length first (wcur_skip()) and then writes into what
 * it reserved.
 *
 * Multi-byte writes are network byte order from host order. Nothing is
 * allocated and nothing copied except the bytes asked for.
 */
struct wcursor {
	uint8_t *base;		/* start of the buffer */
	size_t cap;		/* bytes writable at base */
	size_t off;		/* next byte to write */
	bool err;		/* sticky: set by the first overrun */
};

static inline void wcur_init(struct wcursor *w, uint8_t *base, size_t cap)
{
	w->base = base;
	w->cap = cap;
	w->off = 0;
	w->err = false;
}

static inline bool wcur_ok(const struct wcursor *w)
{
	return !w->err;
}

/* wcur_pos() - bytes written so far (the offset of the next write) */
static inline size_t wcur_pos(const struct wcursor *w)
{
	return w->off;
}

/* wcur_left() - bytes still writable; 0 once the error is set */
static inline size_t wcur_left(const struct wcursor *w)
{
	return w->err ? 0 : w->cap - w->off;
}

/* wcur_need() - true if @n more bytes can be written; sets the error if not */
static inline bool wcur_need(struct wcursor *w, size_t n)
{
	if (w->err || n > w->cap - w->off) {
		w->err = true;
		return false;
	}
	return true;
}

/*
 * wcur_skip() - step over @n bytes, leaving them as they are
 *
 * For a payload already in place, or a field filled in once the rest is
 * written (a checksum). Return: the first of the @n bytes, or NULL on
 * overrun.
 */
static inline uint8_t *wcur_skip(struct wcursor *w, size_t n)
{
	uint8_t *p;

	if (!wcur_need(w, n))
		return NULL;
	p = w->base + w->off;
	w->off += n;
	return p;
}

static inline void wcur_u8(struct wcursor *w, uint8_t v)
{
	uint8_t *p = wcur_skip(w, 1);

	if (p)
		p[0] = v;
}

static inline void wcur_u16(struct wcursor *w, uint16_t v)
{
	uint8_t *p = wcur_skip(w, 2);

	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static inline void wcur_u32(struct wcursor *w, uint32_t v)
{
	uint8_t *p = wcur_skip(w, 4);

	if (p) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

/*
 * wcur_bytes() - copy @n bytes from @src; they may overlap the destination
 * (memmove), so a message can slide within its own buffer
 */
static inline void wcur_bytes(struct wcursor *w, const void *src, size_t n)
{
	uint8_t *p = wcur_skip(w, n);

	if (p && n)
		memmove(p, src, n);
}

/* wcur_zero() - @n zero bytes. Return: the first of them, or NULL on overrun */
static inline uint8_t *wcur_zero(struct wcursor *w, size_t n)
{
	uint8_t *p = wcur_skip(w, n);

	if (p && n)
		memset(p, 0, n);
	return p;
}

/*
 * wcur_seek() - move to absolute offset @off, at most @cap, to rewrite a
 * field of what is already there; an offset past the end is an error
 */
static inline void wcur_seek(struct wcursor *w, size_t off)
{
	if (w->err || off > w->cap)
		w->err = true;
	else
		w->off = off;
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

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_cursor.c - the read and write cursors of cursor.h at their edges
 *
 * Every write (and read) is tried where it just fits (its last byte is the
 * buffer's last) and one byte further (its last byte is one past the end).
 * Past the end nothing may be written, the error must be set, and it must
 * stay set: every later write is a no-op, even one that would fit. A guard
 * byte after the writable region catches a write that lands one past.
 */
#include "cursor.h"
#include "t.h"

#define CAP	8
#define GUARD	0xa5

/* buffer of CAP writable bytes, poisoned, with guard bytes after them */
static uint8_t buf[CAP + 4];

static void fresh(struct wcursor *w, size_t cap)
{
	memset(buf, GUARD, sizeof(buf));
	wcur_init(w, buf, cap);
}

static int guard_intact(size_t from)
{
	for (size_t i = from; i < sizeof(buf); i++)
		if (buf[i] != GUARD)
			return 0;
	return 1;
}

TEST(write_fields_big_endian)
{
	static const uint8_t want[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0 };
	struct wcursor w;

	fresh(&w, CAP);
	CHECK(wcur_ok(&w));
	CHECK_EQ(wcur_pos(&w), 0);
	CHECK_EQ(wcur_left(&w), CAP);
	wcur_u8(&w, 0x01);
	wcur_u16(&w, 0x0203);
	wcur_u32(&w, 0x04050607);
	CHECK_EQ(wcur_pos(&w), 7);
	CHECK_EQ(wcur_left(&w), 1);
	CHECK(wcur_zero(&w, 1) == buf + 7);
	CHECK(wcur_ok(&w));
	CHECK_EQ(wcur_left(&w), 0);
	CHECK(!memcmp(buf, want, sizeof(want)));
	CHECK(guard_intact(CAP));
}

/* Each write of n bytes: at offset CAP - n it fits; at CAP - n + 1 it does not */
enum op { OP_U8, OP_U16, OP_U32, OP_BYTES, OP_ZERO, OP_SKIP };

static size_t op_len(enum op op)
{
	switch (op) {
	case OP_U8:	return 1;
	case OP_U16:	return 2;
	case OP_U32:	return 4;
	default:	return 3;
	}
}

static void do_op(struct wcursor *w, enum op op)
{
	static const uint8_t src[3] = { 0x11, 0x22, 0x33 };

	switch (op) {
	case OP_U8:	wcur_u8(w, 0x11); break;
	case OP_U16:	wcur_u16(w, 0x1122); break;
	case OP_U32:	wcur_u32(w, 0x11223344); break;
	case OP_BYTES:	wcur_bytes(w, src, sizeof(src)); break;
	case OP_ZERO:	wcur_zero(w, 3); break;
	case OP_SKIP:	wcur_skip(w, 3); break;
	}
}

TEST(every_write_at_the_last_byte)
{
	for (enum op op = OP_U8; op <= OP_SKIP; op++) {
		size_t n = op_len(op);
		struct wcursor w;

		fresh(&w, CAP);
		wcur_skip(&w, CAP - n);
		do_op(&w, op);
		CHECK(wcur_ok(&w));
		CHECK_EQ(wcur_pos(&w), CAP);
		CHECK_EQ(wcur_left(&w), 0);
		CHECK(guard_intact(CAP));
		if (op != OP_SKIP)
			CHECK(buf[CAP - 1] != GUARD);	/* it did write */
	}
}

TEST(every_write_one_past_the_end)
{
	for (enum op op = OP_U8; op <= OP_SKIP; op++) {
		size_t n = op_len(op);
		struct wcursor w;

		fresh(&w, CAP);
		wcur_skip(&w, CAP - n + 1);
		CHECK(wcur_ok(&w));
		do_op(&w, op);
		CHECK(!wcur_ok(&w));
		CHECK_EQ(wcur_left(&w), 0);
		/* nothing of the failed write landed, inside or past the end */
		CHECK(guard_intact(0));
		CHECK_EQ(wcur_pos(&w), CAP - n + 1);
	}
}

TEST(skip_and_zero_return_their_bytes)
{
	struct wcursor w;

	fresh(&w, CAP);
	wcur_u8(&w, 1);
	CHECK(wcur_skip(&w, 2) == buf + 1);
	CHECK_EQ(buf[1], GUARD);		/* skipped bytes stay as they were */
	CHECK(wcur_zero(&w, 0) == buf + 3);	/* zero bytes: fine, anywhere */
	CHECK(wcur_skip(&w, CAP) == NULL);	/* overrun: no pointer */
	CHECK(wcur_zero(&w, 1) == NULL);	/* and from now on, none */
	CHECK(guard_intact(3));
}

TEST(sticky_error)
{
	struct wcursor w;

	fresh(&w, CAP);
	wcur_u32(&w, 0x01020304);
	wcur_u32(&w, 0x05060708);		/* fills it */
	CHECK(wcur_ok(&w));
	wcur_u8(&w, 9);				/* one past: error */
	CHECK(!wcur_ok(&w));
	/* a seek back that would be in range does not clear it */
	wcur_seek(&w, 0);
	CHECK(!wcur_ok(&w));
	wcur_u8(&w, 0xff);
	wcur_bytes(&w, "x", 0);
	CHECK(!wcur_ok(&w));
	CHECK_EQ(buf[0], 0x01);			/* nothing written after the error */
	CHECK(guard_intact(CAP));
}

TEST(zero_capacity)
{
	struct wcursor w;

	fresh(&w, 0);
	wcur_bytes(&w, "", 0);			/* nothing: fits */
	CHECK(wcur_ok(&w));
	wcur_u8(&w, 1);
	CHECK(!wcur_ok(&w));
	CHECK(guard_intact(0));
}

TEST(seek_rewrites_in_place)
{
	struct wcursor w;

	fresh(&w, CAP);
	wcur_zero(&w, CAP);
	wcur_seek(&w, 2);
	wcur_u16(&w, 0xbeef);
	CHECK(wcur_ok(&w));
	CHECK_EQ(wcur_pos(&w), 4);
	CHECK_EQ(buf[2], 0xbe);
	CHECK_EQ(buf[3], 0xef);
	wcur_seek(&w, CAP);			/* the end itself: fine, nothing left */
	CHECK(wcur_ok(&w));
	CHECK_EQ(wcur_left(&w), 0);
	wcur_seek(&w, CAP + 1);			/* past it: error */
	CHECK(!wcur_ok(&w));
	CHECK(guard_intact(CAP));
}

TEST(bytes_may_overlap)
{
	struct wcursor w;

	fresh(&w, CAP);
	memcpy(buf + 2, "abcdef", 6);
	/* slide a message down within its own buffer, as a builder may */
	wcur_bytes(&w, buf + 2, 6);
	CHECK(wcur_ok(&w));
	CHECK(!memcmp(buf, "abcdef", 6));
}

/* The read cursor shares the contract: last byte fine, one past an error, sticky */
TEST(read_at_the_last_byte_and_past)
{
	static const uint8_t b[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct cursor c;

	cur_init(&c, b, sizeof(b));
	cur_skip(&c, 3);
	CHECK_EQ(cur_u32(&c), 0x04050607);
	CHECK(cur_ok(&c));
	CHECK_EQ(cur_left(&c), 0);
	CHECK_EQ(cur_u8(&c), 0);		/* one past */
	CHECK(!cur_ok(&c));
	cur_seek(&c, 0);			/* sticky */
	CHECK_EQ(cur_u8(&c), 0);
	CHECK(!cur_ok(&c));

	cur_init(&c, b, sizeof(b));
	cur_skip(&c, 6);
	CHECK_EQ(cur_u16(&c), 0);
	CHECK(!cur_ok(&c));
	cur_init(&c, b, sizeof(b));
	CHECK(cur_bytes(&c, 8) == NULL);
	CHECK(!cur_ok(&c));
}

int main(void)
{
	RUN(write_fields_big_endian);
	RUN(every_write_at_the_last_byte);
	RUN(every_write_one_past_the_end);
	RUN(skip_and_zero_return_their_bytes);
	RUN(sticky_error);
	RUN(zero_capacity);
	RUN(seek_rewrites_in_place);
	RUN(bytes_may_overlap);
	RUN(read_at_the_last_byte_and_past);
	return t_done();
}

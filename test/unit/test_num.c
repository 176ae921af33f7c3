// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_num.c - the one number parser, at every boundary (num.h's rule)
 */
#include <errno.h>
#include <stdint.h>

#include "num.h"
#include "t.h"

#define SENTINEL	0x5a5a5a5a5a5a5a5aull

/* one(s, base, min, max): the return, and *out only written on success */
static int one(const char *s, unsigned int base, uint64_t min, uint64_t max,
	       uint64_t *v)
{
	*v = SENTINEL;
	return num_parse(s, base, min, max, v);
}

#define OK(s, base, min, max, want)					\
	do {								\
		uint64_t v_;						\
		CHECK_EQ(one(s, base, min, max, &v_), 0);		\
		CHECK(v_ == (uint64_t)(want));				\
	} while (0)

#define BAD(s, base, min, max, err)					\
	do {								\
		uint64_t v_;						\
		CHECK_EQ(one(s, base, min, max, &v_), err);		\
		CHECK(v_ == SENTINEL);					\
	} while (0)

TEST(bounds)
{
	BAD("9", 10, 10, 60000, -ERANGE);	/* min - 1 */
	OK("10", 10, 10, 60000, 10);		/* min */
	OK("60000", 10, 10, 60000, 60000);	/* max */
	BAD("60001", 10, 10, 60000, -ERANGE);	/* max + 1 */
	OK("0", 10, 0, 0, 0);
	BAD("1", 10, 0, 0, -ERANGE);
	OK("4294967295", 10, 0, UINT32_MAX, UINT32_MAX);
	BAD("4294967296", 10, 0, UINT32_MAX, -ERANGE);		/* 2^32 */
	OK("4294967296", 10, 0, UINT64_MAX, 4294967296ull);
	OK("18446744073709551615", 10, 0, UINT64_MAX, UINT64_MAX);
	BAD("18446744073709551616", 10, 0, UINT64_MAX, -ERANGE); /* 2^64 */
	BAD("99999999999999999999", 10, 0, UINT64_MAX, -ERANGE);
	BAD("184467440737095516150", 10, 0, UINT64_MAX, -ERANGE);
	BAD("123456789012345678901234567890", 10, 1, 16777216, -ERANGE);
}

TEST(syntax)
{
	static const char *const bad[] = {
		"", "+1", "-0", "-1", " 1", "1 ", "\t1", "1\n", "0x1", "0X1",
		"1e3", "1.0", "1,000", "1_000", "\xd9\xa1", "12a", "a12",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = SENTINEL;
		int ret = num_parse(bad[i], 10, 0, UINT64_MAX, &v);

		if (ret != -EINVAL || v != SENTINEL) {
			t_fail_at("\"%s\": %d, not -EINVAL", bad[i], ret);
			return;
		}
	}
	/* syntax first: a bad byte after too many digits is still -EINVAL */
	BAD("99999999999999999999999x", 10, 0, 100, -EINVAL);
	/* only bases 8 and 10 */
	BAD("1", 16, 0, 100, -EINVAL);
	BAD("1", 0, 0, 100, -EINVAL);
}

/* Leading zeros are decimal, and count against the width of max */
TEST(leading_zeros)
{
	OK("01", 10, 0, 99, 1);
	OK("010", 10, 0, 999, 10);		/* ten: never octal */
	OK("00000", 10, 0, 65535, 0);
	OK("00443", 10, 1, 65535, 443);
	BAD("000443", 10, 1, 65535, -ERANGE);	/* wider than 65535 */
	BAD("01", 10, 0, 9, -ERANGE);
	OK("008", 10, 0, 128, 8);
	BAD("0008", 10, 0, 128, -ERANGE);
	BAD("00", 10, 0, 0, -ERANGE);
	BAD("08", 10, 1, 9, -ERANGE);
}

TEST(octal)
{
	OK("0660", 8, 0, 0777, 0660);
	OK("660", 8, 0, 0777, 0660);
	OK("0000", 8, 0, 0777, 0);		/* as sentry check prints 0 */
	OK("0", 8, 0, 0777, 0);
	OK("0777", 8, 0, 0777, 0777);
	BAD("01000", 8, 0, 0777, -ERANGE);
	BAD("1000", 8, 0, 0777, -ERANGE);
	BAD("00777", 8, 0, 0777, -ERANGE);	/* wider than 0777 */
	BAD("0800", 8, 0, 0777, -EINVAL);
	BAD("0x1", 8, 0, 0777, -EINVAL);
	BAD("+0660", 8, 0, 0777, -EINVAL);
	OK("1777777777777777777777", 8, 0, UINT64_MAX, UINT64_MAX);
	BAD("2000000000000000000000", 8, 0, UINT64_MAX, -ERANGE);
}

/* A span needs no NUL, and stops where it is told */
TEST(span)
{
	uint64_t v = SENTINEL;

	CHECK_EQ(num_parse_span("443-8000", 3, 10, 1, 65535, &v), 0);
	CHECK(v == 443);
	CHECK_EQ(num_parse_span("443-8000", 4, 10, 1, 65535, &v), -EINVAL);
	CHECK_EQ(num_parse_span("443", 0, 10, 0, 65535, &v), -EINVAL);
	CHECK(v == 443);
}

TEST(u32)
{
	uint32_t v = 7;

	CHECK_EQ(num_u32("4294967295", 0, UINT32_MAX, &v), 0);
	CHECK(v == UINT32_MAX);
	CHECK_EQ(num_u32("0", 1, 16, &v), -ERANGE);
	CHECK(v == UINT32_MAX);
	CHECK_EQ(num_u32("16", 1, 16, &v), 0);
	CHECK_EQ(v, 16);
	CHECK_EQ(num_u32("17", 1, 16, &v), -ERANGE);
	CHECK_EQ(num_u32("", 1, 16, &v), -EINVAL);
	CHECK_EQ(v, 16);
}

int main(void)
{
	RUN(bounds);
	RUN(syntax);
	RUN(leading_zeros);
	RUN(octal);
	RUN(span);
	RUN(u32);
	return t_done();
}

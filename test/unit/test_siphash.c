// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_siphash.c - SipHash-2-4 against the reference test vectors
 *
 * The vectors are those of the SipHash paper and reference implementation
 * (vectors.h): key 00 01 .. 0f, message 00 01 .. n-1 for n = 0..63, the
 * 64-bit output read as a little-endian integer.
 */
#include <stdint.h>

#include "siphash.h"
#include "t.h"

static const uint64_t vectors[64] = {
	0x726fdb47dd0e0e31ULL,	/* 0 */
	0x74f839c593dc67fdULL,	/* 1 */
	0x0d6c8009d9a94f5aULL,	/* 2 */
	0x85676696d7fb7e2dULL,	/* 3 */
	0xcf2794e0277187b7ULL,	/* 4 */
	0x18765564cd99a68dULL,	/* 5 */
	0xcbc9466e58fee3ceULL,	/* 6 */
	0xab0200f58b01d137ULL,	/* 7 */
	0x93f5f5799a932462ULL,	/* 8 */
	0x9e0082df0ba9e4b0ULL,	/* 9 */
	0x7a5dbbc594ddb9f3ULL,	/* 10 */
	0xf4b32f46226bada7ULL,	/* 11 */
	0x751e8fbc860ee5fbULL,	/* 12 */
	0x14ea5627c0843d90ULL,	/* 13 */
	0xf723ca908e7af2eeULL,	/* 14 */
	0xa129ca6149be45e5ULL,	/* 15 */
	0x3f2acc7f57c29bdbULL,	/* 16 */
	0x699ae9f52cbe4794ULL,	/* 17 */
	0x4bc1b3f0968dd39cULL,	/* 18 */
	0xbb6dc91da77961bdULL,	/* 19 */
	0xbed65cf21aa2ee98ULL,	/* 20 */
	0xd0f2cbb02e3b67c7ULL,	/* 21 */
	0x93536795e3a33e88ULL,	/* 22 */
	0xa80c038ccd5ccec8ULL,	/* 23 */
	0xb8ad50c6f649af94ULL,	/* 24 */
	0xbce192de8a85b8eaULL,	/* 25 */
	0x17d835b85bbb15f3ULL,	/* 26 */
	0x2f2e6163076bcfadULL,	/* 27 */
	0xde4daaaca71dc9a5ULL,	/* 28 */
	0xa6a2506687956571ULL,	/* 29 */
	0xad87a3535c49ef28ULL,	/* 30 */
	0x32d892fad841c342ULL,	/* 31 */
	0x7127512f72f27cceULL,	/* 32 */
	0xa7f32346f95978e3ULL,	/* 33 */
	0x12e0b01abb051238ULL,	/* 34 */
	0x15e034d40fa197aeULL,	/* 35 */
	0x314dffbe0815a3b4ULL,	/* 36 */
	0x027990f029623981ULL,	/* 37 */
	0xcadcd4e59ef40c4dULL,	/* 38 */
	0x9abfd8766a33735cULL,	/* 39 */
	0x0e3ea96b5304a7d0ULL,	/* 40 */
	0xad0c42d6fc585992ULL,	/* 41 */
	0x187306c89bc215a9ULL,	/* 42 */
	0xd4a60abcf3792b95ULL,	/* 43 */
	0xf935451de4f21df2ULL,	/* 44 */
	0xa9538f0419755787ULL,	/* 45 */
	0xdb9acddff56ca510ULL,	/* 46 */
	0xd06c98cd5c0975ebULL,	/* 47 */
	0xe612a3cb9ecba951ULL,	/* 48 */
	0xc766e62cfcadaf96ULL,	/* 49 */
	0xee64435a9752fe72ULL,	/* 50 */
	0xa192d576b245165aULL,	/* 51 */
	0x0a8787bf8ecb74b2ULL,	/* 52 */
	0x81b3e73d20b49b6fULL,	/* 53 */
	0x7fa8220ba3b2eceaULL,	/* 54 */
	0x245731c13ca42499ULL,	/* 55 */
	0xb78dbfaf3a8d83bdULL,	/* 56 */
	0xea1ad565322a1a0bULL,	/* 57 */
	0x60e61c23a3795013ULL,	/* 58 */
	0x6606d7e446282b93ULL,	/* 59 */
	0x6ca4ecb15c5f91e1ULL,	/* 60 */
	0x9f626da15c9625f3ULL,	/* 61 */
	0xe51b38608ef25f57ULL,	/* 62 */
	0x958a324ceb064572ULL,	/* 63 */
};

static const struct siphash_key ref_key = {
	.k = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL },
};

static uint8_t msg[64];

static void fill_msg(void)
{
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
}

static int check_len(size_t n)
{
	uint64_t h = siphash(&ref_key, msg, n);

	if (h != vectors[n]) {
		t_fail_at("length %zu: got %016" PRIx64 ", want %016" PRIx64,
			  n, h, vectors[n]);
		return 0;
	}
	return 1;
}

/* every tail length 0..7 in the first block, and a whole block */
TEST(vectors_0_to_15)
{
	fill_msg();
	for (size_t n = 0; n <= 15; n++)
		if (!check_len(n))
			return;
}

/* several blocks plus a 7-byte tail: the longest reference message */
TEST(vector_63)
{
	fill_msg();
	CHECK(check_len(63));
}

TEST(vectors_all_64)
{
	fill_msg();
	for (size_t n = 0; n < 64; n++)
		if (!check_len(n))
			return;
}

/* reads only @len bytes: an unaligned start and a poisoned byte after */
TEST(unaligned_and_bounded)
{
	uint8_t buf[80];

	for (size_t off = 1; off < 8; off++) {
		for (int i = 0; i < 64; i++)
			buf[off + (size_t)i] = (uint8_t)i;
		for (size_t n = 0; n < 64; n++) {
			buf[off + n] = 0xaa;	/* the byte past the message */
			CHECK(siphash(&ref_key, buf + off, n) == vectors[n]);
			buf[off + n] = (uint8_t)n;
		}
	}
}

TEST(key_matters)
{
	struct siphash_key k = ref_key;

	fill_msg();
	k.k[1] ^= 1;
	CHECK(siphash(&k, msg, 8) != vectors[8]);
	k = ref_key;
	k.k[0] ^= (uint64_t)1 << 63;
	CHECK(siphash(&k, msg, 8) != vectors[8]);
}

TEST(random_key)
{
	struct siphash_key a = { { 0, 0 } }, b = { { 0, 0 } };

	CHECK_EQ(siphash_key_random(&a), 0);
	CHECK_EQ(siphash_key_random(&b), 0);
	/* 128 random bits twice alike, or all zero, means no randomness */
	CHECK(a.k[0] != b.k[0] || a.k[1] != b.k[1]);
	CHECK(a.k[0] || a.k[1]);
}

int main(void)
{
	RUN(vectors_0_to_15);
	RUN(vector_63);
	RUN(vectors_all_64);
	RUN(unaligned_and_bounded);
	RUN(key_matters);
	RUN(random_key);
	return t_done();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_namescan.c - the readers of a flow's first bytes: TLS server_name,
 * HTTP Host, QUIC Initial (with RFC 9001 Appendix A's vectors)
 */
#include <stdlib.h>

#include "hello.h"
#include "http_host.h"
#include "quic_initial.h"
#include "t.h"
#include "tls_sni.h"

static uint8_t b1[20000], b2[20000];

static bool name_is(const struct scan_names *s, unsigned int i, const char *want)
{
	return s->n > i && s->len[i] == strlen(want) &&
	       !memcmp(s->name[i], want, s->len[i]);
}

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2)
		out[n++] = (uint8_t)strtoul((char[]){ h[0], h[1], 0 }, NULL, 16);
	return n;
}

TEST(tls_record_sni)
{
	struct scan_names s;
	size_t n = tls_record(b1, b2, client_hello(b2, "Allowed.Example", 0)), need;

	CHECK_EQ(tls_sni_record(b1, n, &s, &need), SCAN_NAME);
	CHECK(name_is(&s, 0, "Allowed.Example"));
	/* every true prefix asks for more, and says how much once it can */
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(tls_sni_record(b1, i, &s, &need), SCAN_MORE);
	CHECK_EQ(tls_sni_record(b1, 9, &s, &need), SCAN_MORE);
	CHECK_EQ(need, n);
	/* no server_name: speaks TLS, names nothing */
	n = tls_record(b1, b2, client_hello(b2, NULL, 0));
	CHECK_EQ(tls_sni_record(b1, n, &s, &need), SCAN_NONE);
	/* not TLS */
	CHECK_EQ(tls_sni_record((const uint8_t *)"SSH-2.0-x\r\n", 11, &s, &need), SCAN_OTHER);
	CHECK_EQ(tls_sni_record((const uint8_t *)"\x16\x01", 2, &s, &need), SCAN_OTHER);
}

TEST(tls_long_hello_spans_segments)
{
	struct scan_names s;
	size_t n = tls_record(b1, b2, client_hello(b2, "pq.example", 1800)), need;

	CHECK(n > 1800);
	CHECK_EQ(tls_sni_record(b1, 1400, &s, &need), SCAN_MORE);
	CHECK_EQ(need, n);
	CHECK_EQ(tls_sni_record(b1, n, &s, &need), SCAN_NAME);
	CHECK(name_is(&s, 0, "pq.example"));
}

TEST(tls_lies_are_bad)
{
	struct scan_names s;
	size_t n, h, need;

	/* a record longer than the hello it holds */
	h = client_hello(b2, "a.example", 0);
	n = tls_record(b1, b2, h);
	put_be16(b1 + 3, (uint16_t)(h + 1));
	b1[n] = 0;
	CHECK_EQ(tls_sni_record(b1, n + 1, &s, &need), SCAN_BAD);
	/* a hello split over two records */
	n = tls_record(b1, b2, h);
	put_be16(b1 + 3, 20);
	CHECK_EQ(tls_sni_record(b1, n, &s, &need), SCAN_BAD);
	/* extensions that overrun the hello */
	h = client_hello(b2, "a.example", 0);
	b2[4 + 2 + 32 + 1 + 2 + 2 + 2] ^= 0x01;	/* extensions length high byte */
	n = tls_record(b1, b2, h);
	CHECK_EQ(tls_sni_record(b1, n, &s, &need), SCAN_BAD);
	/* a handshake that is not a ClientHello */
	n = tls_record(b1, b2, client_hello(b2, "a.example", 0));
	b1[5] = 2;
	CHECK_EQ(tls_sni_record(b1, n, &s, &need), SCAN_BAD);
	/* an empty host_name */
	n = tls_record(b1, b2, client_hello(b2, "", 0));
	CHECK_EQ(tls_sni_record(b1, n, &s, &need), SCAN_BAD);
}

TEST(tls_two_server_names_bad)
{
	struct scan_names s;
	size_t h = client_hello(b2, "a.example", 0), need, n;
	/* a second server_name extension appended to the first hello */
	static const uint8_t ext[] = { 0, 0, 0, 14, 0, 12, 0, 0, 9,
				       'b', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e' };
	size_t ext_at = 4 + 2 + 32 + 1 + 2 + 2 + 2;

	memcpy(b2 + h, ext, sizeof(ext));
	h += sizeof(ext);
	put_be16(b2 + ext_at, (uint16_t)(get_be16(b2 + ext_at) + sizeof(ext)));
	b2[1] = 0;
	put_be16(b2 + 2, (uint16_t)(h - 4));
	n = tls_record(b1, b2, h);
	CHECK_EQ(tls_sni_record(b1, n, &s, &need), SCAN_BAD);
}

TEST(http_host)
{
	struct scan_names s;
	const char *r;

	r = "GET / HTTP/1.1\r\nUser-Agent: x\r\nHOST:  other.example:8080 \r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_NAME);
	CHECK_EQ(s.n, 1);
	CHECK(name_is(&s, 0, "other.example"));
	/* bare LF line ends, as servers accept them */
	r = "HEAD /x HTTP/1.1\nHost: a.example\n\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_NAME);
	CHECK(name_is(&s, 0, "a.example"));
	/* an absolute target is a name too, and the server prefers it */
	r = "GET http://user@other.example:80/p?q HTTP/1.1\r\nHost: a.example\r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_NAME);
	CHECK_EQ(s.n, 2);
	CHECK(name_is(&s, 0, "other.example") && name_is(&s, 1, "a.example"));
	r = "CONNECT other.example:443 HTTP/1.1\r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_NAME);
	CHECK(name_is(&s, 0, "other.example"));
	/* HTTP/1.0 without Host */
	r = "GET / HTTP/1.0\r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_NONE);
	/* IPv6 literal kept whole */
	r = "GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_NAME);
	CHECK(name_is(&s, 0, "[2001:db8::1]"));
}

TEST(http_prefixes_and_lies)
{
	struct scan_names s;
	const char *r = "POST /x HTTP/1.1\r\nHost: a.example\r\nContent-Length: 0\r\n\r\n";

	for (size_t i = 0; i < strlen(r); i++)
		CHECK_EQ(http_host_scan((const uint8_t *)r, i, &s), SCAN_MORE);
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_NAME);
	r = "GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_BAD);
	r = "GET / HTTP/1.1\r\nX: y\r\n  folded\r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_BAD);
	r = "GET / HTTP/1.1\r\nHost:\r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_BAD);
	r = "GET / SPDY/3\r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_BAD);
	r = "SSH-2.0-OpenSSH\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_OTHER);
	r = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_OTHER);
	r = "GETX / HTTP/1.1\r\n\r\n";
	CHECK_EQ(http_host_scan((const uint8_t *)r, strlen(r), &s), SCAN_OTHER);
}

/* RFC 9001 A.1: keys from the connection ID 0x8394c8f03e515708 */
TEST(quic_rfc9001_keys)
{
	static const uint8_t dcid[] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08 };
	struct quic_keys k;
	uint8_t want[32];

	CHECK_EQ(quic_initial_keys(dcid, sizeof(dcid), false, &k), 0);
	unhex("1f369613dd76d5467730efcbe3b1a22d", want);
	CHECK(!memcmp(k.key, want, 16));
	unhex("fa044b2f42a3fd3b46fb255c", want);
	CHECK(!memcmp(k.iv, want, 12));
	unhex("9f50449e04a0e810283a1e9933adedd2", want);
	CHECK(!memcmp(k.hp, want, 16));
	CHECK_EQ(quic_initial_keys(dcid, sizeof(dcid), true, &k), 0);
	unhex("cf3a5331653c364c88f0f379b6067e37", want);
	CHECK(!memcmp(k.key, want, 16));
	unhex("0ac1493ca1905853b0bba03e", want);
	CHECK(!memcmp(k.iv, want, 12));
}

/* RFC 9001 A.2: the client's protected Initial, 1200 bytes */
static const char a2[] =
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934";

struct collect {
	uint8_t stream[4096];
	size_t len;
	unsigned int frames;
};

static int collect(void *arg, uint64_t off, const uint8_t *data, size_t len)
{
	struct collect *c = arg;

	if (off + len > sizeof(c->stream))
		return 1;
	memcpy(c->stream + off, data, len);
	if (off + len > c->len)
		c->len = off + len;
	c->frames++;
	return 0;
}

TEST(quic_rfc9001_client_initial)
{
	static uint8_t plain[2048];
	struct quic_initial *q = quic_initial_new();
	struct collect c = { .len = 0 };
	struct quic_scan s;
	struct scan_names names;
	size_t n = unhex(a2, b1), need;

	CHECK(q);
	CHECK_EQ(n, 1200);
	CHECK_EQ(quic_initial_scan(q, b1, n, plain, sizeof(plain), collect, &c, &s),
		 SCAN_MORE);
	CHECK_EQ(s.dcid_len, 8);
	CHECK_EQ(c.frames, 1);
	CHECK_EQ(c.len, 241);		/* the CRYPTO frame: 0x40f1 bytes */
	CHECK_EQ(tls_sni_hello(c.stream, c.len, &names, &need), SCAN_NAME);
	CHECK(name_is(&names, 0, "example.com"));
	/* one bit flipped in the ciphertext: the tag fails */
	b1[600] ^= 1;
	CHECK_EQ(quic_initial_scan(q, b1, n, plain, sizeof(plain), collect, &c, &s),
		 SCAN_BAD);
	b1[600] ^= 1;
	/* a short header, another version: not read */
	b1[0] = 0x40;
	CHECK_EQ(quic_initial_scan(q, b1, n, plain, sizeof(plain), collect, &c, &s),
		 SCAN_OTHER);
	quic_initial_free(q);
}

TEST(quic_sealed_round_trip)
{
	static const uint8_t dcid[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static uint8_t plain[2048];
	struct quic_initial *q = quic_initial_new();
	struct collect c = { .len = 0 };
	struct quic_scan s;
	struct scan_names names;
	size_t h = client_hello(b2, "other.example", 0), need, n;

	CHECK(q);
	n = quic_seal(b1, dcid, sizeof(dcid), 0, 0, b2, h);
	CHECK_EQ(n, 1200);
	CHECK_EQ(quic_initial_scan(q, b1, n, plain, sizeof(plain), collect, &c, &s),
		 SCAN_MORE);
	CHECK_EQ(c.len, h);
	CHECK_EQ(tls_sni_hello(c.stream, c.len, &names, &need), SCAN_NAME);
	CHECK(name_is(&names, 0, "other.example"));
	/* a connection ID over 20 bytes */
	b1[5] = 21;
	CHECK_EQ(quic_initial_scan(q, b1, n, plain, sizeof(plain), collect, &c, &s),
		 SCAN_BAD);
	quic_initial_free(q);
}

int main(void)
{
	RUN(tls_record_sni);
	RUN(tls_long_hello_spans_segments);
	RUN(tls_lies_are_bad);
	RUN(tls_two_server_names_bad);
	RUN(http_host);
	RUN(http_prefixes_and_lies);
	RUN(quic_rfc9001_keys);
	RUN(quic_rfc9001_client_initial);
	RUN(quic_sealed_round_trip);
	return t_done();
}

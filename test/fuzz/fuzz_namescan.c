// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_namescan.c - libFuzzer harness: the readers of a flow's first bytes
 *
 * The first input byte picks the reader: 0 a TLS record (tls_sni_record),
 * 1 a bare ClientHello (tls_sni_hello), 2 an HTTP/1.x request
 * (http_host_scan), 3 a QUIC datagram (quic_initial_scan; a fuzzed packet
 * seldom opens, so this covers the header walk and the key set-up).
 * Beyond "no crash": every name reported lies inside the input (the input
 * is copied to an exact-size heap buffer, so ASan sees a read past it),
 * and SCAN_NAME comes with at least one name.
 */
#include <stdlib.h>
#include <string.h>

#include "http_host.h"
#include "quic_initial.h"
#include "tls_sni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int crypto(void *arg, uint64_t off, const uint8_t *d, size_t len)
{
	(void)arg;
	(void)off;
	(void)d;
	(void)len;
	return 0;
}

static void names_inside(const struct scan_names *s, const uint8_t *buf,
			 size_t len)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (s->name[i] < buf || s->name[i] + s->len[i] > buf + len)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct quic_initial *q;
	static uint8_t plain[2048];
	struct scan_names s = { 0 };
	enum scan_result r = SCAN_OTHER;
	struct quic_scan qs;
	uint8_t *buf;
	size_t need, len;

	if (!size)
		return 0;
	if (!q)
		q = quic_initial_new();
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf || !q) {
		free(buf);
		return 0;
	}
	memcpy(buf, data + 1, len);
	switch (data[0] & 3) {
	case 0:
		r = tls_sni_record(buf, len, &s, &need);
		break;
	case 1:
		r = tls_sni_hello(buf, len, &s, &need);
		break;
	case 2:
		r = http_host_scan(buf, len, &s);
		break;
	default:
		quic_initial_scan(q, buf, len, plain, sizeof(plain), crypto, NULL, &qs);
		break;
	}
	names_inside(&s, buf, len);
	if (r == SCAN_NAME && !s.n)
		abort();
	free(buf);
	return 0;
}

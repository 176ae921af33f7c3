// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_packet.c - libFuzzer harness: the packet decoder
 *
 * Beyond "no crash": an accepted packet's view must lie inside the buffer
 * (ASan sees the rest, since the input is copied to an exact-size heap
 * buffer), and an ICMP error's quote is parsed too.
 */
#include <stdlib.h>
#include <string.h>

#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct pkt_quote q;
	struct pkt p;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (pkt_parse(buf, size, &p) == DROP_NONE) {
		if (p.len > size || p.l4_off > p.len ||
		    p.payload_off + (size_t)p.payload_len > p.len)
			abort();
		if (p.icmp_kind == ICMP_KIND_ERROR)
			pkt_parse_quote(&p, &q);
	}
	free(buf);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_dns_response.c - libFuzzer harness: an upstream DNS answer
 *
 * Parses, and for an accepted answer learns, checking the bounds
 * dns_learn() promises. Any broken promise aborts.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon \
 *     test/fuzz/fuzz_dns_response.c common/dns_*.c common/addr.c common/drop.c
 */
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_learn_result l;
	static struct dns_name back;
	static struct dns_msg m;

	if (dns_parse_response(data, size, &m) != DROP_NONE)
		return 0;

	if (dns_name_from_text(m.q.name.text, &back) ||
	    strcmp(back.text, m.q.name.text))
		abort();
	if (m.edns.present && m.edns.off >= size)
		abort();

	dns_learn(&m, &l);
	if (l.naddrs > DNS_LEARN_MAX || l.chain_len < 1 ||
	    l.chain_len > DNS_CHAIN_MAX ||
	    l.off_chain > m.hdr.ancount ||
	    l.target.text_len != strlen(l.target.text))
		abort();
	if (l.chain_len == 1 && strcmp(l.target.text, m.q.name.text))
		abort();
	for (uint32_t i = 0; i < l.naddrs; i++) {
		const struct dns_learnt *a = &l.addrs[i];

		if (a->addr.family != ADDR_FAMILY_V4 &&
		    a->addr.family != ADDR_FAMILY_V6)
			abort();
		if (a->ttl & 0x80000000u)
			abort();
		for (uint32_t k = 0; k < i; k++)
			if (addr_equal(&a->addr, &l.addrs[k].addr))
				abort();
	}
	return 0;
}

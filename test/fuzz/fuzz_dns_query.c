// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_dns_query.c - libFuzzer harness: a bottle's DNS query
 *
 * Beyond "no crash": an accepted query's name must read back through
 * dns_name_from_text() unchanged, and its refusal must parse as a response
 * to the same question. Any broken promise aborts, so libFuzzer keeps it.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon \
 *     test/fuzz/fuzz_dns_query.c common/dns_*.c common/addr.c common/drop.c
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Room for the query plus the largest OPT sentry writes */
static uint8_t copy[65535 + 64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_msg q, r;
	static struct dns_name back;
	int n;

	if (dns_parse_query(data, size, &q) != DROP_NONE)
		return 0;

	if (q.q.name.text_len != strlen(q.q.name.text) ||
	    q.q.name.wire_len < 1 || q.q.name.wire_len > DNS_NAME_WIRE_MAX)
		abort();
	if (dns_name_from_text(q.q.name.text, &back) ||
	    strcmp(back.text, q.q.name.text) ||
	    back.wire_len != q.q.name.wire_len)
		abort();

	memcpy(copy, data, size);
	n = dns_synth_refusal(copy, size + 64, &q,
			      size & 1 ? DNS_RCODE_REFUSED : DNS_RCODE_NXDOMAIN,
			      size & 2 ? EDE_BLOCKED : -1);
	if (n < 0)
		abort();
	if (dns_parse_response(copy, (size_t)n, &r) != DROP_NONE)
		abort();
	if (!dns_question_equal(&q.q, &r.q) || r.hdr.id != q.hdr.id ||
	    r.edns.present != q.edns.present ||
	    memcmp(copy + DNS_HDR_LEN, data + DNS_HDR_LEN,
		   q.q.end - DNS_HDR_LEN))
		abort();

	/* and too little room is refused, not overrun */
	if (dns_synth_refusal(copy, (size_t)n - 1, &q, DNS_RCODE_REFUSED,
			      size & 2 ? EDE_BLOCKED : -1) != -ENOSPC)
		abort();
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_policy_ini.c - libFuzzer harness: the policy compiler
 *
 * Beyond "no crash": a policy that compiles must write back (show) to text
 * that compiles to the same text again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *show(const struct policy *p, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	if (policy_write_ini(p, f))
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[POLICY_ERR_MAX];
	struct policy *p, *q;
	char *a, *b;
	size_t alen, blen;

	if (policy_compile_text((const char *)data, size, "fuzz.ini", &p, err))
		return 0;
	a = show(p, &alen);
	if (policy_compile_text(a, alen, "fuzz.ini", &q, err))
		abort();	/* show wrote something compile refuses */
	b = show(q, &blen);
	if (alen != blen || memcmp(a, b, alen))
		abort();	/* not a fixed point */
	free(a);
	free(b);
	policy_free(p);
	policy_free(q);
	return 0;
}

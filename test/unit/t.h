/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * t.h - the unit-test harness: one binary per module, TAP-like output
 *
 *   TEST(parses_minimal_header) { ...; CHECK(x == 1); CHECK_EQ(a, b); }
 *   int main(void) { RUN(parses_minimal_header); return t_done(); }
 *
 * Each RUN prints "ok - NAME" or "not ok - NAME" followed by the failed
 * checks; test/run counts those lines. A failed CHECK returns from the
 * test function at once.
 */
#ifndef SENTRY_T_H
#define SENTRY_T_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_failures;		/* tests failed in this binary */
static int t_cur_failed;	/* the current test has failed */

#define TEST(name) static void name(void)

#define t_fail_at(...)							\
	do {								\
		t_cur_failed = 1;					\
		printf("#   %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	} while (0)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			t_fail_at("CHECK(%s)", #cond);			\
			return;						\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);	\
		if (t_a_ != t_b_) {					\
			t_fail_at("CHECK_EQ(%s, %s): %lld != %lld",	\
				  #a, #b, t_a_, t_b_);			\
			return;						\
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *t_a_ = (a), *t_b_ = (b);			\
		if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_)) {		\
			t_fail_at("CHECK_STR(%s, %s): \"%s\" != \"%s\"",	\
				  #a, #b, t_a_ ? t_a_ : "(null)",	\
				  t_b_ ? t_b_ : "(null)");		\
			return;						\
		}							\
	} while (0)

static inline void t_run(const char *name, void (*fn)(void))
{
	t_cur_failed = 0;
	fn();
	if (t_cur_failed)
		t_failures++;
	printf("%s - %s\n", t_cur_failed ? "not ok" : "ok", name);
	fflush(stdout);
}

#define RUN(name) t_run(#name, name)

static inline int t_done(void)
{
	return t_failures ? 1 : 0;
}

#endif /* SENTRY_T_H */

// SPDX-License-Identifier: GPL-2.0-or-later
/* test_learn.c - the learnt-address table: expiry, caps, eviction, stress */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "learn.h"
#include "t.h"

#define SEC	1000000000ULL

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	if (addr_parse(s, &a))
		abort();
	return a;
}

static struct learn_table *table_capped(uint32_t bindings, uint32_t names,
					uint32_t per_name, uint32_t per_addr)
{
	struct learn_limits lim = { bindings, names, per_name, per_addr, 1 };
	struct learn_table *t = learn_new(&lim);

	if (!t)
		abort();
	return t;
}

static struct learn_table *table(uint32_t bindings, uint32_t names,
				 uint32_t per_name)
{
	return table_capped(bindings, names, per_name, 0);
}

static int add(struct learn_table *t, uint32_t scope, const char *addr,
	       const char *name, uint64_t expires, uint64_t now)
{
	struct ipaddr a = ip(addr);

	return learn_add(t, 0, scope, &a, name, strlen(name), 1, expires, now);
}

/* Names bound to @addr, most recent first, joined by spaces into @buf */
static const char *names_of(struct learn_table *t, uint32_t scope,
			    const char *addr, uint64_t now, char *buf)
{
	struct ipaddr a = ip(addr);
	uint32_t idx[16], n = learn_lookup(t, scope, &a, now, idx, 16);

	buf[0] = '\0';
	for (uint32_t i = 0; i < n && i < 16; i++) {
		const struct learn_binding *b = learn_binding_at(t, idx[i]);

		if (i)
			strcat(buf, " ");
		strcat(buf, learn_name_at(t, b->name)->name);
	}
	return buf;
}

static struct learn_stats stats(const struct learn_table *t)
{
	struct learn_stats s;

	learn_stats(t, &s);
	return s;
}

TEST(new_rejects_bad_limits)
{
	struct learn_limits lim = { 0, 4, 4, 0, 1 };

	errno = 0;
	CHECK(!learn_new(&lim));
	CHECK_EQ(errno, EINVAL);
	lim = (struct learn_limits){ 4, 0, 4, 0, 1 };
	errno = 0;
	CHECK(!learn_new(&lim));
	CHECK_EQ(errno, EINVAL);
	lim = (struct learn_limits){ 100, 10, 4, 0, 1 };
	CHECK(learn_table_bytes(&lim) >=
	      100 * sizeof(struct learn_binding) + 10 * sizeof(struct learn_name));
}

TEST(add_lookup_expiry_refresh)
{
	struct learn_table *t = table(16, 16, 8);
	struct ipaddr a = ip("198.18.0.1");
	const struct learn_binding *b;
	uint32_t idx[4];
	char buf[256];

	CHECK_EQ(learn_lookup(t, 1, &a, 0, idx, 4), 0);
	CHECK_EQ(learn_add(t, 0, 1, &a, "example.com", 11, 28, 100 * SEC,
			   10 * SEC), 0);
	CHECK_EQ(learn_lookup(t, 1, &a, 50 * SEC, idx, 4), 1);
	b = learn_binding_at(t, idx[0]);
	CHECK(b);
	CHECK(addr_equal(&b->addr, &a));
	CHECK_EQ(b->scope, 1);
	CHECK_EQ(b->rrtype, 28);
	CHECK_EQ(b->learnt, 10 * SEC);
	CHECK_EQ(b->expires, 100 * SEC);
	CHECK_STR(learn_name_at(t, b->name)->name, "example.com");
	CHECK_EQ(learn_name_at(t, b->name)->len, 11);
	CHECK_EQ(learn_name_at(t, b->name)->naddrs, 1);
	CHECK_EQ(learn_lookup(t, 1, &a, 100 * SEC - 1, idx, 4), 1);
	CHECK_EQ(learn_lookup(t, 1, &a, 100 * SEC, idx, 4), 0);	/* TTL passed */
	CHECK_EQ(learn_lookup(t, 1, &a, 500 * SEC, idx, 4), 0);

	/* a new answer brings it back and pushes the expiry out */
	CHECK_EQ(add(t, 1, "198.18.0.1", "example.com", 200 * SEC, 150 * SEC), 0);
	CHECK_STR(names_of(t, 1, "198.18.0.1", 199 * SEC, buf), "example.com");
	CHECK_EQ(stats(t).refreshed, 1);
	CHECK_EQ(stats(t).learnt, 1);
	CHECK_EQ(stats(t).bindings, 1);
	/* an answer with a shorter TTL does not cut it short */
	CHECK_EQ(add(t, 1, "198.18.0.1", "example.com", 160 * SEC, 155 * SEC), 0);
	CHECK_EQ(learn_lookup(t, 1, &a, 170 * SEC, idx, 4), 1);
	b = learn_binding_at(t, idx[0]);
	CHECK_EQ(b->expires, 200 * SEC);
	CHECK_EQ(b->learnt, 155 * SEC);
	CHECK_EQ(stats(t).refreshed, 1);
	CHECK(!learn_binding_at(t, 16));
	CHECK(!learn_name_at(t, 16));
	learn_free(t);
}

TEST(address_forms)
{
	struct learn_table *t = table(16, 16, 8);
	struct ipaddr a = ip("198.18.0.1"), junk = a, v6 = ip("::ffff:198.18.0.1");
	uint32_t idx[4];

	memset(junk.b + 4, 0x77, 12);
	CHECK_EQ(learn_add(t, 0, 1, &junk, "a.example", 9, 1, 10 * SEC, 0), 0);
	CHECK_EQ(learn_lookup(t, 1, &a, 0, idx, 4), 1);
	CHECK_EQ(learn_lookup(t, 1, &junk, 0, idx, 4), 1);
	/* the mapped IPv6 form is another address */
	CHECK_EQ(learn_lookup(t, 1, &v6, 0, idx, 4), 0);
	CHECK_EQ(add(t, 1, "2001:db8::1", "a.example", 10 * SEC, 0), 0);
	CHECK_EQ(learn_lookup(t, 1, &a, 0, idx, 4), 1);
	CHECK_EQ(learn_name_at(t, learn_binding_at(t, idx[0])->name)->naddrs, 2);
	a.family = 0;
	CHECK_EQ(learn_add(t, 0, 1, &a, "a.example", 9, 1, 10 * SEC, 0), -EINVAL);
	CHECK_EQ(learn_lookup(t, 1, &a, 0, idx, 4), 0);
	learn_free(t);
}

TEST(several_names_per_address)
{
	struct learn_table *t = table(16, 16, 8);
	struct ipaddr a = ip("2001:db8::10");
	uint32_t idx[2] = { 0, 0 }, spare = 12345;
	uint32_t many[3];
	char buf[256];

	CHECK_EQ(add(t, 1, "2001:db8::10", "a.example", 100 * SEC, 1), 0);
	CHECK_EQ(add(t, 1, "2001:db8::10", "b.example", 100 * SEC, 2), 0);
	CHECK_EQ(add(t, 1, "2001:db8::10", "c.example", 100 * SEC, 3), 0);
	CHECK_EQ(add(t, 1, "2001:db8::11", "c.example", 100 * SEC, 4), 0);
	CHECK_STR(names_of(t, 1, "2001:db8::10", 5, buf),
		  "c.example b.example a.example");
	CHECK_EQ(add(t, 1, "2001:db8::10", "a.example", 100 * SEC, 6), 0);
	CHECK_STR(names_of(t, 1, "2001:db8::10", 7, buf),
		  "a.example c.example b.example");
	CHECK_STR(names_of(t, 1, "2001:db8::11", 7, buf), "c.example");
	CHECK_EQ(stats(t).names, 3);
	CHECK_EQ(stats(t).bindings, 4);

	/* more found than room: the count says so, only @max stored */
	{
		struct {
			uint32_t idx[2];
			uint32_t guard;
		} o = { { 0, 0 }, spare };

		CHECK_EQ(learn_lookup(t, 1, &a, 7, o.idx, 2), 3);
		CHECK_EQ(o.guard, spare);
		CHECK_EQ(learn_lookup(t, 1, &a, 7, many, 3), 3);
		CHECK_EQ(o.idx[0], many[0]);
		CHECK_EQ(o.idx[1], many[1]);
	}
	CHECK_EQ(learn_lookup(t, 1, &a, 7, idx, 0), 3);
	learn_free(t);
}

/*
 * Every name on one address shares one chain (a CDN; the bench's 1000
 * names): relearning one from the middle and evicting from the middle keep
 * the chain whole and most-recent-first.
 */
TEST(one_address_many_names)
{
	struct learn_table *t = table(1000, 1000, 4);
	struct ipaddr a = ip("198.51.100.7");
	uint32_t idx[2];
	char name[32], buf[256];

	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "n%d.cdn.example", i);
		CHECK_EQ(add(t, 1, "198.51.100.7", name, 100 * SEC, (uint64_t)i), 0);
	}
	CHECK_EQ(learn_lookup(t, 1, &a, 1000, idx, 2), 1000);
	CHECK_EQ(add(t, 1, "198.51.100.7", "n500.cdn.example", 200 * SEC, 1001), 0);
	CHECK_EQ(stats(t).refreshed, 1);
	CHECK_EQ(learn_lookup(t, 1, &a, 1002, idx, 2), 1000);
	CHECK_STR(learn_name_at(t, learn_binding_at(t, idx[0])->name)->name,
		  "n500.cdn.example");
	CHECK_STR(learn_name_at(t, learn_binding_at(t, idx[1])->name)->name,
		  "n999.cdn.example");
	/* the pool is full: a new name pushes out n0, the least recently learnt */
	CHECK_EQ(add(t, 1, "198.51.100.8", "other.example", 100 * SEC, 1003), 0);
	CHECK_EQ(learn_lookup(t, 1, &a, 1004, idx, 2), 999);
	CHECK_STR(names_of(t, 1, "198.51.100.8", 1004, buf), "other.example");
	CHECK_EQ(stats(t).bindings, 1000);
	learn_free(t);
}

/* per_address: the address's binding learnt longest ago makes room */
TEST(per_address_cap_replaces_least_recent)
{
	struct learn_table *t = table_capped(64, 64, 4, 3);
	char buf[256];

	CHECK_EQ(add(t, 1, "198.51.100.7", "a.example", 100 * SEC, 1), 0);
	CHECK_EQ(add(t, 1, "198.51.100.7", "b.example", 100 * SEC, 2), 0);
	CHECK_EQ(add(t, 1, "198.51.100.7", "c.example", 100 * SEC, 3), 0);
	CHECK_EQ(add(t, 1, "198.51.100.7", "a.example", 100 * SEC, 4), 0);	/* relearnt */
	CHECK_EQ(stats(t).addr_capped, 0);
	CHECK_EQ(add(t, 1, "198.51.100.7", "d.example", 100 * SEC, 5), 0);
	CHECK_EQ(stats(t).addr_capped, 1);
	CHECK_STR(names_of(t, 1, "198.51.100.7", 6, buf), "d.example a.example c.example");
	/* b had no other address: its name went with it */
	CHECK_EQ(stats(t).names, 3);
	/* other scopes and addresses have caps of their own */
	CHECK_EQ(add(t, 2, "198.51.100.7", "b.example", 100 * SEC, 7), 0);
	CHECK_EQ(add(t, 1, "198.51.100.8", "b.example", 100 * SEC, 8), 0);
	CHECK_EQ(stats(t).addr_capped, 1);
	learn_free(t);
}

TEST(scopes_isolated)
{
	struct learn_table *t = table(16, 16, 8);
	char buf[256];

	CHECK_EQ(add(t, 1, "198.18.0.1", "x.example", 100 * SEC, 0), 0);
	CHECK_EQ(add(t, 2, "198.18.0.1", "y.example", 100 * SEC, 0), 0);
	CHECK_EQ(add(t, 2, "198.18.0.2", "x.example", 100 * SEC, 0), 0);
	CHECK_STR(names_of(t, 1, "198.18.0.1", 0, buf), "x.example");
	CHECK_STR(names_of(t, 2, "198.18.0.1", 0, buf), "y.example");
	CHECK_STR(names_of(t, 1, "198.18.0.2", 0, buf), "");
	CHECK_STR(names_of(t, 3, "198.18.0.1", 0, buf), "");
	CHECK_EQ(stats(t).names, 3);	/* x.example once per scope */
	learn_free(t);
}

TEST(names_case_sensitive)
{
	struct learn_table *t = table(16, 16, 8);

	CHECK_EQ(add(t, 1, "198.18.0.1", "x.example", 100 * SEC, 0), 0);
	CHECK_EQ(add(t, 1, "198.18.0.1", "X.example", 100 * SEC, 0), 0);
	CHECK_EQ(stats(t).names, 2);
	CHECK_EQ(stats(t).bindings, 2);
	learn_free(t);
}

TEST(per_name_cap_replaces_soonest_expiring)
{
	struct learn_table *t = table(16, 16, 3);
	struct learn_stats s;
	char buf[256];

	CHECK_EQ(add(t, 1, "198.18.0.1", "cdn.example", 300 * SEC, 1), 0);
	CHECK_EQ(add(t, 1, "198.18.0.2", "cdn.example", 100 * SEC, 2), 0);
	CHECK_EQ(add(t, 1, "198.18.0.3", "cdn.example", 200 * SEC, 3), 0);
	CHECK_EQ(add(t, 1, "198.18.0.9", "other.example", 50 * SEC, 4), 0);
	CHECK_EQ(add(t, 1, "198.18.0.4", "cdn.example", 150 * SEC, 5), 0);
	CHECK_STR(names_of(t, 1, "198.18.0.2", 6, buf), "");
	CHECK_STR(names_of(t, 1, "198.18.0.1", 6, buf), "cdn.example");
	CHECK_STR(names_of(t, 1, "198.18.0.3", 6, buf), "cdn.example");
	CHECK_STR(names_of(t, 1, "198.18.0.4", 6, buf), "cdn.example");
	CHECK_STR(names_of(t, 1, "198.18.0.9", 6, buf), "other.example");
	s = stats(t);
	CHECK_EQ(s.capped, 1);
	CHECK_EQ(s.evicted, 0);
	CHECK_EQ(s.bindings, 4);
	CHECK_EQ(s.names, 2);
	/* next to go is the new 150 s one, not the oldest learnt */
	CHECK_EQ(add(t, 1, "198.18.0.5", "cdn.example", 400 * SEC, 7), 0);
	CHECK_STR(names_of(t, 1, "198.18.0.4", 8, buf), "");
	CHECK_STR(names_of(t, 1, "198.18.0.1", 8, buf), "cdn.example");
	/* re-learning a held address is no new binding: nothing is replaced */
	CHECK_EQ(add(t, 1, "198.18.0.3", "cdn.example", 400 * SEC, 9), 0);
	CHECK_EQ(stats(t).capped, 2);
	CHECK_EQ(stats(t).bindings, 4);
	learn_free(t);
}

TEST(no_cap_when_zero)
{
	struct learn_table *t = table(64, 4, 0);
	char a[32];

	for (int i = 0; i < 40; i++) {
		snprintf(a, sizeof(a), "198.18.1.%d", i);
		CHECK_EQ(add(t, 1, a, "big.example", 100 * SEC, 0), 0);
	}
	CHECK_EQ(stats(t).bindings, 40);
	CHECK_EQ(stats(t).capped, 0);
	learn_free(t);
}

TEST(pool_evicts_least_recently_learnt)
{
	struct learn_table *t = table(4, 16, 8);
	struct learn_stats s;
	char buf[256];

	CHECK_EQ(add(t, 1, "198.18.0.1", "a.example", 100 * SEC, 1), 0);
	CHECK_EQ(add(t, 1, "198.18.0.2", "b.example", 100 * SEC, 2), 0);
	CHECK_EQ(add(t, 1, "198.18.0.3", "c.example", 100 * SEC, 3), 0);
	CHECK_EQ(add(t, 1, "198.18.0.4", "c.example", 100 * SEC, 4), 0);
	CHECK_EQ(add(t, 1, "198.18.0.1", "a.example", 100 * SEC, 5), 0);
	CHECK_EQ(add(t, 1, "198.18.0.5", "e.example", 100 * SEC, 6), 0);
	CHECK_STR(names_of(t, 1, "198.18.0.2", 7, buf), "");	/* b went */
	CHECK_STR(names_of(t, 1, "198.18.0.1", 7, buf), "a.example");
	s = stats(t);
	CHECK_EQ(s.evicted, 1);
	CHECK_EQ(s.names, 3);		/* b.example freed with its binding */
	CHECK_EQ(add(t, 1, "198.18.0.6", "f.example", 100 * SEC, 8), 0);
	CHECK_STR(names_of(t, 1, "198.18.0.3", 9, buf), "");	/* then c's first */
	CHECK_STR(names_of(t, 1, "198.18.0.4", 9, buf), "c.example");
	s = stats(t);
	CHECK_EQ(s.evicted, 2);
	CHECK_EQ(s.bindings, 4);
	CHECK_EQ(s.names, 4);
	/* a tail whose TTL had passed is counted as expired, not evicted */
	CHECK_EQ(add(t, 1, "198.18.0.7", "g.example", 300 * SEC, 200 * SEC), 0);
	s = stats(t);
	CHECK_EQ(s.evicted, 2);
	CHECK_EQ(s.expired, 1);
	learn_free(t);
}

TEST(names_freed_and_name_pool_full)
{
	struct learn_table *t = table(16, 2, 8);
	struct learn_stats s;
	char buf[256];

	CHECK_EQ(add(t, 1, "198.18.0.1", "a.example", 100 * SEC, 1), 0);
	CHECK_EQ(add(t, 1, "198.18.0.2", "b.example", 100 * SEC, 2), 0);
	CHECK_EQ(add(t, 1, "198.18.0.3", "b.example", 100 * SEC, 3), 0);
	CHECK_EQ(stats(t).names, 2);
	/* a third name: a.example's only binding is the oldest, it goes */
	CHECK_EQ(add(t, 1, "198.18.0.4", "c.example", 100 * SEC, 4), 0);
	CHECK_STR(names_of(t, 1, "198.18.0.1", 5, buf), "");
	CHECK_STR(names_of(t, 1, "198.18.0.4", 5, buf), "c.example");
	s = stats(t);
	CHECK_EQ(s.names, 2);
	CHECK_EQ(s.bindings, 3);
	CHECK_EQ(s.evicted, 1);
	/* every name holds two addresses: the name of the LRU tail goes
	 * whole (b.example), rather than every new name being refused until
	 * the pool expires */
	CHECK_EQ(add(t, 1, "198.18.0.5", "c.example", 100 * SEC, 6), 0);
	CHECK_EQ(add(t, 1, "198.18.0.6", "d.example", 100 * SEC, 7), 0);
	CHECK_STR(names_of(t, 1, "198.18.0.2", 8, buf), "");
	CHECK_STR(names_of(t, 1, "198.18.0.3", 8, buf), "");
	CHECK_STR(names_of(t, 1, "198.18.0.4", 8, buf), "c.example");
	CHECK_STR(names_of(t, 1, "198.18.0.6", 8, buf), "d.example");
	s = stats(t);
	CHECK_EQ(s.refused_names_full, 0);
	CHECK_EQ(s.evicted, 3);
	CHECK_EQ(s.bindings, 3);
	CHECK_EQ(s.names, 2);
	/* a known name still learns, and evicts nothing */
	CHECK_EQ(add(t, 1, "198.18.0.7", "c.example", 100 * SEC, 8), 0);
	CHECK_EQ(stats(t).evicted, 3);
	/* expiry frees names with their last binding */
	CHECK_EQ(learn_expire(t, 100 * SEC, 100), 4);
	s = stats(t);
	CHECK_EQ(s.bindings, 0);
	CHECK_EQ(s.names, 0);
	CHECK_EQ(s.expired, 4);
	CHECK_EQ(add(t, 1, "198.18.0.6", "d.example", 200 * SEC, 101 * SEC), 0);
	CHECK_EQ(add(t, 1, "198.18.0.6", "e.example", 200 * SEC, 101 * SEC), 0);
	CHECK_EQ(stats(t).names, 2);
	learn_free(t);
}

TEST(forget_scope)
{
	struct learn_table *t = table(16, 16, 8);
	struct learn_stats s;
	char buf[256];

	CHECK_EQ(add(t, 1, "198.18.0.1", "a.example", 100 * SEC, 0), 0);
	CHECK_EQ(add(t, 2, "198.18.0.1", "a.example", 100 * SEC, 0), 0);
	CHECK_EQ(add(t, 1, "198.18.0.2", "b.example", 100 * SEC, 0), 0);
	CHECK_EQ(add(t, 1, "198.18.0.3", "b.example", 100 * SEC, 0), 0);
	learn_forget_scope(t, 1);
	CHECK_STR(names_of(t, 1, "198.18.0.1", 0, buf), "");
	CHECK_STR(names_of(t, 1, "198.18.0.2", 0, buf), "");
	CHECK_STR(names_of(t, 2, "198.18.0.1", 0, buf), "a.example");
	s = stats(t);
	CHECK_EQ(s.bindings, 1);
	CHECK_EQ(s.names, 1);
	CHECK_EQ(s.evicted + s.expired, 0);
	learn_forget_scope(t, 7);
	CHECK_EQ(stats(t).bindings, 1);
	CHECK_EQ(add(t, 1, "198.18.0.1", "a.example", 100 * SEC, 0), 0);
	CHECK_STR(names_of(t, 1, "198.18.0.1", 0, buf), "a.example");
	learn_free(t);
}

TEST(name_length_limit)
{
	struct learn_table *t = table(16, 16, 8);
	struct ipaddr a = ip("198.18.0.1");
	char name[300];
	uint32_t idx;
	const struct learn_name *n;

	memset(name, 'a', sizeof(name));
	CHECK_EQ(learn_add(t, 0, 1, &a, name, LEARN_NAME_MAX + 1, 1, SEC, 0),
		 -ENAMETOOLONG);
	CHECK_EQ(learn_add(t, 0, 1, &a, name, 299, 1, SEC, 0), -ENAMETOOLONG);
	CHECK_EQ(stats(t).names, 0);
	CHECK_EQ(learn_add(t, 0, 1, &a, name, LEARN_NAME_MAX, 1, SEC, 0), 0);
	CHECK_EQ(learn_lookup(t, 1, &a, 0, &idx, 1), 1);
	n = learn_name_at(t, learn_binding_at(t, idx)->name);
	CHECK_EQ(n->len, LEARN_NAME_MAX);
	CHECK_EQ(strlen(n->name), LEARN_NAME_MAX);
	/* a 252-byte prefix is another name */
	CHECK_EQ(learn_add(t, 0, 1, &a, name, LEARN_NAME_MAX - 1, 1, SEC, 0), 0);
	CHECK_EQ(stats(t).names, 2);
	learn_free(t);
}

TEST(expire_budget)
{
	struct learn_table *t = table(32, 32, 0);
	char a[32];

	for (int i = 0; i < 10; i++) {
		snprintf(a, sizeof(a), "198.18.0.%d", i);
		CHECK_EQ(add(t, 1, a, "x.example", (uint64_t)(10 + i) * SEC, 0), 0);
	}
	CHECK_EQ(learn_expire(t, 9 * SEC, 100), 0);
	CHECK_EQ(learn_expire(t, 15 * SEC, 3), 3);
	CHECK_EQ(learn_expire(t, 15 * SEC, 100), 3);
	CHECK_EQ(stats(t).bindings, 4);
	CHECK_EQ(learn_expire(t, 15 * SEC, 0), 0);
	CHECK_EQ(learn_expire(t, 100 * SEC, UINT32_MAX), 4);
	CHECK_EQ(stats(t).names, 0);
	CHECK_EQ(stats(t).expired, 10);
	learn_free(t);
}

static int collect(struct learn_table *t, uint32_t bi, void *arg)
{
	char *buf = arg;

	if (*buf)
		strcat(buf, " ");
	strcat(buf, learn_name_at(t, learn_binding_at(t, bi)->name)->name);
	return 0;
}

static int stop_first(struct learn_table *t, uint32_t bi, void *arg)
{
	(void)t;
	(void)bi;
	(void)arg;
	return 9;
}

TEST(foreach_recent_first_live_only)
{
	struct learn_table *t = table(16, 16, 8);
	char buf[256] = "";

	CHECK_EQ(learn_foreach(t, 0, collect, buf), 0);
	CHECK_STR(buf, "");
	CHECK_EQ(add(t, 1, "198.18.0.1", "a", 100 * SEC, 1), 0);
	CHECK_EQ(add(t, 2, "198.18.0.2", "b", 10 * SEC, 2), 0);
	CHECK_EQ(add(t, 1, "198.18.0.3", "c", 100 * SEC, 3), 0);
	CHECK_EQ(add(t, 1, "198.18.0.1", "a", 100 * SEC, 4), 0);
	CHECK_EQ(learn_foreach(t, 5, collect, buf), 0);
	CHECK_STR(buf, "a c b");
	buf[0] = '\0';
	CHECK_EQ(learn_foreach(t, 10 * SEC, collect, buf), 0);
	CHECK_STR(buf, "a c");
	CHECK_EQ(learn_foreach(t, 5, stop_first, NULL), 9);
	learn_free(t);
}

/*
 * Stress against a naive reference: an array of bindings, scanned. Expiry
 * times are unique (the step number is folded into the low nanoseconds),
 * so "the binding that expires first" is never a tie. The binding pool is
 * smaller than learn.c's name-freeing scan, so that scan sees it all.
 */
enum { R_BIND = 48, R_NAMES = 12, R_CAP = 4, R_ADDR_CAP = 3, R_SCOPES = 2, R_ADDRS = 30,
       R_NAMEIDS = 20, R_STEPS = 100000 };

struct rb {
	bool in;
	uint32_t scope;
	int addr, name;
	uint64_t expires, seq;
};

static struct rb rb[R_BIND + 1];
static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct ipaddr raddr(int i)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	a.family = i % 3 ? ADDR_FAMILY_V4 : ADDR_FAMILY_V6;
	a.b[0] = 198;
	a.b[1] = 18;
	a.b[3] = (uint8_t)i;
	return a;
}

static void rname(int i, char *buf)
{
	snprintf(buf, 32, "n%d.example", i);
}

static int r_count(void)
{
	int n = 0;

	for (int i = 0; i < R_BIND + 1; i++)
		n += rb[i].in;
	return n;
}

static int r_name_count(uint32_t scope, int name)
{
	int n = 0;

	for (int i = 0; i < R_BIND + 1; i++)
		n += rb[i].in && rb[i].scope == scope && rb[i].name == name;
	return n;
}

static int r_names(void)
{
	int n = 0;

	for (uint32_t s = 0; s < R_SCOPES; s++)
		for (int j = 0; j < R_NAMEIDS; j++)
			n += r_name_count(s, j) > 0;
	return n;
}

/* Bindings in use, least recently learnt first, into @out; returns how many */
static int r_lru(int *out)
{
	int n = 0;

	for (int i = 0; i < R_BIND + 1; i++) {
		int j;

		if (!rb[i].in)
			continue;
		for (j = n; j > 0 && rb[out[j - 1]].seq > rb[i].seq; j--)
			out[j] = out[j - 1];
		out[j] = i;
		n++;
	}
	return n;
}

struct rstats {
	uint64_t learnt, refreshed, evicted, capped, addr_capped, expired, refused;
	uint64_t whole;		/* names dropped whole to free a slot */
};

static void r_push_out(int i, uint64_t now, struct rstats *rs)
{
	if (now >= rb[i].expires)
		rs->expired++;
	else
		rs->evicted++;
	rb[i].in = false;
}

/* What learn_add() must do; returns its expected result */
static int r_add(uint32_t scope, int addr, int name, uint64_t expires,
		 uint64_t now, uint64_t seq, struct rstats *rs)
{
	int i, slot = -1;

	for (i = 0; i < R_BIND + 1; i++)
		if (rb[i].in && rb[i].scope == scope && rb[i].addr == addr &&
		    rb[i].name == name) {
			if (expires > rb[i].expires) {
				rb[i].expires = expires;
				rs->refreshed++;
			}
			rb[i].seq = seq;
			return 0;
		}
	if (!r_name_count(scope, name) && r_names() == R_NAMES) {
		int lru[R_BIND + 1], n = r_lru(lru), v = -1;

		for (int k = 0; k < n; k++)
			if (r_name_count(rb[lru[k]].scope, rb[lru[k]].name) == 1) {
				v = lru[k];
				break;
			}
		if (v >= 0) {
			r_push_out(v, now, rs);
		} else {
			/* no name's last binding: the tail's name goes whole */
			uint32_t sc = rb[lru[0]].scope;
			int nm = rb[lru[0]].name;

			for (int k = 0; k < n; k++)
				if (rb[lru[k]].scope == sc && rb[lru[k]].name == nm)
					r_push_out(lru[k], now, rs);
			rs->whole++;
		}
	}
	{
		int v = -1, on_addr = 0;

		for (i = 0; i < R_BIND + 1; i++)
			if (rb[i].in && rb[i].scope == scope && rb[i].addr == addr) {
				on_addr++;
				if (v < 0 || rb[i].seq < rb[v].seq)
					v = i;
			}
		if (on_addr >= R_ADDR_CAP) {
			rb[v].in = false;
			rs->addr_capped++;
		}
	}
	if (r_name_count(scope, name) >= R_CAP) {
		int v = -1;

		for (i = 0; i < R_BIND + 1; i++)
			if (rb[i].in && rb[i].scope == scope &&
			    rb[i].name == name &&
			    (v < 0 || rb[i].expires < rb[v].expires))
				v = i;
		rb[v].in = false;
		rs->capped++;
	} else if (r_count() == R_BIND) {
		int lru[R_BIND + 1];

		r_lru(lru);
		r_push_out(lru[0], now, rs);
	}
	for (i = 0; i < R_BIND + 1; i++)
		if (!rb[i].in)
			slot = i;
	rb[slot] = (struct rb){ true, scope, addr, name, expires, seq };
	rs->learnt++;
	return 0;
}

/* Compare learn_lookup() of (@scope, @addr) with the reference */
static bool r_check_lookup(struct learn_table *t, uint32_t scope, int addr,
			   uint64_t now)
{
	struct ipaddr a = raddr(addr);
	uint32_t idx[R_BIND], n = learn_lookup(t, scope, &a, now, idx, R_BIND);
	uint64_t last = UINT64_MAX;
	uint32_t want = 0;
	char nm[32];

	for (int i = 0; i < R_BIND + 1; i++)
		want += rb[i].in && rb[i].scope == scope &&
			rb[i].addr == addr && now < rb[i].expires;
	if (n != want)
		return false;
	for (uint32_t k = 0; k < n; k++) {
		const struct learn_binding *b = learn_binding_at(t, idx[k]);
		const struct learn_name *ln = learn_name_at(t, b->name);
		int i, hit = -1;

		for (i = 0; i < R_BIND + 1; i++) {
			if (!rb[i].in || rb[i].scope != scope ||
			    rb[i].addr != addr)
				continue;
			rname(rb[i].name, nm);
			if (!strcmp(nm, ln->name))
				hit = i;
		}
		if (hit < 0 || rb[hit].seq >= last ||
		    rb[hit].expires != b->expires || b->scope != scope ||
		    ln->scope != scope || !addr_equal(&b->addr, &a))
			return false;
		last = rb[hit].seq;
	}
	return true;
}

TEST(stress_against_reference)
{
	struct learn_table *t = table_capped(R_BIND, R_NAMES, R_CAP, R_ADDR_CAP);
	struct rstats rs = { 0 };
	struct learn_stats s;
	uint64_t now = SEC, seq = 0;
	char nm[32];

	for (int step = 0; step < R_STEPS; step++) {
		int op = (int)(rnd() % 100);
		uint32_t scope = (uint32_t)(rnd() % R_SCOPES);
		int addr = (int)(rnd() % R_ADDRS);

		now += (rnd() % 2000) * 1000000ULL;
		if (op < 70) {
			int name = (int)(rnd() % R_NAMEIDS), want, got;
			uint64_t exp = now + (1 + rnd() % 300) * SEC +
				       (uint64_t)step;
			struct ipaddr a = raddr(addr);

			rname(name, nm);
			want = r_add(scope, addr, name, exp, now, ++seq, &rs);
			got = learn_add(t, 0, scope, &a, nm, strlen(nm), 1, exp,
					now);
			CHECK_EQ(got, want);
		} else if (op < 92) {
			CHECK(r_check_lookup(t, scope, addr, now));
		} else if (op < 99) {
			uint32_t n = 0;

			for (int i = 0; i < R_BIND + 1; i++)
				if (rb[i].in && now >= rb[i].expires) {
					rb[i].in = false;
					n++;
				}
			rs.expired += n;
			CHECK_EQ(learn_expire(t, now, UINT32_MAX), n);
		} else {
			for (int i = 0; i < R_BIND + 1; i++)
				if (rb[i].scope == scope)
					rb[i].in = false;
			learn_forget_scope(t, scope);
		}
		learn_stats(t, &s);
		CHECK_EQ(s.bindings, r_count());
		CHECK_EQ(s.names, r_names());
		CHECK_EQ(s.learnt, rs.learnt);
		CHECK_EQ(s.refreshed, rs.refreshed);
		CHECK_EQ(s.evicted, rs.evicted);
		CHECK_EQ(s.capped, rs.capped);
		CHECK_EQ(s.addr_capped, rs.addr_capped);
		CHECK_EQ(s.expired, rs.expired);
		CHECK_EQ(s.refused_names_full, rs.refused);
		if (step % 64 == 0)
			for (uint32_t sc = 0; sc < R_SCOPES; sc++)
				for (int ad = 0; ad < R_ADDRS; ad++)
					CHECK(r_check_lookup(t, sc, ad, now));
	}
	/* the run went through every path it models */
	CHECK(rs.evicted > 100 && rs.capped > 100 && rs.expired > 100);
	CHECK(rs.addr_capped > 100);
	CHECK(rs.whole > 100 && rs.refreshed > 100 && rs.refused == 0);
	learn_free(t);
}

int main(void)
{
	RUN(new_rejects_bad_limits);
	RUN(add_lookup_expiry_refresh);
	RUN(address_forms);
	RUN(several_names_per_address);
	RUN(one_address_many_names);
	RUN(per_address_cap_replaces_least_recent);
	RUN(scopes_isolated);
	RUN(names_case_sensitive);
	RUN(per_name_cap_replaces_soonest_expiring);
	RUN(no_cap_when_zero);
	RUN(pool_evicts_least_recently_learnt);
	RUN(names_freed_and_name_pool_full);
	RUN(forget_scope);
	RUN(name_length_limit);
	RUN(expire_budget);
	RUN(foreach_recent_first_live_only);
	RUN(stress_against_reference);
	return t_done();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* test_dnspend.c - pending DNS queries: keys, duplicates, full table, expiry */
#include <string.h>

#include "dnspend.h"
#include "t.h"

#define MS 1000000ULL

static int expired_calls;

static void on_expire(struct dnspend *p, void *arg)
{
	(void)p;
	(void)arg;
	expired_calls++;
}

TEST(add_find_remove)
{
	struct dnspend_table *t = dnspend_new(4, 1, 100);
	struct dnspend_key k = { .zone = 1, .id = 0x1234, .port = 4000 };
	struct dnspend *p;

	CHECK(t);
	p = dnspend_add(t, &k, 0, 0);
	CHECK(p);
	p->client_id = 77;
	CHECK(dnspend_find(t, &k, 50 * MS) == p);
	CHECK_EQ(dnspend_find(t, &k, 50 * MS)->client_id, 77);
	/* a live duplicate key is refused; another zone is another key */
	CHECK(!dnspend_add(t, &k, 0, 10 * MS));
	k.zone = 2;
	CHECK(!dnspend_find(t, &k, 0));
	CHECK(dnspend_add(t, &k, 0, 0));
	k.zone = 1;
	CHECK_EQ(dnspend_used(t), 2);
	dnspend_remove(t, p);
	CHECK(!dnspend_find(t, &k, 0));
	CHECK_EQ(dnspend_used(t), 1);
	dnspend_remove(t, p);		/* twice is harmless */
	CHECK_EQ(dnspend_used(t), 1);
	dnspend_free(t);
}

TEST(full_refuses)
{
	struct dnspend_table *t = dnspend_new(3, 1, 100);
	struct dnspend_key k = { .zone = 0, .port = 53 };

	CHECK(t);
	for (int i = 0; i < 3; i++) {
		k.id = (uint16_t)i;
		CHECK(dnspend_add(t, &k, 0, 0));
	}
	k.id = 99;
	CHECK(!dnspend_add(t, &k, 0, 0));
	CHECK_EQ(dnspend_used(t), dnspend_capacity(t));
	dnspend_free(t);
}

TEST(expiry)
{
	struct dnspend_table *t = dnspend_new(8, 1, 100);
	struct dnspend_key k = { .zone = 0, .id = 1, .port = 53 };
	struct dnspend *p;

	CHECK(t);
	p = dnspend_add(t, &k, 0, 0);
	CHECK(p);
	k.id = 2;
	CHECK(dnspend_add(t, &k, 0, 50 * MS));
	/* at 100 ms the first is due, the second is not */
	k.id = 1;
	CHECK(!dnspend_find(t, &k, 100 * MS));
	CHECK(dnspend_at(t, dnspend_index(t, p)) == p);
	expired_calls = 0;
	CHECK_EQ(dnspend_expire(t, 100 * MS, on_expire, NULL), 1);
	CHECK_EQ(expired_calls, 1);
	CHECK(!dnspend_at(t, dnspend_index(t, p)));
	CHECK_EQ(dnspend_used(t), 1);
	/* an expired key may be taken again */
	k.id = 2;
	CHECK(!dnspend_add(t, &k, 0, 120 * MS));
	CHECK(dnspend_add(t, &k, 0, 200 * MS));
	dnspend_free(t);
}

int main(void)
{
	RUN(add_find_remove);
	RUN(full_refuses);
	RUN(expiry);
	return t_done();
}

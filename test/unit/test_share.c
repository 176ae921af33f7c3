// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_share.c - each bottle's share of the flow, learnt-address and
 * pending-DNS tables (share.h): a bottle's flood evicts its own entries,
 * never those of a bottle within its fair share (issue 11, attack 5)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dnspend.h"
#include "flow.h"
#include "learn.h"
#include "share.h"
#include "t.h"

#define SEC 1000000000ULL

TEST(victim_rule)
{
	struct share s;

	CHECK_EQ(share_init(&s, 8, 3), 0);
	CHECK_EQ(share_victim(&s, 0), SHARE_NONE);	/* empty */
	for (int i = 0; i < 7; i++)
		share_take(&s, 0);
	share_take(&s, 1);
	/* full: 0 holds 7 of 8, fair is 4: its own */
	CHECK_EQ(share_victim(&s, 0), 0);
	/* 1 holds 1 < 4: the one holding the most */
	CHECK_EQ(share_victim(&s, 1), 0);
	/* 2 holds none: fair is 8 / 3 = 2, it takes from 0 */
	CHECK_EQ(share_victim(&s, 2), 0);
	CHECK_EQ(s.active, 2);
	share_give(&s, 1);
	CHECK_EQ(s.active, 1);
	CHECK_EQ(share_slot(&s, 4), 1);		/* slots past the count fold */
	share_fini(&s);
	CHECK_EQ(share_init(&s, 8, 0), -EINVAL);
}

/* Insert (or find) a UDP flow from bottle @zone (share slot @slot), port @sport */
static struct flow *udp_flow(struct flow_table *t, uint32_t zone, uint32_t slot,
			     uint16_t sport, uint64_t now)
{
	struct ipaddr src = { .family = ADDR_FAMILY_V4, .b = { 10, 0, 2, 100 } };
	struct ipaddr dst = { .family = ADDR_FAMILY_V4, .b = { 198, 18, 0, 97 } };
	struct flow_key k;
	struct flow *f;
	uint64_t h;
	int se;

	flow_key_make(&k, zone, PROTO_UDP, &src, sport, &dst, 9912, &se);
	h = flow_hash(t, &k);
	f = flow_lookup(t, &k, h, now);
	return f ? f : flow_insert(t, &k, h, slot, se, now);
}

static bool has_flow(struct flow_table *t, uint32_t zone, uint16_t sport,
		     uint64_t now)
{
	struct ipaddr src = { .family = ADDR_FAMILY_V4, .b = { 10, 0, 2, 100 } };
	struct ipaddr dst = { .family = ADDR_FAMILY_V4, .b = { 198, 18, 0, 97 } };
	struct flow_key k;
	int se;

	flow_key_make(&k, zone, PROTO_UDP, &src, sport, &dst, 9912, &se);
	return flow_lookup(t, &k, flow_hash(t, &k), now) != NULL;
}

/* Attack 5: bottle B's one idle flow outlives bottle A's flood */
TEST(flow_flood_evicts_own)
{
	struct flow_table *t = flow_table_new(64, 4, NULL);
	uint64_t ev;
	uint32_t n;

	CHECK(t);
	udp_flow(t, 20, 2, 40000, 0);			/* B, slot 2: idle */
	for (uint32_t i = 0; i < 10000; i++)		/* A, slot 1 */
		udp_flow(t, 10, 1, (uint16_t)(1024 + i), SEC + i);
	CHECK(has_flow(t, 20, 40000, 2 * SEC));
	flow_owner_stats(t, 2, &n, &ev);
	CHECK_EQ(n, 1);
	CHECK_EQ(ev, 0);
	flow_owner_stats(t, 1, &n, &ev);
	CHECK_EQ(n, 63);
	CHECK_EQ(ev, 10000 - 63);
	/* A's newest survive, its oldest went first */
	CHECK(has_flow(t, 10, 1024 + 9999, 2 * SEC));
	CHECK(!has_flow(t, 10, 1024, 2 * SEC));
	flow_table_free(t);
}

/* A bottle under its fair share takes room from the one holding the most,
 * until it holds its share; then it evicts its own */
TEST(flow_under_share_takes_from_largest)
{
	struct flow_table *t = flow_table_new(8, 4, NULL);
	uint64_t ev;
	uint32_t n;

	CHECK(t);
	for (uint32_t i = 0; i < 8; i++)
		udp_flow(t, 10, 1, (uint16_t)(1000 + i), i);
	for (uint32_t i = 0; i < 20; i++)
		udp_flow(t, 20, 2, (uint16_t)(2000 + i), 100 + i);
	flow_owner_stats(t, 1, &n, &ev);
	CHECK_EQ(n, 4);		/* 8 / 2 bottles */
	CHECK_EQ(ev, 4);
	flow_owner_stats(t, 2, &n, &ev);
	CHECK_EQ(n, 4);
	CHECK_EQ(ev, 16);
	/* and a third bottle takes from whichever holds the most */
	udp_flow(t, 30, 3, 3000, 200);
	CHECK(has_flow(t, 30, 3000, 201));
	flow_owner_stats(t, 3, &n, &ev);
	CHECK_EQ(n, 1);
	flow_table_free(t);
}

static int count_flow(struct flow *f, void *arg)
{
	(void)f;
	(*(int *)arg)++;
	return 0;
}

/* Expiry and iteration visit every bottle's list */
TEST(flow_expire_and_foreach_all_owners)
{
	struct flow_table *t = flow_table_new(16, 3, NULL);
	int n = 0;

	CHECK(t);
	udp_flow(t, 10, 0, 1, 0);
	udp_flow(t, 20, 1, 2, 0);
	udp_flow(t, 30, 2, 3, 0);
	CHECK_EQ(flow_foreach(t, count_flow, &n), 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(flow_expire(t, 1000 * SEC, 2), 2);
	CHECK_EQ(flow_expire(t, 1000 * SEC, 2), 1);
	CHECK_EQ(flow_expire(t, 1000 * SEC, 2), 0);
	flow_table_free(t);
}

static struct learn_table *learn_table(uint32_t bindings, uint32_t names,
				       uint32_t owners)
{
	struct learn_limits lim = { .max_bindings = bindings, .max_names = names,
				    .per_name_max = 8, .owners = owners };

	return learn_new(&lim);
}

static int learn(struct learn_table *t, uint32_t owner, uint32_t scope,
		 uint32_t host, const char *name, uint64_t now)
{
	struct ipaddr a = { .family = ADDR_FAMILY_V4,
			    .b = { 198, 19, (uint8_t)(host >> 8), (uint8_t)host } };

	return learn_add(t, owner, scope, &a, name, strlen(name), 1, now + 3600 * SEC, now);
}

static uint32_t lookup(struct learn_table *t, uint32_t scope, uint32_t host)
{
	struct ipaddr a = { .family = ADDR_FAMILY_V4,
			    .b = { 198, 19, (uint8_t)(host >> 8), (uint8_t)host } };
	uint32_t idx[4];

	return learn_lookup(t, scope, &a, SEC, idx, 4);
}

/* A's flood of bindings (one name, many addresses; many names) evicts its own */
TEST(learn_flood_evicts_own)
{
	struct learn_table *t = learn_table(32, 1024, 4);
	char name[32];
	uint64_t ev;
	uint32_t n;

	CHECK(t);
	CHECK_EQ(learn(t, 2, 7, 1, "b.example", 0), 0);	/* B, policy 7 */
	for (uint32_t i = 0; i < 500; i++) {			/* A, policy 9 */
		snprintf(name, sizeof(name), "n%u.flood.test", i);
		CHECK_EQ(learn(t, 1, 9, 100 + i, name, 0), 0);
	}
	CHECK_EQ(lookup(t, 7, 1), 1);
	learn_owner_stats(t, 2, &n, &ev);
	CHECK_EQ(n, 1);
	CHECK_EQ(ev, 0);
	learn_owner_stats(t, 1, &n, &ev);
	CHECK_EQ(n, 31);
	CHECK_EQ(ev, 500 - 31);
	learn_free(t);
}

/* A full name pool frees a name of the flooder's, not B's */
TEST(learn_names_flood_frees_own)
{
	struct learn_table *t = learn_table(1024, 8, 4);
	char name[32];

	CHECK(t);
	CHECK_EQ(learn(t, 2, 7, 1, "b.example", 0), 0);
	for (uint32_t i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "n%u.flood.test", i);
		CHECK_EQ(learn(t, 1, 9, 100 + i, name, 0), 0);
	}
	CHECK_EQ(lookup(t, 7, 1), 1);
	/* B learns a new name in a full pool: one of A's makes room */
	CHECK_EQ(learn(t, 2, 7, 2, "c.example", 0), 0);
	CHECK_EQ(lookup(t, 7, 2), 1);
	CHECK_EQ(lookup(t, 7, 1), 1);
	learn_free(t);
}

TEST(dnspend_shares)
{
	struct dnspend_table *t = dnspend_new(4, 3, 1000);
	struct dnspend_key k = { .zone = 0, .port = 53 };
	struct dnspend *v;
	uint64_t ev;
	uint32_t n;

	CHECK(t);
	for (uint16_t i = 0; i < 4; i++) {		/* A fills it */
		k.id = i;
		CHECK(dnspend_add(t, &k, 1, i));
	}
	k.id = 50;
	CHECK(!dnspend_add(t, &k, 1, 10));
	CHECK(!dnspend_victim(t, 1));			/* A: refused */
	/* B, holding none: A's oldest query makes room */
	k.id = 60;
	CHECK(!dnspend_add(t, &k, 2, 10));
	v = dnspend_victim(t, 2);
	CHECK(v);
	CHECK_EQ(v->key.id, 0);
	dnspend_remove(t, v);
	CHECK(dnspend_add(t, &k, 2, 10));
	dnspend_owner_stats(t, 1, &n, &ev);
	CHECK_EQ(n, 3);
	CHECK_EQ(ev, 1);
	/* B may go on up to its fair share (2), then is refused */
	k.id = 61;
	v = dnspend_victim(t, 2);
	CHECK(v);
	dnspend_remove(t, v);
	CHECK(dnspend_add(t, &k, 2, 11));
	CHECK(!dnspend_victim(t, 2));
	dnspend_owner_stats(t, 2, &n, &ev);
	CHECK_EQ(n, 2);
	CHECK_EQ(ev, 0);
	/* an ordinary removal is not an eviction */
	dnspend_remove(t, dnspend_find(t, &k, 12));
	dnspend_owner_stats(t, 2, &n, &ev);
	CHECK_EQ(ev, 0);
	dnspend_free(t);
}

int main(void)
{
	RUN(victim_rule);
	RUN(flow_flood_evicts_own);
	RUN(flow_under_share_takes_from_largest);
	RUN(flow_expire_and_foreach_all_owners);
	RUN(learn_flood_evicts_own);
	RUN(learn_names_flood_frees_own);
	RUN(dnspend_shares);
	return t_done();
}

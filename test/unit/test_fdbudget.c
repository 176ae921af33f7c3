// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_fdbudget.c - the descriptors a configuration can need: each part
 * at its bound, the sum, and the sentence the warning and `sentry check`
 * print. The figures are written out by hand from fdbudget.h's list, so a
 * cap that changes (DNSTCP_MAX, CONTROL_CONNS, ...) must change here too.
 */
#include <string.h>

#include "config/config.h"
#include "daemon/daemon.h"
#include "daemon/fdbudget.h"
#include "t.h"

/* The defaults, two workers, one upstream family */
TEST(defaults_two_workers)
{
	struct sentry_config c;
	struct fdbudget b;

	config_defaults(&c);
	fdbudget_compute(&c, 2, 1, &b);
	CHECK_EQ(b.bottles, 256);
	CHECK_EQ(b.queues, 2);
	CHECK_EQ(b.bottle_fds, 256 * (2 + 2));
	CHECK_EQ(b.dnstcp, 128 + 2);		/* connections + a listener per pool */
	CHECK_EQ(b.control, 16 + 1 + 18);	/* connections, listener, one attach's fds */
	CHECK_EQ(b.upstream, 16 * 1 * 2);	/* sockets x families x (current + retired) */
	CHECK_EQ(b.uptcp, 64);
	CHECK_EQ(b.egress, 2);
	CHECK_EQ(b.workers, 2 * 3);
	CHECK_EQ(b.fixed, FDBUDGET_FIXED);
	CHECK_EQ(b.total, 1024 + 130 + 35 + 32 + 64 + 2 + 6 + FDBUDGET_FIXED);
}

/* 57 bottles with 16 queues: what broke under 1024 (issue 16) */
TEST(issue16_sixteen_queues)
{
	struct sentry_config c;
	struct fdbudget b;

	config_defaults(&c);
	c.bottles = 57;
	fdbudget_compute(&c, 16, 2, &b);
	CHECK_EQ(b.bottle_fds, 57 * 18);
	CHECK_EQ(b.upstream, 16 * 2 * 2);
	CHECK_EQ(b.egress, 16);
	CHECK(b.total > 1024);
	CHECK_EQ(b.total, 57 * 18 + 130 + 35 + 64 + 64 + 16 + 48 + FDBUDGET_FIXED);
}

TEST(pools_queues_and_sockets)
{
	struct sentry_config c;
	struct fdbudget b;

	config_defaults(&c);
	c.pool6.enabled = false;
	c.queues = 8;			/* more egress queues than workers */
	c.upstream_sockets = 1;
	c.bottles = 1;
	fdbudget_compute(&c, 1, 0, &b);	/* families unknown: both */
	CHECK_EQ(b.dnstcp, 128 + 1);
	CHECK_EQ(b.egress, 8);
	CHECK_EQ(b.upstream, 1 * 2 * 2);
	CHECK_EQ(b.bottle_fds, 1 * 3);
	CHECK_EQ(b.total, 3 + 129 + 35 + 4 + 64 + 8 + 3 + FDBUDGET_FIXED);
	/* no workers is read as one, never as zero queues */
	fdbudget_compute(&c, 0, 1, &b);
	CHECK_EQ(b.queues, 1);
}

/* The sum never wraps: the largest configuration still adds up */
TEST(largest_configuration)
{
	struct sentry_config c;
	struct fdbudget b;

	config_defaults(&c);
	c.bottles = 65536;
	c.upstream_sockets = 1024;
	fdbudget_compute(&c, 16, 2, &b);
	CHECK_EQ(b.bottle_fds, 65536ULL * 18);
	CHECK_EQ(b.upstream, 1024 * 2 * 2);
	CHECK_EQ(b.total, 65536ULL * 18 + 130 + 35 + 4096 + 64 + 16 + 48 + FDBUDGET_FIXED);
}

TEST(explain_adds_up)
{
	struct sentry_config c;
	struct fdbudget b;
	char buf[320];

	config_defaults(&c);
	fdbudget_compute(&c, 2, 1, &b);
	CHECK_STR(fdbudget_explain(&b, buf, sizeof(buf)),
		  "[tables] bottles 256 x (2 queues + 2) = 1024 + 283 (DNS over TCP 130, "
		  "control 35, upstream sockets 32, TCP retries 64, egress 2, workers 6, "
		  "fixed 14)");
	fdbudget_compute(&c, 1, 1, &b);
	CHECK(strstr(fdbudget_explain(&b, buf, sizeof(buf)), "x (1 queue + 2) = 768 +"));
	/* cut, never overrun */
	fdbudget_explain(&b, buf, 12);
	CHECK_EQ(strlen(buf), 11);
}

int main(void)
{
	RUN(defaults_two_workers);
	RUN(issue16_sixteen_queues);
	RUN(pools_queues_and_sockets);
	RUN(largest_configuration);
	RUN(explain_adds_up);
	return t_done();
}

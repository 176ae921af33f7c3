// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_resolver.c - the daemon's resolver (gateway/daemon/resolver.c)
 * against upstreams played by this test on loopback
 *
 * A bottle whose "TUN" is one end of a socketpair, so what the resolver
 * writes to it can be read back; two upstreams, UDP sockets (and, for the
 * TCP retry, a listener) on 127.0.0.1 that this test answers by hand; the
 * main loop's dispatch for the resolver's descriptors. Checked, state by
 * state (resolver.c, "The states of a pending query"): an answer reaches
 * the bottle only after its address is learnt; answers from the wrong
 * source or with the wrong ID are ignored; an upstream that stays silent
 * hands the query to the next, and then SERVFAIL; a truncated answer is
 * fetched again over TCP; the source port rotates after 256 queries while
 * the old socket still takes the answers due on it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon/bottles.h"
#include "daemon/daemon.h"
#include "daemon/datapath.h"
#include "daemon/loop.h"
#include "daemon/resolver.h"
#include "dns_build.h"
#include "engine.h"
#include "policy_ini.h"
#include "t.h"

static struct daemon d;
static struct gw_bottle *bottle;
static int tun[2];		/* [0] the bottle's "TUN" as the daemon holds it */
static int up[2];		/* the two upstreams' UDP sockets */
static uint16_t up_port[2];
static int up_tcp = -1;		/* upstream 0's TCP listener */
static struct wb wb;

static void sink(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	(void)line;
	(void)len;
}

static int udp_socket(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &l))
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static int setup(void)
{
	static const char pol[] = "[policy]\nname = t\ndefault = deny\n[allow]\ndomain = *.ok.test tcp/80\n";
	struct engine_config ec;
	struct engine_policy *ep;
	struct policy *p;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char err[POLICY_ERR_MAX];

	config_defaults(&d.cfg);
	d.cfg.bottles = 2;
	d.cfg.pending_dns = 64;
	d.cfg.upstream_sockets = 1;	/* one source socket: rotation is visible */
	d.cfg.dns_timeout_ms = 200;	/* the waits for silence below stay well inside it */
	for (int i = 0; i < 2; i++) {
		up[i] = udp_socket(&up_port[i]);
		if (up[i] < 0)
			return -1;
		addr_parse("127.0.0.1", &d.cfg.upstream[i].addr);
		d.cfg.upstream[i].port = up_port[i];
	}
	d.cfg.nupstreams = 2;
	/* upstream 0 takes TCP on the same port, for the retry of a truncated answer */
	up_tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_port = htons(up_port[0]);
	if (up_tcp < 0 || bind(up_tcp, (struct sockaddr *)&a, sizeof(a)) || listen(up_tcp, 4))
		return -1;
	config_engine(&d.cfg, &ec);
	d.e = engine_new(&ec);
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	d.aux = malloc(PKT_BUF_SIZE);
	if (!d.e || d.epfd < 0 || !d.aux || bottles_init(&d) ||
	    policy_compile_text(pol, strlen(pol), "t.ini", &p, err))
		return -1;
	engine_set_sink(d.e, &(struct decision_sink){ sink, NULL });
	ep = engine_policy_get(d.e, "t", p);
	if (!ep || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, tun))
		return -1;
	bottle = &d.bottles[0];
	engine_bottle_init(&bottle->eb, 5, "b", ep);
	addr_parse("10.0.2.100", &bottle->eb.addr4);
	bottle->eb.has4 = true;
	bottle->used = true;
	bottle->fds[0] = tun[0];
	bottle->nfds = 1;
	return resolver_init(&d);
}

/* The main loop's part for the resolver: one round of its descriptors */
static void pump(int ms)
{
	struct epoll_event ev[8];
	int n = epoll_wait(d.epfd, ev, 8, ms);

	for (int i = 0; i < n; i++) {
		uint32_t tag = (uint32_t)(ev[i].data.u64 >> 32), idx = (uint32_t)ev[i].data.u64;

		if (tag == TAG_UPSTREAM)
			resolver_udp_ready(&d, idx);
		else if (tag == TAG_UPTCP)
			resolver_tcp_ready(&d, idx, ev[i].events);
	}
}

/* The bottle asks @name (client ID @id, from port 4000) */
static void ask(unsigned int id, const char *name, enum dns_via via, uint16_t conn)
{
	struct dns_msg m;
	struct ipaddr c, s;

	wb.n = 0;
	whdr(&wb, id, 0x0100, 1, 0, 0, 0);
	wq(&wb, name, 1, 1);
	if (dns_parse_query(wb.b, wb.n, &m) != DROP_NONE)
		return;
	addr_parse("10.0.2.100", &c);
	addr_parse("10.0.2.3", &s);
	resolver_query(&d, bottle, wb.b, wb.n, &m, &c, 4000, &s, 53, via, conn);
}

/* What upstream @u got: the query's bytes in @q, the sender's port; 0 if nothing */
static size_t upstream_got(int u, uint8_t *q, uint16_t *from, int ms)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	struct timeval tv = { 0, ms * 1000 };
	ssize_t n;

	setsockopt(up[u], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recvfrom(up[u], q, 1500, 0, (struct sockaddr *)&a, &l);
	if (n <= 0)
		return 0;
	*from = ntohs(a.sin_port);
	return (size_t)n;
}

/* An answer to query @q: @flags, and an A record @addr unless NULL */
static void answer_for(const uint8_t *q, size_t qlen, unsigned int flags, const char *addr)
{
	wb.n = 0;
	wbytes(&wb, q, qlen);
	wb.b[2] = (uint8_t)(flags >> 8);
	wb.b[3] = (uint8_t)flags;
	if (addr) {
		struct ipaddr a;
		size_t at;

		wb.b[7] = 1;	/* ANCOUNT */
		wptr(&wb, 12);
		at = wrr(&wb, 1, 1, 60);
		addr_parse(addr, &a);
		wbytes(&wb, a.b, 4);
		wrr_end(&wb, at);
	}
}

/* Send the answer in wb from upstream @u to the resolver's port @port */
static void reply_from(int u, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	sendto(up[u], wb.b, wb.n, 0, (struct sockaddr *)&a, sizeof(a));
}

/*
 * What the bottle got: the DNS message's ID, flags and answer count, -1 if
 * nothing came within @ms (the daemon's loop pumped meanwhile)
 */
static int bottle_got(int ms, unsigned int *flags, unsigned int *ancount)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000ULL;
	uint8_t pkt[2048];

	do {
		ssize_t n = recv(tun[1], pkt, sizeof(pkt), 0);

		if (n >= 20 + 8 + 12 && pkt[9] == 17) {
			const uint8_t *dns = pkt + 28;

			*flags = (unsigned int)(dns[2] << 8 | dns[3]);
			*ancount = (unsigned int)(dns[6] << 8 | dns[7]);
			return dns[0] << 8 | dns[1];
		}
		pump(5);
	} while (now_ns() < end);
	return -1;
}

/*
 * A fresh query answered at once: the ID of the first message the bottle
 * gets after it. Datagrams are handled in order, so anything wrongly
 * delivered before would come first: this makes "nothing came" a check
 * that needs no waiting.
 */
static int probe(unsigned int id)
{
	uint8_t q[1500];
	uint16_t from;
	unsigned int flags, an;
	char name[32];
	size_t n;

	snprintf(name, sizeof(name), "p%u.ok.test", id);
	ask(id, name, DNS_VIA_UDP, 0);
	n = upstream_got(0, q, &from, 500);
	if (n <= 12)
		return -2;
	answer_for(q, n, 0x8180, "198.18.11.1");
	reply_from(0, from);
	return bottle_got(500, &flags, &an);
}

static uint32_t learnt_bindings(void)
{
	struct learn_stats ls;

	engine_learn_stats(d.e, &ls);
	return ls.bindings;
}

TEST(answer_learnt_then_delivered)
{
	uint8_t q[1500];
	uint16_t from;
	unsigned int flags, an;
	size_t n;

	ask(0x1111, "a.ok.test", DNS_VIA_UDP, 0);
	n = upstream_got(0, q, &from, 500);
	CHECK(n > 12);
	answer_for(q, n, 0x8180, "198.18.9.1");
	reply_from(0, from);
	CHECK_EQ(bottle_got(500, &flags, &an), 0x1111);
	CHECK_EQ(flags & 0xf, 0);
	CHECK_EQ(an, 1);
	/* learnt before it was written (the write happens after learning) */
	CHECK_EQ(learnt_bindings(), 1);
}

TEST(spoofed_answers_are_ignored)
{
	uint8_t q[1500];
	uint16_t from;
	unsigned int flags, an;
	size_t n;

	ask(0x2222, "b.ok.test", DNS_VIA_UDP, 0);
	n = upstream_got(0, q, &from, 500);
	CHECK(n > 12);
	/* the right ID from the other upstream's address:port */
	answer_for(q, n, 0x8180, "198.18.9.66");
	reply_from(1, from);
	/* the wrong ID from the right upstream */
	answer_for(q, n, 0x8180, "198.18.9.67");
	wb.b[0] ^= 0x55;
	reply_from(0, from);
	/* the real one still counts, and is the first thing the bottle gets */
	answer_for(q, n, 0x8180, "198.18.9.2");
	reply_from(0, from);
	CHECK_EQ(bottle_got(500, &flags, &an), 0x2222);
	/* learnt: a.ok.test's and this one's, not the spoofed addresses */
	CHECK_EQ(learnt_bindings(), 2);
}

TEST(silent_upstream_then_the_next_then_servfail)
{
	uint8_t q[1500], q2[1500];
	uint16_t from, from2;
	unsigned int flags, an;
	uint64_t end;
	size_t n;

	ask(0x3333, "c.ok.test", DNS_VIA_UDP, 0);
	n = upstream_got(0, q, &from, 500);
	CHECK(n > 12);
	/* upstream 0 stays silent past the timeout: the tick asks upstream 1 */
	end = now_ns() + 201000000ULL;
	while (now_ns() < end)
		pump(5);
	resolver_tick(&d, now_ns());
	CHECK(upstream_got(1, q2, &from2, 500) > 12);
	CHECK(memcmp(q, q2, 2));	/* a new ID for the new upstream */
	/* silent too: every upstream asked, the bottle gets SERVFAIL */
	end = now_ns() + 201000000ULL;
	while (now_ns() < end)
		pump(5);
	resolver_tick(&d, now_ns());
	CHECK_EQ(bottle_got(100, &flags, &an), 0x3333);
	CHECK_EQ(flags & 0xf, DNS_RCODE_SERVFAIL);
	/* a late answer from the first finds nothing pending: not delivered */
	answer_for(q, n, 0x8180, "198.18.9.3");
	reply_from(0, from);
	CHECK_EQ(probe(0x3334), 0x3334);
}

TEST(truncated_answer_fetched_over_tcp)
{
	uint8_t q[1500], tq[1500];
	uint16_t from, len;
	unsigned int flags, an;
	size_t n;
	int c = -1;

	ask(0x4444, "d.ok.test", DNS_VIA_UDP, 0);
	n = upstream_got(0, q, &from, 500);
	CHECK(n > 12);
	/* question only, TC set: the resolver asks again over TCP */
	answer_for(q, n, 0x8380, NULL);
	reply_from(0, from);
	for (int i = 0; i < 100 && c < 0; i++) {
		pump(5);
		c = accept4(up_tcp, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	}
	CHECK(c >= 0);
	for (int i = 0; i < 100; i++) {
		ssize_t got;

		pump(5);
		got = recv(c, tq, sizeof(tq), 0);
		if (got > 2) {
			n = (size_t)got - 2;
			break;
		}
	}
	CHECK_EQ(tq[0] << 8 | tq[1], (int)n);
	answer_for(tq + 2, n, 0x8180, "198.18.9.4");
	len = htons((uint16_t)wb.n);
	CHECK_EQ(send(c, &len, 2, 0), 2);
	CHECK_EQ(send(c, wb.b, wb.n, 0), (ssize_t)wb.n);
	CHECK_EQ(bottle_got(500, &flags, &an), 0x4444);
	CHECK_EQ(flags & 0x0200, 0);	/* the whole answer, not truncated */
	CHECK_EQ(an, 1);
	close(c);
}

TEST(source_port_rotates_and_the_old_one_still_answers)
{
	uint8_t q[1500], held[1500];
	uint16_t from = 0, first = 0, held_from = 0;
	unsigned int flags, an, held_id = 0;
	size_t n, held_n = 0;
	char name[32];
	int i;

	/*
	 * Each query is answered only once the next one was sent, so the one
	 * sent last from a socket is still due when the socket is replaced
	 * (after 256 queries: the earlier tests used some of them)
	 */
	for (i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "r%d.ok.test", i);
		ask(0x5000u + (unsigned int)i, name, DNS_VIA_UDP, 0);
		n = upstream_got(0, q, &from, 500);
		CHECK(n > 12);
		if (!first)
			first = from;
		if (held_n) {
			answer_for(held, held_n, 0x8180, "198.18.10.1");
			reply_from(0, held_from);
			/* after a rotation this one goes to the retired socket */
			CHECK_EQ(bottle_got(500, &flags, &an), (int)held_id);
		}
		memcpy(held, q, n);
		held_n = n;
		held_from = from;
		held_id = 0x5000u + (unsigned int)i;
		if (from != first)
			break;
	}
	CHECK(i < 257);
	CHECK(from != first);		/* the source port changed */
	answer_for(held, held_n, 0x8180, "198.18.10.1");
	reply_from(0, held_from);
	CHECK_EQ(bottle_got(500, &flags, &an), (int)held_id);
}

int main(void)
{
	if (setup()) {
		printf("not ok - setup: %s\n", strerror(errno));
		return 1;
	}
	RUN(answer_learnt_then_delivered);
	RUN(spoofed_answers_are_ignored);
	RUN(silent_upstream_then_the_next_then_servfail);
	RUN(truncated_answer_fetched_over_tcp);
	RUN(source_port_rotates_and_the_old_one_still_answers);
	resolver_fini(&d);
	return t_done();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netcfg_driver.c - drives gateway/kernel/netcfg.h for test/netns/netcfg.sh
 *
 *   netcfg_driver tun (--netns PATH | --pid PID) [--ifname N] [--mtu N]
 *                 [--txqlen N] [--queues N] [--vnet-hdr] [--addr A/N] [--gw G]
 *                 [--addr6 A/N] [--gw6 G]
 *   netcfg_driver egress [--ifname N] [--mtu N] [--txqlen N] [--queues N]
 *                 [--pool4 P/N|none] [--pool6 P/N|none] [--table T]
 *                 [--dns-port N]
 *   netcfg_driver teardown [--table T]
 *   netcfg_driver link NAME          index, MTU, txqueuelen, up (netlink)
 *   netcfg_driver netns (PATH | --pid PID)    netns_open() only
 *
 * tun and egress print "ready IFNAME QUEUES netns=same|changed" and keep
 * the fds open, obeying one command per stdin line, one answer line each,
 * until stdin closes:
 *   count MS                      packets read per queue in MS ms: "count N0 N1.."
 *   ping4 SRC DST | ping6 SRC DST write an echo request into queue 0 and wait
 *                                 up to 2 s for its reply on any queue:
 *                                 "pong" or "nopong"
 *   syn4 SRC SPORT DST DPORT      write a TCP SYN; "synack", "rst" or "none"
 *   listen PORT                   a TCP listener on [::]:PORT: "listening"
 * Errors go to stderr as "error: MESSAGE", with exit status 1.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cursor.h"
#include "kernel/netcfg.h"

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_ICMP6	58
#define ECHO_ID		0x5e5e

static int fds[TUN_QUEUES_MAX];
static uint32_t nfds;

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint32_t num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > UINT32_MAX)
		die("bad number \"%s\"", s);
	return (uint32_t)v;
}

static struct ipaddr addr(const char *s)
{
	struct ipaddr a;

	if (addr_parse(s, &a))
		die("bad address \"%s\"", s);
	return a;
}

/* "A/N" keeping A's host bits (addr_parse_prefix() yields the network) */
static uint8_t prefix(const char *s, struct ipaddr *a)
{
	char text[PREFIX_TEXT_MAX];
	const char *slash = strchr(s, '/');
	uint32_t plen;

	if (!slash || (size_t)(slash - s) >= sizeof(text))
		die("bad prefix \"%s\"", s);
	snprintf(text, sizeof(text), "%.*s", (int)(slash - s), s);
	*a = addr(text);
	plen = num(slash + 1);
	if (plen > 128)
		die("bad prefix \"%s\"", s);
	return (uint8_t)plen;
}

static ino_t netns_ino(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st))
		die("cannot stat our namespace");
	return st.st_ino;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- packets -------------------------------------------------------------- */

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += get_be16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* the IPv4 or IPv6 pseudo-header sum for an upper-layer checksum */
static uint32_t pseudo(const struct ipaddr *s, const struct ipaddr *d,
		       uint8_t proto, size_t len)
{
	uint32_t sum = sum16(s->b, addr_len(s), 0);

	sum = sum16(d->b, addr_len(d), sum);
	return sum + proto + (uint32_t)len;
}

/* IP header for @l4len bytes of @proto into @pkt; returns the header length */
static size_t ip_header(uint8_t *pkt, const struct ipaddr *s,
			const struct ipaddr *d, uint8_t proto, size_t l4len)
{
	if (s->family == ADDR_FAMILY_V4) {
		memset(pkt, 0, 20);
		pkt[0] = 0x45;
		put_be16(pkt + 2, (uint16_t)(20 + l4len));
		pkt[8] = 64;
		pkt[9] = proto;
		memcpy(pkt + 12, s->b, 4);
		memcpy(pkt + 16, d->b, 4);
		put_be16(pkt + 10, fold(sum16(pkt, 20, 0)));
		return 20;
	}
	memset(pkt, 0, 40);
	pkt[0] = 0x60;
	put_be16(pkt + 4, (uint16_t)l4len);
	pkt[6] = proto;
	pkt[7] = 64;
	memcpy(pkt + 8, s->b, 16);
	memcpy(pkt + 24, d->b, 16);
	return 40;
}

struct reply {
	struct ipaddr src, dst;
	uint8_t proto;
	const uint8_t *l4;
	size_t l4len;
};

/* Parse an IP packet read from the TUN; false for anything else */
static bool parse(const uint8_t *pkt, size_t len, struct reply *r)
{
	const uint8_t *s, *d;
	struct cursor c;
	size_t hl, alen;
	uint8_t vhl;

	cur_init(&c, pkt, len);
	vhl = cur_u8(&c);
	if ((vhl >> 4) == 4) {
		hl = (size_t)(vhl & 0xf) * 4;
		alen = 4;
		cur_seek(&c, 9);
		r->proto = cur_u8(&c);
		cur_skip(&c, 2);
	} else if ((vhl >> 4) == 6) {
		hl = 40;
		alen = 16;
		cur_seek(&c, 6);
		r->proto = cur_u8(&c);
		cur_skip(&c, 1);
	} else {
		return false;
	}
	s = cur_bytes(&c, alen);
	d = cur_bytes(&c, alen);
	cur_seek(&c, hl);
	if (!cur_ok(&c) || hl < 20)
		return false;
	addr_set(&r->src, s, alen);
	addr_set(&r->dst, d, alen);
	r->l4len = cur_left(&c);
	r->l4 = cur_bytes(&c, r->l4len);
	return r->l4 != NULL || r->l4len == 0;
}

/* Wait up to @ms for a packet @match accepts; true if one came */
static bool await(int ms, bool (*match)(const struct reply *, void *),
		  void *arg)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	struct pollfd pfd[TUN_QUEUES_MAX];
	uint8_t pkt[65536];
	struct reply r;
	uint32_t i;
	ssize_t n;

	for (i = 0; i < nfds; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	while (now_ms() < end) {
		if (poll(pfd, nfds, (int)(end - now_ms())) <= 0)
			continue;
		for (i = 0; i < nfds; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			while ((n = read(fds[i], pkt, sizeof(pkt))) > 0)
				if (parse(pkt, (size_t)n, &r) && match(&r, arg))
					return true;
		}
	}
	return false;
}

struct want {
	struct ipaddr src, dst;
	uint16_t sport, dport;
	uint8_t tcp_flags;	/* out: flags of the TCP reply */
};

static bool echo_reply(const struct reply *r, void *arg)
{
	const struct want *w = arg;
	uint8_t type = r->src.family == ADDR_FAMILY_V4 ? 0 : 129;
	uint8_t proto = r->src.family == ADDR_FAMILY_V4 ? PROTO_ICMP : PROTO_ICMP6;

	return r->proto == proto && r->l4len >= 8 && r->l4[0] == type &&
	       get_be16(r->l4 + 4) == ECHO_ID &&
	       addr_equal(&r->src, &w->src) && addr_equal(&r->dst, &w->dst);
}

static void cmd_ping(const char *src, const char *dst)
{
	static uint16_t seq;
	struct want w = { .src = addr(dst), .dst = addr(src) };
	uint8_t pkt[128], *l4;
	size_t hl, l4len = 8 + 16;
	bool v4 = w.dst.family == ADDR_FAMILY_V4;
	uint32_t sum;

	if (w.src.family != w.dst.family)
		die("mixed families in \"%s\"", dst);
	hl = ip_header(pkt, &w.dst, &w.src, v4 ? PROTO_ICMP : PROTO_ICMP6,
		       l4len);
	l4 = pkt + hl;
	memset(l4, 0x5e, l4len);
	l4[0] = v4 ? 8 : 128;
	l4[1] = 0;
	put_be16(l4 + 2, 0);
	put_be16(l4 + 4, ECHO_ID);
	put_be16(l4 + 6, ++seq);
	sum = v4 ? 0 : pseudo(&w.dst, &w.src, PROTO_ICMP6, l4len);
	put_be16(l4 + 2, fold(sum16(l4, l4len, sum)));
	if (write(fds[0], pkt, hl + l4len) != (ssize_t)(hl + l4len))
		die("cannot write to the TUN");
	puts(await(2000, echo_reply, &w) ? "pong" : "nopong");
}

static bool tcp_reply(const struct reply *r, void *arg)
{
	struct want *w = arg;

	if (r->proto != PROTO_TCP || r->l4len < 20 ||
	    !addr_equal(&r->src, &w->src) || !addr_equal(&r->dst, &w->dst) ||
	    get_be16(r->l4) != w->sport || get_be16(r->l4 + 2) != w->dport)
		return false;
	w->tcp_flags = r->l4[13];
	return true;
}

static void cmd_syn(char **a)
{
	struct want w = { .src = addr(a[2]), .dst = addr(a[0]),
			  .sport = (uint16_t)num(a[3]),
			  .dport = (uint16_t)num(a[1]) };
	uint8_t pkt[128], *l4;
	size_t hl;

	hl = ip_header(pkt, &w.dst, &w.src, PROTO_TCP, 20);
	l4 = pkt + hl;
	memset(l4, 0, 20);
	put_be16(l4, w.dport);
	put_be16(l4 + 2, w.sport);
	put_be32(l4 + 4, 0x5e5e0000);
	l4[12] = 5 << 4;
	l4[13] = 0x02;				/* SYN */
	put_be16(l4 + 14, 64240);
	put_be16(l4 + 16, fold(sum16(l4, 20, pseudo(&w.dst, &w.src,
						     PROTO_TCP, 20))));
	if (write(fds[0], pkt, hl + 20) != (ssize_t)(hl + 20))
		die("cannot write to the TUN");
	if (!await(2000, tcp_reply, &w))
		puts("none");
	else if ((w.tcp_flags & 0x12) == 0x12)
		puts("synack");
	else if (w.tcp_flags & 0x04)
		puts("rst");
	else
		puts("other");
}

static void cmd_count(uint32_t ms)
{
	uint64_t end = now_ms() + ms;
	struct pollfd pfd[TUN_QUEUES_MAX];
	unsigned long n[TUN_QUEUES_MAX] = { 0 };
	uint8_t pkt[65536];
	uint32_t i;

	for (i = 0; i < nfds; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	while (now_ms() < end) {
		if (poll(pfd, nfds, (int)(end - now_ms())) <= 0)
			continue;
		for (i = 0; i < nfds; i++)
			while ((pfd[i].revents & POLLIN) &&
			       read(fds[i], pkt, sizeof(pkt)) > 0)
				n[i]++;
	}
	printf("count");
	for (i = 0; i < nfds; i++)
		printf(" %lu", n[i]);
	printf("\n");
}

static void cmd_listen(uint32_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons((uint16_t)port) };
	int fd, zero = 0, one = 1;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16))
		die("cannot listen: %s", strerror(errno));
	puts("listening");		/* fd stays open until we exit */
}

/* Obey stdin until it closes */
static void serve(void)
{
	char line[256], *a[6];
	int n;

	while (fgets(line, sizeof(line), stdin)) {
		n = 0;
		for (char *t = strtok(line, " \t\n"); t && n < 6;
		     t = strtok(NULL, " \t\n"))
			a[n++] = t;
		if (!n)
			continue;
		if (!strcmp(a[0], "count") && n == 2)
			cmd_count(num(a[1]));
		else if ((!strcmp(a[0], "ping4") || !strcmp(a[0], "ping6")) &&
			 n == 3)
			cmd_ping(a[1], a[2]);
		else if (!strcmp(a[0], "syn4") && n == 5)
			cmd_syn(a + 1);
		else if (!strcmp(a[0], "listen") && n == 2)
			cmd_listen(num(a[1]));
		else
			die("unknown command \"%s\"", a[0]);
		fflush(stdout);
	}
}

static void ready(const char *ifname, ino_t before, const char *warning)
{
	if (warning[0])
		printf("# %s\n", warning);
	printf("ready %s %u netns=%s\n", ifname, nfds,
	       before == netns_ino() ? "same" : "changed");
	fflush(stdout);
	serve();
	for (uint32_t i = 0; i < nfds; i++)
		close(fds[i]);
}

/* ---- subcommands ---------------------------------------------------------- */

static int do_tun(int argc, char **argv)
{
	const char *path = NULL;
	struct tun_spec s;
	char err[512];
	int pid = 0, nsfd, i, rc;
	ino_t before = netns_ino();

	tun_spec_init(&s);
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--vnet-hdr")) {
			s.vnet_hdr = true;
			continue;
		}
		if (!v)
			die("%s needs a value", o);
		i++;
		if (!strcmp(o, "--netns"))
			path = v;
		else if (!strcmp(o, "--pid"))
			pid = (int)num(v);
		else if (!strcmp(o, "--ifname"))
			snprintf(s.ifname, sizeof(s.ifname), "%s", v);
		else if (!strcmp(o, "--mtu"))
			s.mtu = num(v);
		else if (!strcmp(o, "--txqlen"))
			s.txqueuelen = num(v);
		else if (!strcmp(o, "--queues"))
			s.queues = num(v);
		else if (!strcmp(o, "--addr"))
			s.has4 = true, s.plen4 = prefix(v, &s.addr4);
		else if (!strcmp(o, "--gw"))
			s.has_gw4 = true, s.gw4 = addr(v);
		else if (!strcmp(o, "--addr6"))
			s.has6 = true, s.plen6 = prefix(v, &s.addr6);
		else if (!strcmp(o, "--gw6"))
			s.has_gw6 = true, s.gw6 = addr(v);
		else
			die("unknown option %s", o);
	}

	nsfd = netns_open(path, pid, err, sizeof(err));
	if (nsfd < 0)
		die("%s", err);
	rc = tun_create_in_netns(nsfd, &s, fds, err, sizeof(err));
	close(nsfd);
	if (rc) {
		if (before != netns_ino())
			die("%s (and our namespace changed)", err);
		die("%s", err);
	}
	nfds = s.queues;
	ready(s.ifname, before, err);
	return 0;
}

static void egress_opts(int argc, char **argv, struct egress_spec *s)
{
	for (int i = 2; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			die("%s needs a value", o);
		if (!strcmp(o, "--ifname"))
			snprintf(s->ifname, sizeof(s->ifname), "%s", v);
		else if (!strcmp(o, "--mtu"))
			s->mtu = num(v);
		else if (!strcmp(o, "--txqlen"))
			s->txqueuelen = num(v);
		else if (!strcmp(o, "--queues"))
			s->queues = num(v);
		else if (!strcmp(o, "--pool4") && !strcmp(v, "none"))
			s->has_pool4 = false;
		else if (!strcmp(o, "--pool4"))
			s->pool4_len = prefix(v, &s->pool4);
		else if (!strcmp(o, "--pool6") && !strcmp(v, "none"))
			s->has_pool6 = false;
		else if (!strcmp(o, "--pool6"))
			s->pool6_len = prefix(v, &s->pool6);
		else if (!strcmp(o, "--table"))
			snprintf(s->nft_table, sizeof(s->nft_table), "%s", v);
		else if (!strcmp(o, "--dns-port"))
			s->dns_tcp_port = (uint16_t)num(v);
		else
			die("unknown option %s", o);
	}
}

static int do_egress(int argc, char **argv)
{
	struct egress_spec s;
	char err[512];
	ino_t before = netns_ino();

	egress_spec_init(&s);
	egress_opts(argc, argv, &s);
	if (egress_setup(&s, fds, err, sizeof(err)))
		die("%s", err);
	nfds = s.queues;
	ready(s.ifname, before, err);
	return 0;
}

static int do_teardown(int argc, char **argv)
{
	struct egress_spec s;
	char err[512];

	egress_spec_init(&s);
	egress_opts(argc, argv, &s);
	if (egress_teardown(&s, err, sizeof(err)))
		die("%s", err);
	puts("torn down");
	return 0;
}

static int do_link(int argc, char **argv)
{
	struct netlink_link l;
	int rc;

	if (argc != 3)
		die("usage: link NAME");
	rc = netlink_link_get(NULL, argv[2], &l);
	if (rc)
		die("cannot find link: %s", strerror(-rc));
	printf("index=%u mtu=%u txqlen=%u up=%d\n", l.index, l.mtu, l.txqlen,
	       !!(l.flags & IFF_UP));
	return 0;
}

static int do_netns(int argc, char **argv)
{
	char err[512];
	int fd;

	if (argc == 4 && !strcmp(argv[2], "--pid"))
		fd = netns_open(NULL, (int)num(argv[3]), err, sizeof(err));
	else if (argc == 3)
		fd = netns_open(argv[2], 0, err, sizeof(err));
	else
		die("usage: netns (PATH | --pid PID)");
	if (fd < 0)
		die("%s", err);
	puts("netns ok");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: netcfg_driver tun|egress|teardown|link|netns ...");
	if (!strcmp(argv[1], "tun"))
		return do_tun(argc, argv);
	if (!strcmp(argv[1], "egress"))
		return do_egress(argc, argv);
	if (!strcmp(argv[1], "teardown"))
		return do_teardown(argc, argv);
	if (!strcmp(argv[1], "link"))
		return do_link(argc, argv);
	if (!strcmp(argv[1], "netns"))
		return do_netns(argc, argv);
	die("unknown subcommand %s", argv[1]);
}

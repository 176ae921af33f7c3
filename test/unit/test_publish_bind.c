// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_publish_bind.c - published ports' sockets, in a network namespace
 * of the test's own (unshare(CLONE_NEWNET): needs root, like the netns
 * suites), so no port of the machine is touched: both families per port
 * without a bind address, the mapping each socket stands for, a port in
 * use named in the message with nothing left open, and connections
 * reaching the listeners.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers/publish_bind.h"
#include "lib/sockaddr.h"
#include "t.h"
#include "wire.h"

static char err[256];
static struct publish_set set;
static struct publish_socket socks[PUBLISH_SOCKETS_MAX];

static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd >= 0 && !ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* open fds of this process */
static int fds_open(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static int spec(uint8_t proto, const char *s)
{
	return publish_spec_parse(&set, proto, s, err, sizeof(err));
}

static bool connects(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	struct ipaddr a;
	socklen_t sl;
	int fd, rc;

	if (addr_parse(addr, &a))
		return false;
	sl = sockaddr_make(&ss, &a, port);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	rc = connect(fd, (struct sockaddr *)&ss, sl);
	close(fd);
	return rc == 0;
}

TEST(binds_and_names_ports)
{
	size_t n = 0;
	int before = fds_open();

	memset(&set, 0, sizeof(set));
	CHECK_EQ(spec(PROTO_TCP, "8080-8081:80-81"), 0);
	CHECK_EQ(spec(PROTO_TCP, "127.0.0.1/9000:90"), 0);
	CHECK_EQ(spec(PROTO_UDP, "5353:53"), 0);
	CHECK_EQ(publish_bind(&set, socks, &n, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	/* two ports x two families, one bound, a UDP port x two families */
	CHECK_EQ(n, 4 + 1 + 2);
	CHECK(socks[0].host_port == 8080 && socks[0].guest_port == 80 && !socks[0].v6);
	CHECK(socks[1].host_port == 8080 && socks[1].v6);
	CHECK(socks[3].host_port == 8081 && socks[3].guest_port == 81 && socks[3].map == 0);
	CHECK(socks[4].host_port == 9000 && socks[4].guest_port == 90 && socks[4].map == 1);
	CHECK(socks[6].map == 2 && socks[6].guest_port == 53);
	CHECK(connects("127.0.0.1", 8081));
	CHECK(connects("::1", 8080));
	CHECK(connects("127.0.0.1", 9000));
	CHECK(!connects("::1", 9000));		/* bound to 127.0.0.1 only */
	CHECK_EQ(fds_open(), before + 7);
	publish_close(socks, n);
	CHECK_EQ(fds_open(), before);
	CHECK(!connects("127.0.0.1", 8081));
}

TEST(port_in_use_named_nothing_left)
{
	struct publish_socket held[PUBLISH_SOCKETS_MAX];
	size_t nheld = 0, n = 7;
	int before;

	memset(&set, 0, sizeof(set));
	CHECK_EQ(spec(PROTO_TCP, "127.0.0.1/7001"), 0);
	CHECK_EQ(publish_bind(&set, held, &nheld, err, sizeof(err)), 0);
	before = fds_open();
	memset(&set, 0, sizeof(set));
	CHECK_EQ(spec(PROTO_TCP, "7000-7002"), 0);
	CHECK_EQ(publish_bind(&set, socks, &n, err, sizeof(err)), -EADDRINUSE);
	CHECK_STR(err, "port 7001/tcp is in use");
	CHECK_EQ(n, 0);
	CHECK_EQ(fds_open(), before);		/* 7000's sockets closed again */
	memset(&set, 0, sizeof(set));
	CHECK_EQ(spec(PROTO_TCP, "127.0.0.1/7001"), 0);
	CHECK_EQ(publish_bind(&set, socks, &n, err, sizeof(err)), -EADDRINUSE);
	CHECK_STR(err, "port 7001/tcp on 127.0.0.1 is in use");
	publish_close(held, nheld);
	CHECK_EQ(publish_bind(&set, socks, &n, err, sizeof(err)), 0);
	publish_close(socks, n);
}

TEST(bad_interface_named)
{
	size_t n;

	memset(&set, 0, sizeof(set));
	CHECK_EQ(spec(PROTO_UDP, "%nosuchif0/6000"), 0);
	CHECK_EQ(publish_bind(&set, socks, &n, err, sizeof(err)), -ENODEV);
	CHECK(!strncmp(err, "port 6000/udp on interface nosuchif0: ", 38));
	CHECK_EQ(n, 0);
}

int main(void)
{
	if (unshare(CLONE_NEWNET) || lo_up()) {
		printf("ok - publish_bind # skip: no network namespace of our own (%s)\n",
		       strerror(errno));
		return t_done();
	}
	RUN(binds_and_names_ports);
	RUN(port_in_use_named_nothing_left);
	RUN(bad_interface_named);
	return t_done();
}

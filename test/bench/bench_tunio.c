// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_tunio.c - what io_uring would save on a TUN: one packet per
 * read()/write() (the daemon today) against batches of B per io_uring_enter()
 *
 * Issue 14's lever "io_uring with registered buffers for TUN reads and
 * writes": a TUN has no recvmmsg()/sendmmsg(), so the daemon pays a system
 * call per packet each way. This program prices that call before anyone
 * rebuilds the datapath around a ring. In a network namespace of its own
 * (unshare; nothing outside is touched) it makes a TUN tio0 198.18.99.1/24
 * and, with 64-byte UDP datagrams (the size where system calls weigh most):
 *
 *   write        N packets written into the TUN, one write() each; the
 *                kernel delivers each to a UDP socket bound on 198.18.99.1
 *                (never read: once full, it drops, the same for every mode)
 *   uring-write  the same packets, B IORING_OP_WRITE per io_uring_enter()
 *   read         the TUN's queue filled from a socket (sendmmsg() to
 *                198.18.99.2, routed into the TUN), then drained, one
 *                read() each: only the drain is timed
 *   uring-read   the same drain, B IORING_OP_READ per io_uring_enter()
 *
 * Printed: CPU ns per packet (the process's CPU time: the kernel's
 * delivery inside write() included), median of REPS runs. The same
 * kernel work per packet is in every mode, so the difference between a
 * mode and its io_uring twin is what the system calls cost.
 *
 * The ring is set up with raw system calls (<linux/io_uring.h>) rather
 * than liburing: this program is the only user, and a bench should not
 * add a package to the product's dependency list.
 *
 * Build: make bench (build/release/bench/bench_tunio); run as root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "csum.h"

#define N_WRITE		(1u << 18)	/* packets per write run */
#define N_FILL		4096		/* packets queued per read round */
#define ROUNDS		32		/* read rounds per run */
#define REPS		5
#define PKT_LEN		(20 + 8 + 64)
#define BATCH_MAX	64

static void fail(const char *what)
{
	fprintf(stderr, "bench_tunio: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A minimal io_uring: one SQ ring, one CQ ring, their entries */
struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static void ring_init(struct ring *r, unsigned int entries)
{
	struct io_uring_params p;
	uint8_t *sq, *cq;
	size_t sqlen, cqlen;

	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0)
		fail("io_uring_setup");
	sqlen = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cqlen = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		errno = ENOSYS;
		fail("io_uring without IORING_FEAT_SINGLE_MMAP");
	}
	if (cqlen > sqlen)
		sqlen = cqlen;
	sq = mmap(NULL, sqlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		fail("mmap SQ ring");
	cq = sq;
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		fail("mmap SQEs");
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

/* Queue @n reads or writes of @fd, buffer i at bufs + i * stride, and wait for them */
static unsigned int ring_batch(struct ring *r, int op, int fd, uint8_t *bufs,
			       size_t stride, size_t len, unsigned int n)
{
	unsigned int tail = *r->sq_tail, done = 0, head;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int at = (tail + i) & *r->sq_mask;
		struct io_uring_sqe *e = &r->sqes[at];

		memset(e, 0, sizeof(*e));
		e->opcode = (uint8_t)op;
		e->fd = fd;
		e->addr = (uint64_t)(uintptr_t)(bufs + i * stride);
		e->len = (uint32_t)len;
		e->off = (uint64_t)-1;	/* the file position, as read()/write() */
		r->sq_array[at] = at;
	}
	__atomic_store_n(r->sq_tail, tail + n, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, n, n, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		fail("io_uring_enter");
	head = *r->cq_head;
	while (head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
		if (r->cqes[head & *r->cq_mask].res > 0)
			done++;
		head++;
	}
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	return done;
}

static int ifreq_ioctl(int s, unsigned long req, struct ifreq *ifr, const char *what)
{
	if (ioctl(s, req, ifr) < 0)
		fail(what);
	return 0;
}

/* tio0, 198.18.99.1/24, up, a long queue; returns its fd */
static int make_tun(void)
{
	struct sockaddr_in *a;
	struct ifreq ifr;
	int fd, s;

	if (unshare(CLONE_NEWNET) < 0)
		fail("unshare(CLONE_NEWNET) (run as root)");
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail("open /dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tio0");
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	ifreq_ioctl(fd, TUNSETIFF, &ifr, "TUNSETIFF");
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		fail("socket");
	a = (struct sockaddr_in *)&ifr.ifr_addr;
	a->sin_family = AF_INET;
	inet_pton(AF_INET, "198.18.99.1", &a->sin_addr);
	ifreq_ioctl(s, SIOCSIFADDR, &ifr, "SIOCSIFADDR");
	inet_pton(AF_INET, "255.255.255.0", &a->sin_addr);
	ifreq_ioctl(s, SIOCSIFNETMASK, &ifr, "SIOCSIFNETMASK");
	ifr.ifr_qlen = N_FILL * 2;
	ifreq_ioctl(s, SIOCSIFTXQLEN, &ifr, "SIOCSIFTXQLEN");
	ifreq_ioctl(s, SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	ifreq_ioctl(s, SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS");
	close(s);
	return fd;
}

/* 198.18.99.2:7 -> 198.18.99.1:9999, 64 bytes of UDP payload */
static void make_packet(uint8_t *p)
{
	static const uint8_t src[4] = { 198, 18, 99, 2 }, dst[4] = { 198, 18, 99, 1 };
	uint16_t c;

	memset(p, 0, PKT_LEN);
	p[0] = 0x45;
	p[2] = PKT_LEN >> 8;
	p[3] = PKT_LEN & 0xff;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	c = csum_ipv4_header(p, 20);
	memcpy(p + 10, &c, 2);
	p[21] = 7;
	p[22] = 9999 >> 8;
	p[23] = 9999 & 0xff;
	p[25] = 8 + 64;		/* UDP length; checksum 0: none (IPv4) */
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double run_write(int tun, struct ring *r, unsigned int batch, uint8_t *bufs)
{
	uint64_t t0 = cpu_ns();
	unsigned int sent = 0;

	while (sent < N_WRITE) {
		if (!batch) {
			if (write(tun, bufs, PKT_LEN) != PKT_LEN)
				fail("write");
			sent++;
		} else {
			sent += ring_batch(r, IORING_OP_WRITE, tun, bufs, 2048,
					   PKT_LEN, batch);
		}
	}
	return (double)(cpu_ns() - t0) / sent;
}

/* Queue N_FILL datagrams on the TUN's queue from a socket */
static void fill(int s)
{
	static uint8_t payload[64];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9999) };
	struct mmsghdr m[64];
	struct iovec iov = { payload, sizeof(payload) };
	int left = N_FILL;

	inet_pton(AF_INET, "198.18.99.2", &to.sin_addr);
	for (int i = 0; i < 64; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		m[i].msg_hdr.msg_name = &to;
		m[i].msg_hdr.msg_namelen = sizeof(to);
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	while (left > 0) {
		int n = sendmmsg(s, m, left < 64 ? (unsigned int)left : 64, 0);

		if (n <= 0)
			fail("sendmmsg");
		left -= n;
	}
}

static double run_read(int tun, int s, struct ring *r, unsigned int batch,
		       uint8_t *bufs)
{
	uint64_t spent = 0, got = 0;

	for (int round = 0; round < ROUNDS; round++) {
		unsigned int left = N_FILL;
		uint64_t t0;

		fill(s);
		t0 = cpu_ns();
		/*
		 * Exactly as many reads as packets queued: an io_uring read of
		 * an empty TUN waits for a packet even on an O_NONBLOCK file
		 * (it arms a poll), where read() would say EAGAIN.
		 */
		while (left) {
			unsigned int want = batch < left ? batch : left, k;

			if (!batch) {
				want = 1;
				k = read(tun, bufs, 2048) > 0;
			} else {
				k = ring_batch(r, IORING_OP_READ, tun, bufs, 2048,
					       2048, want);
			}
			if (k < want) {
				errno = EIO;
				fail("a queued packet was not there to read");
			}
			left -= k;
		}
		spent += cpu_ns() - t0;
		got += N_FILL;
	}
	return (double)spent / (double)got;
}

int main(int argc, char **argv)
{
	static const unsigned int batches[] = { 0, 8, 32 };
	uint8_t *bufs = aligned_alloc(4096, BATCH_MAX * 2048);
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons(9999) };
	struct ring r;
	int tun, sink, src;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: bench_tunio (as root; no arguments)\n");
		return 2;
	}
	if (!bufs)
		fail("aligned_alloc");
	tun = make_tun();
	sink = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	src = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, "198.18.99.1", &at.sin_addr);
	if (sink < 0 || src < 0 || bind(sink, (struct sockaddr *)&at, sizeof(at)) < 0)
		fail("the sink socket");
	for (int i = 0; i < BATCH_MAX; i++)
		make_packet(bufs + i * 2048);
	ring_init(&r, 64);
	/* as the daemon's: read() of an empty queue says EAGAIN */
	if (fcntl(tun, F_SETFL, O_NONBLOCK) < 0)
		fail("O_NONBLOCK");
	alarm(120);	/* a packet lost from the queue would leave a read waiting */
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("%-12s %6s %14s\n", "mode", "batch", "CPU ns/packet");
	for (int dir = 0; dir < 2; dir++) {
		for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
			uint64_t v[REPS];
			const char *mode = dir ? (batches[b] ? "uring-read" : "read")
					       : (batches[b] ? "uring-write" : "write");

			for (int k = 0; k < REPS; k++) {
				double ns = dir ? run_read(tun, src, &r, batches[b], bufs)
						: run_write(tun, &r, batches[b], bufs);

				if (dir)	/* the buffers held packets read back */
					for (int i = 0; i < BATCH_MAX; i++)
						make_packet(bufs + i * 2048);
				v[k] = (uint64_t)(ns * 10.0);
			}
			qsort(v, REPS, sizeof(v[0]), cmp_u64);
			printf("%-12s %6u %14.1f\n", mode, batches[b] ? batches[b] : 1,
			       (double)v[REPS / 2] / 10.0);
		}
	}
	return 0;
}

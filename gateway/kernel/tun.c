// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tun.c - TUN queues, and a bottle's TUN made inside the bottle's namespace
 *
 * Theory of operation
 *
 * A TUN device is created in the network namespace of the task that opened
 * /dev/net/tun, and netlink sockets and /proc/sys/net files likewise belong
 * to the namespace of the task that opened them. So the whole bottle side is
 * done by a task inside the bottle's namespace, while the fds it opens must
 * end up with the caller.
 *
 * The obvious way, setns() in, work, setns() back, needs the right to go
 * back: CAP_SYS_ADMIN over the user namespace owning the caller's original
 * network namespace. A Podman network helper runs as root of a rootless
 * user namespace, in the host's network namespace, which that user
 * namespace does not own: it may enter the bottle's namespace but could
 * never return. (pasta solves the same problem with a clone()d child that
 * shares its file table.)
 *
 * We use a thread: setns(CLONE_NEWNET) changes only the calling thread, and
 * threads share the file table. The worker enters the namespace, opens the
 * queues, configures the device through a netlink socket opened there, and
 * exits. The caller's thread never changes namespace, on any path, and a
 * failure halfway only needs the fds closed: a TUN nobody holds is deleted
 * by the kernel together with its addresses and routes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "kernel/netcfg.h"
#include "kernel/nsjob.h"
#include "num.h"
#include "vnet.h"

void tun_spec_init(struct tun_spec *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "%s", TUN_IFNAME_DEFAULT);
	s->mtu = TUN_MTU_DEFAULT;
	s->txqueuelen = TUN_TXQLEN_DEFAULT;
	s->queues = 1;
}

bool tun_ifname_valid(const char *name)
{
	size_t i, n;

	if (!name)
		return false;
	n = strnlen(name, IFNAMSIZ);
	if (!n || n >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		/* the kernel refuses '/', ':' and spaces; we also refuse what
		 * would need escaping in an nftables string, and templates */
		if (c <= ' ' || c >= 0x7f || strchr("/:\"\\%", c))
			return false;
	}
	return true;
}

/* An interface address or gateway: right family, not a wildcard */
static int check_addr(const struct ipaddr *a, int family, const char *what,
		      char *err, size_t len)
{
	char text[ADDR_TEXT_MAX];
	enum addr_class c;

	if (a->family != family) {
		snprintf(err, len, "%s is not an IPv%d address", what, family);
		return -EINVAL;
	}
	c = addr_classify(a);
	if (c == ADDR_UNSPECIFIED || c == ADDR_MULTICAST ||
	    c == ADDR_LOOPBACK) {
		snprintf(err, len, "%s %s is a %s address", what,
			 addr_format(a, text), addr_class_name(c));
		return -EINVAL;
	}
	return 0;
}

static int check_family(bool has, const struct ipaddr *a, uint8_t plen,
			bool has_gw, const struct ipaddr *gw, int family,
			char *err, size_t len)
{
	unsigned int max = family == ADDR_FAMILY_V4 ? 32 : 128;
	char what[32];
	int rc;

	if (!has)
		return 0;
	snprintf(what, sizeof(what), "IPv%d address", family);
	rc = check_addr(a, family, what, err, len);
	if (rc)
		return rc;
	if (!plen || plen > max) {
		snprintf(err, len, "IPv%d prefix length %u is not 1..%u",
			 family, plen, max);
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "IPv%d gateway", family);
	if (has_gw && (rc = check_addr(gw, family, what, err, len)))
		return rc;
	if (has_gw && addr_equal(a, gw)) {
		snprintf(err, len, "IPv%d gateway is the interface's own address",
			 family);
		return -EINVAL;
	}
	return 0;
}

int tun_spec_check(const struct tun_spec *s, char *err, size_t len)
{
	int rc;

	if (!tun_ifname_valid(s->ifname)) {
		snprintf(err, len, "invalid interface name \"%.*s\"",
			 IFNAMSIZ, s->ifname);
		return -EINVAL;
	}
	if (s->mtu < TUN_MTU_MIN || s->mtu > TUN_MTU_MAX) {
		snprintf(err, len, "MTU %u is not %u..%u", s->mtu,
			 TUN_MTU_MIN, TUN_MTU_MAX);
		return -EINVAL;
	}
	if (s->has6 && s->mtu < TUN_MTU_MIN6) {
		snprintf(err, len, "MTU %u is below %u, too small for IPv6",
			 s->mtu, TUN_MTU_MIN6);
		return -EINVAL;
	}
	if (!s->queues || s->queues > TUN_QUEUES_MAX) {
		snprintf(err, len, "%u queues is not 1..%u", s->queues,
			 TUN_QUEUES_MAX);
		return -EINVAL;
	}
	rc = check_family(s->has4, &s->addr4, s->plen4, s->has_gw4, &s->gw4,
			  ADDR_FAMILY_V4, err, len);
	if (!rc)
		rc = check_family(s->has6, &s->addr6, s->plen6, s->has_gw6,
				  &s->gw6, ADDR_FAMILY_V6, err, len);
	return rc;
}

static void close_fds(int *fds, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int tun_open(const char *ifname, uint32_t queues, bool vnet_hdr, int *fds,
	     char *actual, char *err, size_t len)
{
	struct ifreq ifr;
	uint32_t i;
	int rc;

	if (!queues || queues > TUN_QUEUES_MAX) {
		snprintf(err, len, "%u queues is not 1..%u", queues,
			 TUN_QUEUES_MAX);
		return -EINVAL;
	}
	for (i = 0; i < queues; i++)
		fds[i] = -1;
	if (!tun_ifname_valid(ifname)) {
		snprintf(err, len, "invalid interface name \"%.*s\"",
			 IFNAMSIZ, ifname ? ifname : "");
		return -EINVAL;
	}

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	/* No IFF_PERSIST, ever: the device must die with sentry. */
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (queues > 1)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (vnet_hdr)
		ifr.ifr_flags |= IFF_VNET_HDR;

	for (i = 0; i < queues; i++) {
		fds[i] = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
		if (fds[i] < 0) {
			rc = -errno;
			snprintf(err, len, "cannot open /dev/net/tun: %s",
				 strerror(-rc));
			goto fail;
		}
		/* Each further queue attaches to the device the first made. */
		if (ioctl(fds[i], TUNSETIFF, &ifr) < 0) {
			rc = -errno;
			snprintf(err, len, "cannot create TUN %s (queue %u of %u): %s%s",
				 ifname, i + 1, queues, strerror(-rc),
				 rc == -EBUSY || rc == -EINVAL ?
				 " (a device of that name exists?)" : "");
			goto fail;
		}
	}
	if (actual)
		snprintf(actual, IFNAMSIZ, "%s", ifr.ifr_name);
	return 0;
fail:
	close_fds(fds, queues);
	return rc;
}

#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20	/* Linux 6.2 */
#define TUN_F_USO6	0x40
#endif

int tun_offload(int fd, bool on, unsigned int *got)
{
	static const unsigned int tries[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN |
		TUN_F_USO4 | TUN_F_USO6,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
		TUN_F_CSUM,
		0,
	};
	int sz = VNET_HDR_LEN, le = 1;
	size_t i = on ? 0 : sizeof(tries) / sizeof(tries[0]) - 1;

	if (got)
		*got = 0;
	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
		return -errno;
	/* the default on little-endian hosts already; vnet.c reads little-endian */
	ioctl(fd, TUNSETVNETLE, &le);
	for (; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tries[i]) == 0) {
			if (got)
				*got = tries[i];
			return 0;
		}
	}
	return 0;
}

int tun_vnet_hdr(int fd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return -errno;
	return !!(ifr.ifr_flags & IFF_VNET_HDR);
}

int tun_sysctl_write(const char *path, const char *value)
{
	size_t n = strlen(value);
	ssize_t w;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, value, n);
	if (w < 0)
		rc = -errno;
	else if ((size_t)w != n)
		rc = -EIO;
	close(fd);
	return rc;
}

int netns_open(const char *path, int pid, char *err, size_t len)
{
	char proc[64];
	struct statfs sfs;
	int fd, type, rc;

	if (!path) {
		if (pid <= 0) {
			snprintf(err, len, "no network namespace given");
			return -EINVAL;
		}
		snprintf(proc, sizeof(proc), "/proc/%d/ns/net", pid);
		path = proc;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, len, "cannot open network namespace %s: %s",
			 path, strerror(-rc));
		return rc;
	}

	type = ioctl(fd, NS_GET_NSTYPE);
	if (type == CLONE_NEWNET)
		return fd;
	/* Before Linux 4.11 all we can tell is that it is some namespace. */
	if (type < 0 && errno == ENOTTY && !fstatfs(fd, &sfs) &&
	    sfs.f_type == NSFS_MAGIC)
		return fd;
	close(fd);
	snprintf(err, len, "%s is not a network namespace", path);
	return -EINVAL;
}

/* ---- the worker thread, inside the bottle's namespace ------------------- */

struct job {
	int netns_fd;
	const struct tun_spec *spec;
	int *fds;
	char *err;
	size_t len;
	int rc;
};

static int default_route(struct netlink *nl, uint32_t ifindex, int family,
			 const struct ipaddr *gw, const char *ifname,
			 char *err, size_t len)
{
	struct ipaddr any = { .family = (uint8_t)family };
	char text[ADDR_TEXT_MAX];
	int rc;

	rc = netlink_route_add(nl, ifindex, &any, 0, gw, NULL);
	if (rc && gw)
		return netlink_error(nl, rc, err, len,
				     "cannot add IPv%d default route via %s dev %s",
				     family, addr_format(gw, text), ifname);
	if (rc)
		return netlink_error(nl, rc, err, len,
				     "cannot add IPv%d default route dev %s",
				     family, ifname);
	return 0;
}

/* Everything after the queues are open; @err may already hold a warning */
static int configure(struct netlink *nl, const struct tun_spec *s,
		     const char *name, char *err, size_t len)
{
	struct netlink_link_req up = { .up = true };
	struct netlink_link tun, lo;
	char path[96], text[ADDR_TEXT_MAX];
	int rc;

	rc = netlink_tun_prepare(nl, name, s->mtu, s->txqueuelen, &tun, err, len);
	if (rc)
		return rc;

	/* Before the link goes up, so not even a link-local address shows.
	 * No such file: the kernel has no IPv6 at all, nothing to leak. */
	if (!s->has6) {
		snprintf(path, sizeof(path),
			 "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
		rc = tun_sysctl_write(path, "1");
		if (rc && rc != -ENOENT)
			snprintf(err, len, "cannot disable IPv6 on %s: %s",
				 name, strerror(-rc));
	}

	if (s->has4 && (rc = netlink_addr_add(nl, tun.index, &s->addr4,
					      s->plen4, false)))
		return netlink_error(nl, rc, err, len,
				     "cannot add address %s/%u to %s",
				     addr_format(&s->addr4, text), s->plen4, name);
	if (s->has6 && (rc = netlink_addr_add(nl, tun.index, &s->addr6,
					      s->plen6, true)))
		return netlink_error(nl, rc, err, len,
				     "cannot add address %s/%u to %s",
				     addr_format(&s->addr6, text), s->plen6, name);

	/* Podman leaves lo down: nothing inside would work without it. */
	rc = netlink_link_get(nl, "lo", &lo);
	if (!rc)
		rc = netlink_link_set(nl, lo.index, &up);
	if (rc)
		return netlink_error(nl, rc, err, len, "cannot bring lo up");
	rc = netlink_link_set(nl, tun.index, &up);
	if (rc)
		return netlink_error(nl, rc, err, len, "cannot bring %s up",
				     name);

	if (s->has4 && (rc = default_route(nl, tun.index, ADDR_FAMILY_V4,
					   s->has_gw4 ? &s->gw4 : NULL, name,
					   err, len)))
		return rc;
	if (s->has6 && (rc = default_route(nl, tun.index, ADDR_FAMILY_V6,
					   s->has_gw6 ? &s->gw6 : NULL, name,
					   err, len)))
		return rc;
	return 0;
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	char name[IFNAMSIZ];
	struct netlink nl;

	if (setns(j->netns_fd, CLONE_NEWNET)) {
		j->rc = -errno;
		snprintf(j->err, j->len, "cannot enter the network namespace: %s",
			 strerror(-j->rc));
		return NULL;
	}

	j->rc = tun_open(j->spec->ifname, j->spec->queues, j->spec->vnet_hdr,
			 j->fds, name, j->err, j->len);
	if (j->rc)
		return NULL;

	j->rc = netlink_open(&nl);
	if (j->rc)
		snprintf(j->err, j->len, "cannot open a netlink socket: %s",
			 strerror(-j->rc));
	else
		j->rc = configure(&nl, j->spec, name, j->err, j->len);
	netlink_close(&nl);

	if (j->rc)
		close_fds(j->fds, j->spec->queues);
	return NULL;
}

/*
 * Is @netns_fd the namespace the caller runs in? A mistaken --pid or
 * --netns naming the host's namespace would otherwise give the host a TUN
 * and a default route through it.
 */
static bool same_netns_as_caller(int netns_fd)
{
	struct stat a, b;

	return !fstat(netns_fd, &a) && !stat("/proc/self/ns/net", &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

#define TUN_BASE_BYTES		(512ULL << 10)	/* queue structures, sysfs */
#define TUN_QUEUE_BYTES		(16ULL << 10)	/* a queue's socket and file */

uint64_t tun_kernel_bytes(const struct tun_spec *s)
{
	uint64_t txq = s->txqueuelen ? s->txqueuelen : 1000;	/* the kernel's own */

	return TUN_BASE_BYTES + s->queues * (txq * sizeof(void *) + TUN_QUEUE_BYTES);
}

/* meminfo_kb() - the "KEY: N kB" field of /proc/meminfo's text, or 0 */
static uint64_t meminfo_kb(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *v = p + n + 1;
		uint64_t kb;

		if (strncmp(p, key, n) || p[n] != ':')
			continue;
		v += strspn(v, " ");
		return num_parse_span(v, strspn(v, "0123456789"), 10, 0, UINT64_MAX >> 10,
				      &kb) ? 0 : kb;
	}
	return 0;
}

int tun_memory_check(const struct tun_spec *s, const char *meminfo, char *err,
		     size_t len)
{
	uint64_t total = meminfo_kb(meminfo, "MemTotal") << 10;
	uint64_t avail = meminfo_kb(meminfo, "MemAvailable") << 10;
	uint64_t cost = tun_kernel_bytes(s);

	if (!total || !meminfo_kb(meminfo, "MemAvailable"))
		return 0;
	if (avail >= cost && avail - cost >= total / 20)
		return 0;
	snprintf(err, len, "refusing to make the bottle's TUN: it needs about %llu KiB of "
		 "kernel memory (%u queues, txqueuelen %u) and the machine has %llu MiB "
		 "available of %llu MiB, which would leave less than 5%%",
		 (unsigned long long)(cost >> 10), s->queues, s->txqueuelen,
		 (unsigned long long)(avail >> 20), (unsigned long long)(total >> 20));
	return -ENOMEM;
}

/* check_memory() - tun_memory_check() on this machine; no /proc: no check */
static int check_memory(const struct tun_spec *s, char *err, size_t len)
{
	char text[4096];
	ssize_t n;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	return tun_memory_check(s, text, err, len);
}

int tun_create_in_netns(int netns_fd, const struct tun_spec *spec, int *fds,
			char *err, size_t len)
{
	struct job j = { netns_fd, spec, fds, err, len, 0 };
	uint32_t i;
	int rc;

	if (len)
		err[0] = '\0';
	for (i = 0; i < spec->queues && i < TUN_QUEUES_MAX; i++)
		fds[i] = -1;
	rc = tun_spec_check(spec, err, len);
	if (rc)
		return rc;
	if (netns_fd < 0) {
		snprintf(err, len, "no network namespace given");
		return -EINVAL;
	}
	if (same_netns_as_caller(netns_fd)) {
		snprintf(err, len, "refusing to make a bottle of this command's own network "
			 "namespace (its routes would be taken over): give the container's");
		return -EINVAL;
	}
	rc = check_memory(spec, err, len);
	if (rc)
		return rc;

	rc = nsjob_run(job_main, &j, err, len);
	return rc ? rc : j.rc;
}

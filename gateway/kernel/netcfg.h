/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netcfg.h - network configuration: the bottle's TUN, the egress, nftables
 *
 * Four files share this contract:
 *   tun.c      opens TUN queues and configures a bottle's TUN inside the
 *              bottle's network namespace (netns_open(), tun_create_in_netns())
 *   egress.c   the daemon's own egress TUN, forwarding and NAT table
 *   netlink.c  rtnetlink through libmnl: links, addresses, routes
 *   nft.c      sentry's nftables table through libnftables
 *
 * Conventions: every function returns 0 (or a documented non-negative value)
 * or -errno. Functions taking @err and @len write a one-line human message
 * there on failure ("cannot open /dev/net/tun: Permission denied"), ready to
 * be printed after the program name; @err may be NULL when @len is 0.
 *
 * Rights: a bottle's TUN is made with CAP_SYS_ADMIN (for setns()) and
 * CAP_NET_ADMIN over the *target* namespace only. The caller never leaves
 * its own namespace (see tun_create_in_netns()), so a helper running in a
 * rootless user namespace, which could not setns() back into the host's
 * namespace, works the same as root.
 *
 * Fail closed: TUN devices are never made persistent. The kernel deletes a
 * TUN, with its addresses and routes, when its last queue fd is closed: if
 * sentry dies, the bottle has no interface left but lo.
 */
#ifndef SENTRY_NETCFG_H
#define SENTRY_NETCFG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct mnl_socket;
struct nlmsghdr;

#define TUN_QUEUES_MAX		16	/* fds a caller must have room for */
#define TUN_MTU_DEFAULT		65520	/* what pasta and slirp4netns use */
#define TUN_TXQLEN_DEFAULT	10000	/* a burst of writes must not overflow it */
#define TUN_IFNAME_DEFAULT	"tun0"
#define TUN_MTU_MIN		68	/* RFC 791 */
#define TUN_MTU_MIN6		1280	/* RFC 8200: below this IPv6 is off */
#define TUN_MTU_MAX		65535	/* the TUN driver's own limit */

#define EGRESS_IFNAME_DEFAULT	"sentry0"
#define EGRESS_TABLE_DEFAULT	"sentry"
#define EGRESS_TABLE_MAX	32	/* with NUL */
#define EGRESS_DNS_PORT_DEFAULT	5353
#define EGRESS_RULESET_MAX	2048	/* egress_ruleset() never needs more */

/* -------------------------------------------------------------------------
 * tun.c: TUN queues and the bottle side
 */

/**
 * struct tun_spec - one bottle's interface, as tun_create_in_netns() makes it
 * @ifname:	name inside the bottle (TUN_IFNAME_DEFAULT)
 * @mtu:	TUN_MTU_MIN..TUN_MTU_MAX, at least TUN_MTU_MIN6 with @has6
 * @txqueuelen:	packets the kernel queues towards sentry; 0 keeps the kernel's
 * @queues:	1..TUN_QUEUES_MAX; more than 1 means IFF_MULTI_QUEUE
 * @vnet_hdr:	IFF_VNET_HDR: each packet is preceded by a virtio_net_hdr;
 *		the daemon notices (tun_vnet_hdr()) and switches offloads on
 * @has4:	@addr4/@plen4 is set (the address with its prefix length)
 * @has_gw4:	@gw4 is the next hop of the IPv4 default route; without it
 *		the default route points at the device
 * @has6, @addr6, @plen6, @has_gw6, @gw6:	the same for IPv6. A bottle
 *		without @has6 gets IPv6 disabled on its TUN, so nothing leaks.
 */
struct tun_spec {
	char ifname[IFNAMSIZ];
	uint32_t mtu;
	uint32_t txqueuelen;
	uint32_t queues;
	bool vnet_hdr;
	bool has4, has_gw4;
	uint8_t plen4;
	struct ipaddr addr4, gw4;
	bool has6, has_gw6;
	uint8_t plen6;
	struct ipaddr addr6, gw6;
};

/**
 * tun_spec_init() - fill @s with the defaults and no addresses
 * @s:	spec to initialise
 */
void tun_spec_init(struct tun_spec *s);

/**
 * tun_spec_check() - validate @s without touching the system
 * @s:		spec to check
 * @err:	message buffer
 * @len:	size of @err
 *
 * Checks the name, the MTU range (TUN_MTU_MIN6 when @has6), the queue count,
 * address families, prefix lengths, and that addresses and gateways are
 * neither unspecified nor multicast. A gateway may lie outside the prefix:
 * routes through it are made "onlink", as for a cloud host's /32.
 *
 * Return: 0 or -EINVAL
 */
int tun_spec_check(const struct tun_spec *s, char *err, size_t len);

/**
 * tun_ifname_valid() - true if the kernel would accept @name as a link name
 * @name:	candidate name
 *
 * 1 to IFNAMSIZ - 1 characters, not "." or "..", no '/', ':' or white space,
 * and none of '"', '\\' or '%' either: names are quoted in nftables rules,
 * and a "%d" template would make the name unknown until the device exists.
 *
 * Return: true if valid
 */
bool tun_ifname_valid(const char *name);

/**
 * tun_open() - create a TUN device in the calling thread's namespace
 * @ifname:	requested name
 * @queues:	1..TUN_QUEUES_MAX queue fds to open
 * @vnet_hdr:	request IFF_VNET_HDR
 * @fds:	receives @queues fds, O_CLOEXEC and O_NONBLOCK
 * @actual:	receives the name the kernel gave (IFNAMSIZ bytes), or NULL
 * @err:	message buffer
 * @len:	size of @err
 *
 * Flags are IFF_TUN | IFF_NO_PI, plus IFF_MULTI_QUEUE when @queues > 1 and
 * IFF_VNET_HDR with @vnet_hdr (offloads are then the reader's to switch
 * on: tun_offload()). The device is not persistent and stays down. On
 * failure no fd is left open and every @fds entry is -1.
 *
 * Return: 0, -EINVAL, or the -errno of open() or TUNSETIFF (-EBUSY: a device
 * of that name exists and is not a matching TUN)
 */
int tun_open(const char *ifname, uint32_t queues, bool vnet_hdr, int *fds,
	     char *actual, char *err, size_t len);

/**
 * tun_offload() - make a TUN with a vnet header take offloads, like a NIC
 * @fd:		a queue of the device (the setting is the device's)
 * @on:		false: keep the header but ask for nothing (every packet
 *		whole and fully checksummed)
 * @got:	receives the TUN_F_* flags the kernel accepted, or NULL
 *
 * Sets the header size to VNET_HDR_LEN and its byte order to little-endian
 * (TUNSETVNETHDRSZ, TUNSETVNETLE), then TUNSETOFFLOAD with TUN_F_CSUM,
 * TSO4, TSO6, TSO_ECN, USO4 and USO6; a kernel that refuses the set
 * (USO is Linux 6.2) is asked again without USO, then for the checksum
 * alone, then for nothing. The kernel hands such a device GSO packets of
 * up to 64 KB with partial checksums (common/vnet.h).
 *
 * Return: 0, or the -errno of TUNSETVNETHDRSZ (-EINVAL: no vnet header)
 */
int tun_offload(int fd, bool on, unsigned int *got);

/**
 * tun_vnet_hdr() - does the TUN behind @fd have IFF_VNET_HDR? (TUNGETIFF)
 * @fd:	a queue fd
 *
 * Return: 1 or 0, or -errno (-EBADFD: not attached to a device)
 */
int tun_vnet_hdr(int fd);

/**
 * tun_sysctl_write() - write @value to a /proc/sys file
 * @path:	e.g. "/proc/sys/net/ipv6/conf/tun0/disable_ipv6"
 * @value:	text to write, such as "1"
 *
 * Files under /proc/sys/net belong to the network namespace of the thread
 * that opens them, which is why this is done from the thread that did
 * setns().
 *
 * Return: 0 or -errno (-ENOENT: no such setting, e.g. IPv6 is off)
 */
int tun_sysctl_write(const char *path, const char *value);

/**
 * netns_open() - open a network namespace by path or by process
 * @path:	a namespace file (/run/netns/NAME, Podman's --netns), or NULL
 * @pid:	with @path NULL, use /proc/@pid/ns/net
 * @err:	message buffer
 * @len:	size of @err
 *
 * The file is checked to really be a network namespace (NS_GET_NSTYPE, or
 * the nsfs magic on kernels without it), so a wrong path fails here with a
 * clear message rather than later in setns().
 *
 * Return: an O_RDONLY | O_CLOEXEC fd, or -EINVAL (not a network namespace,
 * bad arguments) or the -errno of open()
 */
int netns_open(const char *path, int pid, char *err, size_t len);

/**
 * tun_kernel_bytes() - kernel memory a TUN made from @s costs, estimated
 *
 * Measured on Linux 6.1 with a noqueue root (netlink_qdisc_noqueue()): a
 * multi-queue TUN's 256 queue structures and their sysfs entries take about
 * 480 KiB, and each open queue a ring of txqueuelen pointers. Rounded up.
 */
uint64_t tun_kernel_bytes(const struct tun_spec *s);

/**
 * tun_memory_check() - refuse a TUN the machine cannot afford
 * @s:		the TUN to be made
 * @meminfo:	the text of /proc/meminfo (NUL-terminated)
 * @err:	on refusal, why, with the figures
 * @len:	size of @err
 *
 * The TUN is affordable when the kernel's MemAvailable, less its cost,
 * stays above a twentieth of MemTotal: a bottle is refused with a clear
 * error, where attaching it anyway would let the OOM killer pick a victim
 * (often the daemon, and every bottle with it). Text without the two
 * fields is no reason to refuse.
 *
 * Return: 0, or -ENOMEM with @err set
 */
int tun_memory_check(const struct tun_spec *s, const char *meminfo, char *err,
		     size_t len);

/**
 * tun_create_in_netns() - make a bottle's TUN inside its network namespace
 * @netns_fd:	from netns_open()
 * @spec:	the interface to make; checked with tun_spec_check() first
 * @fds:	receives @spec->queues fds (O_NONBLOCK | O_CLOEXEC), owned by
 *		the caller; on failure every entry is -1
 * @err:	on failure, the message; on success, "" or the text of a
 *		warning (no "warning:" prefix) that a best-effort step
 *		failed: IPv6 could not be disabled
 * @len:	size of @err
 *
 * First the machine must afford it (tun_memory_check() on /proc/meminfo).
 * A short-lived thread enters the namespace with setns() and, there: opens
 * the queues (tun_open()), sets MTU and txqueuelen and a noqueue root
 * qdisc (netlink_qdisc_noqueue()), disables IPv6 on the TUN
 * when @spec has no IPv6 address (before the link goes up, so not even a
 * link-local address appears), adds the addresses (IPv6 with IFA_F_NODAD, so
 * it is usable at once), brings lo and the TUN up, and adds the default
 * routes (onlink via the gateway when given). The thread then exits: the
 * calling thread's namespace never changes, on any path, and no right to
 * return to the original namespace is needed.
 *
 * Return: 0, or -errno of the step that failed (-EINVAL for a bad spec or
 * namespace, -EPERM without the rights over the target, ...)
 */
int tun_create_in_netns(int netns_fd, const struct tun_spec *spec, int *fds,
			char *err, size_t len);

/* -------------------------------------------------------------------------
 * egress.c: the daemon's way out, through the kernel
 */

/**
 * struct egress_spec - the egress TUN and NAT in sentry's own namespace
 * @ifname:	EGRESS_IFNAME_DEFAULT
 * @mtu:	as for struct tun_spec (TUN_MTU_DEFAULT)
 * @txqueuelen:	as for struct tun_spec (TUN_TXQLEN_DEFAULT)
 * @queues:	as for struct tun_spec (1)
 * @vnet_hdr:	as for struct tun_spec; egress_setup() also switches the
 *		offloads on (tun_offload())
 * @has_pool4:	@pool4/@pool4_len is the IPv4 pool bottles are rewritten to
 *		(default 100.127.0.0/16); the device takes its first host
 *		address, .1
 * @has_pool6:	@pool6/@pool6_len likewise (default fd5e:5e:5e::/64; the
 *		device takes ::1). At least one pool is required.
 * @nft_table:	name of sentry's "inet" table (EGRESS_TABLE_DEFAULT), an
 *		identifier: letter or '_', then letters, digits, '_' or '-'
 * @dns_tcp_port: the daemon's local TCP DNS listener; TCP to port 53 from
 *		the egress is redirected there. 0: no redirect.
 */
struct egress_spec {
	char ifname[IFNAMSIZ];
	uint32_t mtu;
	uint32_t txqueuelen;
	uint32_t queues;
	bool vnet_hdr;
	bool has_pool4, has_pool6;
	uint8_t pool4_len, pool6_len;
	struct ipaddr pool4, pool6;
	char nft_table[EGRESS_TABLE_MAX];
	uint16_t dns_tcp_port;
};

/**
 * egress_spec_init() - fill @s with the defaults, both pools included
 * @s:	spec to initialise
 */
void egress_spec_init(struct egress_spec *s);

/**
 * egress_spec_check() - validate @s without touching the system
 * @s:		spec to check
 * @err:	message buffer
 * @len:	size of @err
 *
 * Besides the struct tun_spec rules: a pool is a network (no host bits set)
 * that holds a .1 address, so IPv4 /1../31 and IPv6 /1../127.
 *
 * Return: 0 or -EINVAL
 */
int egress_spec_check(const struct egress_spec *s, char *err, size_t len);

/**
 * egress_ruleset() - the nftables text egress_setup() installs
 * @s:		spec, checked with egress_spec_check()
 * @buf:	output, NUL-terminated
 * @len:	size of @buf; EGRESS_RULESET_MAX always suffices
 *
 * The text first creates and deletes the table, so one transaction replaces
 * a stale table of the same name and otherwise changes nothing on failure:
 *
 *   prerouting (nat):  TCP to port 53 from the egress -> the DNS listener
 *   postrouting (nat): pool sources leaving by another device are masqueraded
 *   forward (filter):  from the egress, only pool sources pass; a family
 *                      without a pool does not pass at all
 *   input (filter):    from the egress, only replies and the redirected DNS
 *                      reach the daemon's namespace itself
 *
 * Drops carry counters: `nft list table inet NAME` shows spoof attempts.
 *
 * Return: the text's length (< @len), -EINVAL (bad spec; @buf holds the
 * message when @len allows) or -ENOSPC
 */
int egress_ruleset(const struct egress_spec *s, char *buf, size_t len);

/**
 * egress_setup() - create the egress TUN and NAT in the current namespace
 * @s:		spec, checked with egress_spec_check() first
 * @fds:	receives @s->queues fds (O_NONBLOCK | O_CLOEXEC); -1 on failure
 * @err:	message buffer
 * @len:	size of @err
 *
 * Creates the TUN, sets MTU and txqueuelen, gives it the first host address
 * of each pool (as a host address, IPv6 without DAD), brings it up, routes
 * each pool prefix to it, turns on forwarding for each family that has a
 * pool (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding: note the latter
 * stops the namespace from accepting router advertisements) and installs
 * egress_ruleset(). On failure the fds are closed, which removes the device
 * with its addresses and routes; forwarding stays on.
 *
 * Return: 0 or -errno
 */
int egress_setup(const struct egress_spec *s, int *fds, char *err, size_t len);

/**
 * egress_teardown() - delete the nftables table of @s
 * @s:		spec used for egress_setup()
 * @err:	message buffer
 * @len:	size of @err
 *
 * Idempotent: a missing table is not an error. The TUN goes when the caller
 * closes its fds; forwarding is left as it is.
 *
 * Return: 0 or -errno
 */
int egress_teardown(const struct egress_spec *s, char *err, size_t len);

/* -------------------------------------------------------------------------
 * netlink.c: rtnetlink through libmnl, in the calling thread's namespace
 */

#define NETLINK_MSG_MAX		512	/* every request below fits */
#define NETLINK_EXT_MSG_MAX	128	/* kernel's extended ack text */

/**
 * struct netlink - an rtnetlink socket
 * @sock:	libmnl socket, bound in the namespace of the thread that opened it
 * @portid:	our netlink port
 * @seq:	last sequence number used
 * @ext_msg:	the kernel's explanation of the last error, or ""
 */
struct netlink {
	struct mnl_socket *sock;
	unsigned int portid;
	uint32_t seq;
	char ext_msg[NETLINK_EXT_MSG_MAX];
};

/**
 * struct netlink_link - what netlink_link_get() reports of a link
 * @index:	ifindex
 * @mtu:	IFLA_MTU
 * @txqlen:	IFLA_TXQLEN
 * @flags:	IFF_UP, IFF_LOWER_UP, ...
 * @name:	IFLA_IFNAME
 */
struct netlink_link {
	uint32_t index;
	uint32_t mtu;
	uint32_t txqlen;
	uint32_t flags;
	char name[IFNAMSIZ];
};

/**
 * struct netlink_link_req - changes for netlink_link_set()
 * @mtu:	new MTU, or 0 to leave it
 * @txqlen:	new txqueuelen, or 0 to leave it
 * @up:		bring the link up
 * @rename:	new name, or NULL ("" is not a name)
 */
struct netlink_link_req {
	uint32_t mtu;
	uint32_t txqlen;
	bool up;
	const char *rename;
};

/**
 * netlink_open() - open an rtnetlink socket in the calling thread's namespace
 * @nl:	socket to initialise
 *
 * Extended acks are requested, so failures carry the kernel's own words in
 * @nl->ext_msg ("Nexthop has invalid gateway").
 *
 * Return: 0 or -errno
 */
int netlink_open(struct netlink *nl);

/**
 * netlink_close() - close @nl; harmless on a closed or zeroed one
 * @nl:	socket to close
 */
void netlink_close(struct netlink *nl);

/**
 * netlink_link_get() - look a link up by name
 * @nl:		socket, or NULL for a temporary one in the calling thread's
 *		namespace (the daemon's "ifindex by name", "read the MTU back")
 * @name:	link name
 * @out:	receives the link's state
 *
 * Return: 0, -ENODEV (no such link), or -errno
 */
int netlink_link_get(struct netlink *nl, const char *name,
		     struct netlink_link *out);

/**
 * netlink_link_set() - change MTU, txqueuelen, name, and bring a link up
 * @nl:		socket
 * @ifindex:	link
 * @req:	the changes
 *
 * Return: 0 or -errno (-EINVAL for an MTU the device refuses)
 */
int netlink_link_set(struct netlink *nl, uint32_t ifindex,
		     const struct netlink_link_req *req);

/**
 * netlink_tun_prepare() - a TUN just made, still down: find link @name,
 * set its MTU and txqueuelen, and give it a noqueue root qdisc
 * (netlink_qdisc_noqueue()); the bottle's TUN and the egress TUN alike
 * @out:	receives the link
 *
 * Return: 0, or -errno with the step that failed in @err
 */
int netlink_tun_prepare(struct netlink *nl, const char *name, uint32_t mtu,
			uint32_t txqlen, struct netlink_link *out, char *err,
			size_t len);

/**
 * netlink_qdisc_noqueue() - make "noqueue" the root qdisc of a link
 * @nl:		socket
 * @ifindex:	link, best while still down (no default qdisc made yet)
 *
 * Why: a multi-queue TUN has 256 TX queues, and the kernel's default root
 * (mq) gives each a pfifo_fast with three rings of txqueuelen slots: about
 * 97 MB of unreclaimable memory per TUN at txqueuelen 10000. A TUN never
 * stops its queues (a full ring drops), so those qdiscs never hold a
 * packet; the TUN's own ring per open queue is the queue towards sentry.
 *
 * Return: 0 or -errno
 */
int netlink_qdisc_noqueue(struct netlink *nl, uint32_t ifindex);

/**
 * netlink_addr_add() - add (or refresh) an address on a link
 * @nl:		socket
 * @ifindex:	link
 * @a:		address
 * @plen:	prefix length; the kernel adds the prefix route for it
 * @nodad:	IPv6: IFA_F_NODAD, usable at once; ignored for IPv4
 *
 * Return: 0 or -errno
 */
int netlink_addr_add(struct netlink *nl, uint32_t ifindex,
		     const struct ipaddr *a, uint8_t plen, bool nodad);

/**
 * netlink_route_add() - add (or replace) a route in the main table
 * @nl:		socket
 * @ifindex:	output link
 * @dst:	destination network; its family is the route's
 * @dst_len:	prefix length, 0 for a default route
 * @gw:		next hop, made onlink (no prefix needs to cover it), or NULL
 *		for a route straight to the device
 * @prefsrc:	preferred source address (must be local already), or NULL
 *
 * Return: 0 or -errno
 */
int netlink_route_add(struct netlink *nl, uint32_t ifindex,
		      const struct ipaddr *dst, uint8_t dst_len,
		      const struct ipaddr *gw, const struct ipaddr *prefsrc);

/**
 * netlink_error() - format "@fmt...: strerror (kernel's explanation)" into @err
 * @nl:		socket whose last request failed, for its ext_msg; may be NULL
 * @rc:		the -errno it returned
 * @err:	message buffer
 * @len:	size of @err
 * @fmt:	what was being done, printf-style ("cannot set MTU 9000 on tun0")
 *
 * Return: @rc, so that callers can `return netlink_error(...)`
 */
int netlink_error(const struct netlink *nl, int rc, char *err, size_t len,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Message builders behind the calls above, pure so that unit tests can read
 * back what would be sent. @buf holds NETLINK_MSG_MAX bytes. Return: the
 * message, or NULL if an argument is out of range.
 */
struct nlmsghdr *netlink_msg_link(void *buf, uint32_t seq, uint32_t ifindex,
				  const struct netlink_link_req *req);
struct nlmsghdr *netlink_msg_addr(void *buf, uint32_t seq, uint32_t ifindex,
				  const struct ipaddr *a, uint8_t plen,
				  bool nodad);
struct nlmsghdr *netlink_msg_noqueue(void *buf, uint32_t seq, uint32_t ifindex);
struct nlmsghdr *netlink_msg_route(void *buf, uint32_t seq, uint32_t ifindex,
				   const struct ipaddr *dst, uint8_t dst_len,
				   const struct ipaddr *gw,
				   const struct ipaddr *prefsrc);

/* -------------------------------------------------------------------------
 * nft.c: sentry's own nftables table through libnftables
 */

/**
 * nft_apply() - run nftables commands as one transaction
 * @cmds:	ruleset text, as `nft -f` reads it
 * @err:	message buffer: nft's own error text, on one line
 * @len:	size of @err
 *
 * All or nothing: on failure the kernel's ruleset is unchanged.
 *
 * Return: 0, -ENOMEM, or an -errno recognised in nft's error text (-EPERM,
 * -ENOENT, -EOPNOTSUPP, ...), else -EINVAL (syntax, unknown expression)
 */
int nft_apply(const char *cmds, char *err, size_t len);

/**
 * nft_table_delete() - delete a table if it exists
 * @family:	"inet", "ip", ...
 * @name:	table name, an identifier as for struct egress_spec
 * @err:	message buffer
 * @len:	size of @err
 *
 * Return: 0 (also when there was no such table), -EINVAL, or as nft_apply()
 */
int nft_table_delete(const char *family, const char *name, char *err,
		     size_t len);

/**
 * nft_name_valid() - true for an identifier safe to paste into a ruleset
 * @name:	candidate
 * @max:	buffer size the name must fit in, with its NUL
 *
 * Return: true for [A-Za-z_][A-Za-z0-9_-]* of at most @max - 1 characters
 */
bool nft_name_valid(const char *name, size_t max);

#endif /* SENTRY_NETCFG_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsprobe.h - what a namespace to be guarded looks like from the namespace
 * that routes it: its interfaces, their addresses, and where each one's
 * other end lies (nsprobe.c explains)
 */
#ifndef SENTRY_KERNEL_NSPROBE_H
#define SENTRY_KERNEL_NSPROBE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

#define NSPROBE_IFACES_MAX	8

/*
 * struct nsprobe_iface - one interface of the bottle's namespace
 * @name:	its name there
 * @has4, @addr4, @n4:	the first global IPv4 address, and how many it has
 * @has6, @addr6, @n6:	the same for IPv6 (link-local addresses left out)
 * @peer_here:	its other end (a veth peer) is in the routing namespace
 * @peer:	that end's name there
 * @bridge:	the bridge @peer is a port of, or "" (then @peer is routed
 *		directly); a port of anything but a bridge is an error
 */
struct nsprobe_iface {
	char name[IFNAMSIZ];
	bool has4, has6, peer_here;
	unsigned int n4, n6;
	struct ipaddr addr4, addr6;
	char peer[IFNAMSIZ];
	char bridge[IFNAMSIZ];
};

struct nsprobe {
	unsigned int n;		/* interfaces but lo */
	struct nsprobe_iface ifs[NSPROBE_IFACES_MAX];
};

/*
 * nsprobe_run() - look at namespace @bottle_fd from namespace @router_fd
 * (both netns_open() descriptors). A short-lived thread enters each with
 * setns() (root), so the caller's namespace never changes.
 * Return: 0 with @out filled, or -errno with @err (-EINVAL: the two are
 * the same namespace).
 */
int nsprobe_run(int bottle_fd, int router_fd, struct nsprobe *out, char *err,
		size_t len);

/*
 * nsprobe_pick() - the one interface of @p whose other end is in the
 * routing namespace and that has an address. Return: it, or NULL with
 * @err saying why (none; several: name one with --interface).
 */
const struct nsprobe_iface *nsprobe_pick(const struct nsprobe *p, char *err,
					 size_t len);

#endif /* SENTRY_KERNEL_NSPROBE_H */

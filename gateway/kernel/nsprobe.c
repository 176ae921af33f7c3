// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsprobe.c - find a guarded namespace's interfaces, addresses, and the
 * interface its traffic crosses in the namespace that routes it
 *
 * Theory of operation
 *
 * `sentry guard --netns/--pid/--container` runs as root. A short-lived
 * thread enters the bottle's namespace (setns()) and dumps its links and
 * addresses over rtnetlink (libmnl); a veth reports its peer's index
 * (IFLA_LINK) and the peer's namespace as an id in the bottle's own table
 * (IFLA_LINK_NETNSID). RTM_GETNSID with the routing namespace's descriptor
 * gives that namespace's id in the same table, so a peer "here" is one
 * whose id matches. The thread then enters the routing namespace and
 * names the peer there, and the bridge it is a port of, if any: a routed
 * veth is the bottle's alone (match it by interface), a bridge is shared
 * (Podman's networks: match the bottle by its addresses on the bridge).
 * The thread exits; the caller's namespace never changes.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "kernel/nsjob.h"
#include "kernel/nsprobe.h"

#define RECV_MAX	32768
#define MSG_MAX		256	/* one request: a header and an attribute */

/* What the dumps say about one link, before its peer is named */
struct link {
	unsigned int index, peer_index;
	int peer_nsid;		/* -1: none given (not a veth into another namespace) */
};

struct probe {
	struct nsprobe *out;
	struct link links[NSPROBE_IFACES_MAX];
	int router_nsid;
	/* the link being read: what it says of itself, its master, its kind */
	struct link cur;
	char name[IFNAMSIZ], kind[16];
	unsigned int master;
};

/* Send @nlh on @nl and run @cb on each reply: all of a dump, else one */
static int talk(struct mnl_socket *nl, struct nlmsghdr *nlh, bool dump,
		mnl_cb_t cb, void *data)
{
	char buf[RECV_MAX];
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int rc;

	nlh->nlmsg_seq = (unsigned int)time(NULL);
	nlh->nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		rc = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb, data);
		if (rc == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
	} while (dump && rc != MNL_CB_STOP);
	return 0;
}

static struct nsprobe_iface *iface_by_index(struct probe *p, unsigned int index)
{
	for (unsigned int i = 0; i < p->out->n; i++)
		if (p->links[i].index == index)
			return &p->out->ifs[i];
	return NULL;
}

static int link_attr(const struct nlattr *a, void *data)
{
	struct probe *p = data;
	struct link *l = &p->cur;
	struct nlattr *in;	/* not const: libmnl's macro casts it to char * */

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (!mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			snprintf(p->name, sizeof(p->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_LINK:
		if (!mnl_attr_validate(a, MNL_TYPE_U32))
			l->peer_index = mnl_attr_get_u32(a);
		break;
	case IFLA_LINK_NETNSID:
		if (!mnl_attr_validate(a, MNL_TYPE_U32))
			l->peer_nsid = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_MASTER:
		if (!mnl_attr_validate(a, MNL_TYPE_U32))
			p->master = mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		mnl_attr_for_each_nested(in, a)
			if (mnl_attr_get_type(in) == IFLA_INFO_KIND &&
			    !mnl_attr_validate(in, MNL_TYPE_STRING))
				snprintf(p->kind, sizeof(p->kind), "%.*s",
					 (int)mnl_attr_get_payload_len(in),
					 (const char *)mnl_attr_get_payload(in));
		break;
	}
	return MNL_CB_OK;
}

/* One link into @p->cur, @p->name, @p->master and @p->kind */
static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct probe *p = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	p->name[0] = p->kind[0] = '\0';
	p->master = 0;
	p->cur = (struct link){ .index = (unsigned int)ifi->ifi_index, .peer_nsid = -1 };
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr, p);
	return MNL_CB_OK;
}

/* One link of the bottle's dump: kept but lo (beyond the table: not looked at) */
static int on_bottle_link(const struct nlmsghdr *nlh, void *data)
{
	struct probe *p = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi) ||
	    (ifi->ifi_flags & IFF_LOOPBACK) || p->out->n >= NSPROBE_IFACES_MAX)
		return MNL_CB_OK;
	on_link(nlh, data);
	p->links[p->out->n] = p->cur;
	snprintf(p->out->ifs[p->out->n].name, IFNAMSIZ, "%s", p->name);
	p->out->n++;
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct probe *p = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *local = NULL, *address = NULL;
	struct nlattr *a;	/* not const: libmnl's macro casts it to char * */
	struct nsprobe_iface *i;
	struct ipaddr addr;
	size_t alen = ifa->ifa_family == AF_INET6 ? 16 : 4;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE ||	/* no link-local, no host */
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    !(i = iface_by_index(p, ifa->ifa_index)))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			address = a;
	}
	if (local)	/* IFA_ADDRESS is the peer's on a point-to-point link */
		address = local;
	if (!address || mnl_attr_get_payload_len(address) != alen)
		return MNL_CB_OK;
	memset(&addr, 0, sizeof(addr));
	addr.family = alen == 16 ? ADDR_FAMILY_V6 : ADDR_FAMILY_V4;
	memcpy(addr.b, mnl_attr_get_payload(address), alen);
	if (alen == 16) {
		if (!i->n6++)
			i->addr6 = addr, i->has6 = true;
	} else if (!i->n4++) {
		i->addr4 = addr, i->has4 = true;
	}
	return MNL_CB_OK;
}

static int on_nsid(const struct nlmsghdr *nlh, void *data)
{
	struct probe *p = data;
	struct nlattr *a;	/* not const: libmnl's macro casts it to char * */

	if (nlh->nlmsg_type != RTM_NEWNSID)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct rtgenmsg))
		if (mnl_attr_get_type(a) == NETNSA_NSID &&
		    !mnl_attr_validate(a, MNL_TYPE_U32))
			p->router_nsid = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static struct nlmsghdr *link_msg(char *buf, unsigned int index)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	nlh->nlmsg_type = RTM_GETLINK;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)index;
	return nlh;
}

/* In the bottle's namespace: its links, addresses, and the router's id */
static int look_inside(struct mnl_socket *nl, struct probe *p, int router_fd)
{
	char buf[MSG_MAX];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct rtgenmsg *g;
	int rc;

	if ((rc = talk(nl, link_msg(buf, 0), true, on_bottle_link, p)))
		return rc;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	if ((rc = talk(nl, nlh, true, on_addr, p)))
		return rc;
	/* after the link dump: reporting a peer gave its namespace an id */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)router_fd);
	p->router_nsid = -1;
	return talk(nl, nlh, false, on_nsid, p);
}

/* In the routing namespace: name each peer found there, and its bridge */
static int look_outside(struct mnl_socket *nl, struct probe *p, char *err, size_t len)
{
	char buf[MSG_MAX];
	unsigned int master;
	int rc;

	for (unsigned int i = 0; i < p->out->n; i++) {
		struct nsprobe_iface *f = &p->out->ifs[i];
		struct link l = p->links[i];

		if (l.peer_nsid < 0 || l.peer_nsid != p->router_nsid || !l.peer_index)
			continue;
		rc = talk(nl, link_msg(buf, l.peer_index), false, on_link, p);
		master = p->master;
		snprintf(f->peer, sizeof(f->peer), "%s", p->name);
		if (!rc && master) {
			rc = talk(nl, link_msg(buf, master), false, on_link, p);
			snprintf(f->bridge, sizeof(f->bridge), "%s", p->name);
			if (!rc && strcmp(p->kind, "bridge")) {
				snprintf(err, len, "%s's other end %s is a port of %s, a %s, "
					 "not a bridge: give --interface", f->name, f->peer,
					 f->bridge, p->kind[0] ? p->kind : "device of no kind");
				rc = -EINVAL;
			}
		}
		if (rc) {
			if (rc != -EINVAL)
				snprintf(err, len, "the other end of %s (index %u): %s",
					 f->name, l.peer_index, strerror(-rc));
			return rc;
		}
		f->peer_here = true;
	}
	return 0;
}

struct job {
	int bottle_fd, router_fd;
	struct probe *p;
	char *err;
	size_t len;
	int rc;
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct mnl_socket *nl = NULL;

	if (setns(j->bottle_fd, CLONE_NEWNET)) {
		j->rc = -errno;
		snprintf(j->err, j->len, "cannot enter the namespace: %s", strerror(errno));
		return NULL;
	}
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    (j->rc = look_inside(nl, j->p, j->router_fd))) {
		j->rc = j->rc ? j->rc : -errno;
		snprintf(j->err, j->len, "rtnetlink in the namespace: %s", strerror(-j->rc));
		goto out;
	}
	mnl_socket_close(nl);
	nl = NULL;
	if (setns(j->router_fd, CLONE_NEWNET)) {
		j->rc = -errno;
		snprintf(j->err, j->len, "cannot enter the daemon's namespace: %s",
			 strerror(errno));
		goto out;
	}
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		j->rc = -errno;
		snprintf(j->err, j->len, "rtnetlink: %s", strerror(errno));
		goto out;
	}
	j->rc = look_outside(nl, j->p, j->err, j->len);
out:
	if (nl)
		mnl_socket_close(nl);
	return NULL;
}

int nsprobe_run(int bottle_fd, int router_fd, struct nsprobe *out, char *err,
		size_t len)
{
	struct probe p = { .out = out };
	struct job j = { bottle_fd, router_fd, &p, err, len, 0 };
	struct stat a, b;
	int rc;

	memset(out, 0, sizeof(*out));
	if (fstat(bottle_fd, &a) || fstat(router_fd, &b)) {
		snprintf(err, len, "namespace: %s", strerror(errno));
		return -errno;
	}
	if (a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
		snprintf(err, len, "that is the daemon's own network namespace: give the "
			 "bottle's (or its --interface there)");
		return -EINVAL;
	}
	rc = nsjob_run(job_main, &j, err, len);
	return rc ? rc : j.rc;
}

const struct nsprobe_iface *nsprobe_pick(const struct nsprobe *p, char *err,
					 size_t len)
{
	const struct nsprobe_iface *found = NULL;
	unsigned int peers = 0;

	for (unsigned int i = 0; i < p->n; i++) {
		const struct nsprobe_iface *f = &p->ifs[i];

		if (!f->peer_here)
			continue;
		peers++;
		if (!f->has4 && !f->has6)
			continue;
		if (found) {
			snprintf(err, len, "the namespace reaches the daemon's through both %s "
				 "and %s: guard one with --interface and --addr4/--addr6",
				 found->name, f->name);
			return NULL;
		}
		found = f;
	}
	if (found)
		return found;
	if (peers)
		snprintf(err, len, "the namespace has no global address on its interface "
			 "towards the daemon's namespace: nothing to guard yet");
	else
		snprintf(err, len, "none of the namespace's %u interface%s has its other end "
			 "in the daemon's namespace (no veth peer there): is the daemon "
			 "running where this namespace's traffic is routed?", p->n,
			 p->n == 1 ? "" : "s");
	return NULL;
}

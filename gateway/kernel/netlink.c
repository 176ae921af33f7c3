// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netlink.c - rtnetlink through libmnl: links, addresses, routes
 *
 * Every request asks for an acknowledgement and waits for it, so a call
 * returns only once the kernel has applied the change or said why not. The
 * socket asks for capped, extended acks: the kernel then returns only the
 * header of a failed request, plus a sentence of explanation that
 * tun.c and egress.c put into their messages.
 *
 * A netlink socket belongs to the network namespace of the thread that
 * created it, for its whole life: tun.c opens one after setns().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "kernel/netcfg.h"

/* Replies here are single links and acks; a link with every statistic
 * attribute stays well under this. */
#define RECV_MAX	16384

int netlink_open(struct netlink *nl)
{
	int one = 1, rc;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		netlink_close(nl);
		return rc;
	}
	/* Both are best effort: kernels before 4.12 send plain acks. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

void netlink_close(struct netlink *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* One request in flight: the caller's reply handler and where errors go */
struct exchange {
	struct netlink *nl;
	mnl_cb_t cb;
	void *data;
};

static int ext_attr_cb(const struct nlattr *attr, void *data)
{
	struct netlink *nl = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
		strncpy(nl->ext_msg, mnl_attr_get_str(attr),
			sizeof(nl->ext_msg) - 1);
		nl->ext_msg[sizeof(nl->ext_msg) - 1] = '\0';
	}
	return MNL_CB_OK;
}

/* NLMSG_ERROR: an ack (error 0) ends the exchange, anything else fails it */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct exchange *x = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh), off = sizeof(*e);

	/* A truncated error message is a kernel we do not understand. */
	if (plen < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;

	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* Uncapped acks echo the request before the attributes. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (off < plen)
			mnl_attr_parse_payload((const char *)e + off,
					       plen - off, ext_attr_cb, x->nl);
	}
	/* Positive or absurd codes must not pass for success. */
	errno = e->error < 0 && e->error > -4096 ? -e->error : EPROTO;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct exchange *x = data;

	return x->cb ? x->cb(nlh, x->data) : MNL_CB_OK;
}

/*
 * request() - send @nlh, run @cb(reply, @data) on each reply, wait for the ack
 * Return: 0 or -errno; @nl->ext_msg explains a failure when the kernel did
 */
static int request(struct netlink *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
	};
	struct exchange x = { .nl = nl, .cb = cb, .data = data };
	char buf[RECV_MAX];
	ssize_t n;
	int rc;

	nl->ext_msg[0] = '\0';
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	do {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		errno = 0;
		rc = mnl_cb_run2(buf, (size_t)n, nl->seq, nl->portid, data_cb,
				 &x, ctl, NLMSG_MIN_TYPE);
		if (rc == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
	} while (rc > MNL_CB_STOP);
	return 0;
}

/* ---- links --------------------------------------------------------------- */

struct link_query {
	struct netlink_link *out;
	bool found;
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct netlink_link *out = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			out->mtu = mnl_attr_get_u32(attr);
		break;
	case IFLA_TXQLEN:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			out->txqlen = mnl_attr_get_u32(attr);
		break;
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			strncpy(out->name, mnl_attr_get_str(attr),
				sizeof(out->name) - 1);
			out->name[sizeof(out->name) - 1] = '\0';
		}
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_query *q = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	memset(q->out, 0, sizeof(*q->out));
	q->out->index = (uint32_t)ifi->ifi_index;
	q->out->flags = ifi->ifi_flags;
	q->found = true;
	return mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, q->out);
}

int netlink_link_get(struct netlink *nl, const char *name,
		     struct netlink_link *out)
{
	char buf[NETLINK_MSG_MAX];
	struct netlink tmp;
	struct link_query q = { .out = out };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int rc;

	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	if (!nl) {
		rc = netlink_open(&tmp);
		if (rc)
			return rc;
		rc = netlink_link_get(&tmp, name, out);
		netlink_close(&tmp);
		return rc;
	}

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);

	rc = request(nl, nlh, link_cb, &q);
	if (rc == -ENODEV || (!rc && !q.found))
		return -ENODEV;
	return rc;
}

struct nlmsghdr *netlink_msg_link(void *buf, uint32_t seq, uint32_t ifindex,
				  const struct netlink_link_req *req)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (!ifindex || ifindex > INT32_MAX ||
	    (req->rename && (!*req->rename || strlen(req->rename) >= IFNAMSIZ)))
		return NULL;

	memset(buf, 0, NETLINK_MSG_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	if (req->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (req->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, req->mtu);
	if (req->txqlen)
		mnl_attr_put_u32(nlh, IFLA_TXQLEN, req->txqlen);
	if (req->rename)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, req->rename);
	return nlh;
}

int netlink_link_set(struct netlink *nl, uint32_t ifindex,
		     const struct netlink_link_req *req)
{
	char buf[NETLINK_MSG_MAX];
	struct nlmsghdr *nlh = netlink_msg_link(buf, 0, ifindex, req);

	if (!nlh)
		return -EINVAL;
	return request(nl, nlh, NULL, NULL);
}

/* ---- queueing discipline ------------------------------------------------ */

struct nlmsghdr *netlink_msg_noqueue(void *buf, uint32_t seq, uint32_t ifindex)
{
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;

	if (!ifindex || ifindex > INT32_MAX)
		return NULL;
	memset(buf, 0, NETLINK_MSG_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWQDISC;
	/* REPLACE: whatever root the link has (none while it is down) */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
	nlh->nlmsg_seq = seq;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = (int)ifindex;
	tcm->tcm_parent = TC_H_ROOT;
	tcm->tcm_handle = 0;
	mnl_attr_put_strz(nlh, TCA_KIND, "noqueue");
	return nlh;
}

int netlink_tun_prepare(struct netlink *nl, const char *name, uint32_t mtu,
			uint32_t txqlen, struct netlink_link *out, char *err,
			size_t len)
{
	struct netlink_link_req set = { mtu, txqlen, false, NULL };
	int rc;

	rc = netlink_link_get(nl, name, out);
	if (rc)
		return netlink_error(nl, rc, err, len, "cannot find %s", name);
	rc = netlink_link_set(nl, out->index, &set);
	if (rc)
		return netlink_error(nl, rc, err, len,
				     "cannot set MTU %u and txqueuelen %u on %s",
				     mtu, txqlen, name);
	rc = netlink_qdisc_noqueue(nl, out->index);
	if (rc)
		return netlink_error(nl, rc, err, len,
				     "cannot make noqueue the root qdisc of %s", name);
	return 0;
}

int netlink_qdisc_noqueue(struct netlink *nl, uint32_t ifindex)
{
	char buf[NETLINK_MSG_MAX];
	struct nlmsghdr *nlh = netlink_msg_noqueue(buf, 0, ifindex);

	if (!nlh)
		return -EINVAL;
	return request(nl, nlh, NULL, NULL);
}

/* ---- addresses and routes ----------------------------------------------- */

static bool family_ok(const struct ipaddr *a, unsigned int plen)
{
	if (a->family == ADDR_FAMILY_V4)
		return plen <= 32;
	if (a->family == ADDR_FAMILY_V6)
		return plen <= 128;
	return false;
}

static uint8_t af(const struct ipaddr *a)
{
	return a->family == ADDR_FAMILY_V4 ? AF_INET : AF_INET6;
}

struct nlmsghdr *netlink_msg_addr(void *buf, uint32_t seq, uint32_t ifindex,
				  const struct ipaddr *a, uint8_t plen,
				  bool nodad)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (!ifindex || !family_ok(a, plen))
		return NULL;

	memset(buf, 0, NETLINK_MSG_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	/* REPLACE: setting up twice is not an error */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = af(a);
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	if (nodad && a->family == ADDR_FAMILY_V6)
		ifa->ifa_flags = IFA_F_NODAD;
	/* LOCAL and ADDRESS equal: no peer, even on a point-to-point TUN */
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(a), a->b);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(a), a->b);
	return nlh;
}

int netlink_addr_add(struct netlink *nl, uint32_t ifindex,
		     const struct ipaddr *a, uint8_t plen, bool nodad)
{
	char buf[NETLINK_MSG_MAX];
	struct nlmsghdr *nlh = netlink_msg_addr(buf, 0, ifindex, a, plen,
						nodad);

	if (!nlh)
		return -EINVAL;
	return request(nl, nlh, NULL, NULL);
}

struct nlmsghdr *netlink_msg_route(void *buf, uint32_t seq, uint32_t ifindex,
				   const struct ipaddr *dst, uint8_t dst_len,
				   const struct ipaddr *gw,
				   const struct ipaddr *prefsrc)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (!ifindex || !family_ok(dst, dst_len) ||
	    (gw && gw->family != dst->family) ||
	    (prefsrc && prefsrc->family != dst->family))
		return NULL;

	memset(buf, 0, NETLINK_MSG_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	/* EXCL, never REPLACE: sentry adds routes, it never takes one over */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = af(dst);
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_type = RTN_UNICAST;
	/* A next hop is a router somewhere; without one, the link is it. */
	rtm->rtm_scope = gw || dst->family == ADDR_FAMILY_V6 ?
			 RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	/* A TUN has no neighbours to ask: the gateway needs no covering
	 * prefix, which also serves a /32 with a gateway outside it. */
	if (gw)
		rtm->rtm_flags = RTNH_F_ONLINK;

	if (dst_len)
		mnl_attr_put(nlh, RTA_DST, addr_len(dst), dst->b);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, addr_len(gw), gw->b);
	if (prefsrc)
		mnl_attr_put(nlh, RTA_PREFSRC, addr_len(prefsrc), prefsrc->b);
	return nlh;
}

int netlink_route_add(struct netlink *nl, uint32_t ifindex,
		      const struct ipaddr *dst, uint8_t dst_len,
		      const struct ipaddr *gw, const struct ipaddr *prefsrc)
{
	char buf[NETLINK_MSG_MAX];
	struct nlmsghdr *nlh = netlink_msg_route(buf, 0, ifindex, dst, dst_len,
						 gw, prefsrc);

	if (!nlh)
		return -EINVAL;
	return request(nl, nlh, NULL, NULL);
}

int netlink_error(const struct netlink *nl, int rc, char *err, size_t len,
		  const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!len)
		return rc;
	va_start(ap, fmt);
	n = vsnprintf(err, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return rc;
	if (nl && nl->ext_msg[0])
		snprintf(err + n, len - (size_t)n, ": %s (%s)", strerror(-rc),
			 nl->ext_msg);
	else
		snprintf(err + n, len - (size_t)n, ": %s", strerror(-rc));
	return rc;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * helper_argv.c - pasta's and slirp4netns's command lines, parsed without I/O
 *
 * Theory of operation
 *
 * Podman builds these command lines (shared/PODMAN.md has them verbatim),
 * and the real helpers read them with GNU getopt_long(). getopt itself is
 * no use here: it keeps global state, prints its own messages, and cannot
 * say which option a value error belongs to. So a small scanner walks argv
 * the getopt way - "--opt=value", "--opt value", "-o value", "-ovalue",
 * grouped flags "-qf", "--" ending the options, positionals in any place -
 * and hands each option, with its value and the text it was written as,
 * to a per-personality switch. Every error names that text, so the user
 * sees which of the options Podman passed sentry could not take.
 *
 * Options that ask for something sentry cannot do are errors, never
 * ignored: -T/-U and --api-socket most of all, since a container that
 * silently lost its ports is worse than one that does not start. pasta's
 * -t/-u values are read by publish_spec.c. Options that change nothing here (sandboxing, host
 * loopback, gateway mapping) are accepted; the reason is at each one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "helpers/helper.h"
#include "kernel/netcfg.h"
#include "num.h"
#include "policy.h"
#include "wire.h"

#define POSITIONAL_MAX	4	/* more is an error: both helpers take two */
#define SHOWN_MAX	160	/* an option as written, in messages */

struct optdef {
	char sname;		/* short name, or 0 */
	const char *lname;	/* long name without "--", or NULL */
	bool arg;		/* takes a value */
	int id;
};

struct scan {
	int argc;
	char *const *argv;
	int i;			/* next argv element */
	const char *cluster;	/* rest of a group of short options */
	bool no_more_opts;	/* after "--" */
	char *err;
	size_t len;
	/* the option scan_next() found */
	const struct optdef *o;
	const char *val;
	char shown[SHOWN_MAX];
	/* positionals, in order */
	int npos;
	const char *pos[POSITIONAL_MAX];
};

static int fail(struct scan *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct scan *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, s->len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void scan_init(struct scan *s, int argc, char *const *argv, char *err,
		      size_t len)
{
	memset(s, 0, sizeof(*s));
	s->argc = argc;
	s->argv = argv;
	s->i = 1;
	s->err = err;
	s->len = len;
	if (len)
		err[0] = '\0';
}

/* Record how the option was written: "-t none", "--mtu=1500", "-e3" */
static void show(struct scan *s, const char *opt, size_t optlen, const char *sep,
		 const char *val)
{
	int n = snprintf(s->shown, sizeof(s->shown), "%.*s%s%s", (int)optlen, opt,
			 val ? sep : "", val ? val : "");

	if (n >= (int)sizeof(s->shown))
		memcpy(s->shown + sizeof(s->shown) - 4, "...", 4);
}

static int take_value(struct scan *s, const char *opt, size_t optlen)
{
	if (s->i >= s->argc)
		return fail(s, "option '%.*s' needs a value", (int)optlen, opt);
	s->val = s->argv[s->i++];
	show(s, opt, optlen, " ", s->val);
	return 0;
}

static int scan_long(struct scan *s, const struct optdef *tab, const char *a)
{
	const char *name = a + 2, *eq = strchr(name, '=');
	size_t nlen = eq ? (size_t)(eq - name) : strlen(name);

	for (s->o = tab; s->o->id; s->o++)
		if (s->o->lname && strlen(s->o->lname) == nlen &&
		    !memcmp(s->o->lname, name, nlen))
			break;
	if (!s->o->id)
		return fail(s, "unknown option '%.*s'", (int)(nlen + 2 > 64 ? 64 : nlen + 2), a);
	if (!s->o->arg) {
		if (eq)
			return fail(s, "option '--%s' takes no value", s->o->lname);
		show(s, a, nlen + 2, "", NULL);
		return 0;
	}
	if (eq) {
		s->val = eq + 1;
		show(s, a, nlen + 2, "=", s->val);
		return 0;
	}
	return take_value(s, a, nlen + 2);
}

static int scan_short(struct scan *s, const struct optdef *tab)
{
	char opt[2] = { '-', *s->cluster++ };

	for (s->o = tab; s->o->id; s->o++)
		if (s->o->sname && s->o->sname == opt[1])
			break;
	if (!s->o->id) {
		s->cluster = NULL;
		if (opt[1] < 0x21 || opt[1] > 0x7e)
			return fail(s, "unknown option character 0x%02x",
				    (unsigned char)opt[1]);
		return fail(s, "unknown option '%.2s'", opt);
	}
	if (!s->o->arg) {
		show(s, opt, 2, "", NULL);
		return 0;
	}
	if (*s->cluster) {	/* "-e3" */
		s->val = s->cluster;
		s->cluster = NULL;
		show(s, opt, 2, "", s->val);
		return 0;
	}
	s->cluster = NULL;
	return take_value(s, opt, 2);
}

/*
 * scan_next() - the next option of @tab
 * Return: 1 with s->o, s->val, s->shown set; 0 at the end; -EINVAL
 */
static int scan_next(struct scan *s, const struct optdef *tab)
{
	int rc;

	s->o = NULL;
	s->val = NULL;
	for (;;) {
		const char *a;

		if (s->cluster && *s->cluster) {
			rc = scan_short(s, tab);
			return rc ? rc : 1;
		}
		s->cluster = NULL;
		if (s->i >= s->argc)
			return 0;
		a = s->argv[s->i++];
		if (!a)
			return fail(s, "argument %d is missing", s->i - 1);
		if (s->no_more_opts || a[0] != '-' || !a[1]) {
			if (s->npos == POSITIONAL_MAX)
				return fail(s, "too many arguments: '%.64s'", a);
			s->pos[s->npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			s->no_more_opts = true;
			continue;
		}
		if (a[1] == '-') {
			rc = scan_long(s, tab, a);
			return rc ? rc : 1;
		}
		s->cluster = a + 1;
	}
}

/* "ADDR" or "ADDR/N", host bits kept; @plen 0 when no "/N" */
static int parse_addr_plen(const char *v, struct ipaddr *a, uint8_t *plen)
{
	char buf[ADDR_TEXT_MAX];
	const char *slash = strchr(v, '/');
	size_t n = slash ? (size_t)(slash - v) : strlen(v);
	uint64_t p;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (addr_parse(buf, a))
		return -EINVAL;
	*plen = 0;
	if (!slash)
		return 0;
	if (num_parse(slash + 1, 10, 1, a->family == ADDR_FAMILY_V4 ? 32 : 128, &p))
		return -EINVAL;
	*plen = (uint8_t)p;
	return 0;
}

/* pasta's -n: a prefix length or a dotted netmask */
static int parse_netmask(const char *v, uint8_t *plen)
{
	struct ipaddr m;
	uint64_t p;
	uint32_t x, inv;

	if (!num_parse(v, 10, 1, 32, &p)) {
		*plen = (uint8_t)p;
		return 0;
	}
	if (addr_parse(v, &m) || m.family != ADDR_FAMILY_V4)
		return -EINVAL;
	x = (uint32_t)m.b[0] << 24 | (uint32_t)m.b[1] << 16 |
	    (uint32_t)m.b[2] << 8 | m.b[3];
	inv = ~x;
	if (!x || (inv & (inv + 1)))	/* ones, then zeros only */
		return -EINVAL;
	*plen = (uint8_t)__builtin_popcount(x);
	return 0;
}

static void set_family(const struct ipaddr *a, bool *has4, struct ipaddr *a4,
		       bool *has6, struct ipaddr *a6)
{
	if (a->family == ADDR_FAMILY_V4) {
		*has4 = true;
		*a4 = *a;
	} else {
		*has6 = true;
		*a6 = *a;
	}
}

/* ------------------------------------------------------------------------
 * pasta
 */

enum {
	P_HELP = 1, P_VERSION, P_CONFIG_NET, P_DNS_FORWARD, P_TCP, P_UDP,
	P_TCP_NS, P_UDP_NS, P_NO_MAP_GW, P_MAP_GW, P_QUIET, P_NETNS,
	P_MAP_GUEST, P_ADDR, P_NETMASK, P_GW, P_IFNAME, P_MTU, P_ONLY4,
	P_ONLY6, P_PID, P_FOREGROUND, P_DEBUG, P_NO_NETNS_QUIT, P_POLICY,
	P_NAME,
};

static const struct optdef pasta_opts[] = {
	{ 'h', "help", false, P_HELP },
	{ 0, "version", false, P_VERSION },
	{ 0, "config-net", false, P_CONFIG_NET },
	{ 0, "dns-forward", true, P_DNS_FORWARD },
	{ 't', "tcp-ports", true, P_TCP },
	{ 'u', "udp-ports", true, P_UDP },
	{ 'T', "tcp-ns", true, P_TCP_NS },
	{ 'U', "udp-ns", true, P_UDP_NS },
	{ 0, "no-map-gw", false, P_NO_MAP_GW },
	{ 0, "map-gw", false, P_MAP_GW },
	{ 'q', "quiet", false, P_QUIET },
	{ 0, "netns", true, P_NETNS },
	{ 0, "map-guest-addr", true, P_MAP_GUEST },
	{ 'a', "address", true, P_ADDR },
	{ 'n', "netmask", true, P_NETMASK },
	{ 'g', "gateway", true, P_GW },
	{ 'I', "ns-ifname", true, P_IFNAME },
	{ 'm', "mtu", true, P_MTU },
	{ '4', "ipv4-only", false, P_ONLY4 },
	{ '6', "ipv6-only", false, P_ONLY6 },
	{ 0, "pid", true, P_PID },
	{ 'f', "foreground", false, P_FOREGROUND },
	{ 'd', "debug", false, P_DEBUG },
	{ 0, "no-netns-quit", false, P_NO_NETNS_QUIT },
	{ 0, "policy", true, P_POLICY },
	{ 0, "name", true, P_NAME },
	{ 0, NULL, false, 0 },
};

static int pasta_option(struct scan *s, struct pasta_args *p)
{
	const char *v = s->val;
	struct ipaddr a;
	uint64_t n;
	uint8_t plen;

	switch (s->o->id) {
	case P_HELP: p->help = true; break;
	case P_VERSION: p->version = true; break;
	case P_CONFIG_NET: p->config_net = true; break;
	case P_DNS_FORWARD:
		if (addr_parse(v, &a))
			return fail(s, "bad value in '%s': expected an address", s->shown);
		set_family(&a, &p->has_dns4, &p->dns4, &p->has_dns6, &p->dns6);
		break;
	case P_TCP:
	case P_UDP: {
		char why[HELPER_ERR_MAX / 2];

		if (publish_spec_parse(&p->pub, s->o->id == P_TCP ? PROTO_TCP : PROTO_UDP,
				       v, why, sizeof(why)))
			return fail(s, "bad value in '%s': %s", s->shown, why);
		break;
	}
	case P_TCP_NS:
	case P_UDP_NS:
		/* the bottle reaching the host's ports: a path no policy governs */
		if (strcmp(v, "none"))
			return fail(s, "unsupported option '%s': sentry forwards no ports "
				    "from the container to the host (no policy would "
				    "govern that path)", s->shown);
		break;
	case P_NO_MAP_GW: p->no_map_gw = true; break;
	case P_MAP_GW: p->map_gw = true; break;
	case P_QUIET: p->quiet = true; break;
	case P_NETNS:
		if (!*v)
			return fail(s, "bad value in '%s': expected a path or a name", s->shown);
		p->netns = v;
		break;
	case P_MAP_GUEST:
		if (strcmp(v, "none") && addr_parse(v, &a))
			return fail(s, "bad value in '%s': expected an address or none", s->shown);
		p->map_guest = v;
		break;
	case P_ADDR:
		if (parse_addr_plen(v, &a, &plen))
			return fail(s, "bad value in '%s': expected an address", s->shown);
		if (a.family == ADDR_FAMILY_V4) {
			p->has_addr4 = true;
			p->addr4 = a;
			if (plen)
				p->plen4 = plen;
		} else {
			p->has_addr6 = true;
			p->addr6 = a;
			p->plen6 = plen;
		}
		break;
	case P_NETMASK:
		if (parse_netmask(v, &p->plen4))
			return fail(s, "bad value in '%s': expected an IPv4 prefix length "
				    "(1-32) or netmask", s->shown);
		break;
	case P_GW:
		if (addr_parse(v, &a))
			return fail(s, "bad value in '%s': expected an address", s->shown);
		set_family(&a, &p->has_gw4, &p->gw4, &p->has_gw6, &p->gw6);
		break;
	case P_IFNAME:
		if (!tun_ifname_valid(v))
			return fail(s, "bad value in '%s': not a valid interface name", s->shown);
		p->ifname = v;
		break;
	case P_MTU:
		if (num_parse(v, 10, TUN_MTU_MIN, HELPER_PASTA_MTU_MAX, &n))
			return fail(s, "bad value in '%s': expected an MTU of %u to %u",
				    s->shown, TUN_MTU_MIN, HELPER_PASTA_MTU_MAX);
		p->mtu = (uint32_t)n;
		break;
	case P_ONLY4: p->only4 = true; break;
	case P_ONLY6: p->only6 = true; break;
	case P_PID:
		if (!*v)
			return fail(s, "bad value in '%s': expected a file name", s->shown);
		p->pid_file = v;
		break;
	case P_FOREGROUND: p->foreground = true; break;
	case P_DEBUG: p->debug = true; break;
	case P_NO_NETNS_QUIT: p->no_netns_quit = true; break;
	case P_POLICY:
		if (!policy_name_valid(v))
			return fail(s, "bad value in '%s': a policy name is [A-Za-z0-9_.-], "
				    "starting alphanumeric, up to %d characters",
				    s->shown, POLICY_NAME_MAX);
		p->policy = v;
		break;
	case P_NAME:
		if (!ctl_bottle_name_valid(v))
			return fail(s, "bad value in '%s': a bottle name is [A-Za-z0-9_.-], "
				    "starting alphanumeric, up to %d characters",
				    s->shown, BOTTLE_NAME_MAX);
		p->name = v;
		break;
	}
	return 0;
}

int helper_argv_pasta(int argc, char *const *argv, struct pasta_args *out,
		      char *err, size_t len)
{
	struct scan s;
	uint64_t pid;
	int rc;

	memset(out, 0, sizeof(*out));
	scan_init(&s, argc, argv, err, len);
	while ((rc = scan_next(&s, pasta_opts)) == 1)
		if ((rc = pasta_option(&s, out)))
			return rc;
	if (rc)
		return rc;
	if (out->only4 && out->only6)
		return fail(&s, "options '-4' and '-6' exclude each other");
	if (s.npos > 1)
		return fail(&s, "unexpected argument '%.64s': running a command is not "
			    "supported, give --netns PATH", s.pos[1]);
	if (s.npos == 1) {
		if (num_parse(s.pos[0], 10, 1, 0x7fffffff, &pid))
			return fail(&s, "unexpected argument '%.64s': running a command is not "
				    "supported, give --netns PATH", s.pos[0]);
		if (out->netns)
			return fail(&s, "give --netns or a PID, not both");
		out->pid = (uint32_t)pid;
	}
	if (out->help || out->version)
		return 0;
	if (!out->netns && !out->pid)
		return fail(&s, "no namespace given: sentry's pasta needs --netns PATH");
	if (out->only6 && !out->has_addr6)
		return fail(&s, "option '-6' needs an IPv6 address (-a): sentry does not "
			    "copy the host's addresses");
	return 0;
}

/* ------------------------------------------------------------------------
 * slirp4netns
 */

enum {
	S_HELP = 1, S_VERSION, S_CONFIGURE, S_EXIT_FD, S_READY_FD, S_MTU,
	S_CIDR, S_IPV6, S_NO_HOST_LO, S_SANDBOX, S_SECCOMP, S_OUTBOUND,
	S_OUTBOUND6, S_NETNS_TYPE, S_API_SOCKET,
};

static const struct optdef slirp_opts[] = {
	{ 'h', "help", false, S_HELP },
	{ 'v', "version", false, S_VERSION },
	{ 'c', "configure", false, S_CONFIGURE },
	{ 'e', "exit-fd", true, S_EXIT_FD },
	{ 'r', "ready-fd", true, S_READY_FD },
	{ 'm', "mtu", true, S_MTU },
	{ 0, "cidr", true, S_CIDR },
	{ '6', "enable-ipv6", false, S_IPV6 },
	{ 0, "disable-host-loopback", false, S_NO_HOST_LO },
	{ 0, "enable-sandbox", false, S_SANDBOX },
	{ 0, "enable-seccomp", false, S_SECCOMP },
	{ 0, "outbound-addr", true, S_OUTBOUND },
	{ 0, "outbound-addr6", true, S_OUTBOUND6 },
	{ 0, "netns-type", true, S_NETNS_TYPE },
	{ 'a', "api-socket", true, S_API_SOCKET },
	{ 0, NULL, false, 0 },
};

static int slirp_option(struct scan *s, struct slirp_args *p)
{
	const char *v = s->val;
	uint64_t n;
	uint8_t plen;

	switch (s->o->id) {
	case S_HELP: p->help = true; break;
	case S_VERSION: p->version = true; break;
	case S_CONFIGURE: p->configure = true; break;
	case S_EXIT_FD:
	case S_READY_FD:
		if (num_parse(v, 10, 0, 0x7fffffff, &n))
			return fail(s, "bad value in '%s': expected a file descriptor number",
				    s->shown);
		*(s->o->id == S_EXIT_FD ? &p->exit_fd : &p->ready_fd) = (int)n;
		break;
	case S_MTU:
		if (num_parse(v, 10, TUN_MTU_MIN, HELPER_SLIRP_MTU_MAX, &n))
			return fail(s, "bad value in '%s': expected an MTU of %u to %u",
				    s->shown, TUN_MTU_MIN, HELPER_SLIRP_MTU_MAX);
		p->mtu = (uint32_t)n;
		break;
	case S_CIDR:
		if (parse_addr_plen(v, &p->cidr, &plen) || p->cidr.family != ADDR_FAMILY_V4 ||
		    !plen || plen > HELPER_SLIRP_CIDR_MAX)
			return fail(s, "bad value in '%s': expected an IPv4 network A.B.C.D/N "
				    "with N from 1 to %d", s->shown, HELPER_SLIRP_CIDR_MAX);
		addr_mask(&p->cidr, plen);	/* as slirp4netns does */
		p->cidr_len = plen;
		p->has_cidr = true;
		break;
	case S_IPV6: p->ipv6 = true; break;
	case S_NO_HOST_LO: p->disable_host_loopback = true; break;
	case S_SANDBOX: p->sandbox = true; break;
	case S_SECCOMP: p->seccomp = true; break;
	case S_OUTBOUND: p->outbound_addr = v; break;
	case S_OUTBOUND6: p->outbound_addr6 = v; break;
	case S_NETNS_TYPE:
		if (!strcmp(v, "path"))
			p->netns_type = SLIRP_NETNS_PATH;
		else if (!strcmp(v, "pid"))
			p->netns_type = SLIRP_NETNS_PID;
		else
			return fail(s, "bad value in '%s': expected path or pid", s->shown);
		break;
	case S_API_SOCKET:
		if (!v[0])
			return fail(s, "bad value in '%s': expected a socket path", s->shown);
		p->api_socket = v;
		break;
	}
	return 0;
}

int helper_argv_slirp(int argc, char *const *argv, struct slirp_args *out,
		      char *err, size_t len)
{
	struct scan s;
	uint64_t pid;
	int rc;

	memset(out, 0, sizeof(*out));
	out->exit_fd = -1;
	out->ready_fd = -1;
	out->ifname = HELPER_SLIRP_IFNAME;
	scan_init(&s, argc, argv, err, len);
	while ((rc = scan_next(&s, slirp_opts)) == 1)
		if ((rc = slirp_option(&s, out)))
			return rc;
	if (rc)
		return rc;
	if (out->help || out->version)
		return 0;
	if (out->exit_fd >= 0 && out->exit_fd == out->ready_fd)
		return fail(&s, "the exit fd and the ready fd are both %d", out->exit_fd);
	if (s.npos == 0)
		return fail(&s, "no namespace given: expected PID or, with "
			    "--netns-type=path, PATH, then the interface name");
	if (s.npos > 2)
		return fail(&s, "unexpected argument '%.64s'", s.pos[2]);
	if (out->netns_type == SLIRP_NETNS_PATH) {
		if (!*s.pos[0])
			return fail(&s, "empty namespace path");
		out->netns = s.pos[0];
	} else {
		if (num_parse(s.pos[0], 10, 1, 0x7fffffff, &pid))
			return fail(&s, "'%.64s' is not a process id (give --netns-type=path "
				    "for a namespace file)", s.pos[0]);
		out->pid = (uint32_t)pid;
	}
	if (s.npos == 2) {
		if (!tun_ifname_valid(s.pos[1]))
			return fail(&s, "'%.64s' is not a valid interface name", s.pos[1]);
		out->ifname = s.pos[1];
	}
	return 0;
}

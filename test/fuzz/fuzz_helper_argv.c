// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_helper_argv.c - libFuzzer harness: the pasta and slirp4netns parsers
 *
 * The input's first byte picks the parser (even: pasta, odd: slirp4netns);
 * the rest is split at NUL bytes into argv[1..]. Whatever the input, a
 * parser must return 0 or -EINVAL; an error must leave a non-empty,
 * terminated message; a success must leave a result that keeps the
 * promises of helper.h (ranges, exclusive options, a namespace unless
 * --help or --version, pointers into argv). Any broken promise aborts.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -Igateway \
 *     test/fuzz/fuzz_helper_argv.c gateway/helpers/helper_argv.c \
 *     gateway/helpers/publish_spec.c common/addr.c \
 *     common/ctl_proto.c common/num.c common/policy.c common/policy_index.c \
 *     common/siphash.c gateway/kernel/tun.c gateway/kernel/nsjob.c \
 *     gateway/kernel/netlink.c -lmnl
 *
 * Seeds: test/fuzz/corpus/helper_argv/ (Podman's own command lines, and
 * pasta's -t/-u forms: make-helper-argv-seeds.py).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helper.h"
#include "kernel/netcfg.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARGS_MAX	64
#define INPUT_MAX	4096

static char buf[INPUT_MAX + 1];
static char *argv[ARGS_MAX + 1];
static char err[HELPER_ERR_MAX];

/* @p points into one of the argv strings (or is NULL) */
static int in_argv(const char *p, int argc)
{
	if (!p)
		return 1;
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

static void check_err(int rc)
{
	if (rc != 0 && rc != -EINVAL)
		abort();
	if (rc && (!err[0] || !memchr(err, '\0', sizeof(err))))
		abort();
}

/* The promises of publish_spec.h: ranges, bounds, no shared host port */
static void check_publish(const struct publish_set *set, int argc)
{
	uint32_t ports = 0;

	if (set->n > PUBLISH_MAPS_MAX || set->ports > PUBLISH_PORTS_MAX)
		abort();
	for (uint32_t i = 0; i < set->n; i++) {
		const struct publish_map *m = &set->map[i];

		if (m->proto != PROTO_TCP && m->proto != PROTO_UDP)
			abort();
		if ((m->proto == PROTO_TCP ? set->tcp_none : set->udp_none))
			abort();
		if (!m->host_lo || m->host_hi < m->host_lo || !m->guest_lo ||
		    (uint32_t)m->guest_lo + (m->host_hi - m->host_lo) > 65535)
			abort();
		if (m->ifname[0] && !tun_ifname_valid(m->ifname))
			abort();
		if (!m->spec || !in_argv(m->spec, argc))
			abort();
		for (uint32_t j = 0; j < i; j++) {
			const struct publish_map *o = &set->map[j];

			if (o->proto == m->proto && o->host_lo <= m->host_hi &&
			    m->host_lo <= o->host_hi &&
			    (!o->has_bind || !m->has_bind || addr_equal(&o->bind, &m->bind)))
				abort();
		}
		ports += m->host_hi - m->host_lo + 1u;
	}
	if (ports != set->ports)
		abort();
}

static void check_pasta(int argc)
{
	struct pasta_args p;
	int rc;

	memset(err, 0, sizeof(err));
	rc = helper_argv_pasta(argc, argv, &p, err, sizeof(err));
	check_err(rc);
	if (rc)
		return;
	if (p.only4 && p.only6)
		abort();
	if (!p.help && !p.version && !p.netns && !p.pid)
		abort();
	if (p.netns && p.pid)
		abort();
	if (!p.help && !p.version && p.only6 && !p.has_addr6)
		abort();
	if (p.mtu && (p.mtu < TUN_MTU_MIN || p.mtu > HELPER_PASTA_MTU_MAX))
		abort();
	if (p.plen4 > 32 || p.plen6 > 128)
		abort();
	if ((p.has_addr4 && p.addr4.family != ADDR_FAMILY_V4) ||
	    (p.has_addr6 && p.addr6.family != ADDR_FAMILY_V6) ||
	    (p.has_gw4 && p.gw4.family != ADDR_FAMILY_V4) ||
	    (p.has_dns6 && p.dns6.family != ADDR_FAMILY_V6))
		abort();
	if (p.ifname && !tun_ifname_valid(p.ifname))
		abort();
	check_publish(&p.pub, argc);
	if (!in_argv(p.netns, argc) || !in_argv(p.ifname, argc) ||
	    !in_argv(p.policy, argc) || !in_argv(p.name, argc) ||
	    !in_argv(p.pid_file, argc) || !in_argv(p.map_guest, argc))
		abort();
}

static void check_slirp(int argc)
{
	struct slirp_args s;
	int rc;

	memset(err, 0, sizeof(err));
	rc = helper_argv_slirp(argc, argv, &s, err, sizeof(err));
	check_err(rc);
	if (rc)
		return;
	if (s.exit_fd < -1 || s.ready_fd < -1)
		abort();
	if (s.help || s.version)
		return;
	if (s.exit_fd >= 0 && s.exit_fd == s.ready_fd)
		abort();
	if (s.mtu && (s.mtu < TUN_MTU_MIN || s.mtu > HELPER_SLIRP_MTU_MAX))
		abort();
	if (s.has_cidr) {
		struct ipaddr m = s.cidr;

		if (s.cidr.family != ADDR_FAMILY_V4 || s.cidr_len < 1 ||
		    s.cidr_len > HELPER_SLIRP_CIDR_MAX)
			abort();
		addr_mask(&m, s.cidr_len);
		if (!addr_equal(&m, &s.cidr))
			abort();
	}
	if (s.netns_type == SLIRP_NETNS_PATH ? !s.netns || !*s.netns || s.pid : !s.pid || s.netns)
		abort();
	if (!s.ifname || !tun_ifname_valid(s.ifname))
		abort();
	if (!in_argv(s.netns, argc) || !in_argv(s.outbound_addr, argc) ||
	    !in_argv(s.outbound_addr6, argc) ||
	    (strcmp(s.ifname, HELPER_SLIRP_IFNAME) && !in_argv(s.ifname, argc)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int argc = 1;
	size_t i;
	char *p;

	if (size < 1 || size > INPUT_MAX)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	argv[0] = data[0] & 1 ? "slirp4netns" : "pasta";
	p = buf;
	for (i = 0; i < size - 1 && argc < ARGS_MAX; i++) {
		if (buf[i])
			continue;
		argv[argc++] = p;
		p = buf + i + 1;
	}
	if (p < buf + size - 1 && argc < ARGS_MAX)
		argv[argc++] = p;
	argv[argc] = NULL;
	if (data[0] & 1)
		check_slirp(argc);
	else
		check_pasta(argc);
	return 0;
}

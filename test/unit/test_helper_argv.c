// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_helper_argv.c - pasta's and slirp4netns's command lines
 *
 * The argv lists are the ones shared/PODMAN.md recorded from real Podman
 * 4.3.1 and 5.4.2, verbatim; each error case checks that the message
 * names the option as it was written.
 */
#include <errno.h>
#include <string.h>

#include "helpers/helper.h"
#include "t.h"
#include "wire.h"

#define ARGC(v)	((int)(sizeof(v) / sizeof((v)[0])))
#define NETNS5	"/run/user/1500/netns/netns-0b7ed4f2-5e8e-4bde-0e9a-6a0e5c0d1c2b"
#define NETNS4	"/run/netns/netns-8d2c3e0e-54f1-9b1c-3c8e-2f1a9d7e6b5a"

static char err[HELPER_ERR_MAX];

static bool addr_is(const struct ipaddr *a, const char *text)
{
	struct ipaddr b;

	return !addr_parse(text, &b) && addr_equal(a, &b);
}

/* does the last message start with @prefix? */
static bool starts(const char *prefix)
{
	return !strncmp(err, prefix, strlen(prefix));
}

static int pasta(int argc, char *const *argv, struct pasta_args *p)
{
	memset(err, 0, sizeof(err));
	return helper_argv_pasta(argc, argv, p, err, sizeof(err));
}

static int slirp(int argc, char *const *argv, struct slirp_args *s)
{
	memset(err, 0, sizeof(err));
	return helper_argv_slirp(argc, argv, s, err, sizeof(err));
}

/* ------------------------------------------------------------------ pasta */

TEST(pasta_podman5_default)
{
	char *const argv[] = {
		"pasta", "--config-net", "--dns-forward", "169.254.1.1",
		"-t", "none", "-u", "none", "-T", "none", "-U", "none",
		"--no-map-gw", "--quiet", "--netns", NETNS5,
		"--map-guest-addr", "169.254.1.2",
	};
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
	CHECK_STR(err, "");
	CHECK(p.config_net);
	CHECK(p.has_dns4 && addr_is(&p.dns4, "169.254.1.1"));
	CHECK(!p.has_dns6);
	CHECK(p.no_map_gw && !p.map_gw);
	CHECK(p.quiet && !p.debug);
	CHECK_STR(p.netns, NETNS5);
	CHECK_STR(p.map_guest, "169.254.1.2");
	CHECK(!p.has_addr4 && !p.has_addr6 && !p.has_gw4 && !p.has_gw6);
	CHECK_EQ(p.plen4, 0);
	CHECK_EQ(p.mtu, 0);
	CHECK(!p.ifname && !p.policy && !p.name && !p.pid_file);
	CHECK(!p.only4 && !p.only6 && !p.no_netns_quit && !p.foreground);
	CHECK_EQ(p.pid, 0);
	CHECK(!p.help && !p.version);
}

TEST(pasta_podman5_user_mtu)
{
	char *const argv[] = {
		"pasta", "--config-net", "--mtu", "1500", "--dns-forward", "169.254.1.1",
		"-t", "none", "-u", "none", "-T", "none", "-U", "none",
		"--no-map-gw", "--quiet", "--netns", NETNS5,
		"--map-guest-addr", "169.254.1.2",
	};
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
	CHECK_EQ(p.mtu, 1500);
}

/* A user --map-gw makes Podman drop --no-map-gw */
TEST(pasta_podman5_user_ipv4_map_gw)
{
	char *const argv[] = {
		"pasta", "--config-net", "-4", "--map-gw", "--dns-forward", "169.254.1.1",
		"-t", "none", "-u", "none", "-T", "none", "-U", "none",
		"--quiet", "--netns", NETNS5, "--map-guest-addr", "169.254.1.2",
	};
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
	CHECK(p.only4 && !p.only6);
	CHECK(p.map_gw && !p.no_map_gw);
}

TEST(pasta_podman5_user_addresses)
{
	char *const argv[] = {
		"pasta", "--config-net", "-I", "tun0", "-a", "10.5.0.2", "-n", "24",
		"-g", "10.5.0.1", "--dns-forward", "169.254.1.1",
		"-t", "none", "-u", "none", "-T", "none", "-U", "none",
		"--no-map-gw", "--quiet", "--netns", NETNS5,
		"--map-guest-addr", "169.254.1.2",
	};
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
	CHECK_STR(p.ifname, "tun0");
	CHECK(p.has_addr4 && addr_is(&p.addr4, "10.5.0.2"));
	CHECK_EQ(p.plen4, 24);
	CHECK(p.has_gw4 && addr_is(&p.gw4, "10.5.0.1"));
	CHECK(!p.has_addr6);
}

TEST(pasta_podman5_user_pid_file)
{
	char *const argv[] = {
		"pasta", "--config-net", "--pid", "/tmp/pasta.pid",
		"--dns-forward", "169.254.1.1", "-t", "none", "-u", "none",
		"-T", "none", "-U", "none", "--no-map-gw", "--quiet",
		"--netns", NETNS5, "--map-guest-addr", "169.254.1.2",
	};
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
	CHECK_STR(p.pid_file, "/tmp/pasta.pid");
}

TEST(pasta_policy_and_name_both_forms)
{
	char *const a1[] = { "pasta", "--config-net", "--policy=pypi", "--name=web-1",
			     "--netns", NETNS5 };
	char *const a2[] = { "pasta", "--config-net", "--policy", "pypi", "--name", "web-1",
			     "--netns=" NETNS5 };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(a1), a1, &p), 0);
	CHECK_STR(p.policy, "pypi");
	CHECK_STR(p.name, "web-1");
	CHECK_STR(p.netns, NETNS5);
	CHECK_EQ(pasta(ARGC(a2), a2, &p), 0);
	CHECK_STR(p.policy, "pypi");
	CHECK_STR(p.name, "web-1");
	CHECK_STR(p.netns, NETNS5);
}

TEST(pasta_every_flag)
{
	char *const argv[] = {
		"pasta", "-f", "--foreground", "-d", "--debug", "-q", "--no-netns-quit",
		"--ipv4-only", "-m", "9000", "--ns-ifname=eth1", "--address=192.0.2.7",
		"--netmask=255.255.0.0", "--gateway=192.0.2.1", "--tcp-ports=none",
		"--udp-ports", "none", "--tcp-ns=none", "--udp-ns=none", "--netns", "x",
	};
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
	CHECK(p.foreground && p.debug && p.quiet && p.no_netns_quit && p.only4);
	CHECK_EQ(p.mtu, 9000);
	CHECK_STR(p.ifname, "eth1");
	CHECK(addr_is(&p.addr4, "192.0.2.7"));
	CHECK_EQ(p.plen4, 16);
	CHECK(addr_is(&p.gw4, "192.0.2.1"));
	CHECK_STR(p.netns, "x");
}

TEST(pasta_short_forms)
{
	char *const argv[] = { "pasta", "-qdf", "-m1500", "-a10.0.0.9/20", "-Ieth7",
			       "--netns", "/n" };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
	CHECK(p.quiet && p.debug && p.foreground);
	CHECK_EQ(p.mtu, 1500);
	CHECK(addr_is(&p.addr4, "10.0.0.9"));
	CHECK_EQ(p.plen4, 20);
	CHECK_STR(p.ifname, "eth7");
}

TEST(pasta_ipv6)
{
	char *const argv[] = { "pasta", "-a", "2001:db8::2/56", "-g", "2001:db8::1",
			       "-a", "10.1.0.2", "--dns-forward", "fd00::53",
			       "--dns-forward", "10.1.0.53", "--netns", "/n" };
	char *const only6[] = { "pasta", "-6", "-a", "2001:db8::2", "--netns", "/n" };
	char *const only6_no_addr[] = { "pasta", "-6", "--netns", "/n" };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
	CHECK(p.has_addr6 && addr_is(&p.addr6, "2001:db8::2"));
	CHECK_EQ(p.plen6, 56);
	CHECK(p.has_gw6 && addr_is(&p.gw6, "2001:db8::1"));
	CHECK(p.has_addr4 && addr_is(&p.addr4, "10.1.0.2"));
	CHECK_EQ(p.plen4, 0);
	CHECK(p.has_dns6 && addr_is(&p.dns6, "fd00::53"));
	CHECK(p.has_dns4 && addr_is(&p.dns4, "10.1.0.53"));
	CHECK_EQ(pasta(ARGC(only6), only6, &p), 0);
	CHECK(p.only6);
	CHECK_EQ(p.plen6, 0);
	CHECK_EQ(pasta(ARGC(only6_no_addr), only6_no_addr, &p), -EINVAL);
	CHECK(strstr(err, "'-6'") && strstr(err, "IPv6 address"));
}

TEST(pasta_last_value_wins)
{
	char *const argv[] = { "pasta", "-a", "10.0.0.1", "-a", "10.0.0.2", "--mtu", "1400",
			       "--mtu=1300", "--netns", "/a", "--netns", "/b" };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
	CHECK(addr_is(&p.addr4, "10.0.0.2"));
	CHECK_EQ(p.mtu, 1300);
	CHECK_STR(p.netns, "/b");
}

/* Podman 5's -p forms, verbatim: one -t/-u per mapping and protocol */
TEST(pasta_podman5_published_ports)
{
	char *const argv[] = {
		"pasta", "--config-net", "--dns-forward", "169.254.1.1",
		"-t", "8080-8080:80-80", "-t", "127.0.0.1/8081-8081:80-80",
		"-t", "::1/8443-8444:443-444", "-u", "5353-5353:53-53",
		"-T", "none", "-U", "none", "--no-map-gw", "--quiet", "--netns", NETNS5,
		"--map-guest-addr", "169.254.1.2",
	};
	struct pasta_args p;
	const struct publish_map *m = p.pub.map;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
	CHECK_EQ(p.pub.n, 4);
	CHECK_EQ(p.pub.ports, 5);
	CHECK(!p.pub.tcp_none && !p.pub.udp_none);
	CHECK(m[0].proto == PROTO_TCP && !m[0].has_bind);
	CHECK(m[0].host_lo == 8080 && m[0].host_hi == 8080 && m[0].guest_lo == 80);
	CHECK_STR(m[0].spec, "8080-8080:80-80");
	CHECK(m[1].has_bind && addr_is(&m[1].bind, "127.0.0.1"));
	CHECK(m[1].host_lo == 8081 && m[1].guest_lo == 80);
	CHECK(m[2].has_bind && addr_is(&m[2].bind, "::1"));
	CHECK(m[2].host_lo == 8443 && m[2].host_hi == 8444 && m[2].guest_lo == 443);
	CHECK(m[3].proto == PROTO_UDP && m[3].host_lo == 5353 && m[3].guest_lo == 53);
}

TEST(pasta_published_ports_errors_named)
{
	char *const t_eq[] = { "pasta", "--tcp-ports=0", "--netns", "/n" };
	char *const u[] = { "pasta", "-u", "53:54-55", "--netns", "/n" };
	char *const none_and[] = { "pasta", "-t", "none", "-t", "80", "--netns", "/n" };
	char *const twice[] = { "pasta", "-t", "80", "-t", "127.0.0.1/79-81", "--netns", "/n" };
	char *const tt[] = { "pasta", "-T", "auto", "--netns", "/n" };
	char *const uu[] = { "pasta", "-U5353", "--netns", "/n" };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(t_eq), t_eq, &p), -EINVAL);
	CHECK_STR(err, "bad value in '--tcp-ports=0': '0' is not a port or range of "
		  "ports (1-65535, first <= last)");
	CHECK_EQ(pasta(ARGC(u), u, &p), -EINVAL);
	CHECK_STR(err, "bad value in '-u 53:54-55': '53:54-55': the host and guest "
		  "ranges differ in length");
	CHECK_EQ(pasta(ARGC(none_and), none_and, &p), -EINVAL);
	CHECK_STR(err, "bad value in '-t 80': 'none' and published ports exclude "
		  "each other");
	CHECK_EQ(pasta(ARGC(twice), twice, &p), -EINVAL);
	CHECK_STR(err, "bad value in '-t 127.0.0.1/79-81': port 80 is published twice");
	CHECK_EQ(pasta(ARGC(tt), tt, &p), -EINVAL);
	CHECK_STR(err, "unsupported option '-T auto': sentry forwards no ports from the "
		  "container to the host (no policy would govern that path)");
	CHECK_EQ(pasta(ARGC(uu), uu, &p), -EINVAL);
	CHECK(starts("unsupported option '-U5353': "));
}

TEST(pasta_unknown_options_named)
{
	char *const l[] = { "pasta", "--userns", "/proc/1/ns/user", "--netns", "/n" };
	char *const l_eq[] = { "pasta", "--no-tcp=1", "--netns", "/n" };
	char *const s[] = { "pasta", "-qx", "--netns", "/n" };
	char *const prefix[] = { "pasta", "--conf", "--netns", "/n" };
	char *const bin[] = { "pasta", "-\x01", "--netns", "/n" };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(l), l, &p), -EINVAL);
	CHECK_STR(err, "unknown option '--userns'");
	CHECK_EQ(pasta(ARGC(l_eq), l_eq, &p), -EINVAL);
	CHECK_STR(err, "unknown option '--no-tcp'");
	CHECK_EQ(pasta(ARGC(s), s, &p), -EINVAL);
	CHECK_STR(err, "unknown option '-x'");
	CHECK_EQ(pasta(ARGC(prefix), prefix, &p), -EINVAL);	/* no abbreviations */
	CHECK_STR(err, "unknown option '--conf'");
	CHECK_EQ(pasta(ARGC(bin), bin, &p), -EINVAL);
	CHECK_STR(err, "unknown option character 0x01");
}

TEST(pasta_value_syntax_errors)
{
	char *const missing[] = { "pasta", "--netns" };
	char *const missing_short[] = { "pasta", "--netns", "/n", "-a" };
	char *const flag_value[] = { "pasta", "--quiet=1", "--netns", "/n" };
	char *const policy[] = { "pasta", "--policy=../etc", "--netns", "/n" };
	char *const name[] = { "pasta", "--name", "-bad", "--netns", "/n" };
	char *const dns[] = { "pasta", "--dns-forward", "dns.example", "--netns", "/n" };
	char *const ifname[] = { "pasta", "-I", "a/b", "--netns", "/n" };
	char *const ifname_long[] = { "pasta", "-I", "sixteen-chars-xx", "--netns", "/n" };
	char *const guest[] = { "pasta", "--map-guest-addr", "host", "--netns", "/n" };
	char *const empty_netns[] = { "pasta", "--netns=" };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(missing), missing, &p), -EINVAL);
	CHECK_STR(err, "option '--netns' needs a value");
	CHECK_EQ(pasta(ARGC(missing_short), missing_short, &p), -EINVAL);
	CHECK_STR(err, "option '-a' needs a value");
	CHECK_EQ(pasta(ARGC(flag_value), flag_value, &p), -EINVAL);
	CHECK_STR(err, "option '--quiet' takes no value");
	CHECK_EQ(pasta(ARGC(policy), policy, &p), -EINVAL);
	CHECK(starts("bad value in '--policy=../etc': "));
	CHECK_EQ(pasta(ARGC(name), name, &p), -EINVAL);
	CHECK(starts("bad value in '--name -bad': "));
	CHECK_EQ(pasta(ARGC(dns), dns, &p), -EINVAL);
	CHECK(starts("bad value in '--dns-forward dns.example'"));
	CHECK_EQ(pasta(ARGC(ifname), ifname, &p), -EINVAL);
	CHECK(starts("bad value in '-I a/b'"));
	CHECK_EQ(pasta(ARGC(ifname_long), ifname_long, &p), -EINVAL);
	CHECK_EQ(pasta(ARGC(guest), guest, &p), -EINVAL);
	CHECK(starts("bad value in '--map-guest-addr host'"));
	CHECK_EQ(pasta(ARGC(empty_netns), empty_netns, &p), -EINVAL);
	CHECK(starts("bad value in '--netns='"));
}

TEST(pasta_mtu_bounds)
{
	char v[16];
	char *const argv[] = { "pasta", "--mtu", v, "--netns", "/n" };
	static const struct { const char *v; int rc; uint32_t mtu; } cases[] = {
		{ "67", -EINVAL, 0 }, { "68", 0, 68 }, { "65520", 0, 65520 },
		{ "65521", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "+1500", -EINVAL, 0 },
		{ "1500x", -EINVAL, 0 }, { "99999999999", -EINVAL, 0 },
		/* num.h: leading zeros are decimal, up to the width of 65520
		 * (ten digits were allowed before, "0000001500" too) */
		{ "01500", 0, 1500 }, { "001500", -EINVAL, 0 },
		{ "0x5dc", -EINVAL, 0 }, { " 1500", -EINVAL, 0 },
	};
	struct pasta_args p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(v, sizeof(v), "%s", cases[i].v);
		CHECK_EQ(pasta(ARGC(argv), argv, &p), cases[i].rc);
		CHECK_EQ(p.mtu, cases[i].mtu);
		if (cases[i].rc)
			CHECK(strstr(err, "'--mtu ") && strstr(err, "68 to 65520"));
	}
}

TEST(pasta_netmask_forms)
{
	char v[20];
	char *const argv[] = { "pasta", "-n", v, "--netns", "/n" };
	static const struct { const char *v; int plen; } cases[] = {
		{ "24", 24 }, { "1", 1 }, { "32", 32 }, { "0", -1 }, { "33", -1 },
		{ "255.255.255.0", 24 }, { "255.255.255.255", 32 }, { "128.0.0.0", 1 },
		{ "0.0.0.0", -1 }, { "255.0.255.0", -1 }, { "255.255.255.254", 31 },
		{ "ffff::", -1 }, { "mask", -1 },
	};
	struct pasta_args p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(v, sizeof(v), "%s", cases[i].v);
		if (cases[i].plen < 0) {
			CHECK_EQ(pasta(ARGC(argv), argv, &p), -EINVAL);
			CHECK(strstr(err, "'-n "));
		} else {
			CHECK_EQ(pasta(ARGC(argv), argv, &p), 0);
			CHECK_EQ(p.plen4, cases[i].plen);
		}
	}
}

TEST(pasta_address_prefix)
{
	char *const a16[] = { "pasta", "-a", "10.0.0.5/16", "--netns", "/n" };
	char *const a_then_n[] = { "pasta", "-a", "10.0.0.5/16", "-n", "8", "--netns", "/n" };
	char *const bad[] = { "pasta", "-a", "10.0.0.5/33", "--netns", "/n" };
	char *const bad0[] = { "pasta", "-a", "10.0.0.5/0", "--netns", "/n" };
	char *const v6_129[] = { "pasta", "-a", "2001:db8::1/129", "--netns", "/n" };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(a16), a16, &p), 0);
	CHECK_EQ(p.plen4, 16);
	CHECK_EQ(pasta(ARGC(a_then_n), a_then_n, &p), 0);
	CHECK_EQ(p.plen4, 8);
	CHECK_EQ(pasta(ARGC(bad), bad, &p), -EINVAL);
	CHECK_STR(err, "bad value in '-a 10.0.0.5/33': expected an address");
	CHECK_EQ(pasta(ARGC(bad0), bad0, &p), -EINVAL);
	CHECK_EQ(pasta(ARGC(v6_129), v6_129, &p), -EINVAL);
}

TEST(pasta_namespace_forms)
{
	char *const none[] = { "pasta", "--config-net", "--quiet" };
	char *const pid[] = { "pasta", "--config-net", "4242" };
	char *const dashdash[] = { "pasta", "--", "4242" };
	char *const cmd[] = { "pasta", "--config-net", "sh" };
	char *const cmd_args[] = { "pasta", "4242", "-c" };
	char *const both[] = { "pasta", "--netns", "/n", "4242" };
	char *const zero[] = { "pasta", "0" };
	char *const help[] = { "pasta", "--help" };
	char *const version[] = { "pasta", "--version" };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(none), none, &p), -EINVAL);
	CHECK_STR(err, "no namespace given: sentry's pasta needs --netns PATH");
	CHECK_EQ(pasta(ARGC(pid), pid, &p), 0);
	CHECK_EQ(p.pid, 4242);
	CHECK(!p.netns);
	CHECK_EQ(pasta(ARGC(dashdash), dashdash, &p), 0);
	CHECK_EQ(p.pid, 4242);
	CHECK_EQ(pasta(ARGC(cmd), cmd, &p), -EINVAL);
	CHECK(strstr(err, "'sh'") && strstr(err, "running a command"));
	CHECK_EQ(pasta(ARGC(cmd_args), cmd_args, &p), -EINVAL);	/* -c: no such option */
	CHECK_STR(err, "unknown option '-c'");
	CHECK_EQ(pasta(ARGC(both), both, &p), -EINVAL);
	CHECK_STR(err, "give --netns or a PID, not both");
	CHECK_EQ(pasta(ARGC(zero), zero, &p), -EINVAL);
	CHECK_EQ(pasta(ARGC(help), help, &p), 0);
	CHECK(p.help);
	CHECK_EQ(pasta(ARGC(version), version, &p), 0);
	CHECK(p.version);
}

TEST(pasta_ipv4_and_ipv6_only_exclusive)
{
	char *const sep[] = { "pasta", "-4", "-6", "-a", "fd00::1", "--netns", "/n" };
	char *const grouped[] = { "pasta", "-46", "--netns", "/n" };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(sep), sep, &p), -EINVAL);
	CHECK_STR(err, "options '-4' and '-6' exclude each other");
	CHECK_EQ(pasta(ARGC(grouped), grouped, &p), -EINVAL);
	CHECK_STR(err, "options '-4' and '-6' exclude each other");
}

TEST(pasta_long_value_truncated_in_message)
{
	char big[600];
	char *const argv[] = { "pasta", "-t", big, "--netns", "/n" };
	struct pasta_args p;

	memset(big, '8', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ(pasta(ARGC(argv), argv, &p), -EINVAL);
	CHECK(strstr(err, "...': '8888"));
	CHECK(strlen(err) < sizeof(err) - 1);
}

TEST(pasta_too_many_positionals)
{
	char *const argv[] = { "pasta", "1", "2", "3", "4", "5" };
	struct pasta_args p;

	CHECK_EQ(pasta(ARGC(argv), argv, &p), -EINVAL);
	CHECK_STR(err, "too many arguments: '5'");
}

/* ---------------------------------------------------------------- slirp4netns */

TEST(slirp_podman4_default)
{
	char *const argv[] = {
		"slirp4netns", "--disable-host-loopback", "--mtu=65520", "--enable-sandbox",
		"--enable-seccomp", "--enable-ipv6", "-c", "-e", "3", "-r", "4",
		"--netns-type=path", NETNS4, "tap0",
	};
	struct slirp_args s;

	CHECK_EQ(slirp(ARGC(argv), argv, &s), 0);
	CHECK_STR(err, "");
	CHECK(s.disable_host_loopback && s.sandbox && s.seccomp && s.ipv6 && s.configure);
	CHECK_EQ(s.mtu, 65520);
	CHECK_EQ(s.exit_fd, 3);
	CHECK_EQ(s.ready_fd, 4);
	CHECK_EQ(s.netns_type, SLIRP_NETNS_PATH);
	CHECK_STR(s.netns, NETNS4);
	CHECK_EQ(s.pid, 0);
	CHECK_STR(s.ifname, "tap0");
	CHECK(!s.has_cidr && !s.outbound_addr && !s.outbound_addr6);
	CHECK(!s.help && !s.version);
}

TEST(slirp_podman4_options_api_socket)
{
	char *const argv[] = {
		"slirp4netns", "--mtu=1500", "--enable-sandbox", "--enable-seccomp",
		"--cidr=10.9.0.0/24", "--outbound-addr=eth0", "-c", "-e", "3", "-r", "4",
		"--api-socket", "/run/libpod/0123abcd.net",
		"--netns-type=path", NETNS4, "tap0",
	};
	struct slirp_args s;

	CHECK_EQ(slirp(ARGC(argv), argv, &s), 0);
	CHECK_STR(s.api_socket, "/run/libpod/0123abcd.net");
	CHECK_STR(s.netns, NETNS4);
}

/* The same options without -p: no --api-socket */
TEST(slirp_podman4_options)
{
	char *const argv[] = {
		"slirp4netns", "--mtu=1500", "--enable-sandbox", "--enable-seccomp",
		"--cidr=10.9.0.0/24", "--outbound-addr=eth0", "-c", "-e", "3", "-r", "4",
		"--netns-type=path", NETNS4, "tap0",
	};
	struct slirp_args s;

	CHECK_EQ(slirp(ARGC(argv), argv, &s), 0);
	CHECK_EQ(s.mtu, 1500);
	CHECK(!s.disable_host_loopback && !s.ipv6);
	CHECK(s.has_cidr && addr_is(&s.cidr, "10.9.0.0"));
	CHECK_EQ(s.cidr_len, 24);
	CHECK_STR(s.outbound_addr, "eth0");
}

TEST(slirp_podman5_fds_swapped)
{
	char *const argv[] = {
		"slirp4netns", "--disable-host-loopback", "--mtu=65520", "--enable-sandbox",
		"--enable-seccomp", "--enable-ipv6", "-c", "-r", "3", "-e", "4",
		"--netns-type=path", NETNS4, "tap0",
	};
	struct slirp_args s;

	CHECK_EQ(slirp(ARGC(argv), argv, &s), 0);
	CHECK_EQ(s.ready_fd, 3);
	CHECK_EQ(s.exit_fd, 4);
}

TEST(slirp_fd_forms)
{
	char *const longf[] = { "slirp4netns", "--exit-fd=7", "--ready-fd", "8", "42", "tap1" };
	char *const att[] = { "slirp4netns", "-ce9", "-r10", "42" };
	char *const same[] = { "slirp4netns", "-e", "3", "-r", "3", "42" };
	char *const neg[] = { "slirp4netns", "-e", "-1", "42" };
	char *const junk[] = { "slirp4netns", "--ready-fd=3x", "42" };
	char *const none[] = { "slirp4netns", "42" };
	struct slirp_args s;

	CHECK_EQ(slirp(ARGC(longf), longf, &s), 0);
	CHECK_EQ(s.exit_fd, 7);
	CHECK_EQ(s.ready_fd, 8);
	CHECK_EQ(s.netns_type, SLIRP_NETNS_PID);
	CHECK_EQ(s.pid, 42);
	CHECK_STR(s.ifname, "tap1");
	CHECK_EQ(slirp(ARGC(att), att, &s), 0);
	CHECK(s.configure);
	CHECK_EQ(s.exit_fd, 9);
	CHECK_EQ(s.ready_fd, 10);
	CHECK_EQ(slirp(ARGC(same), same, &s), -EINVAL);
	CHECK_STR(err, "the exit fd and the ready fd are both 3");
	CHECK_EQ(slirp(ARGC(neg), neg, &s), -EINVAL);
	CHECK_STR(err, "bad value in '-e -1': expected a file descriptor number");
	CHECK_EQ(slirp(ARGC(junk), junk, &s), -EINVAL);
	CHECK_STR(err, "bad value in '--ready-fd=3x': expected a file descriptor number");
	CHECK_EQ(slirp(ARGC(none), none, &s), 0);
	CHECK_EQ(s.exit_fd, -1);
	CHECK_EQ(s.ready_fd, -1);
	CHECK_STR(s.ifname, "tap0");
}

TEST(slirp_help_and_version)
{
	char *const help[] = { "slirp4netns", "--help" };
	char *const h[] = { "slirp4netns", "-h" };
	char *const v[] = { "slirp4netns", "-v" };
	struct slirp_args s;

	CHECK_EQ(slirp(ARGC(help), help, &s), 0);
	CHECK(s.help);
	CHECK_EQ(slirp(ARGC(h), h, &s), 0);
	CHECK(s.help);
	CHECK_EQ(slirp(ARGC(v), v, &s), 0);
	CHECK(s.version);
}

TEST(slirp_cidr_bounds)
{
	char v[40];
	char *const argv[] = { "slirp4netns", v, "42" };
	static const struct { const char *v; int plen; const char *net; } cases[] = {
		{ "--cidr=10.0.2.0/24", 24, "10.0.2.0" },
		{ "--cidr=10.0.2.77/24", 24, "10.0.2.0" },	/* host bits cleared */
		{ "--cidr=192.168.7.128/25", 25, "192.168.7.128" },
		{ "--cidr=10.0.0.0/1", 1, "0.0.0.0" },
		{ "--cidr=10.0.2.0/26", -1, NULL },
		{ "--cidr=10.0.2.0/0", -1, NULL },
		{ "--cidr=10.0.2.0", -1, NULL },
		{ "--cidr=fd00::/64", -1, NULL },
		{ "--cidr=", -1, NULL },
	};
	struct slirp_args s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(v, sizeof(v), "%s", cases[i].v);
		if (cases[i].plen < 0) {
			CHECK_EQ(slirp(ARGC(argv), argv, &s), -EINVAL);
			CHECK(strstr(err, cases[i].v) && strstr(err, "/N with N from 1 to 25"));
		} else {
			CHECK_EQ(slirp(ARGC(argv), argv, &s), 0);
			CHECK_EQ(s.cidr_len, cases[i].plen);
			CHECK(addr_is(&s.cidr, cases[i].net));
		}
	}
}

TEST(slirp_mtu_bounds)
{
	char *const ok[] = { "slirp4netns", "--mtu=65521", "42" };
	char *const big[] = { "slirp4netns", "--mtu=65522", "42" };
	char *const small[] = { "slirp4netns", "-m", "67", "42" };
	struct slirp_args s;

	CHECK_EQ(slirp(ARGC(ok), ok, &s), 0);
	CHECK_EQ(s.mtu, 65521);
	CHECK_EQ(slirp(ARGC(big), big, &s), -EINVAL);
	CHECK_STR(err, "bad value in '--mtu=65522': expected an MTU of 68 to 65521");
	CHECK_EQ(slirp(ARGC(small), small, &s), -EINVAL);
	CHECK_STR(err, "bad value in '-m 67': expected an MTU of 68 to 65521");
}

TEST(slirp_positionals)
{
	char *const none[] = { "slirp4netns", "-c" };
	char *const three[] = { "slirp4netns", "42", "tap0", "extra" };
	char *const path_as_pid[] = { "slirp4netns", NETNS4, "tap0" };
	char *const mixed[] = { "slirp4netns", NETNS4, "-c", "tap5", "--netns-type=path" };
	char *const bad_type[] = { "slirp4netns", "--netns-type=file", "/x", "tap0" };
	char *const bad_if[] = { "slirp4netns", "42", "a b" };
	char *const path_only[] = { "slirp4netns", "--netns-type", "path", "/run/netns/x" };
	char *const pid_type[] = { "slirp4netns", "--netns-type=pid", "17" };
	char *const empty_path[] = { "slirp4netns", "--netns-type=path", "" };
	struct slirp_args s;

	CHECK_EQ(slirp(ARGC(none), none, &s), -EINVAL);
	CHECK(starts("no namespace given"));
	CHECK_EQ(slirp(ARGC(three), three, &s), -EINVAL);
	CHECK_STR(err, "unexpected argument 'extra'");
	CHECK_EQ(slirp(ARGC(path_as_pid), path_as_pid, &s), -EINVAL);
	CHECK(strstr(err, "is not a process id (give --netns-type=path"));
	CHECK_EQ(slirp(ARGC(mixed), mixed, &s), 0);
	CHECK_STR(s.netns, NETNS4);
	CHECK_STR(s.ifname, "tap5");
	CHECK(s.configure);
	CHECK_EQ(slirp(ARGC(bad_type), bad_type, &s), -EINVAL);
	CHECK_STR(err, "bad value in '--netns-type=file': expected path or pid");
	CHECK_EQ(slirp(ARGC(bad_if), bad_if, &s), -EINVAL);
	CHECK_STR(err, "'a b' is not a valid interface name");
	CHECK_EQ(slirp(ARGC(path_only), path_only, &s), 0);
	CHECK_STR(s.netns, "/run/netns/x");
	CHECK_STR(s.ifname, "tap0");
	CHECK_EQ(slirp(ARGC(pid_type), pid_type, &s), 0);
	CHECK_EQ(s.pid, 17);
	CHECK_EQ(slirp(ARGC(empty_path), empty_path, &s), -EINVAL);
	CHECK_STR(err, "empty namespace path");
}

TEST(slirp_accepted_and_refused)
{
	char *const acc[] = { "slirp4netns", "--outbound-addr6=eth0", "-6", "42" };
	char *const api_short[] = { "slirp4netns", "-a", "/tmp/api.sock", "42" };
	char *const api_eq[] = { "slirp4netns", "--api-socket=/tmp/api.sock", "42" };
	char *const userns[] = { "slirp4netns", "--userns-path=/proc/1/ns/user", "42" };
	char *const dns[] = { "slirp4netns", "--disable-dns", "42" };
	char *const flag_val[] = { "slirp4netns", "--configure=yes", "42" };
	struct slirp_args s;

	CHECK_EQ(slirp(ARGC(acc), acc, &s), 0);
	CHECK_STR(s.outbound_addr6, "eth0");
	CHECK(s.ipv6);
	CHECK_EQ(slirp(ARGC(api_short), api_short, &s), 0);
	CHECK_STR(s.api_socket, "/tmp/api.sock");
	CHECK_EQ(slirp(ARGC(api_eq), api_eq, &s), 0);
	CHECK_STR(s.api_socket, "/tmp/api.sock");
	CHECK_EQ(slirp(ARGC(userns), userns, &s), -EINVAL);
	CHECK_STR(err, "unknown option '--userns-path'");
	CHECK_EQ(slirp(ARGC(dns), dns, &s), -EINVAL);
	CHECK_STR(err, "unknown option '--disable-dns'");
	CHECK_EQ(slirp(ARGC(flag_val), flag_val, &s), -EINVAL);
	CHECK_STR(err, "option '--configure' takes no value");
}

/* A hole in argv (argc larger than the array's NULL end) is an error */
TEST(argv_hole)
{
	char *const argv[] = { "slirp4netns", NULL, "42" };
	struct slirp_args s;

	CHECK_EQ(slirp(3, argv, &s), -EINVAL);
	CHECK_STR(err, "argument 1 is missing");
}

/* A zero-length message buffer is never written */
TEST(no_room_for_message)
{
	char *const argv[] = { "slirp4netns", "--bogus" };
	struct slirp_args s;
	char one = 'x';

	CHECK_EQ(helper_argv_slirp(ARGC(argv), argv, &s, &one, 0), -EINVAL);
	CHECK_EQ(one, 'x');
}

int main(void)
{
	RUN(pasta_podman5_default);
	RUN(pasta_podman5_user_mtu);
	RUN(pasta_podman5_user_ipv4_map_gw);
	RUN(pasta_podman5_user_addresses);
	RUN(pasta_podman5_user_pid_file);
	RUN(pasta_policy_and_name_both_forms);
	RUN(pasta_every_flag);
	RUN(pasta_short_forms);
	RUN(pasta_ipv6);
	RUN(pasta_last_value_wins);
	RUN(pasta_podman5_published_ports);
	RUN(pasta_published_ports_errors_named);
	RUN(pasta_unknown_options_named);
	RUN(pasta_value_syntax_errors);
	RUN(pasta_mtu_bounds);
	RUN(pasta_netmask_forms);
	RUN(pasta_address_prefix);
	RUN(pasta_namespace_forms);
	RUN(pasta_ipv4_and_ipv6_only_exclusive);
	RUN(pasta_long_value_truncated_in_message);
	RUN(pasta_too_many_positionals);
	RUN(slirp_podman4_default);
	RUN(slirp_podman4_options_api_socket);
	RUN(slirp_podman4_options);
	RUN(slirp_podman5_fds_swapped);
	RUN(slirp_fd_forms);
	RUN(slirp_help_and_version);
	RUN(slirp_cidr_bounds);
	RUN(slirp_mtu_bounds);
	RUN(slirp_positionals);
	RUN(slirp_accepted_and_refused);
	RUN(argv_hole);
	RUN(no_room_for_message);
	return t_done();
}

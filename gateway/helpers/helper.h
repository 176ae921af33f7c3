/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * helper.h - sentry as Podman's network helper: the pasta and slirp4netns
 * personalities, chosen by argv[0] (main.c)
 *
 * Podman runs its helper with a fixed command line (see shared/PODMAN.md
 * for the verbatim argv of Podman 4 and 5). sentry installs itself under
 * those names; each personality parses that command line (helper_argv.c,
 * pure, unit-tested and fuzzed), then makes the bottle's TUN inside the
 * container's namespace and hands it to the daemon (attach.h).
 *
 *   pasta (Podman 5)	helper_pasta.c: attach, then exit 0 at once; the
 *			daemon ends the bottle when the --netns file goes
 *   slirp4netns	helper_slirp.c: attach, write the ready byte, wait
 *   (Podman 4 and 5)	for EOF on the exit fd, detach, exit 0
 *
 * Options Podman passes that have no meaning here are accepted and, where
 * that is not obvious, documented at the option in the parser. Options that
 * ask for something sentry cannot do (-T/-U: the container reaching the
 * host's ports) are errors that name the option: a helper must never fail
 * silently. Published ports (-t/-u, --api-socket) are served by a relay
 * process per bottle (publish_relay.h, slirp_hostfwd.h).
 */
#ifndef SENTRY_HELPER_H
#define SENTRY_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "helpers/publish_spec.h"

#define HELPER_VERSION		"0.1.0"	/* keep equal to SENTRY_VERSION (main.c) */
#define HELPER_ERR_MAX		512	/* room for any parser message */
#define HELPER_PASTA_MTU_MAX	65520	/* pasta's own limit (ETH_MAX_MTU) */
#define HELPER_SLIRP_MTU_MAX	65521	/* slirp4netns's own limit */
#define HELPER_SLIRP_MTU_DEFAULT 1500	/* slirp4netns without --mtu */
#define HELPER_SLIRP_CIDR_MAX	25	/* the guest is network + 100 */
#define HELPER_SLIRP_IFNAME	"tap0"	/* slirp4netns's usual name */
#define HELPER_PASTA_IFNAME	"eth0"	/* pasta copies the host's uplink name */

/**
 * struct pasta_args - pasta's command line, as helper_argv_pasta() read it
 * @help:	-h, --help
 * @version:	--version
 * @netns:	--netns PATH or NAME (a NAME means /run/netns/NAME), or NULL
 * @pid:	a PID positional (pasta's other way to name a namespace), or 0
 * @has_addr4:	-a gave an IPv4 address @addr4; @plen4 is its "/N" or -n,
 *		0 when neither was given
 * @has_addr6:	the same for IPv6 (@plen6 0: not given)
 * @has_gw4:	-g gave @gw4; @has_gw6, @gw6 likewise
 * @has_dns4:	--dns-forward gave @dns4; @has_dns6, @dns6 likewise
 * @ifname:	-I, --ns-ifname, or NULL; checked with tun_ifname_valid()
 * @mtu:	-m, --mtu, or 0; 68..HELPER_PASTA_MTU_MAX
 * @only4:	-4, --ipv4-only; @only6: -6, --ipv6-only (never both)
 * @no_netns_quit: --no-netns-quit
 * @quiet:	-q, --quiet; @debug: -d, --debug
 * @policy:	--policy (sentry's own), checked with policy_name_valid()
 * @name:	--name (sentry's own), checked with ctl_bottle_name_valid()
 * @config_net:	--config-net (sentry always configures the interface)
 * @foreground:	-f, --foreground (sentry never stays: nothing to do)
 * @map_gw:	--map-gw; @no_map_gw: --no-map-gw (sentry never maps the
 *		gateway to the host: the gateway is sentry, under policy)
 * @pid_file:	--pid FILE (not written: see helper_pasta.c)
 * @map_guest:	--map-guest-addr ADDR or "none" (no host access to map)
 * @pub:	-t/--tcp-ports and -u/--udp-ports, every one given
 *		(publish_spec.h); -T/-U take "none" only
 *
 * Pointers point into the argv given to the parser.
 */
struct pasta_args {
	bool help, version;
	const char *netns;
	uint32_t pid;
	bool has_addr4, has_addr6;
	uint8_t plen4, plen6;
	struct ipaddr addr4, addr6;
	bool has_gw4, has_gw6;
	struct ipaddr gw4, gw6;
	bool has_dns4, has_dns6;
	struct ipaddr dns4, dns6;
	const char *ifname;
	uint32_t mtu;
	bool only4, only6;
	bool no_netns_quit;
	bool quiet, debug;
	const char *policy;
	const char *name;
	bool config_net, foreground, map_gw, no_map_gw;
	const char *pid_file;
	const char *map_guest;
	struct publish_set pub;
};

/**
 * enum slirp_netns_type - what slirp4netns's first positional names
 * @SLIRP_NETNS_PID:	a process (--netns-type=pid, the default)
 * @SLIRP_NETNS_PATH:	a namespace file (--netns-type=path)
 */
enum slirp_netns_type {
	SLIRP_NETNS_PID = 0,
	SLIRP_NETNS_PATH,
};

/**
 * struct slirp_args - slirp4netns's command line, as helper_argv_slirp() read it
 * @help:	-h, --help
 * @version:	-v, --version
 * @configure:	-c, --configure (sentry always configures the interface)
 * @exit_fd:	-e, --exit-fd: exit on its EOF; -1 when not given
 * @ready_fd:	-r, --ready-fd: write "1" once ready; -1 when not given
 * @mtu:	-m, --mtu, or 0 (HELPER_SLIRP_MTU_DEFAULT); 68..65521
 * @has_cidr:	--cidr gave the IPv4 network @cidr/@cidr_len (host bits
 *		cleared), /1../25
 * @ipv6:	-6, --enable-ipv6
 * @disable_host_loopback: --disable-host-loopback (sentry never lets a
 *		bottle reach the host's loopback; accepted either way)
 * @sandbox:	--enable-sandbox; @seccomp: --enable-seccomp (accepted: the
 *		helper only waits on a pipe once attached)
 * @outbound_addr: --outbound-addr, @outbound_addr6: --outbound-addr6
 *		(accepted and ignored: traffic leaves from the daemon's egress)
 * @netns_type:	--netns-type=pid|path
 * @netns:	the first positional with SLIRP_NETNS_PATH
 * @pid:	the first positional with SLIRP_NETNS_PID
 * @ifname:	the second positional, HELPER_SLIRP_IFNAME when absent
 * @api_socket:	--api-socket PATH (published ports: slirp_hostfwd.h), or NULL
 *
 * Pointers point into the argv given to the parser.
 */
struct slirp_args {
	bool help, version;
	bool configure;
	int exit_fd, ready_fd;
	uint32_t mtu;
	bool has_cidr;
	uint8_t cidr_len;
	struct ipaddr cidr;
	bool ipv6;
	bool disable_host_loopback, sandbox, seccomp;
	const char *outbound_addr, *outbound_addr6;
	enum slirp_netns_type netns_type;
	const char *netns;
	uint32_t pid;
	const char *ifname;
	const char *api_socket;
};

/**
 * helper_argv_pasta() - parse pasta's command line
 * @argc:	argument count, argv[0] included
 * @argv:	the arguments; argv[0] is skipped
 * @out:	result, zeroed first
 * @err:	on failure, a message naming the option as written
 *		("bad value in '-t 0': '0' is not a port or range of ports
 *		(1-65535, first <= last)")
 * @len:	size of @err (HELPER_ERR_MAX suffices)
 *
 * Long options take "--opt=value" and "--opt value"; short options "-o
 * value", "-ovalue", and flags may be grouped ("-qf"). "--"
 * ends the options. No I/O: namespaces, files and sockets are not looked
 * at, only the syntax and ranges. With --help or --version the rest is
 * still parsed but not required to be complete.
 *
 * Return: 0, or -EINVAL with @err set
 */
int helper_argv_pasta(int argc, char *const *argv, struct pasta_args *out,
		      char *err, size_t len);

/**
 * helper_argv_slirp() - parse slirp4netns's command line
 * @argc:	argument count, argv[0] included
 * @argv:	the arguments; argv[0] is skipped
 * @out:	result, zeroed first (fds -1)
 * @err:	on failure, a message naming the option as written
 * @len:	size of @err (HELPER_ERR_MAX suffices)
 *
 * As helper_argv_pasta() for the syntax. Options and positionals may be
 * mixed, as GNU getopt allows. Unless --help or --version is given, a
 * namespace (PID or PATH) must be; the interface name may be left out.
 *
 * Return: 0, or -EINVAL with @err set
 */
int helper_argv_slirp(int argc, char *const *argv, struct slirp_args *out,
		      char *err, size_t len);

/**
 * pasta_main() - the `pasta` personality (Podman 5's --network=pasta)
 * @argc:	argument count
 * @argv:	arguments, argv[0] being "pasta" or a path ending so
 *
 * Return: the exit status: 0 once the daemon holds the bottle, 1 (with a
 * message on stderr) on any failure, 0 for --help and --version
 */
int pasta_main(int argc, char **argv);

/**
 * slirp_main() - the `slirp4netns` personality (Podman 4; Podman 5 too)
 * @argc:	argument count
 * @argv:	arguments, argv[0] being "slirp4netns" or a path ending so
 *
 * Return: the exit status: 0 after the exit fd's EOF or SIGTERM (the
 * bottle detached), 1 (with a message on stderr) on any failure before the
 * ready byte, 0 for --help and --version
 */
int slirp_main(int argc, char **argv);

#endif /* SENTRY_HELPER_H */

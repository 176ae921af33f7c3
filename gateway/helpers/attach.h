/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attach.h - put a network namespace behind the daemon
 *
 * One sequence serves `sentry attach` and both Podman helper personalities
 * (helper.h): make the bottle's TUN inside the namespace (netcfg.h), then
 * hand its queue fds to the daemon over the control socket with the
 * bottle's name, policy and addresses (ctl_proto.h). The caller's copies of
 * the fds are closed before attach_run() returns, so if the daemon refused
 * the bottle, the TUN is gone with them: nothing is left half made.
 *
 *	struct attach a;
 *
 *	attach_init(&a);
 *	a.netns = "/run/netns/x";	a.socket = ...;	(spec, req.policy, ...)
 *	attach_check(&a, err, len);	-EINVAL: the caller's input is wrong
 *	attach_run(&a, err, len);	the system or the daemon said no
 */
#ifndef SENTRY_ATTACH_H
#define SENTRY_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"
#include "kernel/netcfg.h"

#define ATTACH_MSG_MAX		512	/* room for any message written here */
#define ATTACH_ADDR4_DEFAULT	"10.0.2.100/24"	/* slirp4netns's plan */
#define ATTACH_GW4_DEFAULT	"10.0.2.2"

/**
 * struct attach - one attach request, as the caller wants it
 * @socket:	the daemon's control socket path
 * @netns:	the namespace file, as the user gave it; or NULL
 * @pid:	with @netns NULL, the namespace of this process
 * @watch_pid:	0, or a process whose pidfd goes with the request: the
 *		daemon ends the bottle when that process exits
 * @spec:	the TUN to make (tun_spec_init() defaults)
 * @req:	name, policy, dns4/dns6 and keep as the caller wants them;
 *		attach_check() fills in netns and a missing name, attach_run()
 *		the addresses, queues and pidfd from @spec
 * @warning:	after attach_run(): "", or what a best-effort step could not
 *		do (no "warning:" prefix)
 */
struct attach {
	const char *socket;
	const char *netns;
	uint32_t pid;
	uint32_t watch_pid;
	struct tun_spec spec;
	struct ctl_request req;
	char warning[ATTACH_MSG_MAX];
};

/**
 * attach_init() - an attach request with every default and nothing chosen
 * @a:	request to initialise
 *
 * The TUN gets one queue per online CPU (at most TUN_QUEUES_MAX) and a
 * virtio-net header, so that the daemon's workers each read a queue of
 * their own and GSO packets pass whole (daemon.h, common/vnet.h).
 */
void attach_init(struct attach *a);

/**
 * attach_check() - complete and validate @a without touching the system
 * @a:		request; @a->req.netns and a missing @a->req.name are filled in
 * @err:	message buffer
 * @len:	size of @err
 *
 * Exactly one of @a->netns and @a->pid must be given. The namespace file
 * is made absolute (realpath()), because the daemon watches it from
 * wherever it runs. A missing name becomes the file's basename, or
 * "pid-PID". A spec with no address at all gets ATTACH_ADDR4_DEFAULT via
 * ATTACH_GW4_DEFAULT. Then tun_spec_check().
 *
 * Return: 0; -EINVAL when the input is wrong (a usage error); or the
 * -errno of realpath() (-ENOENT: no such namespace file)
 */
int attach_check(struct attach *a, char *err, size_t len);

/**
 * attach_run() - make the TUN in the namespace and hand it to the daemon
 * @a:		request, passed through attach_check()
 * @err:	message buffer: the daemon's own words when it refused
 * @len:	size of @err
 *
 * Needs the rights of tun_create_in_netns() over the namespace. A pidfd
 * for @a->watch_pid that cannot be had (old kernel) is left out, as the
 * bottle then still ends with its namespace or on detach.
 *
 * Return: 0; -EREMOTEIO when the daemon answered with an error (unknown
 * policy, no IPv6 pool, name in use...); or -errno when the namespace, the
 * TUN or the socket failed
 */
int attach_run(struct attach *a, char *err, size_t len);

/*
 * attach_watch_dir_of() - an inotify fd (non-blocking) watching the directory
 * of @path for the file's deletion (and the directory's), or -1: how a
 * namespace file's end is noticed by whoever cannot poll the namespace
 */
int attach_watch_dir_of(const char *path);

/**
 * attach_detach() - ask the daemon to end bottle @name
 * @socket:	the daemon's control socket
 * @name:	bottle name
 * @err:	message buffer
 * @len:	size of @err
 *
 * Return: 0; -EREMOTEIO when the daemon answered with an error (such as
 * no bottle of that name: it has ended already); or -errno
 */
int attach_detach(const char *socket, const char *name, char *err, size_t len);

/**
 * attach_helper_socket() - the control socket a helper personality uses
 * @buf:	room for a path read from a configuration file
 * @len:	size of @buf
 * @err:	message buffer
 * @errlen:	size of @err
 *
 * Podman gives its helper no way to say where the daemon is, so the
 * environment and the system configuration do: $SENTRY_SOCKET; else the
 * control_socket of $SENTRY_CONFIG, or of CONFIG_DEFAULT_PATH when that
 * file exists; else CTL_SOCKET_DEFAULT.
 *
 * Return: the path (@buf, the environment or a constant), or NULL with
 * @err set when the configuration file cannot be read
 */
const char *attach_helper_socket(char *buf, size_t len, char *err,
				 size_t errlen);

/**
 * attach_helper_identity() - a helper's policy and bottle name
 * @a:		request whose @a->req.policy and @a->req.name are set
 * @policy:	the --policy option, or NULL: then $SENTRY_POLICY, else ""
 *		(the daemon's default_policy)
 * @name:	the --name option, or NULL: then $SENTRY_NAME, else "" (the
 *		netns basename, see attach_check())
 * @err:	message buffer
 * @len:	size of @err
 *
 * Return: 0, or -EINVAL when a value is not a valid name (the message
 * names where it came from)
 */
int attach_helper_identity(struct attach *a, const char *policy,
			   const char *name, char *err, size_t len);

/*
 * attach_run_helper() - attach_run() for a helper personality: if no daemon
 * answers and sentry.ini says `[helper] standalone = yes`, start a private
 * daemon for this bottle (standalone.h) and attach to it instead
 * @sockbuf:	holds the private daemon's socket path if one was started
 * Return: as attach_run()
 */
int attach_run_helper(struct attach *a, char *sockbuf, size_t socklen,
		      char *err, size_t len);

/*
 * attach_helper_publish_conns() - [helper] publish_conns of the sentry.ini
 * the helper sees ($SENTRY_CONFIG, else CONFIG_DEFAULT_PATH), or
 * CONFIG_PUBLISH_CONNS_DEFAULT when there is none or it cannot be read
 */
unsigned int attach_helper_publish_conns(void);

#endif /* SENTRY_ATTACH_H */

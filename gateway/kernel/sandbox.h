/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sandbox.h - least privilege once set-up is done
 *
 * The daemon opens everything that needs privilege first (TUNs, the egress
 * device and its nftables table, sockets, the LMDB environment, the
 * decision log), then:
 *   1. changes to an unprivileged user ([daemon] user, default nobody),
 *      keeping only the capabilities its loop still needs:
 *        CAP_NET_ADMIN       to delete its nftables table when it stops;
 *        CAP_DAC_READ_SEARCH to watch netns directories of other users
 *                            (rootless Podman's /run/user/UID/netns is 0700);
 *   2. installs a seccomp allow-list of the system calls the loop makes.
 *      Anything else raises SIGSYS; the handler logs the call's name and
 *      number and the process exits with status 159 - a forbidden call is a
 *      bug to report, never something to carry on from. To find a missing
 *      call, run with SENTRY_SECCOMP_LOG=1: the kernel then logs forbidden
 *      calls (dmesg: "audit: type=1326 ... syscall=N") and lets them pass.
 */
#ifndef SENTRY_SANDBOX_H
#define SENTRY_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * sandbox_lookup_user() - uid and gid of @user (a name or a decimal uid)
 * Return: 0 or -ENOENT
 */
int sandbox_lookup_user(const char *user, uid_t *uid, gid_t *gid);

/*
 * sandbox_drop() - become @uid/@gid, keeping CAP_NET_ADMIN and
 * CAP_DAC_READ_SEARCH (and nothing else, bounding set cleared).
 * Does nothing when not running as root.
 * Return: 0 or -errno, with a message in @err.
 */
int sandbox_drop(uid_t uid, gid_t gid, char *err, size_t len);

/* Which allow-list: the daemon's loop, or a helper personality's wait */
enum sandbox_profile {
	SANDBOX_DAEMON,
	SANDBOX_HELPER,
	SANDBOX_RELAY,		/* a bottle's published ports (publish_relay.h) */
};

/*
 * sandbox_seccomp() - install the allow-list for @profile (and
 * no_new_privs). Return: 0 or -errno with a message in @err.
 */
int sandbox_seccomp(enum sandbox_profile profile, char *err, size_t len);

/* sandbox_kept_dac_read_search() - after sandbox_drop(): was it there to keep? */
bool sandbox_kept_dac_read_search(void);

#endif /* SENTRY_SANDBOX_H */

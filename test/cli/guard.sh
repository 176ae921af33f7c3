#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/cli/guard.sh - `sentry guard`'s command line: which target options
# go together, and what it says when the daemon or Podman is not there.
# No daemon, no root needed (--container with no Podman, or an unknown
# container, fails before any namespace is touched).
set -u
SENTRY=${SENTRY:-$(cd "$(dirname "$0")/../.." && pwd)/build/stage/usr/local/bin/sentry}
tmp=$(mktemp -d /tmp/sentry-guard.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; failed=1; }

# expect_usage NAME NEEDLE ARGS... - exit 2 with NEEDLE in the message
expect_usage() {
	local name=$1 needle=$2 out rc
	shift 2
	out=$("$SENTRY" guard --socket "$tmp/none.sock" "$@" 2>&1)
	rc=$?
	if [ $rc = 2 ] && [[ $out == *"$needle"* ]]; then
		ok "$name"
	else
		bad "$name" "exit $rc, expected 2 with '$needle'" "$out"
	fi
}

expect_usage "no policy" "--policy is required" --netns /run/netns/x
expect_usage "no target" "give one of" --policy p
expect_usage "two targets" "give one of" --policy p --netns /x --pid 1
expect_usage "addresses with a namespace" "go with --interface" \
	--policy p --netns /x --addr4 10.0.0.2
expect_usage "an interface needs an address" "needs --addr4 or --addr6" \
	--policy p --interface rb
expect_usage "--addr6 takes IPv6" "not an IPv6 address" --policy p --interface rb --addr6 10.0.0.2
expect_usage "--pid takes a number" "--pid" --policy p --pid x1

# with a target, the daemon is asked first (its namespace): a clear error
out=$("$SENTRY" guard --socket "$tmp/none.sock" --netns /x --policy p 2>&1)
rc=$?
[ $rc = 1 ] && [[ $out == *"cannot reach the sentry daemon"* ]] &&
	ok "no daemon: a clear error" || bad "no daemon: a clear error" "exit $rc" "$out"

# --container: Podman says the container does not exist (or Podman is missing)
out=$(PATH=$tmp:$PATH "$SENTRY" guard --socket "$tmp/none.sock" --container "-x" --policy p 2>&1)
rc=$?
[ $rc = 1 ] && [[ $out == *"not a container name"* ]] &&
	ok "--container: a name that would be an option is refused" ||
	bad "--container: a name that would be an option is refused" "exit $rc" "$out"
# a stand-in podman that knows no container
printf '#!/bin/sh\necho "Error: no such container $6" >&2\nexit 125\n' >"$tmp/podman"
chmod +x "$tmp/podman"
out=$(PATH=$tmp:$PATH "$SENTRY" guard --socket "$tmp/none.sock" --container web --policy p 2>&1)
rc=$?
[ $rc = 1 ] && [[ $out == *"no container 'web'"* ]] &&
	ok "--container: a missing container is named" ||
	bad "--container: a missing container is named" "exit $rc" "$out"
# one that knows it, stopped
printf '#!/bin/sh\necho "0 false"\n' >"$tmp/podman"
out=$(PATH=$tmp:$PATH "$SENTRY" guard --socket "$tmp/none.sock" --container web --policy p 2>&1)
rc=$?
[ $rc = 1 ] && [[ $out == *"is not running"* ]] &&
	ok "--container: a stopped container is named" ||
	bad "--container: a stopped container is named" "exit $rc" "$out"
exit $failed

# SPDX-License-Identifier: GPL-2.0-or-later
#
# pmchecks.sh - the checks both Podman suites make on a container behind
# sentry. Sourced after tap.sh, world.sh and podman.sh.
#
# The script sets:
#   PM_NET     array: podman run options that put the container behind
#              sentry (--network=slirp4netns, --network=pasta:--policy=web)
#   PM_ROOTFS  the busybox rootfs, as Podman sees the path
# and the world's daemon must be running with policy "web" in effect for
# PM_NET's containers. Each check_* function is a test body for `check`.
#
# Every denial check carries a positive control in the same container (an
# allowed name that must work), so "it failed" cannot mean "there was no
# network at all".

# c_run ARGS... - podman run --rm behind sentry; the container runs ARGS
c_run() {
	pm run --rm "${PM_NET[@]}" --rootfs "$PM_ROOTFS" "$@"
}

# ran_ok - the last c_run reached the container's command and exited 0
ran_ok() {
	expect "podman run exits 0" "$pm_rc" = 0
}

has() {	# has WHAT TEXT - $pm_out contains TEXT
	[[ $pm_out == *"$2"* ]] && return 0
	note "expected: $1 (output contains '$2')"
	return 1
}

hasnt() {	# hasnt WHAT TEXT - $pm_out does not contain TEXT
	[[ $pm_out != *"$2"* ]] && return 0
	note "expected: $1 (output does not contain '$2')"
	return 1
}

check_allowed() {
	c_run sh -c 'nslookup -type=a allowed.test; echo "nslookup=$?";
		timeout 5 wget -q -O - http://allowed.test/; echo "wget=$?"'
	ran_ok &&
	has "allowed.test resolves" "nslookup=0" &&
	has "allowed.test resolves to its address" "198.18.0.80" &&
	has "wget fetches the page" "hello from 198.18.0.80" &&
	has "wget exits 0" "wget=0"
}

check_denied_name() {
	c_run sh -c 'nslookup -type=a denied.test; echo "denied=$?";
		nslookup -type=a allowed.test >/dev/null; echo "control=$?"'
	ran_ok &&
	has "the allowed name resolves in the same container" "control=0" &&
	hasnt "denied.test does not resolve" "denied=0" &&
	hasnt "denied.test's address is not given" "198.18.0.81" || return 1
	if grep -q denied.test "$W_DNSLOG" 2>/dev/null; then
		note "the test internet's dnsmasq saw a query for denied.test:"
		grep denied.test "$W_DNSLOG" | head -n 3 >>"$tmp/detail"
		return 1
	fi
}

check_direct_ip() {
	c_run sh -c 'timeout 5 wget -q -O - http://allowed.test/ >/dev/null; echo "control=$?";
		timeout 5 wget -q -O - http://198.18.0.82/; echo "direct=$?"'
	ran_ok &&
	has "the allowed name works in the same container" "control=0" &&
	hasnt "wget to 198.18.0.82 fails" "direct=0" &&
	hasnt "nothing comes back from 198.18.0.82" "hello from 198.18.0.82" || return 1
	# and it was sentry that said no
	wait_for 5 decided '"verdict":"deny".*"dst":"198.18.0.82","dport":80' && return 0
	note "expected: a deny line for 198.18.0.82:80 in the decision log"
	return 1
}

# decided ERE - the daemon's decision log has a line matching ERE. The
# log is the world's file, or what DECISIONS_CMD prints (a daemon in a
# container logs to its stderr: `podman logs`).
decided() {
	if [ -n "${DECISIONS_CMD:-}" ]; then
		"$DECISIONS_CMD" | grep -qE -- "$1"
	else
		grep -qE -- "$1" "$W_DLOG"
	fi
}

# listed WORD... - `sentry ctl bottles` names one of WORDs
listed() {
	local bottles w
	bottles=$(ctl bottles 2>&1) || return 1
	for w in "$@"; do
		[ -n "$w" ] && [[ $bottles == *"$w"* ]] && return 0
	done
	return 1
}

# check_bottles NAME - a detached container is listed while it runs, and
# not once `podman rm -f` has removed it. A bottle may be named after the
# container's namespace file, its name or its id; any of them counts.
check_bottles() {
	local name=$1 ns id keys
	pm run -d --name "$name" "${PM_NET[@]}" --rootfs "$PM_ROOTFS" sleep 600
	expect "podman run -d exits 0" "$pm_rc" = 0 || return 1
	id=${pm_out##*$'\n'}
	pm inspect --format '{{.NetworkSettings.SandboxKey}}' "$name"
	ns=$(basename "$pm_out")
	keys=("$ns" "$name" "${id:0:12}")
	if ! wait_for 10 listed "${keys[@]}"; then
		run ctl bottles
		note "expected: ctl bottles lists the container (one of: ${keys[*]})"
		pm rm -f -t 0 "$name"
		return 1
	fi
	run ctl bottles
	pm rm -f -t 0 "$name"
	expect "podman rm -f exits 0" "$pm_rc" = 0 || return 1
	if ! wait_for 10 eval '! listed "${keys[@]}"'; then
		run ctl bottles
		note "expected: the bottle is gone within 10 s of podman rm -f"
		return 1
	fi
}

nbottles() {	# nbottles - how many bottles the daemon holds
	ctl --json bottles | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["bottles"]))'
}

# check_none_left - once every container is gone (all ran with --rm, or
# were removed), the daemon holds no bottle
check_none_left() {
	wait_for 10 test "$(nbottles 2>/dev/null)" = 0 && return 0
	run ctl bottles
	note "expected: no bottles once every container has gone"
	return 1
}

# failed_cleanly WHAT - the last Podman call failed, did not time out, and
# said WHAT (a fixed string) in its error
failed_cleanly() {
	expect "podman run fails" "$pm_rc" != 0 &&
	expect "podman run did not time out" "$pm_rc" != 124 -a "$pm_rc" != 137 &&
	has "the error is explained" "$1"
}

check_no_hang() {
	[ ${#PM_HANGS[@]} = 0 ] && return 0
	note "these Podman calls timed out:"
	printf '  %s\n' "${PM_HANGS[@]}" >>"$tmp/detail"
	return 1
}

# host_net - the host's addresses and main routes (the helper runs as root
# in the host's namespaces: it must change nothing there)
host_net() {
	ip -o addr show | awk '{ print $2, $3, $4 }'
	ip -4 route show table main
	ip -6 route show table main | grep -v expires
}

check_host_untouched() {	# check_host_untouched BEFORE-FILE
	host_net >"$tmp/host.after"
	cmp -s "$1" "$tmp/host.after" && return 0
	note "the host's addresses or routes changed during the test:"
	diff "$1" "$tmp/host.after" | head -n 20 >>"$tmp/detail"
	return 1
}

# SPDX-License-Identifier: GPL-2.0-or-later
#
# sentryctr.sh - the SENTRY container, run the way contrib/README-container.md
# says, with bottles behind it. Sourced after tap.sh, world.sh, podman.sh,
# pmchecks.sh, trixie.sh and image.sh.
#
# The README's commands use the host's own paths (/run/sentry,
# /etc/sentry, /var/lib/sentry/policies, /usr/local/...). A test may not
# touch those, so it runs in a mount namespace of its own
# (ctr_private_host) where they are the test's: /run is a fresh tmpfs,
# /etc and /var/lib are overlays whose changes land in $tmp, and the staged
# install (`make stage`) is mounted over /usr/local. Then the README's
# "## Run" block is run as it stands (ctr_start), with `podman` meaning
# `pm` (the test's storage, a timeout) plus the one option the README
# leaves to the user: `--network ns:/run/netns/$W_GW`, the test's uplink.
#
# The script sets PM_* (podman.sh) and, for a tree, CTR_HOST (the command
# prefix that runs a command where Podman runs, e.g. nsenter into the tree).

CTR_README=${CTR_README:-$top/contrib/README-container.md}
CTR_FILE=${CTR_FILE:-$top/contrib/Containerfile}
CTR_NAME=sentry		# the README's --name
CTR_IMAGE=localhost/sentry
CTR_HOST=()
CTR_ETC=/etc/sentry	# where the README's /etc/sentry is, seen from here
ctr_why=

# ctr_prefix - the install prefix $SENTRY came from (its bin/..), if it
# holds the helper links `make install` makes
ctr_prefix() {
	local p
	p=$(cd "$(dirname "$SENTRY")/.." && pwd) || return 1
	[ -L "$p/libexec/sentry/slirp4netns" ] && [ -L "$p/libexec/sentry/pasta" ] || return 1
	echo "$p"
}

# ctr_private_host - in this (private) mount namespace, give the test the
# README's host paths (see above). Call right after t_init, before any
# `ip netns add`.
ctr_private_host() {
	local prefix d
	prefix=$(ctr_prefix) || { ctr_why="$SENTRY is not in a staged install (no ../libexec/sentry links)"; return 1; }
	mount --make-rprivate / &&
	mount -t tmpfs -o mode=0755 tmpfs /run || { ctr_why="cannot mount a tmpfs on /run"; return 1; }
	for d in etc var/lib; do
		mkdir -p "$tmp/ov/$d/upper" "$tmp/ov/$d/work"
		mount -t overlay overlay -o "lowerdir=/$d,upperdir=$tmp/ov/$d/upper,workdir=$tmp/ov/$d/work" \
			"/$d" || { ctr_why="cannot mount an overlay on /$d"; return 1; }
	done
	mount --bind "$prefix" /usr/local || { ctr_why="cannot mount $prefix on /usr/local"; return 1; }
}

# ctr_config FILE [LINE...] - the daemon's sentry.ini for the container:
# the README's paths (the defaults), the test internet's resolver,
# default policy "other"; LINEs go in [daemon]
ctr_config() {
	local f=$1
	shift
	{
		echo '; the SENTRY container under test (see contrib/README-container.md)'
		echo '[daemon]'
		echo 'default_policy = other'
		printf '%s\n' "$@"
		echo '[dns]'
		echo 'upstream = 198.18.0.53'
	} >"$f"
}

# ctr_image - make localhost/sentry from the Containerfile and import it
# into the test's Podman storage
ctr_image() {
	local tar=$tmp/sentry-image.tar start=$SECONDS
	image_tar "$CTR_FILE" "$top" "$tar" || { ctr_why=$img_why; return 1; }
	if [ ${#CTR_HOST[@]} -gt 0 ]; then
		# Podman in a tree sees the tree's /tmp, not ours
		"${CTR_HOST[@]}" /bin/sh -c 'cat >/tmp/sentry-image.tar' <"$tar" || return 1
		rm -f "$tar"
		tar=/tmp/sentry-image.tar
	fi
	pm import "${IMG_CHANGES[@]}" "$tar" "$CTR_IMAGE" ||
		{ ctr_why="podman import failed: $(tail -n 1 <<<"$pm_out")"; return 1; }
	"${CTR_HOST[@]}" rm -f "$tar"
	echo "# image $CTR_IMAGE made from $CTR_FILE in $((SECONDS - start)) s"
}

# ctr_readme_block HEADING - the first ```sh block after the line HEADING
# of the container README
ctr_readme_block() {
	awk -v h="$1" '
		$0 == h { on = 1; next }
		on && /^```sh/ { inb = 1; next }
		inb && /^```/ { exit }
		inb { print }' "$CTR_README"
}

# ctr_start - run the README's "## Run" block; the daemon must answer
ctr_start() {
	local block
	block=$(ctr_readme_block '## Run')
	[[ $block == *"podman run"* ]] || { note "no podman run in README's ## Run block"; return 1; }
	note "README-container.md, ## Run:"
	printf '%s\n' "$block" | sed 's/^/    /' >>"$tmp/detail"
	# for the block only: its commands, where Podman runs
	podman() {
		if [ "$1" = run ]; then
			shift
			pm run --network "ns:/run/netns/$W_GW" "$@"
		else
			pm "$@"
		fi
	}
	mkdir() { "${CTR_HOST[@]}" /bin/mkdir "$@"; }
	eval "$block"
	local rc=$?
	unset -f podman mkdir
	expect "the README's commands succeed" "$rc" = 0 &&
	ctr_ready
}

ctr_ready() {	# ctr_ready - the daemon in the container answers on the shared socket
	wait_for 30 ctl ping && return 0
	note "expected: sentry ctl ping answers through $W_SOCK"
	run ctl ping
	run ls -la "$W_SOCKDIR"
	ctr_pm ps -a --format '{{.Names}} {{.Status}}'
	ctr_pm logs "$CTR_NAME"
	# where a daemon that neither answers nor says why is waiting
	ctr_pm inspect --format '{{.State.Pid}}' "$CTR_NAME" &&
		[ "${pm_out:-0}" -gt 0 ] 2>/dev/null &&
		run grep -E '^(State|Name)' "/proc/$pm_out/status" &&
		run cat "/proc/$pm_out/wchan" "/proc/$pm_out/stack"
	return 1
}

# ctr_pm ARGS... - pm with the Podman that runs the SENTRY container:
# CTR_PM (a prefix) and CTR_PM_DIR (storage) when the bottles' Podman is
# another (rootless), else PM_PREFIX and PM_DIR
CTR_PM=()
CTR_PM_DIR=
ctr_pm() {
	local p=("${PM_PREFIX[@]}") d=$PM_DIR rc
	[ -n "$CTR_PM_DIR" ] && PM_PREFIX=("${CTR_PM[@]}") PM_DIR=$CTR_PM_DIR
	pm "$@"
	rc=$?
	PM_PREFIX=("${p[@]}") PM_DIR=$d
	return $rc
}

# ctr_logs - the SENTRY container's output (quiet: for polling)
ctr_logs() {
	local p=("${PM_PREFIX[@]}") d=$PM_DIR
	[ -n "$CTR_PM_DIR" ] && p=("${CTR_PM[@]}") d=$CTR_PM_DIR
	timeout -k 5 30 "${p[@]}" podman "${PM_GLOBAL[@]}" --root "$d/root" \
		--runroot "$d/runroot" --tmpdir "$d/tmp" logs "$CTR_NAME" 2>&1 </dev/null
}

ctr_logs_have() {	# ctr_logs_have ERE - `podman logs sentry` has a line matching ERE
	ctr_logs | grep -qE -- "$1"
}

ctr_report() {	# for t_on_failure
	echo "podman logs $CTR_NAME (last 15 lines):"
	ctr_logs | tail -n 15 | sed 's/^/  /'
}

# check_ctr_decisions - a refused direct IP shows in `podman logs sentry`
check_ctr_decisions() {
	c_run sh -c 'timeout 5 wget -q -O - http://198.18.0.81/; echo "direct=$?"'
	ran_ok && hasnt "wget to 198.18.0.81 fails" "direct=0" || return 1
	wait_for 5 ctr_logs_have '"verdict":"deny".*"dst":"198.18.0.81","dport":80' && return 0
	note "expected: a deny line for 198.18.0.81:80 in podman logs $CTR_NAME"
	return 1
}

# resolves NAME - a bottle (default policy) resolves NAME
resolves() {
	pm run --rm "${PM_NET_DEFAULT[@]}" --rootfs "$PM_ROOTFS" sh -c \
		"nslookup -type=a $1 >/dev/null; echo \"lookup=\$?\""
	[[ $pm_out == *lookup=0* ]]
}

# check_ctr_policy_load - `sentry policy load` on the host's store reaches
# the running daemon: policy "other" (bottles' default) gains allowed.test;
# then the original comes back, with `podman kill -s HUP` for the reload
check_ctr_policy_load() {
	local store=$1 ini=$CTR_ETC/other-wider.ini
	resolves allowed.test && { note "expected: allowed.test is denied by 'other' at first"; return 1; }
	resolves other.test || { note "expected: other.test resolves under 'other' (control)"; return 1; }
	sed 's/^domain = other.test tcp\/80$/&\ndomain = allowed.test tcp\/80/' "$tmp/other.ini" >"$ini"
	run "${CTR_HOST[@]}" /usr/local/bin/sentry policy load --db "$store" /etc/sentry/other-wider.ini
	expect "policy load exits 0" "$t_rc" = 0 || return 1
	wait_for 10 ctr_logs_have 'policy other reloaded' ||
		{ note "expected: 'policy other reloaded' in podman logs"; return 1; }
	resolves allowed.test || { note "expected: allowed.test resolves once the wider 'other' is loaded"; return 1; }
}

check_ctr_hup() {
	local store=$1 before
	cp "$tmp/other.ini" "$CTR_ETC/other.ini"
	run "${CTR_HOST[@]}" /usr/local/bin/sentry policy load --db "$store" /etc/sentry/other.ini
	expect "policy load exits 0" "$t_rc" = 0 || return 1
	before=$(ctr_logs | grep -c 'SIGHUP')
	ctr_pm kill -s HUP "$CTR_NAME"
	expect "podman kill -s HUP exits 0" "$pm_rc" = 0 || return 1
	wait_for 10 eval '[ "$(ctr_logs | grep -c SIGHUP)" -gt "$before" ]' ||
		{ note "expected: the daemon logs the SIGHUP"; return 1; }
	resolves allowed.test && { note "expected: allowed.test denied again under the original 'other'"; return 1; }
	resolves other.test || { note "expected: other.test still resolves (control)"; return 1; }
}

# check_ctr_stop_start NAME SOCKPATH - with the SENTRY container stopped, a
# running bottle has no network and a new one fails naming SOCKPATH;
# started again, new bottles work
check_ctr_stop_start() {
	local name=$1 sock=$2 ok=0
	pm run -d --name "$name" "${PM_NET[@]}" --rootfs "$PM_ROOTFS" sleep 600
	expect "podman run -d exits 0" "$pm_rc" = 0 || return 1
	pm exec "$name" sh -c 'timeout 5 wget -q -O - http://allowed.test/; echo "wget=$?"'
	has "the running bottle fetches before the stop" "wget=0" || ok=1
	ctr_pm stop -t 10 "$CTR_NAME"
	expect "podman stop $CTR_NAME exits 0" "$pm_rc" = 0 || ok=1
	pm exec "$name" sh -c 'timeout 5 wget -q -O - http://allowed.test/; echo "wget=$?"'
	hasnt "the running bottle fetches nothing once the daemon is stopped" "wget=0" || ok=1
	pm rm -f -t 0 "$name"
	c_run true
	failed_cleanly "$sock" || ok=1
	ctr_pm start "$CTR_NAME"
	expect "podman start $CTR_NAME exits 0" "$pm_rc" = 0 && ctr_ready || return 1
	c_run sh -c 'timeout 5 wget -q -O - http://allowed.test/; echo "wget=$?"'
	ran_ok && has "a new bottle fetches once the daemon is back" "wget=0" || ok=1
	return $ok
}

# check_ctr_group_name - a control_group given by a name the image does not
# have stops the daemon at start-up, naming the group (why the README says
# to give the number). A container of its own, with no network.
check_ctr_group_name() {
	# under the README's /etc/sentry, which Podman sees at that path
	mkdir -p "$CTR_ETC/byname"
	ctr_config "$CTR_ETC/byname/sentry.ini" "control_group = sentryctl" "control_mode = 0660"
	ctr_pm run --rm --network none --cap-add NET_ADMIN --cap-add DAC_READ_SEARCH \
		--device /dev/net/tun --sysctl net.ipv4.ip_forward=1 \
		--sysctl net.ipv6.conf.all.forwarding=1 -v /etc/sentry/byname:/etc/sentry:ro \
		-v /var/lib/sentry/policies:/var/lib/sentry/policies:ro "$CTR_IMAGE"
	expect "the daemon exits non-zero" "$pm_rc" != 0 -a "$pm_rc" != 124 &&
	has "the daemon names the group" "control_group sentryctl: no such group"
}

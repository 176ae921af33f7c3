#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# store.sh - nothing lost in the policy store, and no store is ever taken
# for an empty (allow-nothing or allow-all) one:
#
#   - `sentry policy load` killed with SIGKILL at random moments, over and
#     over, with policies of 3,000 rules to widen the window: the store
#     always holds the old policy or the new one, whole (`policy show`
#     compared with both), and `sentry check` passes every time;
#   - a missing, unreadable (chmod 000, read by nobody) or foreign store
#     (another program's LMDB environment, a sentry-like one of another
#     schema version, random bytes, an empty data.mdb): `sentry run`,
#     `sentry check`, `sentry replay` and `sentry policy list` each fail
#     with a message naming the store, and the daemon never starts.
#
#  no traffic: one namespace, $P-run, holds `sentry run` in case it
#  started after all (it would make its egress TUN and nftables table
#  there, not in the host's namespace)
#  +------------------------------+
#  | $P-run: lo only              |
#  |  sentry run -c bad-store.ini |
#  +------------------------------+
#
# STORE_KILLS (default 200) kills, as many as fit in STORE_SECONDS (default
# 60; at least 50 must).
# $P is advs<pid>; the namespace, files and processes are removed on exit.
# Environment: SENTRY (default build/stage/usr/local/bin/sentry, as make stage installs it). Prints "ok - NAME" /
# "not ok - NAME"; needs root (for the namespace and for nobody's view).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
SENTRY=${SENTRY:-$top/build/stage/usr/local/bin/sentry}
case "$SENTRY" in /*) ;; *) SENTRY=$top/$SENTRY ;; esac
. "$here/lib/advlib.sh"

adv_need_root store setpriv mdb_load mdb_dump
GW_PREFIX=advs$$
P=$GW_PREFIX
adv_init store
KILLS=${STORE_KILLS:-200}
BUDGET=${STORE_SECONDS:-60}
PCAP=$top/test/replay/http-allowed/input.pcap
# nobody must be able to reach the files of the unreadable-store case
chmod 711 "$tmp"

big_policy() {	# big_policy FILE TAG - 3,000 rules, all different per TAG
	$PY - "$1" "$2" <<-'EOF'
	import sys
	path, tag = sys.argv[1:]
	with open(path, "w") as f:
	    f.write("[policy]\nname = big\ndefault = deny\nmin_ttl = %d\n[allow]\n"
	            % (10 if tag == "old" else 20))
	    for i in range(2400):
	        f.write("domain = h%d.%s.example.test tcp/443 tcp/8000-8100\n" % (i, tag))
	    for i in range(600):
	        f.write("cidr = 198.%d.%d.0/24 udp/53\n" % (18 + i // 256 % 2, i % 256)
	                if tag == "old" else "cidr = 2001:db8:%x::/48 tcp\n" % i)
	EOF
}

config() {	# config FILE STORE
	cat >"$1" <<-EOF
	[daemon]
	control_socket = $tmp/ctl-$(basename "$1" .ini).sock
	policy_store = $2
	decision_log = stderr
	[dns]
	upstream = 198.18.0.53
	EOF
}

setup() {
	big_policy "$tmp/old.ini" old && big_policy "$tmp/new.ini" new || return 1
	# what each looks like in a store, from stores of their own
	"$SENTRY" policy load --db "$tmp/ref-old" "$tmp/old.ini" >/dev/null &&
	"$SENTRY" policy load --db "$tmp/ref-new" "$tmp/new.ini" >/dev/null || return 1
	"$SENTRY" policy show --db "$tmp/ref-old" big >"$tmp/show-old" &&
	"$SENTRY" policy show --db "$tmp/ref-new" big >"$tmp/show-new" || return 1
	cmp -s "$tmp/show-old" "$tmp/show-new" && { echo "old and new look alike"; return 1; }
	"$SENTRY" policy load --db "$tmp/kill" "$tmp/old.ini" >/dev/null || return 1
	config "$tmp/kill.ini" "$tmp/kill"
	mkns $P-run
}

# ------------------------------------------------------------------- tests

t_kill_loop() {
	local i=0 pid st target delay_us old=0 new=0 midway=0 done=0 t_end load_us
	local t0 t1
	# LeakSanitizer's scan at exit would double each reader's run time;
	# here the store is under test, the readers' leaks are the unit tests'
	local -x ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	# how long one load takes: the kill delays spread over 1.2 times that
	t0=$(date +%s%N)
	"$SENTRY" policy load --db "$tmp/kill" "$tmp/new.ini" >/dev/null || return 1
	"$SENTRY" policy load --db "$tmp/kill" "$tmp/old.ini" >/dev/null || return 1
	t1=$(date +%s%N)
	load_us=$(((t1 - t0) / 2000))
	note "one load takes about $load_us us"
	t_end=$(($(date +%s) + BUDGET))
	while [ $i -lt "$KILLS" ] && [ "$(date +%s)" -lt "$t_end" ]; do
		i=$((i + 1))
		target=$([ $((i % 2)) = 1 ] && echo new || echo old)
		delay_us=$((RANDOM * 32768 + RANDOM))
		# from 0.3 to 1.2 load times: past start-up, across compile and write
		delay_us=$((load_us * 3 / 10 + delay_us % (load_us * 9 / 10 + 1)))
		"$SENTRY" policy load --db "$tmp/kill" "$tmp/$target.ini" >"$tmp/load.out" 2>&1 &
		pid=$!
		sleep "$(printf '0.%06d' "$delay_us")"
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
		st=$?
		if grep -q '^loaded big' "$tmp/load.out"; then
			done=$((done + 1))
		elif [ $st = 137 ]; then
			midway=$((midway + 1))
		else
			note "kill $i: load exited $st: $(head -3 "$tmp/load.out")"
			return 1
		fi
		# the two readers run side by side: LMDB readers never block
		"$SENTRY" policy show --db "$tmp/kill" big >"$tmp/show-now" 2>&1 &
		pid=$!
		"$SENTRY" check -q -c "$tmp/kill.ini" >"$tmp/check.out" 2>&1
		st=$?
		wait $pid
		[ $st = 0 ] || { note "kill $i: sentry check failed: $(head -3 "$tmp/check.out")"; return 1; }
		if cmp -s "$tmp/show-now" "$tmp/show-old"; then
			old=$((old + 1))
		elif cmp -s "$tmp/show-now" "$tmp/show-new"; then
			new=$((new + 1))
		else
			note "kill $i (after ${delay_us} us, loading $target): the store holds neither"
			note "$(diff "$tmp/show-now" "$tmp/show-old" | head -5)"
			return 1
		fi
	done
	echo "# $i loads killed ${load_us}x0.3..1.2 us after they started: $midway killed before they finished," \
		"$done finished first; the store held the old policy $old times, the new $new"
	expect "at least 50 kills ($i)" "$i" -ge 50 &&
	expect "some loads were killed in flight ($midway)" "$midway" -ge 10 &&
	expect "and both outcomes were seen (old $old, new $new)" "$old" -ge 1 -a "$new" -ge 1 ||
		return 1
	# a killed writer leaves LMDB's lock as it was: the next load works
	run "$SENTRY" policy load --db "$tmp/kill" "$tmp/new.ini"
	expect "a load after all the kills succeeds" $rc = 0
}

# refused WHAT DIR WHY - every entry point refuses store DIR, naming it and
# saying WHY; the daemon does not start. AS: a command prefix (setpriv ...)
refused() {
	local what=$1 dir=$2 why=$3 cfg=$tmp/bad.ini msg
	config "$cfg" "$dir"
	chmod 644 "$cfg"
	run ${AS:-} "$SENTRY" check -c "$cfg"
	expect "$what: sentry check exits 1" $rc = 1 || return 1
	[[ $out == *"$dir"*"$why"* ]] || { note "$what: check does not say '$dir: ... $why'"; return 1; }
	[[ $out != *"configuration OK"* ]] || { note "$what: check says OK"; return 1; }
	run ${AS:-} "$SENTRY" policy list --db "$dir"
	expect "$what: sentry policy list fails" $rc != 0 -a -n "$out" || return 1
	[[ $out == *"$dir"*"$why"* ]] || { note "$what: policy list does not say '$dir: ... $why'"; return 1; }
	run ${AS:-} "$SENTRY" replay --db "$dir" --policy big "$PCAP"
	expect "$what: sentry replay fails" $rc != 0 || return 1
	[[ $out == *"$dir"*"$why"* ]] || { note "$what: replay does not say '$dir: ... $why'"; return 1; }
	[[ $out != *"packets="* ]] || { note "$what: replay decided packets"; return 1; }
	rm -f "$tmp/ctl-bad.sock"
	run timeout 30 ip netns exec $P-run ${AS:-} "$SENTRY" run -c "$cfg"
	msg=$(grep -m1 'policy store' <<<"$out" | sed 's/^sentry: //')
	expect "$what: sentry run refuses to start (exit 1)" $rc = 1 || return 1
	[[ $out == *"policy store"*"$dir"*"$why"* ]] ||
		{ note "$what: run does not say 'policy store $dir: ... $why'"; return 1; }
	expect "$what: no control socket appeared" ! -e "$tmp/ctl-bad.sock" || return 1
	run ip -n $P-run link show sentry0
	expect "$what: no egress TUN was made" $rc != 0 || return 1
	echo "# $what: $msg"
}

t_missing() {
	refused "missing directory" "$tmp/nowhere" "no such directory (create the store with: sentry policy load --db $tmp/nowhere FILE.ini)" || return 1
	mkdir "$tmp/empty-dir"
	refused "directory without data.mdb" "$tmp/empty-dir" "holds no policy store (no data.mdb" || return 1
	run ls -A "$tmp/empty-dir"
	expect "nothing was created in it ($out)" -z "$out" || return 1
	run ls -d "$tmp/nowhere"
	expect "and no store was created" $rc != 0
}

t_unreadable() {
	local s=$tmp/locked
	"$SENTRY" policy load --db "$s" "$tmp/old.ini" >/dev/null || return 1
	chmod 000 "$s"
	AS="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all" \
		refused "store directory mode 000, read by nobody" "$s" "Permission denied" || return 1
	chmod 755 "$s"
	chmod 000 "$s"/*.mdb
	AS="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all" \
		refused "data.mdb and lock.mdb mode 000, read by nobody" "$s" \
		"Permission denied"
}

# dump_of DIR - a text dump of every database in an LMDB environment
dump_of() {
	mdb_dump -a "$1" 2>&1
}

t_foreign() {
	local d
	# another program's environment: one key in the main database
	d=$tmp/foreign-plain
	mkdir "$d"
	printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 68656c6c6f\n 776f726c64\nDATA=END\n' |
		mdb_load "$d" || return 1
	refused "an unrelated LMDB environment" "$d" "not a sentry policy store" || return 1
	dump_of "$d" >"$tmp/before"
	run "$SENTRY" policy load --db "$d" "$tmp/old.ini"
	expect "policy load refuses to write into it" $rc != 0 || return 1
	dump_of "$d" >"$tmp/after"
	cmp -s "$tmp/before" "$tmp/after" || { note "policy load changed the foreign environment"; return 1; }
	# sentry's layout, but schema version 99
	d=$tmp/foreign-schema
	mkdir "$d"
	mdb_load_multi "$d" || return 1
	refused "a sentry-like store of schema version 99" "$d" "not a sentry policy store" || return 1
	# random bytes where data.mdb should be
	d=$tmp/foreign-garbage
	mkdir "$d"
	head -c 65536 /dev/urandom >"$d/data.mdb"
	refused "data.mdb full of random bytes" "$d" "not a sentry policy store" || return 1
	# an empty data.mdb (a crash during creation, a truncated copy)
	d=$tmp/foreign-empty
	mkdir "$d"
	: >"$d/data.mdb"
	refused "an empty data.mdb" "$d" "not a sentry policy store" || return 1
	# a regular file where the directory should be
	d=$tmp/foreign-file
	echo "not a directory" >"$d"
	refused "a file instead of a directory" "$d" "Not a directory"
}

# mdb_load_multi DIR - sentry's named databases, schema version 99 (one
# mdb_load per database: it opens at most two at a time)
mdb_load_multi() {
	printf 'VERSION=3\nformat=print\ntype=btree\ndatabase=meta\nHEADER=END\n magic\n sentry-policy-store\n schema\n c\\00\\00\\00\nDATA=END\n' |
		mdb_load -s meta "$1" || return 1
	for db in policies rules domains cidrs; do
		printf 'VERSION=3\nformat=print\ntype=btree\ndatabase=%s\nHEADER=END\nDATA=END\n' $db |
			mdb_load -s $db "$1" || return 1
	done
}

# -------------------------------------------------------------------- main

gw_setup "store: set-up"

check "policy-load-sigkill: loads killed at random (up to $KILLS in ${BUDGET} s) leave the old or the new policy" t_kill_loop
check "store-missing: no store, no start (run, check, replay, policy list)" t_missing
check "store-unreadable: a store nobody can read is an error, not an empty store" t_unreadable
check "store-foreign: another LMDB environment, schema, random or empty data.mdb refused" t_foreign

[ "$gw_failed" = 0 ]

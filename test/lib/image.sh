# SPDX-License-Identifier: GPL-2.0-or-later
#
# image.sh - the SENTRY container's image, made the way contrib/Containerfile
# says, without a registry. Sourced after tap.sh, podman.sh and trixie.sh
# (for tree_chroot_apt).
#
# `podman build -f contrib/Containerfile` needs docker.io/library/debian:12,
# which cannot be pulled here. So the final stage of the Containerfile is
# read and carried out instruction by instruction on a directory, which
# `podman import` then makes an image of:
#
#   FROM docker.io/library/debian:12   a Debian 12 tree, debootstrap
#                                      --variant=minbase bookworm, cached in
#                                      $T_CACHE/sentry-image-bookworm
#   RUN apt-get ... install PKGS       PKGS installed in that cached tree
#                                      (the marker holds the list, so a new
#                                      list installs again)
#   COPY --from=build /src/sentry DEST $SENTRY, the binary `make stage`
#                                      installs (the build stage's
#                                      `make sentry`)
#   COPY SRC DEST                      from the source tree
#   RUN CMD (any other)                chroot DIR /bin/sh -c CMD
#   VOLUME, ENTRYPOINT, CMD, ...       podman import --change 'LINE'
#
# Any other instruction, or a FROM that is not debian:12, is an error: the
# test then fails rather than build something the Containerfile does not
# describe. So the Containerfile stays the one description of the image.

IMG_BASE=${IMG_BASE:-$T_CACHE/sentry-image-bookworm}
IMG_FROM=docker.io/library/debian:12
IMG_SUITE=bookworm
IMG_CHANGES=()	# the --change options image_make found
img_why=	# why the image could not be made

# image_stage CONTAINERFILE - the instructions of its last stage, one a
# line, continuation lines joined and comments left out
image_stage() {
	awk '
	/^[[:space:]]*#/ { next }
	/^[[:space:]]*$/ && cur == "" { next }
	{
		line = $0
		more = sub(/\\[[:space:]]*$/, "", line)
		sub(/^[[:space:]]+/, cur == "" ? "" : " ", line)
		cur = cur line
		if (more)
			next
		if (cur ~ /^FROM[[:space:]]/)
			n = 0
		out[n++] = cur
		cur = ""
	}
	END { for (i = 0; i < n; i++) print out[i] }
	' "$1"
}

# image_apt_pkgs RUN-ARGS - the packages an `apt-get install` in a RUN names
image_apt_pkgs() {
	awk '{
		for (i = 1; i <= NF; i++) {
			if ($i == "install" && $(i - 1) == "apt-get") { on = 1; continue }
			if ($i == "&&" || $i == ";") on = 0
			if (on && $i !~ /^-/) print $i
		}
	}' <<<"$1"
}

# image_base PKG... - the cached Debian 12 tree with PKG installed (each
# step said as it starts, "# image: STEP (N s)", by build_say of trixie.sh)
image_base() {
	local log=$tmp/image-base.log want="$IMG_SUITE minbase: $*"
	: >"$log"
	if [ "$(cat "$IMG_BASE/.sentry-image-base" 2>/dev/null)" = "$want" ]; then
		build_say image "Debian 12 tree $IMG_BASE with $* (cached): reused"
		return 0
	fi
	command -v debootstrap >/dev/null || { img_why="no debootstrap"; return 1; }
	mkdir -p "$T_CACHE"
	if [ ! -e "$IMG_BASE/.stage-debootstrap" ]; then
		rm -rf --one-file-system "$IMG_BASE"
		build_say image "debootstrap $IMG_SUITE into $IMG_BASE (a few minutes, once)"
		timeout 1200 debootstrap --variant=minbase "$IMG_SUITE" "$IMG_BASE" \
			"$TREE_MIRROR" >>"$log" 2>&1 || {
			img_why="debootstrap $IMG_SUITE failed: $(grep -E '^E:|Failure|failed' "$log" | tail -n 1)"
			rm -rf --one-file-system "$IMG_BASE"
			return 1
		}
		touch "$IMG_BASE/.stage-debootstrap"
	else
		build_say image "debootstrap: $IMG_BASE is there (cached): reused"
	fi
	rm -f "$IMG_BASE/.sentry-image-base"
	build_say image "packages: apt-get install $*"
	TREE=$IMG_BASE tree_chroot_apt 900 update >>"$log" 2>&1 &&
		TREE=$IMG_BASE tree_chroot_apt 1200 install -y --no-install-recommends \
			"$@" >>"$log" 2>&1 ||
		{ img_why="apt-get install $* failed: $(grep -E '^E:' "$log" | tail -n 1)"; return 1; }
	# as the Containerfile's `rm -rf /var/lib/apt/lists/*` does
	TREE=$IMG_BASE tree_chroot_apt 300 clean >>"$log" 2>&1
	rm -rf "$IMG_BASE"/var/lib/apt/lists/*
	echo "$want" >"$IMG_BASE/.sentry-image-base"
}

# image_copy SRC DEST DIR - COPY SRC DEST into the tree DIR, as podman
# build does: a directory's contents go into DEST
image_copy() {
	local src=$1 dest=$2 dir=$3
	if [ -d "$src" ]; then
		mkdir -p "$dir/$dest" && cp -a "$src/." "$dir/$dest/"
	else
		case "$dest" in */) dest=$dest$(basename "$src") ;; esac
		install -D -m "$(stat -c %a "$src")" "$src" "$dir/$dest"
	fi
}

# image_make CONTAINERFILE TOP DIR - carry out the Containerfile's last
# stage into DIR (a fresh copy of the cached tree), with sources from TOP.
# Sets IMG_CHANGES; on failure img_why says why.
image_make() {
	local cf=$1 top=$2 dir=$3 line word rest pkgs=() args
	local -a stage
	mapfile -t stage < <(image_stage "$cf")
	IMG_CHANGES=()
	[ "${stage[0]:-}" = "FROM $IMG_FROM" ] || {
		img_why="the Containerfile's last stage is '${stage[0]:-}', this test makes '$IMG_FROM' only"
		return 1
	}
	for line in "${stage[@]}"; do
		[[ $line == RUN* ]] && pkgs+=($(image_apt_pkgs "${line#RUN }"))
	done
	image_base "${pkgs[@]}" || return 1
	build_say image "copying the cached tree, then the Containerfile's $((${#stage[@]} - 1)) instructions"
	rm -rf --one-file-system "$dir"
	cp -a "$IMG_BASE" "$dir" || { img_why="could not copy $IMG_BASE"; return 1; }
	rm -f "$dir"/.stage-* "$dir"/.sentry-*
	for line in "${stage[@]:1}"; do
		word=${line%% *}
		rest=${line#* }
		note "Containerfile: $line"
		case "$word" in
		RUN)
			# the apt-get step is in the cached tree already
			[[ $rest == *"apt-get install"* ]] && continue
			chroot "$dir" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
				/bin/sh -c "$rest" >>"$tmp/image.log" 2>&1 ||
				{ img_why="RUN $rest failed in the image: $(tail -n 2 "$tmp/image.log" | tr '\n' ' ')"; return 1; }
			;;
		COPY)
			read -r -a args <<<"$rest"
			if [ "${args[0]}" = --from=build ]; then
				[ "${args[1]}" = /src/sentry ] && [ ${#args[@]} = 3 ] ||
					{ img_why="unknown COPY from the build stage: $line"; return 1; }
				install -D -m 0755 "$SENTRY" "$dir/${args[2]}"
			else
				[ ${#args[@]} = 2 ] && [ -e "$top/${args[0]}" ] ||
					{ img_why="cannot COPY: $line"; return 1; }
				image_copy "$top/${args[0]}" "${args[1]}" "$dir"
			fi || { img_why="failed: $line"; return 1; }
			;;
		VOLUME | ENTRYPOINT | CMD | ENV | WORKDIR | USER | LABEL | EXPOSE | STOPSIGNAL)
			IMG_CHANGES+=(--change "$line")
			;;
		*)
			img_why="image.sh does not know the Containerfile's '$word': $line"
			return 1
			;;
		esac
	done
}

# image_tar CONTAINERFILE TOP OUT - OUT: a tarball of the image's tree, for
# `podman import "${IMG_CHANGES[@]}" OUT NAME`
image_tar() {
	local rc
	build_begin
	image_tar_steps "$@"
	rc=$?
	if [ $rc = 0 ]; then
		build_say image "ready"
	else
		build_say image "failed: $img_why"
	fi
	build_end
	return $rc
}

image_tar_steps() {
	local dir=$tmp/image-tree
	image_make "$1" "$2" "$dir" || return 1
	build_say image "tar of the image tree"
	tar -C "$dir" --numeric-owner -cf "$3" . ||
		{ img_why="tar of the image tree failed"; return 1; }
	rm -rf --one-file-system "$dir"
}

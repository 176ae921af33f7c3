# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# stage.sh - a bench script says each stage as it starts, so whoever waits
# on `make bench` (many minutes) sees where it is:
#   bench: stage 3/5: net (at 41 s)             test/bench/run, its sections
#   bench: net: stage 4/12: TCP, ... (at 95 s)  inside a section's script
# with the seconds since that script began. No timing is checked: the
# figures go to the results files. Sourced, not run.

STAGE_WHO='' STAGE_N=0 STAGE_M=0 STAGE_T0=$SECONDS

# stage_init WHO COUNT - WHO: "" for run, else the section; COUNT: how
# many stages this run of the script will have
stage_init() {
	STAGE_WHO=$1 STAGE_M=$2 STAGE_N=0 STAGE_T0=$SECONDS
}

# stage TEXT - the next stage starts
stage() {
	STAGE_N=$((STAGE_N + 1))
	echo "bench: ${STAGE_WHO:+$STAGE_WHO: }stage $STAGE_N/$STAGE_M: $* (at $((SECONDS - STAGE_T0)) s)"
}

#!/usr/bin/env bash
# run --shard-of I/N and --shards-total N: bad values are usage errors (exit 2) naming the option,
# before any socket is opened.
source "$(dirname "$0")/lib.sh"
SCEN=$SRC/scenarios/basic_call.lua

run run "$SCEN" --shard-of 2/2 --calls 1
expect_status 2
expect_err "index must be below the total"
run run "$SCEN" --shard-of one/2 --calls 1
expect_status 2
expect_err "--shard-of expects I/N"
run run "$SCEN" --shard-of 0/2 --shards-total 3 --calls 1
expect_status 2
expect_err "disagree"
env -u JOB_COMPLETION_INDEX "$SIPSTORM" run "$SCEN" --shards-total 2 --calls 1 >"$TMP/out" 2>"$TMP/err"
status=$?
expect_status 2
expect_err "JOB_COMPLETION_INDEX"
JOB_COMPLETION_INDEX=x "$SIPSTORM" run "$SCEN" --shards-total 2 --calls 1 >"$TMP/out" 2>"$TMP/err"
status=$?
expect_status 2
expect_err "JOB_COMPLETION_INDEX is not a number"
run run "$SCEN" --shard-of 1/2 --concurrent 1 --calls 1
expect_status 2
expect_err "--concurrent is below the number of shards"
run merge
expect_status 2
run merge "$SRC/README.md" -o "$TMP/m.json"
expect_status 2
expect_err "is not valid JSON"
finish

#!/usr/bin/env bash
# A bare scenario name on run/serve finds the ready scenarios from any directory, `sipstorm scenarios`
# lists them, and a scenario outside the tree can `require "sipstorm"` (the installed or source lua/).
source "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

run scenarios --names
expect_status 0
expect_out "^basic_call.lua$"
expect_out "^answer.lua$"
run scenarios
expect_status 0
expect_out "^ready scenarios in .*/scenarios:$"
expect_out "^  basic_call.lua +one basic call as a UAC"

run run basic_call.lua --calls 5 --rate 100 -q
expect_status 0
expect_out "^calls: 5 attempted, 5 succeeded, 0 failed"
run run basic_call --calls 5 --rate 100 -q  # .lua may be left out
expect_status 0
run run no_such_scenario.lua --calls 1
expect_status 2
expect_err "cannot read scenario 'no_such_scenario.lua'"

cp "$SRC/scenarios/answer.lua" "$TMP/my_uas.lua"  # it does require "sipstorm"; no lua/ next to it
run run basic_call.lua --uas "$TMP/my_uas.lua" --calls 5 --rate 100 -q
expect_status 0
expect_out "^calls: 5 attempted, 5 succeeded"
finish

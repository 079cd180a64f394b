# A scenario's own gates = {...} are judged like --gate: a failing one gives exit 4, a bad one is a
# usage error naming the scenario file.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
mkdir -p "$TMP/scenarios" "$TMP/lua"
cp "$SRC/lua/"*.lua "$TMP/lua/"
sed 's/^  params = { service = "service", hold = "0" },/&\n  gates = { "failed_calls == 0", "p99(setup_ms) < 0.000001" },/' \
  "$SRC/scenarios/basic_call.lua" > "$TMP/scenarios/gated.lua"
grep -q "gates = " "$TMP/scenarios/gated.lua" || { fail "could not add gates to the scenario"; finish; }
run run "$TMP/scenarios/gated.lua" --calls 20 --rate 100 -q
expect_status 4
expect_out "FAIL +p99\\(setup_ms\\)"
sed -i 's/p99(setup_ms) < 0.000001/p99(setp_ms) < 1/' "$TMP/scenarios/gated.lua"
run run "$TMP/scenarios/gated.lua" --calls 20 --rate 100 -q
expect_status 2
expect_err "gated.lua: gates:"
finish

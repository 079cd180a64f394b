# --inf, --inf-names and --auth: bad input is one clear line on stderr and exit 2, before any call.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
REG=$SRC/scenarios/register.lua

printf 'SEQUENTIAL\nalice;pw1\nbob;pw2;extra\n' >"$TMP/bad.csv"
run run "$REG" --inf "$TMP/bad.csv" --calls 1
expect_status 2
expect_err "bad\.csv:3: 3 fields, expected 2"

printf 'SOMETIMES\nalice;pw1\n' >"$TMP/mode.csv"
run run "$REG" --inf "$TMP/mode.csv" --calls 1
expect_status 2
expect_err "mode\.csv:1:"

run run "$REG" --inf "$TMP/none.csv" --calls 1
expect_status 2
expect_err "none\.csv"

printf 'SEQUENTIAL\nalice;pw1\n' >"$TMP/users.csv"
run run "$REG" --inf "$TMP/users.csv" --set 'user=${field5}' --calls 1
expect_status 2
expect_err "register\.lua:[0-9]+: .*field5"

run run "$REG" --inf "$TMP/users.csv" --inf-names 'user,password,third' --calls 1
expect_status 2
expect_err "--inf-names"

run run "$REG" --inf-names user --calls 1
expect_status 2
expect_err "--inf-names needs --inf"

run run "$REG" --auth alice --calls 1
expect_status 2
expect_err "--auth expects USER:PASSWORD"

# Names work: the registration runs against the built-in registrar.
run run "$REG" --inf "$TMP/users.csv" --inf-names user,password --set 'user=${users.user}' --calls 1 --rate 10 -q
expect_status 0
expect_out "1 succeeded"
finish

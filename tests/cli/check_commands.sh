# tools/check_commands.py: every external command of the scripts under tests/, bench/, tools/ and .ci/
# comes from a package tools/setup.sh installs. The real tree must pass; a made-up tree must fail,
# naming each missing command and its package (ethtool, as it was before setup.sh installed it), and
# must pass once the package is in PACKAGES. Builtins, functions, variables and heredocs are not
# commands; wrappers (timeout, ip netns exec, env) and `need CMD PACKAGE` are looked through.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
CHECK=$SRC/tools/check_commands.py

check() {
    python3 "$CHECK" "$@" >"$TMP/out" 2>"$TMP/err"
    status=$?
    echo "\$ check_commands.py $* -> exit $status"
    sed 's/^/  out: /' "$TMP/out"
    sed 's/^/  err: /' "$TMP/err"
}

check
expect_status 0
expect_out "^check_commands: all [0-9]+ external commands come from packages tools/setup.sh installs$"

check --list
expect_status 0
expect_out "^  ethtool +ethtool +in PACKAGES +tests/integration/"
expect_out "^  python3 +python3-minimal +a dependency of a package in PACKAGES"
expect_out "^  grep +grep +base system \(Essential\)"
expect_out "^  awk +mawk +base system \(Priority required\)"
expect_out "^  npm +.* manual "

fx=$TMP/fixture
mkdir -p "$fx/tools" "$fx/tests/integration"
cp "$SRC/tests/need.sh" "$fx/tests/"
setup() {
    printf '#!/usr/bin/env bash\nPACKAGES=(\n  python3 %s\n)\n' "$1" >"$fx/tools/setup.sh"
}
printf 'import subprocess\nsubprocess.run(["tcpdump", "-c", "1"])\n' >"$fx/tools/cap.py"
cat >"$fx/tests/integration/t.sh" <<'SH'
#!/usr/bin/env bash
helper() { echo hi; }
helper
need sipp sip-tester
ip netns exec "$NS" ethtool -K veth0 tx off
X=$(timeout -s INT 5 env A=1 nstat -az | grep -c Udp)
"${KAMAILIO:-kamailio}" -f cfg &
trap 'rm -rf "$WORK"' EXIT
"$SIPSTORM" run x.lua
python3 - <<'PY'
import subprocess  # a heredoc: not shell, but Python that may start programs
print("curl is not a command here")
subprocess.check_output(["strace", "-V"])
PY
no_such_tool_zz --help
SH
setup ""
check --root "$fx"
expect_status 1
expect_err "^check_commands: 8 command\(s\) used by the scripts"
expect_err "^  ethtool \(package ethtool: .*not in PACKAGES\), used in tests/integration/t.sh:5$"
expect_err "^  ip \(package iproute2: .*used in tests/integration/t.sh:5$"
expect_err "^  kamailio \(package kamailio: .*used in tests/integration/t.sh:7$"
expect_err "^  nstat \(package iproute2: .*used in tests/integration/t.sh:6$"
expect_err "^  sipp \(package sip-tester: .*used in tests/integration/t.sh:4$"
expect_err "^  tcpdump \(package tcpdump: .*used in tools/cap.py:2$"
expect_err "^  strace \(package strace: .*used in tests/integration/t.sh:13$"
expect_err "^  no_such_tool_zz \(package \?: not installed here and not in the table KNOWN"
grep -Eq "curl|helper|subprocess|SIPSTORM|  rm |  grep |timeout|  env " "$TMP/err" &&
    fail "a builtin, function, heredoc word, variable or base-system command was reported"

sed -i '/no_such_tool_zz/d' "$fx/tests/integration/t.sh"
setup "iproute2 ethtool kamailio sip-tester tcpdump strace"
check --root "$fx"
expect_status 0
expect_out "^check_commands: all 12 external commands come from packages tools/setup.sh installs$"
finish

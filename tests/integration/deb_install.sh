#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` builds it, `dpkg -i` installs it on this machine, and the installed
# sipstorm works from a directory outside the source tree: `sipstorm run basic_call.lua --calls 100`
# finds the installed scenario by its bare name, a scenario elsewhere can `require "sipstorm"`, `man
# sipstorm` renders and bash completion offers commands, options and the installed scenarios. The
# package is removed again at the end (unless it was installed before). Needs root (dpkg): exits 77
# (skipped) otherwise.
source "$(dirname "$0")/lib.sh"
BUILD=${BUILD:?set BUILD to the build tree}
need cpack cmake
need man man-db
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: dpkg -i needs root"
  exit 77
fi

cmake --build "$BUILD" --target sipstorm sipstorm_docs >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "build"; }
(cd "$BUILD" && cpack -G DEB -B "$WORK/pkg") >"$WORK/cpack.log" 2>&1 || { cat "$WORK/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$WORK"/pkg/sipstorm_*.deb)
echo "built $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
dpkg-deb -f "$deb" Depends | grep -q "liblua5.4-0" || fail "the package does not depend on liblua5.4-0"

was_installed=$(dpkg-query -W -f='${Status}' sipstorm 2>/dev/null | grep -c "install ok installed" || true)
remove() { [ "$was_installed" = 1 ] || dpkg -r sipstorm >/dev/null 2>&1 || true; cleanup; }
trap remove EXIT
dpkg -i "$deb" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -i"; }
for f in /usr/bin/sipstorm /usr/share/sipstorm/scenarios/basic_call.lua /usr/share/sipstorm/lua/sipstorm.lua \
  /usr/share/man/man1/sipstorm.1.gz /usr/share/bash-completion/completions/sipstorm; do
  [ -e "$f" ] || fail "not installed: $f"
done

# From a directory with no scenarios in it, with nothing pointing at the source tree.
mkdir "$WORK/elsewhere"
cd "$WORK/elsewhere"
unset SIPSTORM_DATA_DIR
/usr/bin/sipstorm scenarios | grep -q "^ready scenarios in /usr/share/sipstorm/scenarios:" ||
  fail "the installed sipstorm does not use /usr/share/sipstorm"
/usr/bin/sipstorm run basic_call.lua --calls 100 --rate 200 -q --out r.json >run.log 2>&1 ||
  { cat run.log; fail "sipstorm run basic_call.lua --calls 100: exit code $?"; }
[ "$(json r.json 'r["calls"]["succeeded"]')" = 100 ] || fail "not all 100 calls succeeded"
[ "$(json r.json 'r["scenario"]')" = /usr/share/sipstorm/scenarios/basic_call.lua ] || fail "scenario path"
# A scenario of one's own, anywhere, using the installed helpers (answer.lua does require "sipstorm").
cp /usr/share/sipstorm/scenarios/answer.lua my_uas.lua
/usr/bin/sipstorm run basic_call --uas ./my_uas.lua --calls 20 --rate 100 -q --out r2.json >run2.log 2>&1 ||
  { cat run2.log; fail "a scenario outside the tree with require \"sipstorm\": exit code $?"; }
[ "$(json r2.json 'r["calls"]["succeeded"]')" = 20 ] || fail "own UAS scenario: not all calls succeeded"
echo "PASS the installed sipstorm runs basic_call.lua from $PWD"

MANPAGER=cat MANWIDTH=100 man sipstorm >man.txt 2>man.err || { cat man.err; fail "man sipstorm"; }
grep -q "^SIPSTORM(1)" man.txt && grep -q "sipstorm merge" man.txt && grep -q -- "--shard-of" man.txt ||
  fail "man sipstorm does not render the commands and options"
echo "PASS man sipstorm: $(wc -l <man.txt) lines"

complete_words() {
  # The completion function is called through a variable: it is defined by the sourced file.
  bash -c 'source /usr/share/bash-completion/completions/sipstorm; complete_fn=_sipstorm
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); "$complete_fn"; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
complete_words sipstorm me | grep -qx merge || fail "completion: commands"
complete_words sipstorm run --shard | grep -qx -- --shard-of || fail "completion: run's options"
complete_words sipstorm run basic | grep -qx basic_call.lua || fail "completion: installed scenarios"
complete_words sipstorm serve answer_b | grep -qx answer_busy.lua || fail "completion: serve's scenarios"
echo "PASS bash completion: commands, options, installed scenarios"

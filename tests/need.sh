# need COMMAND PACKAGE: fails (exit 1) naming the Debian package when COMMAND is not installed. A test
# never skips a step for a missing tool: tools/setup.sh installs every one, and tools/check_commands.py
# checks that PACKAGE is in its list. Sourced by the test libraries and the benchmarks.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "FAIL: $1 is not installed: apt-get install $2 (tools/setup.sh installs it)" >&2
  exit 1
}

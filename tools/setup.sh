#!/usr/bin/env bash
# Installs every Debian package that sipstorm's build, tests and benchmarks need.
# Idempotent: does nothing (and needs no network) when they are all present.
# Every program a test, benchmark or script runs must come from a package listed here (or from the
# Debian base system): tools/check_commands.py checks it in CI and lists any that is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
  libfmt-dev libboost-program-options-dev libgtest-dev libgmock-dev libbenchmark-dev
  liblua5.4-dev nlohmann-json3-dev libssl-dev libpcap-dev dpdk-dev libdpdk-dev
  libsofia-sip-ua-dev libosip2-dev libexpat1-dev
  sip-tester kamailio kamailio-tls-modules baresip-core sipsak tshark iproute2 ethtool procps util-linux python3 python3-yaml
  shfmt openssl prometheus man-db
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"

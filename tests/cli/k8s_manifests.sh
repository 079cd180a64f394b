#!/usr/bin/env bash
# tools/k8s: the manifests validate offline against the Kubernetes object schema they use
# (tools/k8s/validate.py: they parse, kinds and fields exist with their types, the Indexed Job's
# completion index reaches `--shard-of I/N` and the result file name); the load pod's command line, as
# the kubelet expands it for an index, runs here with the ConfigMap's own scenario and users.csv; and the
# Containerfile builds where a container runtime works, else is validated as text (with a message).
source "$(dirname "$0")/lib.sh"
need python3 python3
K8S=$SRC/tools/k8s

python3 "$K8S/validate.py" "$K8S" >"$TMP/validate.out" 2>&1 || { cat "$TMP/validate.out"; fail "validate.py"; }
cat "$TMP/validate.out"
# A broken copy is caught: a misspelt field, and a --shard-of total that disagrees with completions.
mkdir "$TMP/bad1" "$TMP/bad2"
cp "$K8S"/*.yaml "$TMP/bad1/"
cp "$K8S"/*.yaml "$TMP/bad2/"
sed -i 's/completionMode: Indexed/completionMod: Indexed/' "$TMP/bad1/job.yaml"
sed -i 's|--shard-of=$(JOB_COMPLETION_INDEX)/4|--shard-of=$(JOB_COMPLETION_INDEX)/3|' "$TMP/bad2/job.yaml"
python3 "$K8S/validate.py" "$TMP/bad1" >"$TMP/bad1.out" 2>&1 && fail "a misspelt field passed"
grep -q "completionMod: no such field" "$TMP/bad1.out" || { cat "$TMP/bad1.out"; fail "misspelt field not named"; }
python3 "$K8S/validate.py" "$TMP/bad2" >"$TMP/bad2.out" 2>&1 && fail "a wrong --shard-of total passed"
grep -q -- "--shard-of .../3 but completions 4" "$TMP/bad2.out" || { cat "$TMP/bad2.out"; fail "wrong total not named"; }

# The command line of pod 1, expanded; run here with the ConfigMap's files, against the built-in UAS.
mkdir "$TMP/etc" "$TMP/results"
python3 - "$K8S/configmap.yaml" "$TMP/etc" <<'PY' || fail "extract the ConfigMap"
import sys, yaml
cm = yaml.safe_load(open(sys.argv[1]))
for name, text in cm["data"].items():
    open(f"{sys.argv[2]}/{name}", "w").write(text)
PY
read -r -a args < <(python3 "$K8S/validate.py" "$K8S" --print-args 1)
echo "pod 1 runs: sipstorm ${args[*]}"
local_args=()
for a in "${args[@]}"; do
  case $a in
    --target=* | --metrics=* | --metrics-linger=* | --rate=* | --duration=*) ;;  # no PBX, no metrics here
    *) a=${a//\/etc\/sipstorm/$TMP/etc}; local_args+=("${a//\/results/$TMP/results}") ;;
  esac
done
run "${local_args[@]}" --rate 40 --calls 8 -q
expect_status 0
[ -f "$TMP/results/shard-1.json" ] || fail "pod 1 did not write /results/shard-1.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["shard_of"] == {"index": 1, "total": 4}, r["shard_of"]; assert r["calls"]["succeeded"] == 2, r["calls"]' \
  "$TMP/results/shard-1.json" || fail "pod 1's result: not shard 1/4 with its 2 of 8 calls"

# The Containerfile: Debian 12 stages, packages only from Debian's apt, the project built inside.
CF=$K8S/Containerfile
[ "$(grep -c '^FROM debian:12' "$CF")" = 2 ] || fail "Containerfile: both stages must be FROM debian:12"
grep -Eq '(curl|wget|pip3? install|npm|git clone|ADD https?:)' "$CF" && fail "Containerfile downloads outside apt"
grep -q 'cmake --build build --target sipstorm' "$CF" && grep -q 'cpack -G DEB' "$CF" || fail "Containerfile: no build"
grep -q 'apt-get install -y --no-install-recommends /tmp/sipstorm_\*.deb' "$CF" || fail "Containerfile: .deb not installed"
grep -q '^ENTRYPOINT \["sipstorm"\]' "$CF" || fail "Containerfile: entrypoint"
# Every package it installs exists in Debian 12 (the local apt lists).
packages=$(python3 - "$CF" <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
for m in re.finditer(r"apt-get install -y --no-install-recommends ([^&]*)", text):
    print(" ".join(w for w in m.group(1).split() if not w.startswith("/")))
PY
)
[ -n "$packages" ] || fail "Containerfile: no apt-get install found"
echo "Containerfile installs from Debian: $packages" | tr "\n" " "; echo
for p in $packages; do
  apt-cache show "$p" >/dev/null 2>&1 || fail "Containerfile: $p is not a Debian package"
done
# check_commands: manual podman (optional by design: the image is built only where a runtime works)
if command -v podman >/dev/null 2>&1 && podman info >/dev/null 2>&1; then
  podman build -f "$CF" -t sipstorm:test "$SRC" >"$TMP/podman.log" 2>&1 || { tail -20 "$TMP/podman.log"; fail "podman build"; }
  echo "container image built with podman"
else
  echo "SKIP container build: no working container runtime here (podman missing or 'podman info' fails); the Containerfile was validated as text"
fi
finish

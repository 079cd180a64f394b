# The per-second series is exact: every shard counts each event into the second it happened in and
# the rows are merged by second, so each per-second column adds up to its total in the result file
# (2 shards, a UAC and the built-in UAS, a few thousand calls a second).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

run run "$SRC/scenarios/basic_call.lua" --rate 2000 --duration 3 --shards 2 -q --out "$TMP/r.json"
expect_status 0
python3 - "$TMP/r.json" <<'PY' || fail "the series does not add up to the totals"
import json, sys
r = json.load(open(sys.argv[1]))
rows = r["series"]
assert len(rows) >= 3, f"only {len(rows)} rows"
def total(key):
    return sum(row[key] for row in rows)
checks = {
    "attempted": r["calls"]["attempted"],
    "succeeded": r["calls"]["succeeded"],
    "failed": r["calls"]["failed"],
    "retransmissions": r["retransmissions"]["total"],
    "unexpected": r["messages"]["unexpected"],
    "parse_errors": r["messages"]["parse_errors"],
    "setup_count": r["histograms"]["setup_us"]["count"],
    "rx_drops": r["generator"]["rx_drops"],
    "tx_errors": r["generator"]["tx_errors"],
}
bad = [f"{k}: rows add up to {total(k)}, total {v}" for k, v in checks.items() if total(k) != v]
for reason, v in r["calls"]["failed_by_reason"].items():
    got = sum(row["failed_by_reason"][reason] for row in rows)
    if got != v:
        bad.append(f"failed_by_reason.{reason}: {got} vs {v}")
for way in ("in", "out"):
    for kind in ("requests", "responses"):
        for name, v in r["messages"][way][kind].items():
            got = sum(row["messages"][way][kind].get(name, 0) for row in rows)
            if got != v:
                bad.append(f"messages.{way}.{kind}.{name}: {got} vs {v}")
ts = [row["t"] for row in rows]
if ts != sorted(ts) or len(set(ts)) != len(ts):
    bad.append(f"rows not one per second in order: {ts}")
# Each whole second of the steady part holds that second's calls (2000, uniform arrivals): with
# snapshots of different ages one shard's second would land in the next row (1000, 3000, ...). Rows
# where the generator itself lagged are left out, since their calls really started late.
for row in rows[1:-2]:
    if row["lag_max_ms"] < 50 and abs(row["interval_s"] - 1) < 1e-6 and abs(row["attempted"] - 2000) > 500:
        bad.append(f"second {row['t']}: {row['attempted']} calls started, expected about 2000")
if r["calls"]["attempted"] < 5000:
    bad.append(f"only {r['calls']['attempted']} calls: not under load")
print("\n".join(bad) if bad else f"{len(rows)} rows add up to every total ({r['calls']['attempted']} calls)")
sys.exit(1 if bad else 0)
PY
finish

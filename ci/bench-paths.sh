#!/usr/bin/env bash
# Path-versus-baseline benchmark: runs `netlab check LAB --perf` on a running lab and prints, for every
# path that measured, its bulk TCP throughput and request/response latency beside the same figures
# between two plain network namespaces on this host (the baseline), as ratios. Also records the
# catalogue's wall time. Needs root (the baseline builds namespaces) and a lab made by `netlab up`.
#
#   bash ci/bench-paths.sh LAB [extra netlab check flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
lab=${1:?usage: ci/bench-paths.sh LAB [netlab check flags]}
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
go run ./cmd/netlab check "$lab" --perf --concurrency 1 -o json "$@" >"$out" || status=$?
if [ ! -s "$out" ]; then
	echo "bench-paths: netlab check wrote no report (exit $status); its error is above" >&2
	exit "$status"
fi
python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"lab {r['lab']}: catalogue wall time {r['seconds']:.1f} s (with --perf, concurrency 1)")
print(f"{'path':32} {'cluster':14} {'Gbit/s':>7} {'base':>7} {'ratio':>6} {'p50 µs':>8} {'base':>7} {'ratio':>6} {'p99 µs':>8} {'base':>7} {'ratio':>6}")
for x in r['results']:
    m = {p['name']: p for p in x.get('perf', [])}
    if not m:
        continue
    def f(name):
        p = m.get(name)
        return (p['value'], p.get('baseline', 0), p.get('ratio', 0)) if p else (0, 0, 0)
    b, p50, p99 = f('bulk TCP'), f('latency p50'), f('latency p99')
    print(f"{x['path']:32} {x.get('cluster','-'):14} {b[0]:7.2f} {b[1]:7.2f} {b[2]:6.2f} {p50[0]:8.1f} {p50[1]:7.1f} {p50[2]:6.2f} {p99[0]:8.1f} {p99[1]:7.1f} {p99[2]:6.2f}")
PY
exit "$status"

#!/usr/bin/env bash
# Probe-versus-iperf3 benchmark: runs BenchmarkProbeVsIperf3 (probe/bench_linux_test.go)
# once per pinning mode and prints one Markdown table row per run, as in docs/probe.md. Each run
# is ROUNDS interleaved pairs of streams (probe, iperf3, then iperf3, probe, ...) on one veth pair
# between two network namespaces, with the same congestion control, write/read length, stream
# length and omitted start for both tools, plus the baseline request/response latency.
# It measures and reports; it does not fail on disagreement (see docs/probe.md).
#
#   sudo bash ci/bench-probe.sh [ROUNDS [PIN...]]     # PIN: none, same, split; default: none same
#
# Environment: NETLAB_BENCH_SECONDS (3), NETLAB_BENCH_OMIT (1), NETLAB_BENCH_CC (cubic),
# NETLAB_BENCH_RR_SECONDS (1) and NETLAB_BENCH_RATE (unset: no shaping; e.g. 5gbit: a tbf qdisc at
# that rate on the client's veth, so both tools measure a path with a bottleneck of its own) are passed on; NETLAB_BENCH_WAIT_IDLE=S waits up to S seconds
# before each run for a 1-minute load average below 1 and no running kind nodes; NETLAB_BENCH_OUT
# names a directory to keep the JSON of every run in.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-9}
shift || true
pins=("$@")
[ "${#pins[@]}" -gt 0 ] || pins=(none same)
[ "$(id -u)" = 0 ] || { echo "bench-probe: needs root (network namespaces)" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "bench-probe: needs iperf3 (ci/setup.d/10-packages.sh)" >&2; exit 2; }
out=${NETLAB_BENCH_OUT:-$(mktemp -d)}
mkdir -p "$out"

kind_nodes() {
	command -v docker >/dev/null || { echo 0; return; }
	local n
	n=$(docker ps --filter label=io.x-k8s.kind.cluster -q 2>/dev/null | wc -l) || true
	echo "${n:-0}"
}
wait_idle() {
	local limit=${NETLAB_BENCH_WAIT_IDLE:-0} waited=0
	while [ "$waited" -lt "$limit" ]; do
		if awk '{exit !($1 < 1.0)}' /proc/loadavg && [ "$(kind_nodes)" -eq 0 ]; then
			return
		fi
		sleep 10
		waited=$((waited + 10))
	done
}

echo "| streams | cc | shaped to | pinning | probe median Gbit/s | iperf3 median Gbit/s | ratio of medians | paired ratio median (range) | rounds within 10 % | median within 10 % | baseline rr p50 / p99 µs | veth-rate ratio | probe bytes / veth rx bytes | load (1 min) before → after |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
before=$(ip netns list | grep -c '^netlab-' || true)
status=0
for pin in "${pins[@]}"; do
	case $pin in none) p= ;; same | split) p=$pin ;; *) echo "bench-probe: pin $pin: want none, same or split" >&2; exit 2 ;; esac
	wait_idle
	kind=$(kind_nodes)
	json="$out/probe-vs-iperf3-$pin-$(date -u +%Y%m%dT%H%M%SZ).json"
	log="${json%.json}.log"
	if ! NETLAB_BENCH_PIN=$p NETLAB_BENCH_JSON=$json CI=true \
		go test -count=1 -run XXX -bench 'ProbeVsIperf3$' -benchtime="${rounds}x" -timeout 30m ./probe/ >"$log" 2>&1; then
		echo "bench-probe: pin $pin failed; log: $log" >&2
		tail -20 "$log" >&2
		status=1
		continue
	fi
	grep -E 'round|rounds,' "$log" | sed 's/^ *bench_linux_test.go:[0-9]*: /  /' >&2
	python3 - "$json" "$pin" "$kind" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c = s["config"]
print(f"| {len(s['rounds'])} × ({c['omitSeconds']:g}+{c['seconds']:g}) s | {c['congestion']} | {c.get('rate') or '–'} | {sys.argv[2]} "
      f"| {s['probeMedianGbps']:.1f} | {s['iperf3MedianGbps']:.1f} | {s['ratioOfMedians']:.3f} "
      f"| **{s['pairedRatioMedian']:.3f}** ({s['pairedRatioMin']:.2f}–{s['pairedRatioMax']:.2f}) "
      f"| {s['roundsWithin10Percent']}/{len(s['rounds'])} | {'yes' if s['agreeWithin10Percent'] else 'no'} "
      f"| {s['rrP50UsMedian']:.1f} / {s['rrP99UsMedian']:.1f} | {s['vethRatioMedian']:.3f} | {s['kernelRatioMedian']:.4f} "
      f"| {s['loadavgBefore'].split()[0]} → {s['loadavgAfter'].split()[0]}, kind nodes {sys.argv[3]} |")
PY
done
# The benchmark deletes its pair; other jobs on a shared machine may have namespaces of their own.
after=$(ip netns list | grep -c '^netlab-' || true)
[ "$after" -le "$before" ] || echo "bench-probe: netlab-* namespaces: $before before, $after after (another job's, or left behind?)" >&2
echo "bench-probe: JSON and logs in $out" >&2
exit "$status"

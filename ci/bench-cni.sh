#!/usr/bin/env bash
# On demand: for Flannel, Calico on iptables and Calico on nftables, one after another in one run,
# a one-cluster, two-node lab's 'netlab up' time (and its clusters and cni steps) and its
# pod-to-pod/cross-node bulk TCP throughput beside the host's two-namespace baseline, printed as a
# Markdown table with ratios. Uses the netlab CLI (the baseline runs the netlab binary itself).
# Needs root, Docker and the hermetic images with Calico's (ci/setup.d/20-docker.sh,
# ci/images/build.sh calico). Not part of ci/test: three labs, about 10 minutes here.
#
#   bash ci/bench-cni.sh
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(go run ./ci/images/versions | grep '^NODE_IMAGE=')"
work=$(mktemp -d)
export NETLAB_STATE_DIR=$work/state
trap 'for l in flannel calico calico-nft; do "$work/netlab" down bench-$l >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT
go build -o "$work/netlab" ./cmd/netlab

printf '| CNI, data plane | up | clusters step | cni step | derived node image built in this run | cross-node Gbit/s | host baseline | ratio to baseline | up ratio to Flannel |\n|---|---|---|---|---|---|---|---|---|\n'
flannel_up=
for v in flannel:flannel:iptables calico:calico:iptables calico-nft:calico:nftables; do
	IFS=: read -r name cni proxy <<<"$v"
	cat >"$work/$name.yaml" <<SCENARIO
apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata:
  name: bench-$name
vpcs:
  - name: vpc
    cidr: 10.243.0.0/16
clusters:
  - name: c1
    workers: 1
    cni: {type: $cni, mode: vxlan}
    kubeProxy: {mode: $proxy}
SCENARIO
	before=$(docker images -q netlab.local/node-derived | wc -l)
	rc=0
	("$work/netlab" up "$work/$name.yaml" --offline --node-image "$NODE_IMAGE" --kubeconfig "$work/kubeconfig" \
		--path pod-to-pod/cross-node --perf --concurrency 1 -o json >"$work/$name.json" 2>"$work/$name.log") || rc=$?
	after=$(docker images -q netlab.local/node-derived | wc -l)
	cp "$NETLAB_STATE_DIR/labs/bench-$name/state.json" "$work/$name.state.json" 2>/dev/null || true
	"$work/netlab" down "bench-$name" >/dev/null 2>&1 || echo "bench-cni: down bench-$name failed" >&2
	if [ "$rc" != 0 ]; then
		echo "bench-cni: up bench-$name exited $rc; its log:" >&2
		tail -20 "$work/$name.log" >&2
		exit 1
	fi
	row=$(python3 - "$work/$name.json" "$work/$name.state.json" "$cni/vxlan, kube-proxy $proxy" "$([ "$after" -gt "$before" ] && echo yes || echo no)" "${flannel_up:-0}" <<'PY'
import json, sys
from datetime import datetime
r = json.load(open(sys.argv[1]))
steps = {}
try:
    for s in json.load(open(sys.argv[2]))["steps"]:
        if s.get("finished"):
            t = lambda v: datetime.fromisoformat(v.replace("Z", "+00:00"))
            steps[s["name"]] = (t(s["finished"]) - t(s["started"])).total_seconds()
except OSError:
    pass
bulk = {}
for x in r.get("checks", {}).get("results", []):
    for m in x.get("perf", []):
        if m["name"] == "bulk TCP":
            bulk = m
up = r["seconds"]
flannel = float(sys.argv[5]) or up
print(f"| {sys.argv[3]} | {up:.1f} s | {steps.get('clusters', 0):.1f} s | {steps.get('cni', 0):.1f} s | {sys.argv[4]} | "
      f"{bulk.get('value', 0):.2f} | {bulk.get('baseline', 0):.2f} | {bulk.get('ratio', 0):.2f} | {up / flannel:.2f} |")
print(f"UP={up}")
PY
)
	echo "$row" | grep '^|'
	[ -n "$flannel_up" ] || flannel_up=$(echo "$row" | sed -n 's/^UP=//p')
done

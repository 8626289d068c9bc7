#!/usr/bin/env bash
# On demand, on a host WITH registry access (a maintainer's CI, a workstation): the cni-matrix lab
# with upstream's images and charts, Cilium included (VXLAN and native routing, kube-proxy
# replaced), and its checks, written as JUnit. This is the only place Cilium's data plane runs:
# this project's own CI host has no registry, and Cilium's BPF programs cannot be built from Go
# (docs/cni.md). Not part of ci/test.
#
#   bash ci/cni-matrix-online.sh [OUT_DIR]     (default ./cni-matrix-online)
#
# Needs root, Docker with access to quay.io, ghcr.io, registry.k8s.io and docker.io, and
# helm.cilium.io for the chart (or NETLAB_CHARTS=DIR holding cilium-<version>.tgz). Exit status:
# 0 when every check passed or was skipped with its reason, 1 when one failed, 2 when the lab did
# not come up. The lab is removed at the end, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-cni-matrix-online}")
mkdir -p "$out"
work=$(mktemp -d)
export NETLAB_STATE_DIR=$work/state
trap '"$work/netlab" down cni-matrix >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
go build -o "$work/netlab" ./cmd/netlab
charts=()
[ -n "${NETLAB_CHARTS:-}" ] && charts=(--charts "$NETLAB_CHARTS")

# Upstream's chart at the pinned version must accept netlab's values (its schema and templates).
NETLAB_FETCH_CHARTS=1 go test -count=1 -run TestUpstreamChartTakesTheValues -v ./provision/cni/cilium/ | tee "$out/chart-test.log"
if grep -q -- '--- SKIP' "$out/chart-test.log"; then
	echo "cni-matrix-online: upstream's Cilium chart could not be had (see $out/chart-test.log)" >&2
	exit 2
fi

start=$SECONDS
if ! "$work/netlab" up cni-matrix --check=false "${charts[@]}" --kubeconfig "$out/kubeconfig" 2>&1 | tee "$out/up.log"; then
	echo "cni-matrix-online: 'netlab up cni-matrix' failed after $((SECONDS - start)) s (see $out/up.log)" >&2
	exit 2
fi
echo "cni-matrix-online: up in $((SECONDS - start)) s"
"$work/netlab" status cni-matrix | tee "$out/status.txt"
rc=0
"$work/netlab" check cni-matrix --junit "$out/junit.xml" -o markdown >"$out/report.md" || rc=$?
cat "$out/report.md"
echo "cni-matrix-online: JUnit report $out/junit.xml, exit $rc"
[ "$rc" -le 1 ] || exit 2
exit "$rc"

#!/usr/bin/env bash
# Stage: the representative e2e lab on a current Docker engine (issue 19; docs/docker.md).
#
# The e2e stage ran every lab on Debian's docker.io 20.10. This stage builds Docker 29.8,
# containerd 2.4 and runc 1.5 from Go modules (ci/engine-next.sh; cached by key, 192-300 s cold),
# starts that engine beside the first one in a network namespace of its own (containerd image store
# on, its defaults kept), carries the lab's images over with netlab's own bundle ('images save' on
# the first engine, 'images load' on the second), and runs TestE2ETwoVPCsWithMetalLB there: two
# VPC networks, the transit gateway, MetalLB, every check of tgw-two-vpc with its negative
# controls, the node restart, and 'down' leaving nothing. Then it checks that nothing of the lab
# is left on that engine, and stops it (its data root goes with it).
#
# NETLAB_ENGINE_NEXT=0 skips the stage (said in the log; the run stays green only because it was
# asked for).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${NETLAB_ENGINE_NEXT:-1}" = 0 ]; then
	echo "engine-next: skipped (NETLAB_ENGINE_NEXT=0): no lab ran on the current Docker engine in this run"
	exit 0
fi
# kind drives the engine through the docker CLI; Docker 29 refuses API versions below 1.44, so
# Debian's 20.10 client (1.41) cannot be that CLI. This machine's image carries a 28.2 client.
api=$(docker version --format '{{.Client.DefaultAPIVersion}}' 2>/dev/null || true)
if [ -z "$api" ] || [ "$(printf '%s\n' 1.44 "$api" | sort -V | head -1)" != 1.44 ]; then
	echo "engine-next: FAILED: the docker CLI on PATH ($(command -v docker)) speaks API ${api:-?}; Docker 29 needs 1.44 or newer (a docker CLI 25+ first on PATH)" >&2
	exit 1
fi
s=$(date +%s)
bash ci/engine-next.sh build
bash ci/engine-next.sh stop >/dev/null 2>&1 || true # a run cut off before may have left it
bash ci/engine-next.sh start
work=$(mktemp -d /var/tmp/netlab-engine-next.XXXXXX)
trap 'bash ci/engine-next.sh stop; rm -rf "$work"' EXIT

node=netlab.local/node:v1.33.13
CGO_ENABLED=0 go build -trimpath -o "$work/netlab" ./cmd/netlab
go test -c -o "$work/e2e.test" ./e2e
t=$(date +%s)
"$work/netlab" images save tgw-two-vpc --offline --node-image "$node" -o "$work/bundle.tar"
bash ci/engine-next.sh run "$work/netlab" images load "$work/bundle.tar"
rm -f "$work/bundle.tar"
echo "engine-next: images carried over in $(($(date +%s) - t)) s"

status=0
# The test binary runs in the engine's namespace: its docker CLI calls, kind's, and netlab's own
# client all reach that engine (DOCKER_HOST), and its egress meter counts that namespace's uplink.
(cd e2e && NETLAB_E2E=1 CI=true bash ../ci/engine-next.sh run "$work/e2e.test" -test.count=1 -test.timeout=30m \
	-test.v -test.run '^TestE2ETwoVPCsWithMetalLB$') || status=$?

left=$(bash ci/engine-next.sh run sh -c 'docker ps -aq --filter label=netlab.dev/lab; docker ps -aq --filter label=io.x-k8s.kind.cluster;
	docker network ls -q --filter label=netlab.dev/lab; docker network ls -q --filter name=reaper_default;
	docker volume ls -q --filter label=netlab.dev/lab; docker volume ls -q --filter label=io.x-k8s.kind.cluster' | sort -u)
if [ -n "$left" ]; then
	echo "engine-next: FAILED: lab objects were left on the current engine:" >&2
	bash ci/engine-next.sh run sh -c 'docker ps -a; docker network ls; docker volume ls' >&2 || true
	status=1
else
	echo "engine-next: no lab container, network or volume left on the current engine"
fi
echo "engine-next: $(bash ci/engine-next.sh run docker version --format 'Docker {{.Server.Version}} (API {{.Server.APIVersion}})'): stage took $(($(date +%s) - s)) s, status $status"
exit "$status"

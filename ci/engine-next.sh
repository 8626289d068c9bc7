#!/usr/bin/env bash
# A current Docker engine beside Debian's 20.10, for issue 19 (docs/notes/docker-28-29-research.md).
# ci/stages.d/60-engine-next.sh runs the representative e2e lab on it in every CI run.
#
#   ci/engine-next.sh build          compile dockerd 29.8 (moby/moby/v2 v2.0.0-beta.24), containerd
#                                    v2.4.2 and runc v1.5.3 from Go modules; cached by key
#   ci/engine-next.sh start          run that engine in a network namespace of its own
#   ci/engine-next.sh run CMD...     run CMD in that namespace, with DOCKER_HOST on its socket, in
#                                    the caller's working directory
#                                    (e.g. ci/engine-next.sh run netlab up tgw-two-vpc ...)
#   ci/engine-next.sh load IMAGE...  copy images from the default engine into it
#   ci/engine-next.sh stop           stop it, remove its namespace and its data
#
# The namespace has loopback and one veth whose far end sits in a sink namespace that forwards
# nothing: the engine's iptables are its own (the two engines would otherwise rewrite each other's
# DOCKER chains), a lab in it has a default route (netlab's egress guard counts what a lab sends
# out, and a packet with no route would die before it), and nothing it sends leaves the machine.
# The engine keeps its defaults (containerd image store, time namespaces, iptables backend); the
# CI VM's capability wrapper (ci/runc-nocap) runs in front of the runc built here.
set -euo pipefail
CALLER_PWD=$(pwd)
cd "$(dirname "$0")/.."
REPO=$(pwd)

MOBY_VERSION=v2.0.0-beta.24 # Docker 29.8 (its releases/versions.yaml)
DOCKER_VERSION=29.8.1
CONTAINERD_VERSION=v2.4.2
RUNC_VERSION=v1.5.3
CACHE=${NETLAB_CACHE:-/var/cache/netlab}/engine-next
NS=netlab-engine-next
SINK=netlab-engine-sink
RUN=/run/$NS
DATA=/var/lib/$NS
SOCK=unix://$RUN/docker.sock


build() {
	if [ -f "$BIN/.complete" ]; then
		echo "engine-next: binaries cached ($BIN)"
		return
	fi
	command -v pkg-config >/dev/null && [ -e /usr/include/seccomp.h ] || {
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq libseccomp-dev pkg-config >/dev/null
	}
	local src=$CACHE/src s
	rm -rf "$BIN" "$src" && mkdir -p "$BIN" "$src/engine" "$src/runc"
	s=$(date +%s)
	printf 'module netlab.local/engine-next\n\ngo 1.26.8\n\nrequire (\n\tgithub.com/moby/moby/v2 %s\n\tgithub.com/containerd/containerd/v2 %s\n)\n' "$MOBY_VERSION" "$CONTAINERD_VERSION" >"$src/engine/go.mod"
	printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "github.com/containerd/containerd/v2/cmd/containerd"\n\t_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"\n\t_ "github.com/moby/moby/v2/cmd/dockerd"\n)\n' >"$src/engine/tools.go"
	(cd "$src/engine" && GOFLAGS=-mod=mod go mod tidy &&
		CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w -X github.com/moby/moby/v2/dockerversion.Version=$DOCKER_VERSION" -o "$BIN/dockerd" github.com/moby/moby/v2/cmd/dockerd &&
		CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$BIN/" github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2)
	printf 'module netlab.local/runc-next\n\ngo 1.26.8\n\nrequire github.com/opencontainers/runc %s\n' "$RUNC_VERSION" >"$src/runc/go.mod"
	printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/opencontainers/runc"\n' >"$src/runc/tools.go"
	(cd "$src/runc" && GOFLAGS=-mod=mod go mod tidy &&
		CGO_ENABLED=1 GOFLAGS=-mod=mod go build -trimpath -tags "seccomp urfave_cli_no_docs" -ldflags "-s -w -X main.version=${RUNC_VERSION#v}" -o "$BIN/runc" github.com/opencontainers/runc)
	CGO_ENABLED=0 go build -trimpath -o "$BIN/runc-nocap" ./ci/runc-nocap
	touch "$BIN/.complete"
	echo "engine-next: built dockerd $DOCKER_VERSION, containerd $CONTAINERD_VERSION, runc $RUNC_VERSION in $(($(date +%s) - s)) s ($BIN)"
}

# The cache key: the versions, the Go toolchain, the build recipe itself (this function's text, so
# that editing the rest of this script keeps the cache) and the capability wrapper's source.
key() { printf '%s\n' "$MOBY_VERSION" "$CONTAINERD_VERSION" "$RUNC_VERSION" "$DOCKER_VERSION" "$(go version)" "$(declare -f build)" "$(sha256sum ci/runc-nocap/main.go)" | sha256sum | cut -c1-16; }
BIN=$CACHE/bin-$(key)

answers() { DOCKER_HOST=$SOCK docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

start() {
	[ -f "$BIN/.complete" ] || build
	if answers; then
		echo "engine-next: running ($SOCK)"
		return
	fi
	ip netns add $NS 2>/dev/null || true
	ip netns add $SINK 2>/dev/null || true
	ip -n $NS link set lo up
	if ! ip -n $NS link show uplink >/dev/null 2>&1; then
		ip link add nl-next-up netns $NS type veth peer name sink netns $SINK
		ip -n $NS link set nl-next-up name uplink
		ip -n $NS addr add 169.254.29.1/30 dev uplink
		ip -n $NS link set uplink up
		ip -n $SINK addr add 169.254.29.2/30 dev sink
		ip -n $SINK link set sink up
		ip -n $NS route add default via 169.254.29.2
	fi
	mkdir -p "$RUN" "$DATA"
	cat >"$RUN/daemon.json" <<JSON
{
  "data-root": "$DATA",
  "exec-root": "$RUN/exec",
  "pidfile": "$RUN/docker.pid",
  "hosts": ["$SOCK"],
  "bridge": "none",
  "default-address-pools": [{"base": "10.213.0.0/16", "size": 24}],
  "runtimes": {"netlab-runc": {"path": "$BIN/runc-nocap"}},
  "default-runtime": "netlab-runc",
  "userland-proxy": false
}
JSON
	# nsenter, not 'ip netns exec': that remounts /sys and hides the cgroup mounts from dockerd.
	PATH=$BIN:$PATH setsid nsenter --net=/run/netns/$NS "$BIN/dockerd" --config-file "$RUN/daemon.json" >"$RUN/dockerd.log" 2>&1 </dev/null &
	for _ in $(seq 1 60); do
		answers && break
		sleep 1
	done
	if ! answers; then
		echo "engine-next: dockerd did not answer within 60 s; its log: $RUN/dockerd.log" >&2
		tail -5 "$RUN/dockerd.log" >&2
		exit 1
	fi
	echo "engine-next: $(DOCKER_HOST=$SOCK docker version --format 'Docker {{.Server.Version}} (API {{.Server.APIVersion}})') in netns $NS, socket $SOCK"
}

stop() {
	if [ -f "$RUN/docker.pid" ]; then
		kill "$(cat "$RUN/docker.pid")" 2>/dev/null || true
		for _ in $(seq 1 30); do answers || break; sleep 1; done
	fi
	ip netns del $NS 2>/dev/null || true
	ip netns del $SINK 2>/dev/null || true
	rm -rf "$RUN" "$DATA"
	echo "engine-next: stopped; its namespace and data are gone"
}

case "${1:-}" in
build) build ;;
start) start ;;
stop) stop ;;
load)
	shift
	answers || { echo "engine-next: not running: ci/engine-next.sh start" >&2; exit 1; }
	docker save "$@" | DOCKER_HOST=$SOCK docker load
	;;
run)
	shift
	answers || { echo "engine-next: not running: ci/engine-next.sh start" >&2; exit 1; }
	cd "$CALLER_PWD"
	DOCKER_HOST=$SOCK exec nsenter --net=/run/netns/$NS "$@"
	;;
*)
	sed -n '2,14p' "$0" >&2
	exit 2
	;;
esac

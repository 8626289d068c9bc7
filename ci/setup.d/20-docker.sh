#!/usr/bin/env bash
# Docker engine for the e2e stage and for developers. Idempotent: a second run finds everything in
# place and changes nothing.
#  1. install docker.io from Debian if dockerd is missing;
#  2. where the host withholds capabilities from every process (this project's CI VM withholds
#     CAP_SYS_RESOURCE, which breaks 'docker run --privileged' and so kind), build ci/runc-nocap and
#     make it dockerd's default runtime;
#  3. start dockerd in the background if it does not answer, and wait for it (bounded).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v dockerd >/dev/null 2>&1; then
	echo "docker: installing docker.io"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq docker.io >/dev/null
fi

# CapBnd lacks bit 24 (CAP_SYS_RESOURCE), or any other, when the host withholds it.
bnd=$(awk '/^CapBnd:/{print $2}' /proc/self/status)
full=000001ffffffffff
wrapper=/usr/local/lib/netlab/runc-nocap
want_runtime=""
if [ "$((16#$bnd & 16#$full))" != "$((16#$full))" ]; then
	echo "docker: this host withholds capabilities (CapBnd=$bnd); using the runc-nocap wrapper"
	mkdir -p "$(dirname "$wrapper")"
	tmp=$(mktemp)
	CGO_ENABLED=0 go build -trimpath -o "$tmp" ./ci/runc-nocap
	if ! cmp -s "$tmp" "$wrapper" 2>/dev/null; then install -m 0755 "$tmp" "$wrapper"; fi
	rm -f "$tmp"
	want_runtime=netlab-runc
fi

daemon_json=/etc/docker/daemon.json
restart=no
if [ -n "$want_runtime" ]; then
	desired=$(printf '{\n  "runtimes": {"%s": {"path": "%s"}},\n  "default-runtime": "%s"\n}\n' "$want_runtime" "$wrapper" "$want_runtime")
	if [ ! -f "$daemon_json" ] || [ "$(cat "$daemon_json")" != "$desired" ]; then
		if [ -f "$daemon_json" ] && ! grep -q netlab-runc "$daemon_json"; then
			cp "$daemon_json" "$daemon_json.before-netlab"
			echo "docker: saved the previous $daemon_json as $daemon_json.before-netlab"
		fi
		mkdir -p /etc/docker
		printf '%s' "$desired" > "$daemon_json"
		restart=yes
	fi
fi

running() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }
if running && [ "$restart" = yes ]; then
	echo "docker: restarting dockerd to apply $daemon_json"
	pkill -x dockerd || true
	for _ in $(seq 1 30); do pgrep -x dockerd >/dev/null || break; sleep 1; done
fi
if ! running; then
	if pgrep -x dockerd >/dev/null; then
		echo "docker: dockerd runs but does not answer; see /var/log/dockerd.log" >&2
		exit 1
	fi
	echo "docker: starting dockerd (log: /var/log/dockerd.log)"
	nohup dockerd >>/var/log/dockerd.log 2>&1 &
	for _ in $(seq 1 60); do running && break; sleep 1; done
fi
if ! running; then
	echo "docker: dockerd did not come up within 60 s; the last lines of /var/log/dockerd.log:" >&2
	tail -20 /var/log/dockerd.log >&2 || true
	exit 1
fi
echo "docker: engine $(docker info --format '{{.ServerVersion}}') up, default runtime $(docker info --format '{{.DefaultRuntime}}')"
# kind nodes take inotify instances from the host's per-user budget; more than four nodes fail to
# start at the usual default of 128 (netlab's preflight refuses such a lab with this fix).
if [ "$(cat /proc/sys/fs/inotify/max_user_instances)" -lt 512 ]; then
	sysctl -qw fs.inotify.max_user_instances=512 && echo "docker: fs.inotify.max_user_instances raised to 512 for kind nodes"
fi

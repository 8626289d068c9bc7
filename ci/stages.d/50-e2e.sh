#!/usr/bin/env bash
# Stage: end-to-end tests against real kind clusters built from the hermetic images, then a check
# that no lab object is left on the engine. A machine that cannot run Docker fails here, loudly.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; then
	echo "e2e: FAILED: the Docker engine does not answer; the e2e stage cannot run on this machine." >&2
	echo "e2e: ci/setup.d/20-docker.sh installs and starts it; see /var/log/dockerd.log" >&2
	exit 1
fi
export NETLAB_E2E=1
# -p 1: one package at a time, so that labs never compete for the two cores.
status=0
# Full-matrix tests (testenv.RequireFullMatrix) skip unless NETLAB_E2E_FULL=1 (ci/e2e-full.sh).
# Only the packages with Docker tests (testenv.RequireDocker): the unit stage ran every other test
# already, and running them again here cost about four minutes.
mapfile -t pkgs < <(grep -rlE --include='*_test.go' 'testenv\.Require(Docker|FullMatrix)' . | xargs -n1 dirname | sort -u)
if [ "${#pkgs[@]}" -eq 0 ]; then
	echo "e2e: FAILED: no package with Docker tests found (grep testenv.RequireDocker)" >&2
	exit 1
fi
echo "e2e: packages with Docker tests: ${pkgs[*]}"
go test -count=1 -p 1 -timeout 50m "${pkgs[@]}" || status=$?
# Last and alone, the bundle round trip (issue 18; ci/e2e-bundle.sh): it saves the default lab's
# images into a bundle, REMOVES them from the engine, loads the bundle and brings the lab up
# offline from it. Only when everything else passed, so that its own failure is the one way the
# host can be left without those images (the test logs the bundle to load; ci/images/build.sh
# also puts them back, from its cache).
if [ "$status" -eq 0 ]; then
	bash ci/e2e-bundle.sh || status=$?
else
	echo "e2e: the bundle round trip did not run: the tests before it failed" >&2
fi
left=$( { docker ps -aq --filter label=netlab.dev/lab; docker ps -aq --filter label=io.x-k8s.kind.cluster; \
	docker network ls -q --filter label=netlab.dev/lab; docker volume ls -q --filter label=netlab.dev/lab; \
	docker volume ls -q --filter label=io.x-k8s.kind.cluster; } | sort -u)
if [ -n "$left" ]; then
	echo "e2e: FAILED: lab objects were left behind:" >&2
	docker ps -a --filter label=netlab.dev/lab --filter label=io.x-k8s.kind.cluster >&2 || true
	docker network ls --filter label=netlab.dev/lab >&2 || true
	status=1
else
	echo "e2e: no lab containers, networks or volumes left"
fi
guards=$(nft list tables 2>/dev/null | grep -E 'netlab_egress_|netlab_e2e_leakmeter_' || true)
if [ -n "$guards" ]; then
	echo "e2e: FAILED: egress guard tables were left on the host:" >&2
	echo "$guards" >&2
	status=1
else
	echo "e2e: no egress guard tables left on the host"
fi
exit "$status"

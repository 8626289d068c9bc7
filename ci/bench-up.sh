#!/usr/bin/env bash
# On demand: how long 'netlab up' takes next to kind's own create with the same configuration, on
# this machine, in one run. Prints a Markdown table. Needs Docker and the hermetic images
# (ci/setup.d/20-docker.sh, ci/images/build.sh). Not part of ci/test: it creates four labs.
set -euo pipefail
cd "$(dirname "$0")/.."
NETLAB_E2E=1 NETLAB_BENCH=1 go test -v -count=1 -run TestBenchUpVersusKind -timeout 40m ./e2e | grep -E '^\||ok|FAIL'

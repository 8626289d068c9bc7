#!/usr/bin/env bash
# On demand: how long 'netlab up' takes next to kind's own create with the same configuration, on
# this machine, in one run, and how long it takes to get the lab's images into the nodes with and
# without the derived node image (side by side as ratios). Prints Markdown tables. Needs Docker and
# the hermetic images (ci/setup.d/20-docker.sh, ci/images/build.sh). Not part of ci/test: it
# creates ten labs, one at a time.
#
# TestBenchImageLoading runs first (Go runs bench_images_test.go before bench_test.go): it builds the
# derived node image if this host lacks it, so TestBenchUpVersusKind's 'up' times find it cached.
# NETLAB_BENCH_ONLY=images runs only the image-loading comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
run='TestBenchImageLoading|TestBenchUpVersusKind'
if [ "${NETLAB_BENCH_ONLY:-}" = images ]; then
	run='TestBenchImageLoading'
fi
NETLAB_E2E=1 NETLAB_BENCH=1 go test -v -count=1 -run "$run" -timeout 90m ./e2e | grep -E '^\||ok|FAIL'

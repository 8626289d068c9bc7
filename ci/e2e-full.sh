#!/usr/bin/env bash
# The full e2e matrix, on demand: the e2e stage of ci/test (the bundle round trip last, as there) plus
# the tests that only the full matrix runs (testenv.RequireFullMatrix: 'up' killed at each step
# boundary, the two-node Flannel lab, kube-proxy-modes with both modes side by side).
# Needs what ci/test's set-up and images stages provide (run ci/test once first).
set -euo pipefail
cd "$(dirname "$0")/.."
export NETLAB_E2E_FULL=1
exec bash ci/stages.d/50-e2e.sh

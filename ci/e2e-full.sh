#!/usr/bin/env bash
# The full e2e matrix, on demand: the e2e stage of ci/test plus the tests that only the full matrix
# runs (testenv.RequireFullMatrix: 'up' killed at each step boundary, the two-node Flannel lab), and
# last, alone, the bundle round trip (ci/e2e-bundle.sh), which removes the default lab's images and
# loads them back from a bundle.
# Needs what ci/test's set-up and images stages provide (run ci/test once first).
set -euo pipefail
cd "$(dirname "$0")/.."
export NETLAB_E2E_FULL=1
bash ci/stages.d/50-e2e.sh
exec bash ci/e2e-bundle.sh

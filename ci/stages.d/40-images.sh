#!/usr/bin/env bash
# Stage: the hermetic images (cached; a warm run only verifies them). See docs/ci.md.
# ci/test: background
set -euo pipefail
cd "$(dirname "$0")/../.."
# The default set: the node image, Flannel and MetalLB. Calico's images and the e2e suite's are built
# only by the full matrix (ci/e2e-full.sh), whose tests need them.
exec bash ci/images/build.sh

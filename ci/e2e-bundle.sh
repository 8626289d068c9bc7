#!/usr/bin/env bash
# The bundle round trip (issue 18); the e2e stage (ci/stages.d/50-e2e.sh) runs it last, and it runs
# on its own too. Alone, because it removes the default lab's images from the engine: save them into
# a bundle from the local images, remove them, load the bundle, 'up --offline', down. On failure the test logs where the bundle is kept;
# 'netlab images load PATH' (or bash ci/images/build.sh) puts the images back.
set -euo pipefail
cd "$(dirname "$0")/.."
export NETLAB_E2E=1 NETLAB_E2E_BUNDLE=1
exec go test -count=1 -timeout 40m -run '^TestE2EBundleRoundTrip$' ./e2e

#!/usr/bin/env bash
# Stage: the hermetic images (cached; a warm run only verifies them). See docs/ci.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash ci/images/build.sh

#!/usr/bin/env bash
# Stage: the hermetic images (cached; a warm run only verifies them). See docs/ci.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Calico's images too: the e2e stage runs one Calico cluster (TestE2ECalicoNFTables).
exec bash ci/images/build.sh calico

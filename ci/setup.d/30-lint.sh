#!/usr/bin/env bash
# golangci-lint for the lint stage: built once from the Go module proxy into the tool cache and
# reused (ci/lint.sh pins the version). Idempotent: a second run finds the binary and returns.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash ci/lint.sh --install

#!/usr/bin/env bash
# golangci-lint, pinned here and nowhere else; the rules are in .golangci.yml.
#
#   bash ci/lint.sh --install   build the pinned release once into the tool cache (ci/setup.d/30-lint.sh)
#   bash ci/lint.sh [ARGS...]   lint the tree (the `lint` stage of ci/test); builds first if missing;
#                               ARGS go to `golangci-lint run` (default ./...)
#
# The binary is built from the Go module proxy with this machine's Go (a golangci-lint built by an
# older Go refuses code whose go.mod asks for a newer one) into
# $NETLAB_TOOL_CACHE/golangci-lint-$VERSION/ (default /var/cache/netlab/tools), keyed by its version
# and the Go version that built it, and reused. See docs/ci.md ("lint") for the timings.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=v2.15.0 # the newest v2 release on the proxy (2026-10-16); its go.mod says go 1.26.0
TIMEOUT=${NETLAB_LINT_TIMEOUT:-15m}

gover=$(go env GOVERSION)
dir=${NETLAB_TOOL_CACHE:-/var/cache/netlab/tools}/golangci-lint-$VERSION-$gover
bin=$dir/golangci-lint

install() {
	if [ -x "$bin" ]; then
		echo "lint: golangci-lint $VERSION (built by $gover) cached at $bin"
		return
	fi
	echo "lint: building golangci-lint $VERSION with $gover into $dir"
	local start=$SECONDS tmp
	mkdir -p "$(dirname "$dir")"
	tmp=$(mktemp -d "$dir.tmp.XXXXXX")
	# Outside the module, so that netlab's go.mod does not take part; GOFLAGS cleared for the same reason.
	(cd "$tmp" && GOFLAGS= GOBIN="$tmp" CGO_ENABLED=0 timeout 30m go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$VERSION")
	rm -rf "$dir" && mv "$tmp" "$dir"
	echo "lint: built in $((SECONDS - start)) s"
}

if [ "${1:-}" = --install ]; then
	install
	exit 0
fi
install
# gofmt first: unformatted files (an import left out of order by an edit) fail the lint stage.
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './vendor/*'))
if [ -n "$unformatted" ]; then
	echo "lint: gofmt -l lists files that are not formatted (run gofmt -w on them):" >&2
	echo "$unformatted" >&2
	exit 1
fi
[ "$#" -gt 0 ] || set -- ./...
echo "lint: golangci-lint run --timeout $TIMEOUT $*"
exec "$bin" run --timeout "$TIMEOUT" "$@"

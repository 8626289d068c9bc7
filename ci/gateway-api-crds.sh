#!/usr/bin/env bash
# Generates the Gateway API's standard-channel CRDs from the project's Go types with the project's
# own generator (sigs.k8s.io/gateway-api/pkg/generator), at the version Traefik v3.6 implements,
# and keeps them in netlab's CRD cache, where 'netlab up' reads them. Nothing of the module's tree
# but its Go packages is used; the YAML is the generator's output, made here.
#
#   bash ci/gateway-api-crds.sh            # once per host; later runs find the cache
#
# Cached by key: the version and the Go toolchain. Output: $NETLAB_CRD_CACHE (default
# ~/.cache/netlab/crds)/gateway-api-$VERSION-standard.yaml, the CRDs in one file, sorted by name.
set -euo pipefail
VERSION=v1.4.0
out_dir=${NETLAB_CRD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netlab/crds}
out=$out_dir/gateway-api-$VERSION-standard.yaml
if [[ -s $out ]]; then
  echo "gateway-api: $out (cached)"
  exit 0
fi
t0=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init netlab.local/gateway-api-crds >/dev/null 2>&1
# The generator is a main package of that module; its go.mod pins controller-tools.
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "sigs.k8s.io/gateway-api/pkg/generator"
GO
go get "sigs.k8s.io/gateway-api@$VERSION" >/dev/null 2>&1
go get "sigs.k8s.io/gateway-api/pkg/generator@$VERSION" >/dev/null
mkdir -p config/crd/standard config/crd/experimental
go run sigs.k8s.io/gateway-api/pkg/generator 2>generator.log || { cat generator.log >&2; exit 1; }
mkdir -p "$out_dir"
tmp=$(mktemp "$out_dir/.gateway-api.XXXXXX")
first=1
for f in $(ls config/crd/standard/*.yaml | sort); do
  if [[ $first == 0 ]]; then echo '---' >> "$tmp"; fi
  first=0
  cat "$f" >> "$tmp"
done
chmod 0644 "$tmp"
mv "$tmp" "$out"
echo "gateway-api: generated $(ls config/crd/standard/*.yaml | wc -l) standard CRDs of $VERSION in $((SECONDS - t0)) s: $out (sha256 $(sha256sum "$out" | cut -c1-64))"

#!/usr/bin/env bash
# The full e2e matrix, on demand: the e2e stage of ci/test (the bundle round trip last, as there) plus
# the tests that only the full matrix runs (testenv.RequireFullMatrix: 'up' killed at each step
# boundary, the two-node Flannel lab, kube-proxy-modes with both modes side by side, Kubernetes' own
# sig-network conformance and NetworkPolicy suites through 'netlab conformance', the Istio mesh,
# the Traefik ingress lab and seed pattern 4's enterprise-hub-spoke with its DMZ).
# Needs what ci/test's set-up stage provides (run ci/test once first). Builds (or verifies, from
# the cache) the images the full matrix needs beyond ci/test's: Calico's, the e2e suite's for the
# 'netlab conformance' tests, istiod with Istio's proxyless agent, and Traefik; and the Gateway
# API's CRDs (the ingress lab's east cluster serves the Gateway API).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/images/build.sh calico conformance istio traefik
bash ci/gateway-api-crds.sh
export NETLAB_E2E_FULL=1
exec bash ci/stages.d/50-e2e.sh

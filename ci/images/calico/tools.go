//go:build tools

// Package calicobuild pins the Calico v3.31.0 programs netlab's hermetic images run. This module
// is not part of netlab's; ci/images/build.sh builds these packages from it with CGO_ENABLED=0.
// go.mod requires the release commit's pseudo-versions of the calico monorepo, its lib/std
// sub-module and github.com/projectcalico/api, and repeats Calico's own version replaces (the
// Kubernetes v0.33.5 staging modules), which a dependency's go.mod cannot pass on.
package calicobuild

import (
	_ "github.com/projectcalico/calico/cni-plugin/cmd/calico"
	_ "github.com/projectcalico/calico/cni-plugin/cmd/install"
	_ "github.com/projectcalico/calico/kube-controllers/cmd/check-status"
	_ "github.com/projectcalico/calico/kube-controllers/cmd/kube-controllers"
	_ "github.com/projectcalico/calico/node/cmd/calico-node"
)

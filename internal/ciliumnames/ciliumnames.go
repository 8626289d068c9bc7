// Package ciliumnames holds what both sides of netlab need to find in a Cilium cluster: the
// agent, as upstream's chart deploys it (cilium-cli looks for the same names), and the
// CiliumNode objects whose spec.ipam.podCIDRs are each node's Pod ranges under cluster-pool IPAM.
// provision/cni/cilium installs Cilium; checks/live reads it; neither imports the other.
package ciliumnames

import (
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The agent and operator.
const (
	Namespace          = "kube-system"
	AgentDaemonSet     = "cilium"
	AgentContainer     = "cilium-agent"
	AgentSelector      = "k8s-app=cilium"
	OperatorDeployment = "cilium-operator"
)

// Nodes are Cilium's per-node objects; in cluster-pool IPAM the operator writes each node's Pod
// ranges into spec.ipam.podCIDRs (Node.spec.podCIDR is not used).
var Nodes = schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumnodes"}

// NodeRanges maps each CiliumNode's name (its node's) to its spec.ipam.podCIDRs, sorted. A node
// with no range yet is left out.
func NodeRanges(items []unstructured.Unstructured) map[string][]string {
	out := map[string][]string{}
	for _, it := range items {
		cidrs, _, _ := unstructured.NestedStringSlice(it.Object, "spec", "ipam", "podCIDRs")
		if it.GetName() == "" || len(cidrs) == 0 {
			continue
		}
		sort.Strings(cidrs)
		out[it.GetName()] = cidrs
	}
	return out
}

// Package kindconfig renders a planned cluster as kind's v1alpha4 cluster configuration.
// It is pure: the same ClusterPlan always gives the same bytes.
package kindconfig

import (
	"fmt"

	"github.com/netlab-dev/netlab/plan"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"
)

// LabelLab and LabelCluster are set on every node (Kubernetes labels) so that a node can be traced
// back to its lab from inside the cluster.
const (
	LabelLab     = "netlab.dev/lab"
	LabelCluster = "netlab.dev/cluster"
)

// Config returns kind's configuration for the cluster. The default CNI is always disabled: netlab
// installs the scenario's CNI itself. kube-proxy "none" disables kube-proxy (Cilium replaces it).
func Config(lab string, c plan.ClusterPlan) *v1alpha4.Cluster {
	cfg := &v1alpha4.Cluster{
		TypeMeta: v1alpha4.TypeMeta{Kind: "Cluster", APIVersion: "kind.x-k8s.io/v1alpha4"},
		Name:     c.KindName,
		Networking: v1alpha4.Networking{
			PodSubnet:         c.PodCIDR.String(),
			ServiceSubnet:     c.ServiceCIDR.String(),
			DisableDefaultCNI: true,
			KubeProxyMode:     v1alpha4.ProxyMode(c.KubeProxyMode),
		},
	}
	for _, n := range c.Nodes {
		role := v1alpha4.ControlPlaneRole
		if n.Role == "worker" {
			role = v1alpha4.WorkerRole
		}
		cfg.Nodes = append(cfg.Nodes, v1alpha4.Node{
			Role:   role,
			Image:  c.NodeImage,
			Labels: map[string]string{LabelLab: lab, LabelCluster: c.Name},
		})
	}
	if c.NodeCIDRMaskSize != 0 && c.NodeCIDRMaskSize != 24 {
		cfg.KubeadmConfigPatches = append(cfg.KubeadmConfigPatches, fmt.Sprintf(`kind: ClusterConfiguration
controllerManager:
  extraArgs:
    node-cidr-mask-size: "%d"
`, c.NodeCIDRMaskSize))
	}
	return cfg
}

// YAML renders Config as the YAML kind reads.
func YAML(lab string, c plan.ClusterPlan) ([]byte, error) {
	return yaml.Marshal(Config(lab, c))
}

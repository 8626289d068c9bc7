// Package cilium installs Cilium into a cluster from upstream's chart, through the Helm SDK, with
// values typed from the plan. Cilium runs only on upstream's images (its BPF data plane is
// compiled by clang at run time; nothing here builds it): netlab renders, installs and checks it
// on hosts with registry access, and on this project's air-gapped CI it is unit- and
// golden-tested, never run (docs/cni.md).
//
// This file holds the values; cni.go the component.
package cilium

import (
	"net/netip"
	"strings"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/images"
)

// Values are the chart values netlab sets, named and shaped as in upstream's values.yaml at
// images.CiliumVersion. Every other key keeps the chart's default.
type Values struct {
	Image    Image    `json:"image"`
	Operator Operator `json:"operator"`
	Envoy    Envoy    `json:"envoy"`
	// RoutingMode is tunnel (VXLAN between nodes) or native (plain routes between nodes).
	RoutingMode    string `json:"routingMode"`
	TunnelProtocol string `json:"tunnelProtocol,omitempty"`
	TunnelPort     int    `json:"tunnelPort,omitempty"`
	// IPv4NativeRoutingCIDR is not masqueraded and, in native mode, routed as is: the Pod CIDR.
	IPv4NativeRoutingCIDR string `json:"ipv4NativeRoutingCIDR"`
	// AutoDirectNodeRoutes installs a route to each node's Pod range via that node (native mode;
	// the nodes share one L2 network, the VPC subnet).
	AutoDirectNodeRoutes bool `json:"autoDirectNodeRoutes"`
	IPAM                 IPAM `json:"ipam"`
	// MTU is the uplink's; Cilium takes its tunnel overhead off itself.
	MTU int `json:"MTU"`
	// KubeProxyReplacement is "true" or "false" (the chart refuses anything else).
	KubeProxyReplacement string `json:"kubeProxyReplacement"`
	// K8sServiceHost and K8sServicePort reach the API server without kube-proxy's ClusterIP.
	K8sServiceHost       string       `json:"k8sServiceHost,omitempty"`
	K8sServicePort       int          `json:"k8sServicePort,omitempty"`
	EnableIPv4Masquerade bool         `json:"enableIPv4Masquerade"`
	BPF                  BPF          `json:"bpf"`
	IPMasqAgent          *IPMasqAgent `json:"ipMasqAgent,omitempty"`
	Hubble               Hubble       `json:"hubble"`
	IPv4                 Toggle       `json:"ipv4"`
	IPv6                 Toggle       `json:"ipv6"`
}

// Image is an image key of the chart, by tag: digests are checked on the host instead
// (images.CiliumAgentDigest), so that images side-loaded into kind nodes match.
type Image struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	UseDigest  bool   `json:"useDigest"`
	PullPolicy string `json:"pullPolicy"`
}

// Operator is the operator's part; its image name is the repository, "-generic", the suffix and
// the tag.
type Operator struct {
	Replicas int   `json:"replicas"`
	Image    Image `json:"image"`
}

// Envoy is the cilium-envoy DaemonSet's part.
type Envoy struct {
	Image Image `json:"image"`
}

// IPAM is the cluster-pool mode: the operator hands each node a range of the Pod CIDR.
type IPAM struct {
	Mode     string       `json:"mode"`
	Operator IPAMOperator `json:"operator"`
}

// IPAMOperator holds the pool and the per-node mask.
type IPAMOperator struct {
	ClusterPoolIPv4PodCIDRList []string `json:"clusterPoolIPv4PodCIDRList"`
	ClusterPoolIPv4MaskSize    int      `json:"clusterPoolIPv4MaskSize"`
}

// BPF is the bpf part: Masquerade is eBPF masquerading (it needs the kube-proxy replacement).
type BPF struct {
	Masquerade bool `json:"masquerade"`
}

// IPMasqAgent is Cilium's eBPF ip-masq-agent: destinations never masqueraded.
type IPMasqAgent struct {
	Enabled bool              `json:"enabled"`
	Config  IPMasqAgentConfig `json:"config"`
}

// IPMasqAgentConfig is the agent's configuration.
type IPMasqAgentConfig struct {
	NonMasqueradeCIDRs []string `json:"nonMasqueradeCIDRs"`
	MasqLinkLocal      bool     `json:"masqLinkLocal"`
}

// Hubble is the hubble part: Enabled runs Hubble in the agent; Relay and UI stay off.
type Hubble struct {
	Enabled bool   `json:"enabled"`
	Relay   Toggle `json:"relay"`
	UI      Toggle `json:"ui"`
}

// Toggle is a part with only an enabled key set.
type Toggle struct {
	Enabled bool `json:"enabled"`
}

// APIServerPort is kubeadm's (kind's) API server port on the control-plane node.
const APIServerPort = 6443

// ValuesFor renders cluster c's values. mirror, when set, replaces quay.io in every image
// (an enterprise registry mirror holding the same repositories).
func ValuesFor(c plan.ClusterPlan, mirror string) Values {
	kpr := c.KubeProxyMode == "none"
	v := Values{
		Image:                 image(images.CiliumAgent, mirror),
		Operator:              Operator{Replicas: 1, Image: image(strings.TrimSuffix(repo(images.CiliumOperator), "-generic")+":"+tag(images.CiliumOperator), mirror)},
		Envoy:                 Envoy{Image: image(images.CiliumEnvoy, mirror)},
		IPv4NativeRoutingCIDR: c.PodCIDR.String(),
		IPAM: IPAM{Mode: "cluster-pool", Operator: IPAMOperator{
			ClusterPoolIPv4PodCIDRList: []string{c.PodCIDR.String()},
			ClusterPoolIPv4MaskSize:    c.NodeCIDRMaskSize,
		}},
		MTU:                  c.CNI.UplinkMTU,
		KubeProxyReplacement: "false",
		EnableIPv4Masquerade: true,
		Hubble:               Hubble{Enabled: c.CNI.Hubble},
		IPv4:                 Toggle{Enabled: true},
	}
	switch c.CNI.Mode {
	case "native":
		v.RoutingMode, v.AutoDirectNodeRoutes = "native", true
	default:
		v.RoutingMode, v.TunnelProtocol, v.TunnelPort = "tunnel", "vxlan", c.CNI.VXLANPort
	}
	if kpr {
		v.KubeProxyReplacement = "true"
		v.K8sServiceHost, v.K8sServicePort = controlPlane(c), APIServerPort
		v.BPF.Masquerade = true
	}
	if c.CNI.CrossClusterSource == "preserve" {
		// Supports has made sure of kube-proxy none: the ip-masq-agent is eBPF masquerading's.
		cidrs := []string{c.PodCIDR.String()}
		for _, p := range c.CNI.NonMasqueradeCIDRs {
			cidrs = appendNew(cidrs, p)
		}
		v.IPMasqAgent = &IPMasqAgent{Enabled: true, Config: IPMasqAgentConfig{NonMasqueradeCIDRs: cidrs}}
	}
	return v
}

func appendNew(list []string, p netip.Prefix) []string {
	for _, s := range list {
		if s == p.String() {
			return list
		}
	}
	return append(list, p.String())
}

// controlPlane is the control-plane node's name, which every node resolves on the VPC network
// (kubeadm joins the workers through it).
func controlPlane(c plan.ClusterPlan) string {
	for _, n := range c.Nodes {
		if n.Role == "control-plane" {
			return n.Name
		}
	}
	return c.KindName + "-control-plane"
}

func image(ref, mirror string) Image {
	r := repo(ref)
	if mirror != "" {
		r = strings.TrimSuffix(mirror, "/") + strings.TrimPrefix(r, "quay.io")
	}
	return Image{Repository: r, Tag: tag(ref), PullPolicy: "IfNotPresent"}
}

// repo and tag split "registry/path:tag".
func repo(ref string) string { return ref[:strings.LastIndex(ref, ":")] }
func tag(ref string) string  { return ref[strings.LastIndex(ref, ":")+1:] }

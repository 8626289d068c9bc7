// Package calico renders netlab's own Calico install for a planned cluster: calico-node with the
// Kubernetes datastore and the VXLAN backend (no BGP daemon, no Typha, no operator), the calico
// CNI plug-in and its IPAM installed by calico-node's init container, calico-kube-controllers, and
// the cluster's IP pools written from the plan.
//
// The objects are typed (client-go's API types; the IP pool as netlab's own type, with the fields
// netlab sets) and follow the shape of Calico v3.31's VXLAN manifest, with
// these differences, each on purpose:
//   - the pool is netlab's, from the plan's Pod CIDR, vxlanMode Always (the nodes of a kind
//     cluster share one subnet, where CrossSubnet would route Pod traffic unencapsulated) and
//     ipipMode Never, written before calico-node starts so that it creates no default pool;
//   - under crossClusterSource preserve, each non-masquerade CIDR is a disabled pool: Calico does
//     not masquerade traffic to any pool's range, and allocates nothing from a disabled one;
//   - the Pod pool's blocks are the plan's per-node size (/24), one per node, and the transit
//     gateway's per-node routes follow them (PodRanges), not the nodes' spec.podCIDR;
//   - the MTU is the plan's Pod MTU, not auto-detected, so the plan and the lab agree;
//   - under kube-proxy nftables mode, Felix programs nftables too (FELIX_NFTABLESMODE=Enabled);
//   - kube-controllers' readiness probe may take 10 s, like its liveness probe (upstream leaves it
//     at the 1 s default, which a loaded two-core host missed while the lab came up);
//   - the ebpf-bootstrap and upgrade-ipam init containers are left out: the BPF data plane is out
//     of bounds here, and a new cluster has no host-local IPAM state to upgrade.
//
// The CRDs are not rendered by netlab: CRDs (crds.go) takes them from Calico's own Go package,
// libcalico-go/config, which embeds them and hands them out through its API. CNI (cni.go) applies
// them before the objects and waits as a Calico user checks an install.
package calico

import (
	"fmt"
	"net/netip"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/kube"
)

// Names of the objects and devices, for waits and checks.
const (
	Namespace       = "kube-system"
	DaemonSet       = "calico-node"
	KubeControllers = "calico-kube-controllers"
	ConfigMap       = "calico-config"
	// Interface is the VXLAN device Felix creates on each node.
	Interface = "vxlan.calico"
	// VXLANPort is Felix's VXLAN UDP port (its default, the IANA port).
	VXLANPort = 4789
	// PoolName is the cluster's IP pool.
	PoolName = "netlab-pods"
	// cniServiceAccount is the account whose token the CNI plug-in uses (through a TokenRequest
	// of calico-node's; never mounted in a Pod).
	cniServiceAccount = "calico-cni-plugin"
)

// Images are what the install runs.
func Images() []string {
	return []string{images.CalicoNode, images.CalicoCNI, images.CalicoKubeControllers}
}

// Objects renders the install, in apply order: RBAC, the ConfigMap, the IP pools, calico-node and
// calico-kube-controllers. The pools need Calico's CRDs installed first.
func Objects(c plan.ClusterPlan) ([]*unstructured.Unstructured, error) {
	if c.CNI.Type != "calico" {
		return nil, fmt.Errorf("cluster %s uses %s, not calico", c.Name, c.CNI.Type)
	}
	if err := (CNI{}).Supports(c); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	if !c.PodCIDR.IsValid() || !c.PodCIDR.Addr().Is4() {
		return nil, fmt.Errorf("cluster %s: calico needs an IPv4 Pod CIDR, the plan has %v", c.Name, c.PodCIDR)
	}
	if c.CNI.PodMTU <= 0 {
		return nil, fmt.Errorf("cluster %s: the plan has no Pod MTU", c.Name)
	}
	var objs []runtime.Object
	for _, sa := range []string{DaemonSet, cniServiceAccount, KubeControllers} {
		objs = append(objs, serviceAccount(sa))
	}
	for _, r := range clusterRoles() {
		objs = append(objs, r, binding(r.Name))
	}
	objs = append(objs, configMap(c))
	for _, p := range Pools(c) {
		objs = append(objs, p)
	}
	objs = append(objs, nodeDaemonSet(c), kubeControllers())
	out, err := kube.Unstructured(objs)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: calico: %w", c.Name, err)
	}
	return out, nil
}

// backend is calico-node's networking back end: "vxlan" (Felix alone) for VXLAN, "bird" (Felix
// and the BIRD BGP daemon, which distributes the Pod routes) for IPIP and BGP.
func backend(c plan.ClusterPlan) string {
	if c.CNI.Mode == "vxlan" {
		return "vxlan"
	}
	return "bird"
}

func labels(app string) map[string]string { return map[string]string{"k8s-app": app} }

func serviceAccount(name string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
	}
}

// cniConfig is the CNI network list the install-cni init container writes on every node, its
// placeholders filled in there (the node's name, the MTU, the kubeconfig it writes beside it).
const cniConfig = `{
  "name": "k8s-pod-network",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "kubernetes",
      "nodename": "__KUBERNETES_NODE_NAME__",
      "mtu": __CNI_MTU__,
      "ipam": {"type": "calico-ipam"},
      "policy": {"type": "k8s"},
      "kubernetes": {"kubeconfig": "__KUBECONFIG_FILEPATH__"}
    },
    {
      "type": "portmap",
      "snat": true,
      "capabilities": {"portMappings": true}
    }
  ]
}
`

func configMap(c plan.ClusterPlan) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: ConfigMap, Namespace: Namespace},
		Data: map[string]string{
			"typha_service_name": "none",
			"calico_backend":     backend(c),
			"veth_mtu":           strconv.Itoa(c.CNI.PodMTU),
			"cni_network_config": cniConfig,
		},
	}
}

// IPPool is a crd.projectcalico.org/v1 IPPool, as netlab writes it.
type IPPool struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              IPPoolSpec `json:"spec"`
}

// IPPoolSpec holds the fields netlab sets. Writing the CRD object directly bypasses the defaults
// Calico's own client fills in, so nodeSelector, allowedUses and assignmentMode are explicit.
type IPPoolSpec struct {
	CIDR           string   `json:"cidr"`
	VXLANMode      string   `json:"vxlanMode"`
	IPIPMode       string   `json:"ipipMode"`
	NATOutgoing    bool     `json:"natOutgoing"`
	Disabled       bool     `json:"disabled"`
	BlockSize      int      `json:"blockSize"`
	NodeSelector   string   `json:"nodeSelector"`
	AllowedUses    []string `json:"allowedUses"`
	AssignmentMode string   `json:"assignmentMode"`
}

// DeepCopyObject makes IPPool a runtime.Object (for the converter).
func (p *IPPool) DeepCopyObject() runtime.Object {
	q := *p
	q.ObjectMeta = *p.DeepCopy() // ObjectMeta's DeepCopy, promoted
	q.Spec.AllowedUses = append([]string(nil), p.Spec.AllowedUses...)
	return &q
}

// Pools are the cluster's IP pools: the Pod pool (VXLAN always, masquerading to everything outside
// the pools), and under crossClusterSource preserve one disabled pool per non-masquerade CIDR, so
// that Pod traffic to those ranges keeps the Pod's address.
func Pools(c plan.ClusterPlan) []*IPPool {
	pod := pool(PoolName, c.PodCIDR, false)
	// Blocks the size of a node's share of the Pod CIDR (a /24; Calico's default is /26): a node
	// claims one when calico-node starts (its tunnel address) and, at kubelet's 110 Pods a node,
	// never needs another, so the per-node routes 'up' writes (the transit gateway's) stay
	// complete.
	if m := c.NodeCIDRMaskSize; m >= 20 && m <= 32 && m >= c.PodCIDR.Bits() {
		pod.Spec.BlockSize = m
	}
	switch c.CNI.Mode {
	case "ipip":
		pod.Spec.VXLANMode, pod.Spec.IPIPMode = "Never", "Always"
	case "bgp":
		pod.Spec.VXLANMode = "Never"
	}
	pools := []*IPPool{pod}
	if c.CNI.CrossClusterSource == "preserve" {
		for i, cidr := range c.CNI.NonMasqueradeCIDRs {
			pools = append(pools, pool(fmt.Sprintf("netlab-no-masquerade-%d", i+1), cidr, true))
		}
	}
	return pools
}

func pool(name string, cidr netip.Prefix, disabled bool) *IPPool {
	p := &IPPool{
		TypeMeta:   metav1.TypeMeta{APIVersion: "crd.projectcalico.org/v1", Kind: "IPPool"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: IPPoolSpec{
			CIDR: cidr.String(), VXLANMode: "Always", IPIPMode: "Never", NATOutgoing: !disabled, Disabled: disabled,
			BlockSize: max(26, cidr.Bits()), NodeSelector: "all()", AllowedUses: []string{"Workload", "Tunnel"}, AssignmentMode: "Automatic",
		},
	}
	if disabled {
		// A pool that only marks a range as "not outside": nothing is allocated from it and no
		// node tunnels to it.
		p.Spec.VXLANMode, p.Spec.NodeSelector = "Never", "!all()"
	}
	return p
}

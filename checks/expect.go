// Package checks proves a lab's packet paths. This file holds the expectations: what each path's
// defining evidence must look like, computed from the plan alone (pure functions, no I/O), so that
// the same scenario always expects the same thing and each expectation is unit-tested.
package checks

import (
	"fmt"

	"github.com/netlab-dev/netlab/plan"
)

// Source is what a server must see as a client's address.
type Source string

const (
	SourcePodIP  Source = "client Pod IP"
	SourceNodeIP Source = "client's node IP"
	// SourceClientIP is the address of a client outside the cluster (on the VPC network).
	SourceClientIP Source = "client IP"
)

// InClusterSource: Pod to Pod and node to Pod inside one cluster never NAT (the Kubernetes network
// model's first two rules).
func InClusterSource() Source { return SourcePodIP }

// CrossClusterSource is what a server in another VPC sees from a Pod of client: the Pod IP when the
// scenario preserves it, the node IP when the CNI masquerades (its default).
func CrossClusterSource(client plan.ClusterPlan) Source {
	if client.CNI.CrossClusterSource == "preserve" {
		return SourcePodIP
	}
	return SourceNodeIP
}

// EgressSource is what a server outside the cluster on the VPC network sees from a Pod: the node IP
// (egress SNAT), unless the destination is one the CNI was told not to masquerade.
func EgressSource(client plan.ClusterPlan, dst string) Source {
	for _, c := range client.CNI.NonMasqueradeCIDRs {
		if c.String() == dst {
			return SourcePodIP
		}
	}
	return SourceNodeIP
}

// ExternalTrafficSource is what a backend sees from a client outside the cluster, for a request
// that lands on a node with (local) or without (remote) a backend. Cluster policy masquerades every
// external request to the receiving node's IP (kube-proxy marks all external traffic of a Cluster
// policy Service for masquerade, even when the backend is local); Local keeps the client IP and never
// forwards, so a node without a local backend does not answer.
func ExternalTrafficSource(policy string, landsOnBackendNode bool) (Source, bool) {
	switch policy {
	case "Local":
		if !landsOnBackendNode {
			return "", false
		}
		return SourceClientIP, true
	default: // Cluster
		return SourceNodeIP, true
	}
}

// Hops are the routing hops (TTL decrements) between two Pods; -1 means the datapath does not
// promise a number and the check reports the TTL without asserting it.
type Hops int

// SameNodeHops: Flannel joins a node's Pods with the cni0 Linux bridge, so a packet is bridged and its
// TTL is unchanged. Calico gives each Pod a /32 route through its own cali* veth, so the node
// routes it: one decrement. Cilium's eBPF redirect is not pinned down here.
func SameNodeHops(c plan.ClusterPlan) Hops {
	switch c.CNI.Type {
	case "flannel":
		return 0
	case "calico":
		return 1
	}
	return -1
}

// CrossNodeHops: the sending node routes the packet (into the overlay device or straight to the
// peer node) and the receiving node routes it to the Pod: two decrements, overlay or native. The
// outer VXLAN header is not counted: the server sees the inner packet.
func CrossNodeHops(c plan.ClusterPlan) Hops {
	if c.CNI.Type == "cilium" {
		return -1
	}
	return 2
}

// CrossClusterHops adds the transit gateway to the path: client node, TGW, server node.
func CrossClusterHops(client, server plan.ClusterPlan) Hops {
	if client.CNI.Type == "cilium" || server.CNI.Type == "cilium" {
		return -1
	}
	return 3
}

// TTLSeen is the TTL a Linux server sees from a Linux client (initial TTL 64) after hops.
func TTLSeen(h Hops) int {
	if h < 0 {
		return -1
	}
	return 64 - int(h)
}

// Encapsulation is what a cross-node packet looks like on the node's uplink.
type Encapsulation struct {
	// Kind is vxlan, ipip or none.
	Kind string
	// UDPPort is the VXLAN destination port (0 unless vxlan).
	UDPPort int
	// PodMTU is the MTU a Pod's eth0 must have.
	PodMTU int
}

// ExpectEncapsulation: overlay modes show their encapsulation on the uplink and lower the Pod MTU by
// its overhead; native modes show neither and need a route to each peer's Pod range.
func ExpectEncapsulation(c plan.ClusterPlan) Encapsulation {
	e := Encapsulation{Kind: c.CNI.Encapsulation, PodMTU: c.CNI.PodMTU}
	if e.Kind == "vxlan" {
		e.UDPPort = c.CNI.VXLANPort
	}
	return e
}

// MTUProbe is the DF test of mtu/path: a payload that fits the Pod MTU and one byte more.
type MTUProbe struct {
	// FitPayload is the ICMP payload of a packet exactly PodMTU bytes long (IP 20 + ICMP 8 headers).
	FitPayload int
	// TooBigPayload is one byte more: with DF set it must fail, or be fragmented as the CNI documents.
	TooBigPayload int
}

// ExpectMTUProbe computes the DF probe sizes for the cluster's Pod MTU.
func ExpectMTUProbe(c plan.ClusterPlan) MTUProbe {
	fit := c.CNI.PodMTU - 20 - 8
	return MTUProbe{FitPayload: fit, TooBigPayload: fit + 1}
}

// ServiceRules says which service datapath rules must exist on a node, and which must not, for the
// cluster's kube-proxy mode (PATHS.md: "the node's rules for the mode in use exist and the others do
// not").
type ServiceRules struct {
	Present []string
	Absent  []string
}

// Rule names the check reads from a node.
const (
	RuleIptablesKubeSVC = "iptables KUBE-SVC-* chain for the Service"
	RuleNftKubeProxy    = "nftables table 'kube-proxy'"
	RuleIPVSVirtual     = "IPVS virtual server for the ClusterIP"
	RuleCiliumService   = "Cilium service map entry for the ClusterIP"
)

// ExpectServiceRules maps the kube-proxy mode to its rules.
func ExpectServiceRules(c plan.ClusterPlan) ServiceRules {
	all := []string{RuleIptablesKubeSVC, RuleNftKubeProxy, RuleIPVSVirtual, RuleCiliumService}
	var present string
	switch c.KubeProxyMode {
	case "iptables":
		present = RuleIptablesKubeSVC
	case "nftables":
		present = RuleNftKubeProxy
	case "ipvs":
		present = RuleIPVSVirtual
	case "none":
		present = RuleCiliumService
	}
	r := ServiceRules{Present: []string{present}}
	for _, x := range all {
		// Cilium beside kube-proxy (its replacement off) may still translate ClusterIPs in its own
		// map: its entry is neither required nor forbidden there.
		if x == RuleCiliumService && c.CNI.Type == "cilium" && c.KubeProxyMode != "none" {
			continue
		}
		if x != present {
			r.Absent = append(r.Absent, x)
		}
	}
	return r
}

// NetworkPolicyEnforced says whether the netpol check can expect a denied connection to fail.
func NetworkPolicyEnforced(c plan.ClusterPlan) (bool, string) {
	if c.CNI.EnforcesNetworkPolicy {
		return true, ""
	}
	return false, fmt.Sprintf("%s does not enforce NetworkPolicy: the check reports whether denied traffic got through, and does not pass", c.CNI.Type)
}

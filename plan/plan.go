package plan

import (
	"fmt"
	"net/netip"
	"slices"
)

// Plan is a scenario fully resolved: every default filled in, every CIDR allocated, every name that
// provisioning and the checks need computed. It is a plain value; marshal it with encoding/json.
type Plan struct {
	// Lab is the lab's name: the scenario's metadata.name. Every Docker object and kind cluster of
	// the lab carries it.
	Lab            string        `json:"lab"`
	Description    string        `json:"description,omitempty"`
	Source         string        `json:"source"`
	VPCs           []VPCPlan     `json:"vpcs"`
	Clusters       []ClusterPlan `json:"clusters"`
	TransitGateway *TGWPlan      `json:"transitGateway,omitempty"`
	Istio          *IstioPlan    `json:"istio,omitempty"`
	// GlobalLB is the global load balancer (seed pattern 1), when the scenario has one.
	GlobalLB *GlobalLBPlan `json:"globalLoadBalancer,omitempty"`
	// DMZ is seed pattern 4's entry from outside (a WAF and the DMZ load balancer), when the
	// scenario has one.
	DMZ      *DMZPlan    `json:"dmz,omitempty"`
	Checks   ChecksPlan  `json:"checks"`
	Outside  OutsidePlan `json:"outside"`
	Warnings []string    `json:"warnings,omitempty"`
}

// VPCPlan is a VPC: an address range and the Docker networks (subnets) inside it.
type VPCPlan struct {
	Name    string       `json:"name"`
	CIDR    netip.Prefix `json:"cidr"`
	MTU     int          `json:"mtu"`
	Subnets []SubnetPlan `json:"subnets"`
}

// SubnetPlan is one Docker network. Its lower half is where Docker assigns node addresses
// (NodeRange, Docker's --ip-range); the top eighth is reserved for netlab's own containers.
type SubnetPlan struct {
	Name string       `json:"name"`
	CIDR netip.Prefix `json:"cidr"`
	// Network is the Docker network's name.
	Network string `json:"network"`
	// Gateway is the Docker bridge's address (the host).
	Gateway   netip.Addr   `json:"gateway"`
	NodeRange netip.Prefix `json:"nodeRange"`
	// Reserved is the block kept for netlab's containers; TGWAddress and ClientAddress are in it.
	Reserved netip.Prefix `json:"reserved"`
	// TGWAddress is the transit gateway's leg in this subnet, when a TGW attachment includes it.
	TGWAddress netip.Addr `json:"tgwAddress,omitzero"`
	// ClientAddress is where checks put a client "outside the cluster, on the VPC network".
	ClientAddress netip.Addr `json:"clientAddress"`
}

// ClusterPlan is one kind cluster.
type ClusterPlan struct {
	Name string `json:"name"`
	// KindName is the kind cluster name: <lab>-<name>. Node containers are named after it.
	KindName string `json:"kindName"`
	// Context is the kubeconfig context kind writes: kind-<kindName>.
	Context     string       `json:"context"`
	VPC         string       `json:"vpc"`
	Subnet      string       `json:"subnet"`
	Network     string       `json:"network"`
	NodeImage   string       `json:"nodeImage"`
	Nodes       []NodePlan   `json:"nodes"`
	PodCIDR     netip.Prefix `json:"podCIDR"`
	ServiceCIDR netip.Prefix `json:"serviceCIDR"`
	// NodeCIDRMaskSize is the per-node Pod range size the controller manager hands out.
	NodeCIDRMaskSize int             `json:"nodeCIDRMaskSize"`
	CNI              CNIPlan         `json:"cni"`
	KubeProxyMode    string          `json:"kubeProxyMode"`
	MetalLB          *MetalLBPlan    `json:"metallb,omitempty"`
	Ingress          *IngressPlan    `json:"ingress,omitempty"`
	NetworkPolicies  []NetworkPolicy `json:"networkPolicies,omitempty"`
	// KernelFeatures are what the cluster's datapath needs from the host kernel; preflight checks them.
	KernelFeatures []string `json:"kernelFeatures"`
	// VPCRoutes is the VPC route table seen from this cluster's nodes: destinations outside the
	// node's own subnet and where to send them.
	VPCRoutes []VPCRoute `json:"vpcRoutes,omitempty"`
}

// NodePlan is one kind node container.
type NodePlan struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// CNIPlan is the CNI with everything the checks expect of it.
type CNIPlan struct {
	Type string `json:"type"`
	Mode string `json:"mode"`
	// Encapsulation is vxlan, ipip or none (native routing).
	Encapsulation string `json:"encapsulation"`
	// VXLANPort is the UDP port of the overlay, when Encapsulation is vxlan.
	VXLANPort int `json:"vxlanPort,omitempty"`
	// Overhead is the bytes encapsulation adds; PodMTU = UplinkMTU - Overhead.
	Overhead  int `json:"overhead"`
	UplinkMTU int `json:"uplinkMTU"`
	PodMTU    int `json:"podMTU"`
	// EnforcesNetworkPolicy tells whether NetworkPolicy objects take effect.
	EnforcesNetworkPolicy bool `json:"enforcesNetworkPolicy"`
	// CrossClusterSource is masquerade (peers see the node IP) or preserve (peers see the Pod IP).
	CrossClusterSource string `json:"crossClusterSource"`
	// NonMasqueradeCIDRs are destinations the CNI must not masquerade to (with preserve).
	NonMasqueradeCIDRs []netip.Prefix `json:"nonMasqueradeCIDRs,omitempty"`
	// Hubble is Cilium's flow observability, on in the agent (Cilium only).
	Hubble bool `json:"hubble,omitempty"`
}

// MetalLBPlan is the cluster's LoadBalancer address pool.
type MetalLBPlan struct {
	// Addresses are the pool's blocks as written or allocated (CIDR or first-last).
	Addresses []string `json:"addresses"`
	Size      int64    `json:"size"`
}

// IngressPlan is the cluster's ingress controller.
type IngressPlan struct {
	Controller string `json:"controller"`
	// GatewayAPI: the controller also implements the Gateway API (CRDs, GatewayClass, Gateway).
	GatewayAPI bool `json:"gatewayAPI,omitempty"`
	// Address is the LoadBalancer address its Service asks MetalLB for: the first of the pool
	// (unset without MetalLB).
	Address netip.Addr `json:"address,omitzero"`
}

// GlobalLBPlan is the global load balancer: one container with a leg on each member cluster's
// subnet, spreading requests for Host over the members' ingress addresses.
type GlobalLBPlan struct {
	Container string `json:"container"`
	// Host is the name every member's ingress serves for it, and the one clients send.
	Host    string           `json:"host"`
	Members []GlobalLBMember `json:"members"`
	// Front is a leg of its own where its clients are (the DMZ's, for the DMZ load balancer);
	// zero for the global load balancer, whose clients come from the members' subnets.
	Front LBLeg `json:"front,omitzero"`
}

// LBLeg is a load balancer's address on a Docker network.
type LBLeg struct {
	Network string     `json:"network"`
	Address netip.Addr `json:"address"`
}

// DMZPlan is seed pattern 4's entry from outside, in a subnet of its own: a user stand-in (the
// subnet's VPC client), the WAF in front, and the DMZ load balancer behind it, which spreads
// requests over the member clusters' ingress as the global load balancer does.
type DMZPlan struct {
	VPC     string       `json:"vpc"`
	Subnet  string       `json:"subnet"`
	Network string       `json:"network"`
	CIDR    netip.Prefix `json:"cidr"`
	// Client is where the user stand-in sends from: the subnet's VPC client.
	Client netip.Addr `json:"client"`
	WAF    WAFPlan    `json:"waf"`
	// LB is the DMZ load balancer; its Front leg is in the DMZ subnet, where the WAF sends.
	LB GlobalLBPlan `json:"loadBalancer"`
	// Chain is the clusters a request from outside passes through after the DMZ, in order.
	Chain []ChainHop `json:"chain,omitempty"`
}

// ChainHop is one cluster of the DMZ's chain and how the hop before reaches it: at its ingress
// controller (Ingress, with Host) or, without one, at an HTTP LoadBalancer Service of the check
// workloads, whose address MetalLB assigns when the lab runs.
type ChainHop struct {
	Cluster string     `json:"cluster"`
	Ingress netip.Addr `json:"ingress,omitzero"`
	Host    string     `json:"host,omitempty"`
}

// WAFPlan is the DMZ's web application firewall: netlab's own image ('netlab waf') at Address,
// the rule engine on at Port and off at PortOff (for the negative control), its counters at
// PortCounters.
type WAFPlan struct {
	Container    string     `json:"container"`
	Address      netip.Addr `json:"address"`
	Port         int        `json:"port"`
	PortOff      int        `json:"portOff"`
	PortCounters int        `json:"portCounters"`
}

// GlobalLBMember is one cluster behind the global load balancer.
type GlobalLBMember struct {
	Cluster string `json:"cluster"`
	// Network and Address are the load balancer's leg on the cluster's subnet.
	Network string     `json:"network"`
	Address netip.Addr `json:"address"`
	// Ingress is the cluster's ingress controller's LoadBalancer address, where requests go.
	Ingress netip.Addr `json:"ingress"`
}

// VPCRoute is one route of a node's VPC route table.
type VPCRoute struct {
	CIDR netip.Prefix `json:"cidr"`
	Via  netip.Addr   `json:"via"`
	// Target names what Via is, e.g. "tgw".
	Target string `json:"target"`
}

// TGWPlan is the transit gateway: its container, legs and route tables.
type TGWPlan struct {
	Name        string           `json:"name"`
	ASN         int64            `json:"asn"`
	Container   string           `json:"container"`
	Attachments []AttachmentPlan `json:"attachments"`
	RouteTables []RouteTablePlan `json:"routeTables"`
}

// AttachmentPlan is a VPC attachment with the TGW's leg in each attached subnet.
type AttachmentPlan struct {
	Name    string       `json:"name"`
	VPC     string       `json:"vpc"`
	VPCCIDR netip.Prefix `json:"vpcCIDR"`
	Legs    []TGWLeg     `json:"legs"`
	// PodRoutes are the Pod CIDRs behind the VPC's clusters; the TGW reaches them through nodes.
	PodCIDRs []netip.Prefix `json:"podCIDRs,omitempty"`
}

// TGWLeg is one interface of the TGW container.
type TGWLeg struct {
	Subnet  string     `json:"subnet"`
	Network string     `json:"network"`
	Address netip.Addr `json:"address"`
}

// RouteTablePlan is a TGW route table and its effective routes.
type RouteTablePlan struct {
	Name         string   `json:"name"`
	Associations []string `json:"associations"`
	Propagations []string `json:"propagations"`
	// Routes are the effective routes, longest prefix first.
	Routes []TGWRoute `json:"routes"`
}

// TGWRoute is an effective route: propagated or static, to an attachment or a blackhole.
type TGWRoute struct {
	CIDR netip.Prefix `json:"cidr"`
	// Attachment is empty for a blackhole.
	Attachment string `json:"attachment,omitempty"`
	Blackhole  bool   `json:"blackhole,omitempty"`
	Type       string `json:"type"`
}

// IstioPlan is the mesh.
type IstioPlan struct {
	MeshID         string             `json:"meshID"`
	MTLS           string             `json:"mtls"`
	EastWestExpose string             `json:"eastWestExpose"`
	Clusters       []IstioClusterPlan `json:"clusters"`
	MultiNetwork   bool               `json:"multiNetwork"`
}

// IstioClusterPlan is one mesh member.
type IstioClusterPlan struct {
	Cluster string `json:"cluster"`
	Network string `json:"network"`
}

// ChecksPlan is the selection of packet paths to prove.
type ChecksPlan struct {
	Paths []string `json:"paths"`
	Perf  bool     `json:"perf"`
}

// Cluster returns the planned cluster with the given name.
func (p *Plan) Cluster(name string) (*ClusterPlan, bool) {
	for i := range p.Clusters {
		if p.Clusters[i].Name == name {
			return &p.Clusters[i], true
		}
	}
	return nil, false
}

// VPC returns the planned VPC with the given name.
func (p *Plan) VPC(name string) (*VPCPlan, bool) {
	for i := range p.VPCs {
		if p.VPCs[i].Name == name {
			return &p.VPCs[i], true
		}
	}
	return nil, false
}

// LabCIDRs are every range the lab owns: its VPCs and their subnets, and each cluster's Pod and
// Service CIDRs, masked, without duplicates, in address order (shorter prefix first). Checks may
// send traffic only there (and to loopback); nodes answer the ones they have no route for with
// ICMP unreachable instead of sending them off the machine (see provision's guard step).
func (p *Plan) LabCIDRs() []netip.Prefix {
	set := map[netip.Prefix]bool{}
	add := func(pf netip.Prefix) {
		if pf.IsValid() {
			set[pf.Masked()] = true
		}
	}
	for _, v := range p.VPCs {
		add(v.CIDR)
		for _, s := range v.Subnets {
			add(s.CIDR)
		}
	}
	for _, c := range p.Clusters {
		add(c.PodCIDR)
		add(c.ServiceCIDR)
	}
	out := make([]netip.Prefix, 0, len(set))
	for pf := range set {
		out = append(out, pf)
	}
	slices.SortFunc(out, ComparePrefixes)
	return out
}

// Strings is the text of each value: prefixes or addresses as their consumers' string lists want.
func Strings[T fmt.Stringer](xs []T) []string {
	if xs == nil {
		return nil
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.String()
	}
	return out
}

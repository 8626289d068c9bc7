// Package plan turns a scenario file into a validated, fully resolved Plan.
//
// The flow is one way: Load (strict parse of the file) → Resolve (defaults, CIDR allocation,
// validation) → Plan, a plain value that provisioning and the checks consume. Nothing in this
// package does I/O beyond reading the bytes it is given.
//
// Field names here are the scenario file's keys (yaml tags); docs/scenario.md documents each one.
package plan

// APIVersion and Kind identify a scenario file.
const (
	APIVersion = "netlab.dev/v1alpha1"
	Kind       = "Scenario"
)

// Scenario is the file as written. Optional fields are zero when absent; Resolve fills them in.
type Scenario struct {
	APIVersion     string          `yaml:"apiVersion"`
	Kind           string          `yaml:"kind"`
	Metadata       Metadata        `yaml:"metadata"`
	Defaults       Defaults        `yaml:"defaults"`
	VPCs           []VPC           `yaml:"vpcs"`
	Clusters       []Cluster       `yaml:"clusters"`
	TransitGateway *TransitGateway `yaml:"transitGateway"`
	Istio          *Istio          `yaml:"istio"`
	// GlobalLoadBalancer is seed pattern 1's load balancer in front of several clusters' ingress.
	GlobalLoadBalancer *GlobalLoadBalancer `yaml:"globalLoadBalancer"`
	// DMZ is seed pattern 4's entry from outside: a WAF and a load balancer in a subnet of their own.
	DMZ    *DMZ   `yaml:"dmz"`
	Checks Checks `yaml:"checks"`
	// DNS and Egress say what of the lab may reach past this machine (docs/scenario.md, "Outside").
	DNS    DNS    `yaml:"dns"`
	Egress string `yaml:"egress"`
}

// DNS says where the lab's CoreDNS sends the names it does not own.
type DNS struct {
	// Upstream forwards names outside the cluster and the lab's zones to the node's resolver
	// (Docker's, then the host's), as kind does; false (the default) answers them NXDOMAIN in the lab.
	Upstream bool `yaml:"upstream"`
}

// Metadata names the scenario.
type Metadata struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// Defaults apply to every cluster that does not set the field itself.
type Defaults struct {
	NodeImage string `yaml:"nodeImage"`
}

// VPC is one Docker network per subnet, inside the VPC's CIDR.
type VPC struct {
	Name    string   `yaml:"name"`
	CIDR    string   `yaml:"cidr"`
	MTU     int      `yaml:"mtu"`
	Subnets []Subnet `yaml:"subnets"`
}

// Subnet is a Docker network. Nodes take addresses from its lower half.
type Subnet struct {
	Name string `yaml:"name"`
	CIDR string `yaml:"cidr"`
}

// Cluster is one kind cluster.
type Cluster struct {
	Name            string          `yaml:"name"`
	VPC             string          `yaml:"vpc"`
	Subnet          string          `yaml:"subnet"`
	ControlPlanes   *int            `yaml:"controlPlanes"`
	Workers         *int            `yaml:"workers"`
	NodeImage       string          `yaml:"nodeImage"`
	PodCIDR         string          `yaml:"podCIDR"`
	ServiceCIDR     string          `yaml:"serviceCIDR"`
	CNI             CNI             `yaml:"cni"`
	KubeProxy       KubeProxy       `yaml:"kubeProxy"`
	MetalLB         *MetalLB        `yaml:"metallb"`
	Ingress         *Ingress        `yaml:"ingress"`
	NetworkPolicies []NetworkPolicy `yaml:"networkPolicies"`
}

// CNI selects the network plugin and its datapath mode.
type CNI struct {
	Type string `yaml:"type"`
	Mode string `yaml:"mode"`
	// CrossClusterSource is what a server in another cluster sees as the source of this cluster's
	// Pods: "masquerade" (the node IP; the CNI's default) or "preserve" (the Pod IP).
	CrossClusterSource string `yaml:"crossClusterSource"`
	// Hubble turns on Cilium's flow observability in the agent (Cilium only; off by default).
	Hubble bool `yaml:"hubble"`
}

// KubeProxy selects the service datapath.
type KubeProxy struct {
	Mode string `yaml:"mode"`
}

// MetalLB gives LoadBalancer Services addresses from the cluster's subnet (L2 mode).
type MetalLB struct {
	Addresses []string `yaml:"addresses"`
}

// Ingress installs an ingress controller.
type Ingress struct {
	Controller string `yaml:"controller"`
	// GatewayAPI also installs the Gateway API (its standard CRDs, a GatewayClass and a Gateway)
	// with the controller as its implementation (Traefik only).
	GatewayAPI bool `yaml:"gatewayAPI"`
}

// GlobalLoadBalancer spreads requests over the ingress controllers of the clusters it lists (at
// least two, each with ingress and MetalLB), with health checks: a cluster whose ingress stops
// answering gets no more requests until it answers again.
type GlobalLoadBalancer struct {
	Clusters []string `yaml:"clusters"`
}

// DMZ is the entry from outside of seed pattern 4, in subnet Subnet of VPC VPC (a subnet no
// cluster uses): a WAF (Coraza with the OWASP Core Rule Set) in front of a load balancer that
// spreads requests over the ingress controllers of Clusters (one or more, in the same VPC, each
// with ingress and MetalLB). The subnet's VPC client plays the user.
type DMZ struct {
	VPC      string   `yaml:"vpc"`
	Subnet   string   `yaml:"subnet"`
	Clusters []string `yaml:"clusters"`
	// Chain is the clusters a request from outside passes through after the DMZ, in order (seed
	// pattern 4: web, was, gpu): the first is one of Clusters; each next is reached at its
	// ingress controller's address, or at an HTTP LoadBalancer Service when it has no ingress.
	Chain []string `yaml:"chain"`
}

// NetworkPolicy is an egress allow-list for the Pods a selector picks.
type NetworkPolicy struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	PodSelector map[string]string `yaml:"podSelector"`
	EgressAllow []EgressRule      `yaml:"egressAllow"`
}

// EgressRule allows traffic to a CIDR on some ports (all ports when empty).
type EgressRule struct {
	CIDR     string `yaml:"cidr"`
	Ports    []int  `yaml:"ports"`
	Protocol string `yaml:"protocol"`
}

// TransitGateway routes between VPCs with AWS route-table semantics.
type TransitGateway struct {
	Name        string       `yaml:"name"`
	ASN         int64        `yaml:"asn"`
	Attachments []Attachment `yaml:"attachments"`
	RouteTables []RouteTable `yaml:"routeTables"`
}

// Attachment joins a VPC to the transit gateway, with one interface in each listed subnet.
type Attachment struct {
	Name    string   `yaml:"name"`
	VPC     string   `yaml:"vpc"`
	Subnets []string `yaml:"subnets"`
}

// RouteTable is a TGW route table. Associations pick the table for traffic arriving from an
// attachment; propagations install an attachment's VPC CIDR; routes are static.
type RouteTable struct {
	Name         string   `yaml:"name"`
	Associations []string `yaml:"associations"`
	Propagations []string `yaml:"propagations"`
	Routes       []Route  `yaml:"routes"`
}

// Route is a static TGW route: to an attachment, or a blackhole.
type Route struct {
	CIDR       string `yaml:"cidr"`
	Attachment string `yaml:"attachment"`
	Blackhole  bool   `yaml:"blackhole"`
}

// Istio is a multi-primary mesh across clusters.
type Istio struct {
	MeshID          string          `yaml:"meshID"`
	Clusters        []IstioCluster  `yaml:"clusters"`
	EastWestGateway EastWestGateway `yaml:"eastWestGateway"`
	MTLS            string          `yaml:"mtls"`
}

// IstioCluster puts a cluster in the mesh on a network.
type IstioCluster struct {
	Cluster string `yaml:"cluster"`
	Network string `yaml:"network"`
}

// EastWestGateway says how each cluster's east-west gateway is reached from the others.
type EastWestGateway struct {
	Expose string `yaml:"expose"`
}

// Checks selects the packet paths to prove (ids or globs from the catalogue).
type Checks struct {
	Paths   []string `yaml:"paths"`
	Exclude []string `yaml:"exclude"`
	Perf    bool     `yaml:"perf"`
}

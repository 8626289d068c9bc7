package checks

import (
	"context"
	"fmt"
	"time"

	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/labca"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/probe/node"
	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/waf"
)

// Lab is everything a check asks of a running lab: probes run from a Where, node evidence, the
// few Kubernetes reads and writes the checks need (as values, never client-go objects), the
// transit gateway's route view and its blackhole switch, and the locks that keep negative controls
// apart from the checks they would disturb. checks/live implements it against a real lab; tests
// implement it with canned results.
type Lab interface {
	// Cluster is the named cluster's nodes and probe Pods, as found when the lab was prepared.
	Cluster(name string) (*Cluster, error)
	// ClientOn is the VPC client container on a Docker network (a cluster's subnet, the DMZ's).
	ClientOn(network string) (*Client, error)

	// TCP, UDPDF and HTTP call target from w and return what the server reported. A probe that
	// ran returns its result (OK false when nothing answered) and possibly an error; a probe that
	// could not run at all returns a result without Proto. HTTP sends host as the Host header
	// ("" keeps the URL's); an answer that is not the probe's echo (an ingress controller's 404)
	// has its status in HTTPStatus and OK false.
	TCP(ctx context.Context, w Where, target string) (probe.Result, error)
	UDPDF(ctx context.Context, w Where, target string, size int) (probe.Result, error)
	HTTP(ctx context.Context, w Where, url, host string) (probe.Result, error)
	DNS(ctx context.Context, w Where, server, name string) (probe.DNSResult, error)
	// Chain sends, from w, a request for url (with host) that the echo there relays along legs,
	// asking for a streamed answer (probe.Client.Chain); Result.RelayStop names the hop where a
	// broken chain stopped.
	Chain(ctx context.Context, w Where, url, host string, legs []probe.RelayLeg) (probe.Result, error)
	Bulk(ctx context.Context, w Where, target string, d time.Duration) (probe.BulkResult, error)
	RR(ctx context.Context, w Where, target string, count int) (probe.RRResult, error)
	// HTTPBulk and HTTPRR are Bulk and RR through HTTP proxies (an ingress controller): the
	// echo's bulk answer at url (with host) read for d, and GET round trips over one kept-alive
	// connection.
	HTTPBulk(ctx context.Context, w Where, url, host string, d time.Duration) (probe.BulkResult, error)
	HTTPRR(ctx context.Context, w Where, url, host string, count int) (probe.RRResult, error)
	// Baseline is the host's two-namespace measurement the perf figures are compared with.
	Baseline(ctx context.Context) (probe.BaselineResult, error)

	// Node evidence, read where w runs (OnNode for a node's, InPod for a Pod's).
	Links(ctx context.Context, w Where) ([]node.Interface, error)
	Routes(ctx context.Context, w Where) ([]node.Route, error)
	KubeProxy(ctx context.Context, w Where) (node.KubeProxyRules, error)
	Conntrack(ctx context.Context, w Where, dst string, port int, proto string) ([]node.ConntrackEntry, error)
	// CiliumServices is Cilium's eBPF service map on a node of a Cilium cluster, as its agent
	// lists it ('cilium-dbg service list').
	CiliumServices(ctx context.Context, cluster, nodeName string) ([]node.CiliumService, error)
	// Capture counts, for d, the VXLAN datagrams to ports on interface ifname whose inner packet
	// belongs to flow (forward and reply apart).
	Capture(ctx context.Context, w Where, ifname string, ports []int, flow node.InnerFlow, d time.Duration) (node.CaptureResult, error)

	// Service reads a Service of a cluster; Pods lists the running Pods of a workload (app label)
	// in the checks' namespace, sorted by name.
	Service(ctx context.Context, cluster, namespace, name string) (Service, error)
	Pods(ctx context.Context, cluster, app string) ([]Pod, error)
	// Scale sets a Deployment's replicas in the checks' namespace; WaitDeployment waits until all
	// of them are available.
	Scale(ctx context.Context, cluster, deployment string, replicas int32) error
	WaitDeployment(ctx context.Context, cluster, deployment string, d time.Duration) error
	// ScaleIngressController sets the replicas of cluster's ingress controller and waits (bounded
	// by d) until that many are ready, or for 0 until none runs.
	ScaleIngressController(ctx context.Context, cluster string, replicas int32, d time.Duration) error
	// ApplyEgressPolicy (re)creates the NetworkPolicy p in the checks' namespace;
	// DeleteNetworkPolicy removes it (no error when it is already gone).
	ApplyEgressPolicy(ctx context.Context, cluster string, p EgressPolicy) error
	DeleteNetworkPolicy(ctx context.Context, cluster, name string) error
	// NetworkPolicies names the scenario's NetworkPolicies present in the cluster (those 'up'
	// applies from its networkPolicies), as namespace/name, sorted.
	NetworkPolicies(ctx context.Context, cluster string) ([]string, error)

	// GRPC makes the mesh probe's gRPC call from w (xds:///NAME.svc.cluster.local:PORT through
	// the mesh, or an address in plain gRPC) and returns what the server reported.
	GRPC(ctx context.Context, w Where, target string) (probe.GRPCResult, error)
	// MeshEndpoints asks istiod in cluster for the endpoints it holds of host (a Service's name,
	// name.namespace.svc.cluster.local), grouped by the registry each came from ("Kubernetes/<cluster>":
	// istiod's endpoint shards): the addresses, sorted.
	MeshEndpoints(ctx context.Context, cluster, host string) (map[string][]string, error)
	// RemoveRemoteSecret deletes, in cluster, the remote secret through which its istiod reads
	// cluster remote's API server, and returns the function that puts it back as it was.
	RemoveRemoteSecret(ctx context.Context, cluster, remote string) (restore func() error, err error)
	// SetMeshMTLS sets the mTLS mode (STRICT, PERMISSIVE) of the checks' namespace in cluster and
	// returns the function that puts the scenario's mode back.
	SetMeshMTLS(ctx context.Context, cluster, mode string) (restore func() error, err error)

	// TGWTable is the transit gateway's kernel view of the plan's route table name.
	TGWTable(ctx context.Context, name string) (api.TableView, error)
	// Blackhole makes cidr a blackhole in the TGW route table t (through its EC2 API) and returns
	// the function that repairs it.
	Blackhole(ctx context.Context, t api.TableView, cidr string) (restore func() error, err error)
	// RouteTo points cidr in the TGW route table t at the plan's attachment (through its EC2 API)
	// and returns the function that puts the table back as it was.
	RouteTo(ctx context.Context, t api.TableView, cidr, attachment string) (restore func() error, err error)

	// RouteStatus reads the status of the checks' HTTPRoute name (Gateway API) in cluster.
	RouteStatus(ctx context.Context, cluster, name string) (RouteStatus, error)

	// LabCA is the lab's certificate authority (package labca): what the certificates netlab
	// issues for the lab's TLS endpoints chain to.
	LabCA() (*labca.CA, error)

	// WAFCounters reads, from w, the counters a WAF serves at addr (ip:port; package waf).
	WAFCounters(ctx context.Context, w Where, addr string) (waf.Snapshot, error)

	// EgressGuard reads the counters of the lab's egress guard on the host (package egress).
	EgressGuard(ctx context.Context) (egress.Counters, error)
	// Canary sends, from w, the one datagram the egress guard's negative control sends: UDP to
	// egress.Canary, an address outside every lab, which the guard must refuse and count.
	Canary(ctx context.Context, w Where) error

	// Lock serializes checks that change shared workloads against the checks that use them:
	// exclusive for the changer, shared for users.
	Lock(name string, exclusive bool) (unlock func())
}

// Node is a Kubernetes node of the lab.
type Node struct {
	Name string
	IP   string // InternalIP: its address on the VPC network
	// PodCIDR is the node's Pod range: Node.spec.podCIDR, or under Cilium the first range of its
	// CiliumNode (cluster-pool IPAM).
	PodCIDR string
}

// Pod is a probe Pod.
type Pod struct {
	Name string
	Node string
	IP   string
}

// Client is a container on a VPC subnet, at the address the plan reserves for it: a client
// "outside the cluster, on the VPC network", and a server for egress checks.
type Client struct {
	Name    string
	Network string
	IP      string
	VPC     string
	CIDR    string // the subnet's
}

// Cluster is one cluster's nodes and the probe Pods found in it.
type Cluster struct {
	Plan  plan.ClusterPlan
	Nodes []Node
	// Probe and Host are the DaemonSet Pods by node name.
	Probe map[string]Pod
	Host  map[string]Pod
}

// Node returns the node by name.
func (c *Cluster) Node(name string) (Node, bool) {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// NodeByIP returns the node with the given InternalIP.
func (c *Cluster) NodeByIP(ip string) (Node, bool) {
	for _, n := range c.Nodes {
		if n.IP == ip {
			return n, true
		}
	}
	return Node{}, false
}

// ContainerProbe is the probe container of every check workload.
const ContainerProbe = "probe"

// InPod is the probe container of Pod p.
func (c *Cluster) InPod(p Pod) Where {
	return Where{Cluster: c.Plan.Name, Pod: p.Name, Container: ContainerProbe}
}

// OnNode is the hostNetwork probe on node n.
func (c *Cluster) OnNode(n string) Where {
	return Where{Cluster: c.Plan.Name, Pod: c.Host[n].Name, Container: ContainerProbe}
}

// Where names the place a probe command runs: a container of a Pod, or a VPC client container.
type Where struct {
	Cluster   string
	Pod       string
	Container string
	Client    string // a VPC client container's name, instead of a Pod
}

// InClient is a VPC client container.
func InClient(cl *Client) Where { return Where{Client: cl.Name} }

func (w Where) String() string {
	if w.Client != "" {
		return "container " + w.Client
	}
	return fmt.Sprintf("%s/%s/%s", w.Cluster, w.Pod, w.Container)
}

// RouteStatus is what a Gateway API route's status says, per parent Gateway.
type RouteStatus struct {
	Parents []RouteParent
}

// RouteParent is a route's status for one Gateway ("namespace/name"), as the controller that
// implements it wrote it.
type RouteParent struct {
	Gateway, Controller    string
	Accepted, ResolvedRefs Condition
}

// Condition is a status condition's status ("True", "False", "Unknown"; "" when absent) and reason.
type Condition struct {
	Status, Reason string
}

// Service is what the checks read of a Kubernetes Service.
type Service struct {
	Name      string
	Type      string // ClusterIP, NodePort or LoadBalancer
	ClusterIP string
	// NodePort is the node port of the port named tcp (0 when none).
	NodePort int
	// LoadBalancerIPs are the addresses in its status (MetalLB's), in order.
	LoadBalancerIPs     []string
	HealthCheckNodePort int
}

// LoadBalancerIP is the first LoadBalancer address, once one is assigned.
func (s Service) LoadBalancerIP() string {
	for _, ip := range s.LoadBalancerIPs {
		if ip != "" {
			return ip
		}
	}
	return ""
}

// EgressPolicy is a NetworkPolicy that lets the Pods of app reach only CIDR on TCP port Port.
type EgressPolicy struct {
	Name string
	App  string
	CIDR string
	Port int
}

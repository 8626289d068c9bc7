// Package paths is the catalogue of packet-path ids from PATHS.md: stable names used in scenarios,
// on the CLI (netlab check --path ID|GLOB), in reports and in docs/paths/<id>.md.
//
// It is pure data with no dependencies, so that the scenario planner can validate path selections and
// the check runner can attach behaviour to the same ids.
package paths

import (
	"path"
	"sort"
)

// Scope says where a path lives.
type Scope string

const (
	InCluster    Scope = "in-cluster"
	CrossCluster Scope = "cross-cluster"
	// Lab is a property of the whole lab rather than a path between two places.
	Lab Scope = "lab"
)

// Path is one entry of the catalogue.
type Path struct {
	ID    string `json:"id"`
	Scope Scope  `json:"scope"`
	Title string `json:"title"`
	// Evidence is the defining evidence a check of this path must assert (PATHS.md, in short).
	Evidence string `json:"evidence"`
}

var all = []Path{
	{"pod/localhost", InCluster, "containers of one Pod share one network namespace", "B answers on 127.0.0.1 from A; both report the same Pod IP"},
	{"pod-to-pod/same-node", InCluster, "Pod to Pod on one node through the node bridge or an eBPF redirect", "server sees the client Pod IP; TTL tells bridged from routed"},
	{"pod-to-pod/cross-node", InCluster, "Pod to Pod across nodes, encapsulated or natively routed", "server sees the client Pod IP; VXLAN on the uplink and Pod MTU = uplink - 50, or a native route and no encapsulation"},
	{"node/to-pod", InCluster, "a node reaches a Pod without NAT", "the Pod sees the node's real IP"},
	{"node/from-pod", InCluster, "a Pod reaches its node without NAT", "the node sees the Pod's real IP"},
	{"dns/cluster-local", InCluster, "CoreDNS answers svc.ns.svc.cluster.local", "the answer equals the ClusterIP; a missing name gets NXDOMAIN"},
	{"service/clusterip", InCluster, "ClusterIP DNAT by kube-proxy or Cilium to a backend Pod", "replies come from several backend Pod IPs; the rules of the mode in use exist and no others"},
	{"service/nodeport", InCluster, "NodeIP:NodePort DNAT to a Pod", "answers on every node's IP"},
	{"service/loadbalancer", InCluster, "MetalLB IP to a node to a Pod", "the IP comes from the scenario's pool; a VPC client reaches it"},
	{"service/etp-cluster", InCluster, "externalTrafficPolicy Cluster SNATs to a node IP", "a request landing on a node without a backend shows a node IP at the backend"},
	{"service/etp-local", InCluster, "externalTrafficPolicy Local keeps the client IP", "the backend sees the client IP; a node without a backend does not answer"},
	{"ingress/host-path", InCluster, "LB to ingress controller to a Host/Path rule to a Pod", "host and path pick different backends; an unknown host gets the default backend"},
	{"egress/snat", InCluster, "Pod to outside the cluster, SNAT to the node IP", "a server on the VPC network sees the node IP"},
	{"netpol/egress-allowlist", InCluster, "NetworkPolicy allows egress only to a CIDR and port", "the allowed port connects, others do not; without the policy they do"},
	{"mtu/path", InCluster, "encapsulation lowers the usable MTU", "a DF packet of Pod MTU crosses nodes; one byte more does not"},
	{"cross-cluster/tgw-pod", CrossCluster, "Pod in A to Pod in B through the transit gateway", "the extra TGW hop shows in counters or TTL; source IP as declared"},
	{"cross-cluster/tgw-internal-lb", CrossCluster, "Pod in A to an internal LoadBalancer IP in VPC B through the TGW", "the LB IP answers across VPCs; a blackhole route stops it"},
	{"cross-cluster/overlap-refused", CrossCluster, "the TGW needs non-overlapping routed CIDRs", "netlab validate refuses overlapping routed CIDRs, naming both"},
	{"cross-cluster/tgw-isolation", CrossCluster, "TGW route tables keep a pair of VPCs apart, on the way there or back", "no answer, and the TGW's counters show which table dropped it; without the blocking route the pair connects"},
	{"dns/cross-cluster", CrossCluster, "CoreDNS forwards another cluster's zone to its DNS", "a name of cluster B resolves from A to B's address"},
	{"mesh/east-west", CrossCluster, "Istio multi-primary through east-west gateways with mTLS", "a service only in B answers by name from A with a SPIFFE identity, via the gateway"},
	{"mesh/remote-discovery", CrossCluster, "each istiod reads the other cluster's API through a remote secret", "istiod in A lists endpoints of B's service"},
	{"gateway/global-lb", CrossCluster, "a global LB in front of each cluster's ingress", "requests spread over both clusters; with one down, all land on the other"},
	{"ingress/gateway-api", InCluster, "Gateway API: Gateway to an HTTPRoute's host/path match to a Pod", "host and path pick the backends the HTTPRoute names; its status says Accepted; an unknown host gets 404"},
	{"dmz/waf", CrossCluster, "user to WAF to the DMZ load balancer to a cluster's ingress", "an attack is refused at the WAF and never reaches the backend; a clean request passes"},
	{"chain/user-to-llm", CrossCluster, "pattern 4: WAF, DMZ LB, Web, WAS, and the GPU cluster's LB through the TGW, streamed", "every hop in order with the source it saw; the TGW hop; the answer streamed in several chunks"},
	// Beyond PATHS.md (netlab's own, asked for by its issues; listed in Extra).
	{"lab/hermetic", Lab, "nothing leaves the machine unless the scenario allows it", "the host's egress guard counts 0 packets that left; a name outside the lab gets NXDOMAIN from the lab with no query leaving; a canary datagram to an outside address is refused and counted, never sent"},
}

// Extra are the ids netlab adds after PATHS.md's, in order.
var Extra = []string{"lab/hermetic"}

// All returns the catalogue in PATHS.md order.
func All() []Path { return append([]Path(nil), all...) }

// Lookup returns the path with the given id.
func Lookup(id string) (Path, bool) {
	for _, p := range all {
		if p.ID == id {
			return p, true
		}
	}
	return Path{}, false
}

// IDs returns every id in catalogue order.
func IDs() []string {
	ids := make([]string, len(all))
	for i, p := range all {
		ids[i] = p.ID
	}
	return ids
}

// ValidPattern reports whether pattern is well formed (path.Match syntax).
func ValidPattern(pattern string) bool {
	_, err := path.Match(pattern, "")
	return err == nil
}

// Match returns the ids that pattern selects: an exact id, a glob such as "service/*", or "*" for
// every path. The result is in catalogue order. A malformed pattern selects nothing.
func Match(pattern string) []string {
	var out []string
	for _, p := range all {
		if ok, err := path.Match(pattern, p.ID); pattern == "*" || (err == nil && ok) {
			out = append(out, p.ID)
		}
	}
	return out
}

// Select applies include patterns (all paths when empty) then exclude patterns, in catalogue order.
func Select(include, exclude []string) []string {
	chosen := map[string]bool{}
	if len(include) == 0 {
		include = []string{"*"}
	}
	for _, pat := range include {
		for _, id := range Match(pat) {
			chosen[id] = true
		}
	}
	for _, pat := range exclude {
		for _, id := range Match(pat) {
			delete(chosen, id)
		}
	}
	out := make([]string, 0, len(chosen))
	for id := range chosen {
		out = append(out, id)
	}
	order := map[string]int{}
	for i, p := range all {
		order[p.ID] = i
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i]] < order[out[j]] })
	return out
}

package explain

import (
	"fmt"
	"strings"

	"github.com/netlab-dev/netlab/plan"
)

// hops returns the hops of path id, filled in from x. Every catalogue id has an entry (tested).
func hops(id string, x *ctx) []string {
	a, b := x.nodeA, x.nodeB
	pod := func(n Node) string { return "a Pod on " + n.Name + " (an address of " + n.PodCIDR + ")" }
	switch id {
	case "pod/localhost":
		return []string{
			"container A and container B of one Pod join the pause container's network namespace (one eth0, one lo, one Pod IP)",
			"A connects to 127.0.0.1:port: the packet never leaves the namespace's loopback device",
			"B answers; both report the same Pod IP from the Downward API",
		}
	case "pod-to-pod/same-node":
		return []string{
			"the client, " + pod(a) + ": eth0 -> its veth peer in the node's namespace",
			"on " + a.Name + ": " + x.bridge(),
			"the server Pod's veth -> its eth0; the server sees the client Pod IP (no NAT)",
		}
	case "pod-to-pod/cross-node":
		return []string{
			"the client, " + pod(a) + ": eth0 (MTU " + x.podMTU() + ") -> veth -> the node's namespace",
			"node " + a.Name + " (" + a.IP + ") routes " + b.PodCIDR + " (TTL -1) into " + x.overlay(),
			"outer packet " + a.IP + " -> " + b.IP + " on eth0 across the VPC network",
			"node " + b.Name + " (" + b.IP + ") decapsulates and routes to " + pod(b) + " (TTL -1: the server sees 62)",
		}
	case "node/to-pod":
		return []string{
			"a process in " + a.Name + "'s own namespace (kubelet's probes, a hostNetwork agent) connects to a Pod IP",
			"same node: the route to " + a.PodCIDR + " is on cni0; source = cni0's address. Other node: via " + x.overlay() + "; source = the overlay device's address",
			"no NAT: the Pod sees an address of the node",
		}
	case "node/from-pod":
		return []string{
			pod(a) + " connects to its node's IP " + a.IP,
			"the packet enters the node's namespace from the veth and is delivered locally (INPUT), never through POSTROUTING",
			"no masquerade: the node sees the Pod IP",
		}
	case "dns/cluster-local":
		return []string{
			"a Pod's /etc/resolv.conf names the kube-dns ClusterIP (the 10th address of " + x.svcCIDR() + ") with search domains <ns>.svc.cluster.local",
			"the query to the ClusterIP is DNATed by " + x.kubeProxy() + " to a CoreDNS Pod",
			"CoreDNS's kubernetes plugin answers echo.netlab-checks.svc.cluster.local with " + x.clusterIP() + ", and NXDOMAIN for a Service that does not exist",
		}
	case "service/clusterip":
		return []string{
			"client Pod -> " + x.clusterIP() + ":7001, a virtual IP on no interface",
			"on the client's node, before routing: " + x.kubeProxy(),
			"conntrack records the DNAT (original destination the ClusterIP, reply source the backend Pod)",
			"the packet goes to the backend Pod like Pod-to-Pod traffic; the reply is un-DNATed on the way back",
		}
	case "service/nodeport":
		return []string{
			x.client() + " -> " + a.IP + ":<nodePort>",
			"on " + a.Name + ": KUBE-NODEPORTS (or the nftables nodeport map) DNATs to a backend; traffic from outside is marked for masquerade",
			"to a backend on another node: SNAT to " + a.Name + "'s address, then Pod-to-Pod across nodes",
		}
	case "service/loadbalancer":
		return []string{
			x.client() + " -> the LoadBalancer IP from the MetalLB pool " + x.pool(),
			"MetalLB's speaker on one node answers ARP for it (L2 mode): the packet reaches that node's eth0",
			"kube-proxy's rules for the LoadBalancer IP DNAT it to a backend, as for a NodePort",
		}
	case "service/etp-cluster":
		return []string{
			x.client() + " -> " + a.IP + ":<nodePort> of an externalTrafficPolicy: Cluster Service whose only backend runs on " + b.Name,
			"on " + a.Name + ": DNAT to the backend and masquerade (the mark from KUBE-EXT-*), so the reply comes back through " + a.Name,
			"the backend sees an address of " + a.Name + " (its egress device's: flannel.1 under VXLAN), not the client",
		}
	case "service/etp-local":
		return []string{
			x.client() + " -> " + b.IP + ":<nodePort> of an externalTrafficPolicy: Local Service, backend on " + b.Name,
			"DNAT to the local backend only, no masquerade: the backend sees the client's own IP",
			a.Name + " has no local backend: its rules drop the packet; its healthCheckNodePort answers 503 (200 on " + b.Name + ")",
		}
	case "ingress/host-path":
		return []string{
			"client -> the ingress controller's LoadBalancer IP",
			"the controller (a Pod) matches the Host header and path against the Ingress rules",
			"it proxies to the matching Service's ClusterIP -> a backend; an unknown host gets the default backend (404)",
		}
	case "egress/snat":
		return []string{
			pod(a) + " -> " + x.clientAddr() + " on the VPC network, outside the Pod network",
			"on " + a.Name + ": POSTROUTING, " + x.masq(),
			"the server outside the cluster sees " + a.Name + "'s IP " + a.IP,
		}
	case "netpol/egress-allowlist":
		return []string{
			"a NetworkPolicy selects the client Pod, policyTypes [Egress], one rule: to the client address /32, TCP 7001",
			"the CNI's policy agent programs filters on the Pod's veth (" + x.netpolAgent() + ")",
			"allowed: 7001 connects; denied: any other port or address is dropped (times out) or rejected",
		}
	case "mtu/path":
		return []string{
			"client Pod eth0 MTU " + x.podMTU() + " (the node's uplink minus the encapsulation's overhead)",
			"a UDP datagram with Don't Fragment of exactly that size crosses " + x.overlay(),
			"one byte more: the Pod's own stack refuses it (EMSGSIZE), as no fragment may be made",
		}
	case "cross-cluster/tgw-pod":
		dst := "<a Pod IP in the server cluster>"
		if x.d != nil {
			dst = x.peerNode.PodCIDR
			if strings.HasPrefix(dst, "<") {
				dst = x.d.PodCIDR.String()
			}
		}
		h := []string{"the client, " + pod(a) + ", -> a Pod of cluster " + x.dName() + " (" + dst + ")"}
		h = append(h, "on "+a.Name+": POSTROUTING, "+x.crossSource())
		h = append(h, x.tgwHops(dst)...)
		h = append(h, "TGW -> node "+x.peerNode.Name+" ("+x.peerNode.IP+", the VPC route table's route to its ENI for its Pod range) -> the Pod; TTL at the server 61")
		return h
	case "cross-cluster/tgw-internal-lb":
		lb := "<a LoadBalancer IP of the server cluster's pool>"
		if x.d != nil && x.d.MetalLB != nil && len(x.d.MetalLB.Addresses) > 0 {
			lb = x.d.MetalLB.Addresses[0]
			if i := strings.Index(lb, "-"); i > 0 {
				lb = lb[:i]
			} else if i := strings.Index(lb, "/"); i > 0 {
				lb = lb[:i]
			}
		}
		h := []string{"the client, " + pod(a) + ", -> " + lb + ", an internal LoadBalancer address of VPC " + x.dVPC()}
		h = append(h, x.tgwHops(lb)...)
		h = append(h, "TGW leg in the server's subnet -> ARP for the LB IP, answered by MetalLB's speaker on a node of "+x.dName(), "that node DNATs to a backend (kube-proxy), as for any LoadBalancer traffic")
		return h
	case "cross-cluster/overlap-refused":
		return []string{
			"the planner collects every routed range: VPC and subnet CIDRs, Pod CIDRs, the MetalLB pools",
			"a TGW forwards by destination only, so two attached owners of one address would make a route ambiguous",
			"'netlab validate' refuses such a scenario, naming both ranges and their owners",
		}
	case "dns/cross-cluster":
		zone := "<B>.netlab"
		if x.d != nil {
			zone = x.d.Name + ".netlab"
		}
		return []string{
			"a Pod in cluster " + x.cName() + " asks its CoreDNS (kube-dns ClusterIP) for echo-headless.netlab-checks.svc." + zone,
			"CoreDNS " + x.cName() + " has a server block for " + zone + ": rewrite the suffix to cluster.local, forward to cluster " + x.dName() + "'s CoreDNS on its internal LoadBalancer address (Service kube-system/netlab-dns, from the MetalLB pool of VPC " + x.dVPC() + ")",
			"that address is reached through the transit gateway (the VPC route and the TGW route table, as for any address of VPC " + x.dVPC() + ")",
			"CoreDNS " + x.dName() + " answers with the headless Service's Pod IP, which the client then reaches across the TGW",
		}
	case "mesh/east-west":
		return []string{
			"app -> its sidecar (Envoy) by iptables REDIRECT; the sidecar knows the remote endpoints from istiod",
			"sidecar -> the local cluster's view of the remote east-west gateway (mTLS, SNI names the service)",
			"remote east-west gateway (AUTO_PASSTHROUGH) -> the server's sidecar -> app; the server sees the client's SPIFFE identity",
		}
	case "mesh/remote-discovery":
		return []string{
			"a remote secret in cluster A holds a kubeconfig for cluster B's API server",
			"istiod in A watches B's Services and endpoints through it",
			"A's sidecars receive B's endpoints (behind B's east-west gateway on another network)",
		}
	case "gateway/global-lb":
		return []string{
			"client -> a global load balancer in front of every cluster's ingress",
			"it spreads requests over the clusters' ingress controllers (overlapping Pod CIDRs do not matter: no Pod IP crosses)",
			"with one cluster's ingress down, every request lands on the other",
		}
	case "ingress/gateway-api":
		return []string{
			"client -> the Gateway's LoadBalancer address (MetalLB) -> the Gateway API controller's Pod",
			"the controller matches the HTTPRoute's hostnames and path prefixes, in the order Gateway API defines",
			"-> the backend Service the matching rule names -> kube-proxy DNAT -> a backend Pod; no match: 404",
		}
	case "dmz/waf":
		return []string{
			"user -> the WAF in the DMZ, which inspects each request against its rule set",
			"a request that matches an attack rule ends there (403); the backend never sees it",
			"a clean request -> the DMZ load balancer -> a cluster's LoadBalancer address and ingress",
		}
	case "chain/user-to-llm":
		return []string{
			"user -> WAF -> DMZ load balancer -> the Web cluster's LB and ingress -> a Web Pod",
			"Web Pod -> the WAS cluster's LB in the same VPC (routed between subnets) -> ingress -> a WAS Pod",
			"WAS Pod -> the GPU cluster's internal LB across the transit gateway -> an inference Pod",
			"the inference Pod answers as a stream (Server-Sent Events), chunk after chunk back along the chain",
		}
	case "cross-cluster/tgw-isolation":
		return []string{
			"Pod in " + x.cName() + " -> node route to the TGW leg in its subnet -> the TGW route table of its attachment",
			"that table has no route, or a blackhole, for the destination (forward), or the return table has none for the reply's destination (the client Pod IP when preserved, the node IP when masqueraded)",
			"the packet is dropped at the TGW; the table's counters show which direction dropped it",
		}
	}
	return nil
}

func (x *ctx) podMTU() string {
	if x.c == nil {
		return "<Pod MTU>"
	}
	return fmt.Sprint(x.c.CNI.PodMTU)
}

func (x *ctx) svcCIDR() string {
	if x.c == nil {
		return "<Service CIDR>"
	}
	return x.c.ServiceCIDR.String()
}

func (x *ctx) pool() string {
	if x.c == nil || x.c.MetalLB == nil {
		return "<MetalLB pool>"
	}
	return strings.Join(x.c.MetalLB.Addresses, ",")
}

func (x *ctx) clientAddr() string {
	if x.c == nil {
		return "<VPC client>"
	}
	return strings.TrimPrefix(x.client(), "a client on ")
}

func (x *ctx) masq() string {
	switch x.cni() {
	case "flannel":
		return "Flannel's FLANNEL-POSTRTG chain masquerades Pod traffic leaving the Pod network (" + x.podCIDR() + ")"
	case "calico":
		return "Calico's cali-nat-outgoing masquerades traffic from its IP pool to outside it"
	case "cilium":
		return "Cilium masquerades (eBPF or iptables) traffic leaving the native-routing CIDR"
	}
	return "the CNI masquerades the Pod IP to the node IP"
}

func (x *ctx) crossSource() string {
	if x.c == nil {
		return "the CNI masquerades to the node IP (the default) unless the destination is exempt"
	}
	if x.c.CNI.CrossClusterSource == "preserve" {
		return "chain NETLAB-PRESERVE accepts -s " + x.c.PodCIDR.String() + " -d " + strings.Join(plan.Strings(x.c.CNI.NonMasqueradeCIDRs), ",") + " before " + x.masq() + ": the Pod IP is kept (crossClusterSource: preserve)"
	}
	return x.masq() + ": the server sees the node IP (crossClusterSource: masquerade)"
}

func (x *ctx) netpolAgent() string {
	switch x.cni() {
	case "flannel":
		return "Flannel has none: the policy is stored but has no effect"
	case "calico":
		return "Felix: iptables/nftables chains cali-tw-*/cali-fw-*"
	case "cilium":
		return "the Cilium agent: eBPF policy maps"
	}
	return "the CNI's agent"
}

func (x *ctx) podCIDR() string {
	if x.c == nil {
		return "<Pod CIDR>"
	}
	return x.c.PodCIDR.String()
}

func (x *ctx) cName() string {
	if x.c == nil {
		return "A"
	}
	return x.c.Name
}

func (x *ctx) dName() string {
	if x.d == nil {
		return "B"
	}
	return x.d.Name
}

func (x *ctx) dVPC() string {
	if x.d == nil {
		return "B"
	}
	return x.d.VPC
}

package plan

import (
	"fmt"
	"math/bits"
	"net/netip"
	"regexp"
	"sort"
	"strings"

	kinddefaults "sigs.k8s.io/kind/pkg/apis/config/defaults"
)

// DefaultNodeImage is kind's default node image (Kubernetes 1.37 with kind v0.33.0).
const DefaultNodeImage = kinddefaults.Image

// Defaults that the scenario file may leave out.
const (
	DefaultVPCName      = "main"
	DefaultSubnetName   = "nodes"
	DefaultMTU          = 1500
	DefaultASN          = 64512
	DefaultTGWName      = "tgw"
	DefaultRouteTable   = "default"
	defaultNodeMaskSize = 24
)

// Options change how a scenario is planned without editing the file.
type Options struct {
	// NodeImage, when set, replaces every cluster's node image (netlab up --node-image).
	NodeImage string
}

// Build loads and resolves a scenario. It returns the plan and every diagnostic; when any
// diagnostic is an error the plan is nil.
func Build(file string, data []byte, opts Options) (*Plan, Diagnostics) {
	sc, pos, err := Load(file, data)
	if err != nil {
		return nil, err.(Diagnostics)
	}
	rs := &resolver{r: &reporter{file: file, pos: pos}, sc: sc, opts: opts}
	p := rs.resolve()
	diags := rs.r.diags.sorted()
	if len(diags.Errors()) > 0 {
		return nil, diags
	}
	for _, w := range diags.Warnings() {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%s: %s", w.Field, w.Message))
	}
	return p, diags
}

var (
	shortNameRE = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	labelRE     = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$`)
)

const shortNameMax = 20

type resolver struct {
	r    *reporter
	sc   *Scenario
	opts Options
	p    *Plan

	global *allocator            // VPC CIDRs, Pod CIDRs outside VPCs, Service CIDRs
	inVPC  map[string]*allocator // subnets and Pod CIDRs inside each VPC

	vpcPrefix    map[string]netip.Prefix
	subnetPrefix map[string]map[string]netip.Prefix // vpc → subnet → prefix
	podPrefix    []netip.Prefix                     // by cluster index (invalid when unknown)
	svcPrefix    []netip.Prefix
	attachOf     map[string]string // vpc → attachment name
	tableOf      map[string]int    // attachment → route table index in plan
}

func (rs *resolver) resolve() *Plan {
	sc := rs.sc
	rs.p = &Plan{Source: rs.r.file}
	rs.header()
	rs.global = &allocator{}
	rs.inVPC = map[string]*allocator{}
	rs.vpcPrefix = map[string]netip.Prefix{}
	rs.subnetPrefix = map[string]map[string]netip.Prefix{}
	rs.podPrefix = make([]netip.Prefix, len(sc.Clusters))
	rs.svcPrefix = make([]netip.Prefix, len(sc.Clusters))

	if len(sc.Clusters) == 0 {
		rs.r.errorf("clusters", "a scenario needs at least one cluster; add a 'clusters:' list")
	}
	if len(sc.VPCs) == 0 {
		sc.VPCs = []VPC{{Name: DefaultVPCName}}
	}
	rs.reserveExplicit()
	rs.vpcs()
	rs.clusters()
	rs.transitGateway()
	rs.nodeRoutes()
	rs.istio()
	rs.checks()
	return rs.p
}

func (rs *resolver) header() {
	sc := rs.sc
	switch {
	case sc.APIVersion == "":
		rs.r.errorf("apiVersion", "missing; a scenario starts with 'apiVersion: %s'", APIVersion)
	case sc.APIVersion != APIVersion:
		rs.r.errorf("apiVersion", "%q is not supported; use %q", sc.APIVersion, APIVersion)
	}
	switch {
	case sc.Kind == "":
		rs.r.errorf("kind", "missing; write 'kind: %s'", Kind)
	case sc.Kind != Kind:
		rs.r.errorf("kind", "%q is not supported; use %q", sc.Kind, Kind)
	}
	rs.checkShortName("metadata.name", sc.Metadata.Name, "the lab's name")
	rs.p.Lab = sc.Metadata.Name
	rs.p.Description = sc.Metadata.Description
}

// checkShortName validates a name that becomes part of Docker and kind object names.
func (rs *resolver) checkShortName(field, name, what string) bool {
	switch {
	case name == "":
		rs.r.errorf(field, "missing; give %s (lower-case letters, digits and '-')", what)
	case len(name) > shortNameMax:
		rs.r.errorf(field, "%q is %d characters; %s may have at most %d, because it becomes part of container names", name, len(name), what, shortNameMax)
	case !shortNameRE.MatchString(name):
		rs.r.errorf(field, "%q is not a valid name; use lower-case letters, digits and '-', starting with a letter", name)
	default:
		return true
	}
	return false
}

// cidrField parses an optional CIDR field, reporting a bad one or one outside SafeRanges. ok is
// false when absent, bad or unsafe. Every CIDR field of a scenario goes through here.
func (rs *resolver) cidrField(field, value string) (netip.Prefix, bool) {
	if value == "" {
		return netip.Prefix{}, false
	}
	p, err := parseCIDR(value)
	if err != nil {
		rs.r.errorf(field, "%v", err)
		return netip.Prefix{}, false
	}
	if !InSafeRanges(p) {
		rs.r.errorf(field, "%s", unsafeMessage(p.String()))
		return netip.Prefix{}, false
	}
	return p, true
}

// reserveExplicit parses every CIDR the file gives, so that allocation avoids them all.
func (rs *resolver) reserveExplicit() {
	sc := rs.sc
	for i, v := range sc.VPCs {
		a := &allocator{}
		rs.inVPC[v.Name] = a
		vp, ok := rs.cidrField(fmt.Sprintf("vpcs[%d].cidr", i), v.CIDR)
		if ok {
			rs.vpcPrefix[v.Name] = vp
			rs.global.take(vp)
		}
		for j, s := range v.Subnets {
			if sp, ok := rs.cidrField(fmt.Sprintf("vpcs[%d].subnets[%d].cidr", i, j), s.CIDR); ok {
				a.take(sp)
			}
		}
	}
	for i, c := range sc.Clusters {
		if pp, ok := rs.cidrField(fmt.Sprintf("clusters[%d].podCIDR", i), c.PodCIDR); ok {
			rs.podPrefix[i] = pp
			if vp, inside := rs.vpcPrefix[c.VPC]; inside && PrefixContains(vp, pp) {
				if a := rs.inVPC[c.VPC]; a != nil {
					a.take(pp)
				}
			} else {
				rs.global.take(pp)
			}
		}
		if sp, ok := rs.cidrField(fmt.Sprintf("clusters[%d].serviceCIDR", i), c.ServiceCIDR); ok {
			rs.svcPrefix[i] = sp
			if sp.Bits() >= 12 {
				rs.global.take(sp) // an oversized one is reported later and must not starve allocation
			}
		}
	}
}

var (
	vpcPool     = netip.MustParsePrefix("10.0.0.0/8")
	servicePool = netip.MustParsePrefix("172.16.0.0/12")
)

func (rs *resolver) vpcs() {
	sc, p := rs.sc, rs.p
	names := map[string]int{}
	for i := range sc.VPCs {
		v := &sc.VPCs[i]
		f := fmt.Sprintf("vpcs[%d]", i)
		if rs.checkShortName(f+".name", v.Name, "the VPC a name") {
			if j, dup := names[v.Name]; dup {
				rs.r.errorf(f+".name", "VPC %q is already defined at vpcs[%d]; VPC names must be unique", v.Name, j)
			}
			names[v.Name] = i
		}
		vp, ok := rs.vpcPrefix[v.Name]
		if v.CIDR == "" {
			if vp, ok = rs.global.next(vpcPool, 16); !ok {
				rs.r.errorf(f+".cidr", "no free /16 left in %s for this VPC; set its cidr", vpcPool)
				continue
			}
			rs.vpcPrefix[v.Name] = vp
		}
		if !ok {
			continue
		}
		if vp.Bits() > 26 {
			rs.r.errorf(f+".cidr", "%s is too small; a VPC needs at least a /26", vp)
			continue
		}
		mtu := v.MTU
		if mtu == 0 {
			mtu = DefaultMTU
		} else if mtu < 1280 || mtu > 9000 {
			rs.r.errorf(f+".mtu", "%d is out of range; use 1280 to 9000 (the default is %d)", mtu, DefaultMTU)
		}
		vplan := VPCPlan{Name: v.Name, CIDR: vp, MTU: mtu}
		if len(v.Subnets) == 0 {
			v.Subnets = []Subnet{{Name: DefaultSubnetName}}
		}
		rs.subnetPrefix[v.Name] = map[string]netip.Prefix{}
		snames := map[string]int{}
		for j := range v.Subnets {
			s := &v.Subnets[j]
			sf := fmt.Sprintf("%s.subnets[%d]", f, j)
			if rs.checkShortName(sf+".name", s.Name, "the subnet a name") {
				if k, dup := snames[s.Name]; dup {
					rs.r.errorf(sf+".name", "subnet %q is already defined at %s.subnets[%d]", s.Name, f, k)
				}
				snames[s.Name] = j
			}
			sp, ok := netip.Prefix{}, false
			if s.CIDR != "" {
				// reserveExplicit has reported a bad or unsafe one already
				sp, ok = safeSubnetCIDR(s.CIDR)
			} else {
				sp, ok = rs.allocSubnet(v.Name, vp)
				if !ok {
					rs.r.errorf(sf+".cidr", "no free /24 left in VPC %s (%s); set the subnet's cidr", v.Name, vp)
				}
			}
			if !ok {
				continue
			}
			if !PrefixContains(vp, sp) {
				rs.r.errorf(sf+".cidr", "%s is outside its VPC %s (%s); a subnet must lie inside its VPC's cidr", sp, v.Name, vp)
				continue
			}
			if sp.Bits() > 26 {
				rs.r.errorf(sf+".cidr", "%s is too small; netlab needs at least a /26 (nodes in the lower half, LoadBalancer pool and gateway addresses in the upper half)", sp)
				continue
			}
			rs.subnetPrefix[v.Name][s.Name] = sp
			vplan.Subnets = append(vplan.Subnets, rs.subnetPlan(v, s.Name, sp))
		}
		p.VPCs = append(p.VPCs, vplan)
	}
	rs.checkSubnetOverlaps()
}

// allocSubnet takes the first free /24 of a VPC after its first one (10.0.1.0/24 in 10.0.0.0/16,
// as in the seed's CIDR plan); a VPC smaller than a /23 is one subnet.
// Subnets must also avoid every other VPC's subnets, since each is a Docker network on one host.
func (rs *resolver) allocSubnet(vpc string, vp netip.Prefix) (netip.Prefix, bool) {
	a := rs.inVPC[vpc]
	free := func(p netip.Prefix) bool {
		if !a.free(p) {
			return false
		}
		for _, other := range rs.inVPC {
			if other != a && !other.free(p) {
				return false
			}
		}
		return true
	}
	if vp.Bits() > 23 {
		if free(vp) {
			a.take(vp)
			return vp, true
		}
		return netip.Prefix{}, false
	}
	for i := int64(1); i < int64(1)<<(24-vp.Bits()); i++ {
		p := netip.PrefixFrom(nth(vp, i*256), 24)
		if free(p) {
			a.take(p)
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// subnetPlan lays out a subnet: nodes in the lower half, a LoadBalancer block at 3/4 to 7/8, and
// netlab's reserved block in the top eighth (TGW at broadcast-1, VPC client at broadcast-2).
func (rs *resolver) subnetPlan(v *VPC, name string, sp netip.Prefix) SubnetPlan {
	network := rs.p.Lab + "-" + v.Name
	if len(v.Subnets) > 1 {
		network += "-" + name
	}
	half := netip.PrefixFrom(sp.Addr(), sp.Bits()+1)
	reserved := netip.PrefixFrom(nth(sp, int64(size(sp))*7/8), sp.Bits()+3)
	return SubnetPlan{
		Name:          name,
		CIDR:          sp,
		Network:       network,
		Gateway:       nth(sp, 1),
		NodeRange:     half,
		Reserved:      reserved,
		ClientAddress: nth(sp, -3),
	}
}

// poolBlock is the part of a subnet where default LoadBalancer pools are carved: 3/4 to 7/8.
func poolBlock(sp netip.Prefix) addrRange {
	n := int64(size(sp))
	return addrRange{nth(sp, n*3/4), nth(sp, n*7/8-1)}
}

func (rs *resolver) checkSubnetOverlaps() {
	type owned struct {
		p     netip.Prefix
		field string
		owner string
	}
	var all []owned
	for i, v := range rs.sc.VPCs {
		for j, s := range v.Subnets {
			if sp, ok := rs.subnetPrefix[v.Name][s.Name]; ok {
				all = append(all, owned{sp, fmt.Sprintf("vpcs[%d].subnets[%d].cidr", i, j), fmt.Sprintf("subnet %s of VPC %s", s.Name, v.Name)})
			}
		}
	}
	for i := range all {
		for j := 0; j < i; j++ {
			if all[i].p.Overlaps(all[j].p) {
				rs.r.errorf(all[i].field, "%s (%s) overlaps %s (%s, %s); each subnet is a Docker network, and Docker networks on one host must not overlap", all[i].p, all[i].owner, all[j].p, all[j].owner, all[j].field)
			}
		}
	}
}

var (
	cniModes = map[string][]string{
		"flannel": {"vxlan", "host-gw"},
		"calico":  {"vxlan", "ipip", "bgp"},
		"cilium":  {"vxlan", "native"},
	}
	kubeProxyModes      = []string{"iptables", "ipvs", "nftables", "none"}
	crossClusterSources = []string{"masquerade", "preserve"}
	ingressControllers  = []string{"ingress-nginx", "traefik"}
	protocols           = []string{"TCP", "UDP", "SCTP"}
)

// oneOf reports whether value is allowed, and if not reports it with the allowed values.
func (rs *resolver) oneOf(field, value string, allowed []string) bool {
	for _, a := range allowed {
		if a == value {
			return true
		}
	}
	rs.r.errorf(field, "%q is not allowed; use one of: %s", value, strings.Join(allowed, ", "))
	return false
}

func (rs *resolver) clusters() {
	sc, p := rs.sc, rs.p
	names := map[string]int{}
	subnetUsers := map[string][]int{} // vpc/subnet → cluster indexes with a default MetalLB pool
	for i := range sc.Clusters {
		c := &sc.Clusters[i]
		f := fmt.Sprintf("clusters[%d]", i)
		if rs.checkShortName(f+".name", c.Name, "the cluster a name") {
			if j, dup := names[c.Name]; dup {
				rs.r.errorf(f+".name", "cluster %q is already defined at clusters[%d]; cluster names must be unique", c.Name, j)
			}
			names[c.Name] = i
		}
		cp := ClusterPlan{Name: c.Name, KindName: p.Lab + "-" + c.Name}
		cp.Context = "kind-" + cp.KindName

		// VPC and subnet.
		if c.VPC == "" {
			if len(sc.VPCs) == 1 {
				c.VPC = sc.VPCs[0].Name
			} else {
				rs.r.errorf(f+".vpc", "missing; with several VPCs each cluster must name its VPC (one of: %s)", strings.Join(rs.vpcNames(), ", "))
			}
		}
		vpc, vpcOK := rs.findVPC(c.VPC)
		if c.VPC != "" && !vpcOK {
			rs.r.errorf(f+".vpc", "VPC %q is not defined; defined VPCs: %s", c.VPC, strings.Join(rs.vpcNames(), ", "))
		}
		cp.VPC = c.VPC
		var subnet netip.Prefix
		var splan *SubnetPlan
		if vpcOK {
			if c.Subnet == "" && len(vpc.Subnets) > 0 {
				c.Subnet = vpc.Subnets[0].Name
			}
			sp, ok := rs.subnetPrefix[c.VPC][c.Subnet]
			if !ok {
				if c.Subnet != "" && !rs.hasSubnet(vpc, c.Subnet) {
					rs.r.errorf(f+".subnet", "VPC %s has no subnet %q; its subnets: %s", c.VPC, c.Subnet, strings.Join(subnetNames(vpc), ", "))
				}
			} else {
				subnet = sp
				splan = rs.findSubnetPlan(c.VPC, c.Subnet)
				cp.Subnet, cp.Network = c.Subnet, splan.Network
			}
		}

		// Nodes.
		cps, ws := 1, 1
		if c.ControlPlanes != nil {
			cps = *c.ControlPlanes
			if cps < 1 || cps > 5 {
				rs.r.errorf(f+".controlPlanes", "%d is out of range; use 1 to 5", cps)
			}
		}
		if c.Workers != nil {
			ws = *c.Workers
			if ws < 0 || ws > 10 {
				rs.r.errorf(f+".workers", "%d is out of range; use 0 to 10", ws)
			}
		}
		cp.Nodes = nodeNames(cp.KindName, cps, ws)
		cp.NodeImage = firstNonEmpty(rs.opts.NodeImage, c.NodeImage, sc.Defaults.NodeImage, DefaultNodeImage)

		// CNI and kube-proxy.
		rs.cni(f, c, &cp, vpc, vpcOK)
		kp := c.KubeProxy.Mode
		if kp == "" {
			kp = "iptables"
		}
		if rs.oneOf(f+".kubeProxy.mode", kp, kubeProxyModes) && kp == "none" && c.CNI.Type != "cilium" {
			rs.r.errorf(f+".kubeProxy.mode", "none means the CNI replaces kube-proxy, which only cilium does; use iptables, ipvs or nftables with %s, or set cni.type: cilium", c.CNI.Type)
		}
		cp.KubeProxyMode = kp
		cp.KernelFeatures = kernelFeatures(cp)

		// Pod and Service CIDRs.
		nodes := cps + ws
		rs.podCIDR(i, f, c, &cp, vpc, vpcOK, nodes)
		rs.serviceCIDR(i, f, &cp)
		rs.inClusterOverlaps(i, f, subnet)

		// MetalLB, ingress, policies.
		if c.MetalLB != nil {
			cp.MetalLB = &MetalLBPlan{}
			if len(c.MetalLB.Addresses) == 0 && splan != nil {
				key := c.VPC + "/" + c.Subnet
				subnetUsers[key] = append(subnetUsers[key], i)
			} else if splan != nil {
				rs.metalLBExplicit(f, c, &cp, subnet, nodes)
			}
		}
		if c.Ingress != nil {
			ctl := c.Ingress.Controller
			if ctl == "" {
				ctl = ingressControllers[0]
			}
			rs.oneOf(f+".ingress.controller", ctl, ingressControllers)
			cp.Ingress = &IngressPlan{Controller: ctl}
		}
		rs.networkPolicies(f, c, &cp)
		if splan != nil {
			if free := int64(size(subnet))/2 - 2; int64(nodes) > free {
				rs.r.errorf(f, "%d nodes do not fit in the lower half of subnet %s (%d addresses); use a larger subnet", nodes, subnet, free)
			}
		}
		p.Clusters = append(p.Clusters, cp)
	}
	rs.defaultPools(subnetUsers)
	rs.checkPoolOverlaps()
	rs.checkSubnetCapacity()
}

func nodeNames(kindName string, cps, ws int) []NodePlan {
	var out []NodePlan
	for i := 1; i <= cps; i++ {
		out = append(out, NodePlan{Name: kindName + "-control-plane" + suffix(i), Role: "control-plane"})
	}
	for i := 1; i <= ws; i++ {
		out = append(out, NodePlan{Name: kindName + "-worker" + suffix(i), Role: "worker"})
	}
	return out
}

// suffix follows kind's node naming: the first has none, then 2, 3, …
func suffix(i int) string {
	if i == 1 {
		return ""
	}
	return fmt.Sprint(i)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func (rs *resolver) cni(f string, c *Cluster, cp *ClusterPlan, vpc *VPC, vpcOK bool) {
	if c.CNI.Type == "" {
		c.CNI.Type = "flannel"
	}
	modes, ok := cniModes[c.CNI.Type]
	if !ok {
		rs.r.errorf(f+".cni.type", "%q is not allowed; use one of: flannel, calico, cilium", c.CNI.Type)
		return
	}
	mode := c.CNI.Mode
	if mode == "" {
		mode = modes[0]
	}
	if !rs.oneOf(f+".cni.mode", mode, modes) {
		return
	}
	src := c.CNI.CrossClusterSource
	if src == "" {
		src = "masquerade"
	}
	rs.oneOf(f+".cni.crossClusterSource", src, crossClusterSources)
	uplink := DefaultMTU
	if vpcOK {
		if v, ok := rs.p.VPC(vpc.Name); ok {
			uplink = v.MTU
		}
	}
	n := CNIPlan{Type: c.CNI.Type, Mode: mode, UplinkMTU: uplink, CrossClusterSource: src, EnforcesNetworkPolicy: c.CNI.Type != "flannel"}
	switch mode {
	case "vxlan":
		n.Encapsulation, n.Overhead = "vxlan", 50
		n.VXLANPort = 8472 // Flannel's and Cilium's default port
		if c.CNI.Type == "calico" {
			n.VXLANPort = 4789 // Calico uses the IANA port
		}
	case "ipip":
		n.Encapsulation, n.Overhead = "ipip", 20
	default:
		n.Encapsulation = "none"
	}
	n.PodMTU = uplink - n.Overhead
	cp.CNI = n
}

func kernelFeatures(cp ClusterPlan) []string {
	set := map[string]bool{"bridge": true, "veth": true}
	switch cp.CNI.Encapsulation {
	case "vxlan":
		set["vxlan"] = true
	case "ipip":
		set["ipip"] = true
	}
	if cp.CNI.Type == "cilium" {
		set["bpf"] = true
	}
	switch cp.KubeProxyMode {
	case "ipvs":
		set["ip_vs"] = true
	case "nftables":
		set["nf_tables"] = true
	case "iptables":
		set["iptables"] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (rs *resolver) podCIDR(i int, f string, c *Cluster, cp *ClusterPlan, vpc *VPC, vpcOK bool, nodes int) {
	pp := rs.podPrefix[i]
	if c.PodCIDR == "" {
		ok := false
		if vpcOK {
			if vp, has := rs.vpcPrefix[vpc.Name]; has {
				pp, ok = rs.inVPC[vpc.Name].next(vp, 18)
			}
		}
		if !ok {
			pp, ok = rs.global.next(vpcPool, 16)
		}
		if !ok {
			rs.r.errorf(f+".podCIDR", "no free range left to allocate a Pod CIDR; set podCIDR")
			return
		}
		rs.podPrefix[i] = pp
	}
	if !pp.IsValid() {
		return
	}
	cp.PodCIDR = pp
	cp.NodeCIDRMaskSize = defaultNodeMaskSize
	need := bits.Len(uint(max(nodes, 1) - 1)) // log2, rounded up
	if pp.Bits() > defaultNodeMaskSize-need {
		rs.r.errorf(f+".podCIDR", "%s is too small for %d nodes with a /%d per node; use a /%d or larger", pp, nodes, defaultNodeMaskSize, defaultNodeMaskSize-need)
	}
}

func (rs *resolver) serviceCIDR(i int, f string, cp *ClusterPlan) {
	sp := rs.svcPrefix[i]
	if !sp.IsValid() && rs.sc.Clusters[i].ServiceCIDR == "" {
		// 172.20.0.0/16, 172.21.0.0/16, … as in the seed's CIDR plan.
		start := netip.MustParsePrefix("172.20.0.0/14")
		ok := false
		if sp, ok = rs.global.next(start, 16); !ok {
			sp, ok = rs.global.next(servicePool, 16)
		}
		if !ok {
			rs.r.errorf(f+".serviceCIDR", "no free range left to allocate a Service CIDR; set serviceCIDR")
			return
		}
		rs.svcPrefix[i] = sp
	}
	if !sp.IsValid() {
		return
	}
	if sp.Bits() < 12 {
		rs.r.errorf(f+".serviceCIDR", "%s is too large; Kubernetes allows at most a /12 for Services", sp)
	} else if sp.Bits() > 28 {
		rs.r.errorf(f+".serviceCIDR", "%s is too small; use a /28 or larger", sp)
	}
	cp.ServiceCIDR = sp
}

func (rs *resolver) inClusterOverlaps(i int, f string, subnet netip.Prefix) {
	pp, sp := rs.podPrefix[i], rs.svcPrefix[i]
	if pp.IsValid() && sp.IsValid() && pp.Overlaps(sp) {
		rs.r.errorf(f+".serviceCIDR", "%s (Service CIDR) overlaps the cluster's Pod CIDR %s; give them separate ranges", sp, pp)
	}
	if subnet.IsValid() {
		if pp.IsValid() && pp.Overlaps(subnet) {
			rs.r.errorf(f+".podCIDR", "%s (Pod CIDR) overlaps the cluster's node subnet %s; Pods and nodes need separate ranges", pp, subnet)
		}
		if sp.IsValid() && sp.Overlaps(subnet) {
			rs.r.errorf(f+".serviceCIDR", "%s (Service CIDR) overlaps the cluster's node subnet %s; give Services a separate range", sp, subnet)
		}
	}
}

func (rs *resolver) metalLBExplicit(f string, c *Cluster, cp *ClusterPlan, subnet netip.Prefix, nodes int) {
	nodeHalf := prefixRange(netip.PrefixFrom(subnet.Addr(), subnet.Bits()+1))
	reserved := prefixRange(netip.PrefixFrom(nth(subnet, int64(size(subnet))*7/8), subnet.Bits()+3))
	for j, a := range c.MetalLB.Addresses {
		af := fmt.Sprintf("%s.metallb.addresses[%d]", f, j)
		r, err := parseRange(a)
		if err != nil {
			rs.r.errorf(af, "%v", err)
			continue
		}
		switch {
		case !rangeIsSafe(r):
			rs.r.errorf(af, "%s", unsafeMessage(r.String()))
		case !prefixRange(subnet).contains(r.from) || !prefixRange(subnet).contains(r.to):
			rs.r.errorf(af, "%s is outside the cluster's subnet %s; MetalLB L2 answers ARP only on its own subnet: use addresses in %s", r, subnet, poolBlock(subnet))
		case r.overlaps(nodeHalf):
			rs.r.errorf(af, "%s overlaps %s, where Docker assigns node addresses; use addresses in %s", r, nodeHalf, poolBlock(subnet))
		case r.overlaps(reserved):
			rs.r.errorf(af, "%s overlaps %s, which netlab reserves for its gateway and client containers; use addresses in %s", r, reserved, poolBlock(subnet))
		default:
			cp.MetalLB.Addresses = append(cp.MetalLB.Addresses, a)
			cp.MetalLB.Size += r.count()
		}
	}
}

// defaultPools splits each subnet's pool block among the clusters there that gave no addresses.
func (rs *resolver) defaultPools(users map[string][]int) {
	keys := sortedKeys(users)
	for _, key := range keys {
		idx := users[key]
		c0 := rs.sc.Clusters[idx[0]]
		subnet := rs.subnetPrefix[c0.VPC][c0.Subnet]
		block := poolBlock(subnet)
		chunk := block.count() / int64(len(idx))
		// round down to a power of two so that each pool is a CIDR
		for chunk&(chunk-1) != 0 {
			chunk &= chunk - 1
		}
		if chunk < 2 {
			rs.r.errorf(fmt.Sprintf("clusters[%d].metallb", idx[0]), "subnet %s is too small to give %d clusters a LoadBalancer pool each; set metallb.addresses", subnet, len(idx))
			continue
		}
		for k, i := range idx {
			start := offset(subnet, block.from) + int64(k)*chunk
			pool := netip.PrefixFrom(nth(subnet, start), 32-bits.Len64(uint64(chunk))+1)
			cp := &rs.p.Clusters[i]
			cp.MetalLB.Addresses = []string{pool.String()}
			cp.MetalLB.Size = chunk
		}
	}
}

func (rs *resolver) checkPoolOverlaps() {
	type pool struct {
		r     addrRange
		field string
		owner string
	}
	var all []pool
	for i, cp := range rs.p.Clusters {
		if cp.MetalLB == nil {
			continue
		}
		for j, a := range cp.MetalLB.Addresses {
			if r, err := parseRange(a); err == nil {
				all = append(all, pool{r, fmt.Sprintf("clusters[%d].metallb.addresses[%d]", i, j), "cluster " + cp.Name})
			}
		}
	}
	for i := range all {
		for j := 0; j < i; j++ {
			if all[i].r.overlaps(all[j].r) {
				rs.r.errorf(all[i].field, "%s (MetalLB pool of %s) overlaps %s (MetalLB pool of %s); two speakers would answer for the same address", all[i].r, all[i].owner, all[j].r, all[j].owner)
			}
		}
	}
}

// checkSubnetCapacity makes sure the nodes of all clusters sharing a subnet fit in its node range.
func (rs *resolver) checkSubnetCapacity() {
	count := map[string]int{}
	first := map[string]int{}
	for i, cp := range rs.p.Clusters {
		if cp.Network == "" {
			continue
		}
		if _, ok := first[cp.Network]; !ok {
			first[cp.Network] = i
		}
		count[cp.Network] += len(cp.Nodes)
	}
	for _, v := range rs.p.VPCs {
		for _, s := range v.Subnets {
			sp := s.CIDR
			if free := int(size(sp))/2 - 2; count[s.Network] > free {
				rs.r.errorf(fmt.Sprintf("clusters[%d]", first[s.Network]), "the clusters in subnet %s have %d nodes, more than its node range %s holds (%d); use a larger subnet", s.CIDR, count[s.Network], s.NodeRange, free)
			}
		}
	}
}

func (rs *resolver) networkPolicies(f string, c *Cluster, cp *ClusterPlan) {
	names := map[string]bool{}
	for j := range c.NetworkPolicies {
		np := c.NetworkPolicies[j]
		nf := fmt.Sprintf("%s.networkPolicies[%d]", f, j)
		if np.Name == "" || !labelRE.MatchString(np.Name) {
			rs.r.errorf(nf+".name", "%q is not a valid policy name; use letters, digits, '-', '.' and '_'", np.Name)
		} else if names[np.Name] {
			rs.r.errorf(nf+".name", "policy %q is defined twice in this cluster", np.Name)
		}
		names[np.Name] = true
		if np.Namespace == "" {
			np.Namespace = "default"
		}
		if len(np.EgressAllow) == 0 {
			rs.r.errorf(nf+".egressAllow", "missing; an egress allow-list names at least one cidr (and optionally ports)")
		}
		for k := range np.EgressAllow {
			e := &np.EgressAllow[k]
			ef := fmt.Sprintf("%s.egressAllow[%d]", nf, k)
			if e.CIDR == "" {
				rs.r.errorf(ef+".cidr", "missing; name the CIDR this rule allows")
			} else {
				rs.cidrField(ef+".cidr", e.CIDR)
			}
			for m, port := range e.Ports {
				if port < 1 || port > 65535 {
					rs.r.errorf(fmt.Sprintf("%s.ports[%d]", ef, m), "%d is not a port; use 1 to 65535", port)
				}
			}
			if e.Protocol == "" {
				e.Protocol = "TCP"
			}
			rs.oneOf(ef+".protocol", e.Protocol, protocols)
		}
		cp.NetworkPolicies = append(cp.NetworkPolicies, np)
	}
	if len(c.NetworkPolicies) > 0 && c.CNI.Type == "flannel" {
		rs.r.warnf(f+".networkPolicies", "flannel does not enforce NetworkPolicy; the policies are applied but have no effect, and netpol checks report that")
	}
}

func (rs *resolver) findVPC(name string) (*VPC, bool) {
	for i := range rs.sc.VPCs {
		if rs.sc.VPCs[i].Name == name {
			return &rs.sc.VPCs[i], true
		}
	}
	return nil, false
}

func (rs *resolver) vpcNames() []string {
	var out []string
	for _, v := range rs.sc.VPCs {
		out = append(out, v.Name)
	}
	return out
}

func (rs *resolver) hasSubnet(v *VPC, name string) bool {
	for _, s := range v.Subnets {
		if s.Name == name {
			return true
		}
	}
	return false
}

func subnetNames(v *VPC) []string {
	var out []string
	for _, s := range v.Subnets {
		out = append(out, s.Name)
	}
	return out
}

func (rs *resolver) findSubnetPlan(vpc, subnet string) *SubnetPlan {
	s, _ := rs.p.Subnet(vpc, subnet)
	return s
}

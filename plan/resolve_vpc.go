package plan

import (
	"fmt"
	"net/netip"
)

// Resolving VPCs and subnets: allocation, the subnet layout, overlap and capacity checks.

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
// netlab's reserved block in the top eighth (TGW at broadcast-1, VPC client at broadcast-2, global load balancer at broadcast-3).
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

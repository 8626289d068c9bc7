package plan

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/netlab-dev/netlab/paths"
)

// transitGateway resolves the TGW: attachments with a leg in each attached subnet, route tables with
// their effective routes (AWS semantics), and the rule that routed CIDRs must not overlap.
func (rs *resolver) transitGateway() {
	t := rs.sc.TransitGateway
	if t == nil {
		return
	}
	f := "transitGateway"
	tp := &TGWPlan{Name: firstNonEmpty(t.Name, DefaultTGWName), ASN: t.ASN}
	if t.Name != "" {
		rs.checkShortName(f+".name", t.Name, "the transit gateway a name")
	}
	tp.Container = rs.p.Lab + "-" + tp.Name
	if tp.ASN == 0 {
		tp.ASN = DefaultASN
	} else if !(tp.ASN >= 64512 && tp.ASN <= 65534) && !(tp.ASN >= 4200000000 && tp.ASN <= 4294967294) {
		rs.r.errorf(f+".asn", "%d is not a private ASN; use 64512-65534 or 4200000000-4294967294 (AWS's rule)", tp.ASN)
	}
	if len(t.Attachments) == 0 {
		rs.r.errorf(f+".attachments", "missing; a transit gateway needs at least two VPC attachments to route between")
	}
	rs.attachOf = map[string]string{}
	names := map[string]int{}
	for i, a := range t.Attachments {
		af := fmt.Sprintf("%s.attachments[%d]", f, i)
		if a.Name == "" {
			a.Name = a.VPC
		}
		if !labelRE.MatchString(a.Name) {
			rs.r.errorf(af+".name", "%q is not a valid attachment name; use letters, digits, '-', '.' and '_'", a.Name)
			continue
		}
		if j, dup := names[a.Name]; dup {
			rs.r.errorf(af+".name", "attachment %q is already defined at %s.attachments[%d]", a.Name, f, j)
			continue
		}
		names[a.Name] = i
		vpc, ok := rs.findVPC(a.VPC)
		if !ok {
			rs.r.errorf(af+".vpc", "VPC %q is not defined; defined VPCs: %s", a.VPC, strings.Join(rs.vpcNames(), ", "))
			continue
		}
		if prev, dup := rs.attachOf[a.VPC]; dup {
			rs.r.errorf(af+".vpc", "VPC %s is already attached as %q; a VPC has one attachment to a transit gateway", a.VPC, prev)
			continue
		}
		rs.attachOf[a.VPC] = a.Name
		vp, vpcOK := rs.vpcPrefix[a.VPC]
		if !vpcOK {
			continue
		}
		ap := AttachmentPlan{Name: a.Name, VPC: a.VPC, VPCCIDR: vp}
		subnets := a.Subnets
		if len(subnets) == 0 {
			if vplan, ok := rs.p.VPC(a.VPC); ok {
				for _, s := range vplan.Subnets {
					subnets = append(subnets, s.Name)
				}
			}
		}
		for k, sn := range subnets {
			sp := rs.findSubnetPlan(a.VPC, sn)
			if sp == nil {
				rs.r.errorf(fmt.Sprintf("%s.subnets[%d]", af, k), "VPC %s has no subnet %q; its subnets: %s", a.VPC, sn, strings.Join(subnetNames(vpc), ", "))
				continue
			}
			sp.TGWAddress = nth(sp.CIDR, -2)
			ap.Legs = append(ap.Legs, TGWLeg{Subnet: sn, Network: sp.Network, Address: sp.TGWAddress})
		}
		for ci, c := range rs.sc.Clusters {
			if c.VPC == a.VPC && rs.podPrefix[ci].IsValid() {
				ap.PodCIDRs = append(ap.PodCIDRs, rs.podPrefix[ci])
			}
		}
		tp.Attachments = append(tp.Attachments, ap)
	}
	if len(t.Attachments) == 1 {
		rs.r.errorf(f+".attachments", "only one attachment; a transit gateway routes between VPCs, so attach at least two")
	}
	rs.routeTables(f, t, tp, names)
	rs.routedOverlaps()
	rs.p.TransitGateway = tp
}

func (rs *resolver) routeTables(f string, t *TransitGateway, tp *TGWPlan, attachments map[string]int) {
	tables := t.RouteTables
	if len(tables) == 0 {
		// AWS's default route table: every attachment associated and propagating.
		var all []string
		for _, a := range tp.Attachments {
			all = append(all, a.Name)
		}
		tables = []RouteTable{{Name: DefaultRouteTable, Associations: all, Propagations: all}}
	}
	rs.tableOf = map[string]int{}
	names := map[string]int{}
	associated := map[string]string{}
	for i, rt := range tables {
		rf := fmt.Sprintf("%s.routeTables[%d]", f, i)
		if rt.Name == "" || !labelRE.MatchString(rt.Name) {
			rs.r.errorf(rf+".name", "%q is not a valid route table name; use letters, digits, '-', '.' and '_'", rt.Name)
		} else if j, dup := names[rt.Name]; dup {
			rs.r.errorf(rf+".name", "route table %q is already defined at %s.routeTables[%d]", rt.Name, f, j)
		}
		names[rt.Name] = i
		known := func(field, name string) bool {
			if _, ok := attachments[name]; !ok {
				rs.r.errorf(field, "attachment %q does not exist; defined attachments: %s", name, strings.Join(sortedKeys(attachments), ", "))
				return false
			}
			return true
		}
		rtp := RouteTablePlan{Name: rt.Name}
		for k, a := range rt.Associations {
			af := fmt.Sprintf("%s.associations[%d]", rf, k)
			if !known(af, a) {
				continue
			}
			if prev, dup := associated[a]; dup {
				rs.r.errorf(af, "attachment %q is already associated with route table %q; an attachment is associated with one route table", a, prev)
				continue
			}
			associated[a] = rt.Name
			rs.tableOf[a] = i
			rtp.Associations = append(rtp.Associations, a)
		}
		seenProp := map[string]bool{}
		var routes []TGWRoute
		for k, a := range rt.Propagations {
			pf := fmt.Sprintf("%s.propagations[%d]", rf, k)
			if !known(pf, a) {
				continue
			}
			if seenProp[a] {
				rs.r.errorf(pf, "attachment %q already propagates into this table", a)
				continue
			}
			seenProp[a] = true
			rtp.Propagations = append(rtp.Propagations, a)
			for _, ap := range tp.Attachments {
				if ap.Name == a {
					routes = append(routes, TGWRoute{CIDR: ap.VPCCIDR, Attachment: a, Type: "propagated"})
				}
			}
		}
		static := map[string]bool{}
		for k, r := range rt.Routes {
			sf := fmt.Sprintf("%s.routes[%d]", rf, k)
			p, ok := rs.cidrField(sf+".cidr", r.CIDR)
			if r.CIDR == "" {
				rs.r.errorf(sf+".cidr", "missing; a route needs a destination cidr")
			}
			switch {
			case r.Blackhole && r.Attachment != "":
				rs.r.errorf(sf, "a route is either to an attachment or a blackhole, not both; remove attachment or blackhole")
				ok = false
			case !r.Blackhole && r.Attachment == "":
				rs.r.errorf(sf+".attachment", "missing; name the attachment this route sends to, or set blackhole: true")
				ok = false
			case r.Attachment != "" && !known(sf+".attachment", r.Attachment):
				ok = false
			}
			if !ok {
				continue
			}
			if static[p.String()] {
				rs.r.errorf(sf+".cidr", "route table %q already has a static route for %s", rt.Name, p)
				continue
			}
			static[p.String()] = true
			routes = append(routes, TGWRoute{CIDR: p, Attachment: r.Attachment, Blackhole: r.Blackhole, Type: "static"})
		}
		rtp.Routes = effectiveRoutes(routes)
		tp.RouteTables = append(tp.RouteTables, rtp)
	}
	for _, a := range tp.Attachments {
		if _, ok := associated[a.Name]; !ok {
			rs.r.warnf(f+".routeTables", "attachment %q is associated with no route table; the TGW drops everything that arrives from VPC %s", a.Name, a.VPC)
		}
	}
}

// effectiveRoutes applies AWS's precedence: a static route beats a propagated one for the same CIDR.
// The result is ordered longest prefix first, then by address.
func effectiveRoutes(routes []TGWRoute) []TGWRoute {
	staticFor := map[netip.Prefix]bool{}
	for _, r := range routes {
		if r.Type == "static" {
			staticFor[r.CIDR] = true
		}
	}
	var out []TGWRoute
	seen := map[netip.Prefix]bool{}
	for _, r := range routes {
		if r.Type == "propagated" && (staticFor[r.CIDR] || seen[r.CIDR]) {
			continue
		}
		seen[r.CIDR] = true
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		pi, pj := out[i].CIDR, out[j].CIDR
		if pi.Bits() != pj.Bits() {
			return pi.Bits() > pj.Bits()
		}
		return pi.Addr().Less(pj.Addr())
	})
	return out
}

// routedOverlaps refuses overlapping CIDRs that the TGW routes between (seed 000: VPC and Pod CIDRs
// must not overlap). A Pod CIDR may lie inside its own VPC's CIDR, as in the seed's plan.
func (rs *resolver) routedOverlaps() {
	type routed struct {
		p     netip.Prefix
		field string
		owner string
		vpc   string
		isVPC bool
	}
	var all []routed
	for i, v := range rs.sc.VPCs {
		if _, attached := rs.attachOf[v.Name]; !attached {
			continue
		}
		if vp, ok := rs.vpcPrefix[v.Name]; ok {
			all = append(all, routed{vp, fmt.Sprintf("vpcs[%d].cidr", i), "VPC " + v.Name, v.Name, true})
		}
	}
	for i, c := range rs.sc.Clusters {
		if _, attached := rs.attachOf[c.VPC]; !attached || !rs.podPrefix[i].IsValid() {
			continue
		}
		all = append(all, routed{rs.podPrefix[i], fmt.Sprintf("clusters[%d].podCIDR", i), "Pod CIDR of cluster " + c.Name, c.VPC, false})
	}
	for i := range all {
		for j := 0; j < i; j++ {
			a, b := all[i], all[j]
			if !a.p.Overlaps(b.p) {
				continue
			}
			if a.vpc == b.vpc && (a.isVPC != b.isVPC) {
				vpcP, podP := a.p, b.p
				if b.isVPC {
					vpcP, podP = b.p, a.p
				}
				if PrefixContains(vpcP, podP) {
					continue // a Pod CIDR inside its own VPC
				}
			}
			rs.r.errorf(a.field, "%s (%s) overlaps %s (%s, %s); the transit gateway routes between them, so VPC and Pod CIDRs must not overlap: move one of them to a free range", a.p, a.owner, b.p, b.owner, b.field)
		}
	}
	for i, c := range rs.sc.Clusters {
		if _, attached := rs.attachOf[c.VPC]; !attached || !rs.svcPrefix[i].IsValid() {
			continue
		}
		for _, r := range all {
			if rs.svcPrefix[i].Overlaps(r.p) {
				rs.r.errorf(fmt.Sprintf("clusters[%d].serviceCIDR", i), "%s (Service CIDR of cluster %s) overlaps %s (%s, %s); kube-proxy would capture traffic meant for routed addresses: move the Service CIDR", rs.svcPrefix[i], c.Name, r.p, r.owner, r.field)
			}
		}
	}
}

// nodeRoutes fills each cluster's VPC route table: every TGW destination of the table associated with
// its VPC's attachment (except its own VPC) goes to the TGW's leg in the cluster's subnet.
func (rs *resolver) nodeRoutes() {
	tp := rs.p.TransitGateway
	if tp == nil {
		return
	}
	for i := range rs.p.Clusters {
		cp := &rs.p.Clusters[i]
		att, attached := rs.attachOf[cp.VPC]
		if !attached {
			continue
		}
		sp := rs.findSubnetPlan(cp.VPC, cp.Subnet)
		if sp == nil {
			continue
		}
		if !sp.TGWAddress.IsValid() {
			rs.r.warnf(fmt.Sprintf("clusters[%d].subnet", i), "subnet %s is not in attachment %q; cluster %s cannot reach the transit gateway", cp.Subnet, att, cp.Name)
			continue
		}
		// The VPC's local route: sibling subnets that the attachment also reaches are routed by the
		// gateway container, which plays the VPC router (AWS's "local" target).
		// The whole VPC CIDR goes there too (AWS's local route is the VPC CIDR): sibling clusters'
		// Pod ranges and any other address of the VPC then reach the TGW, which forwards or drops
		// them by its route table, instead of following the node's default route to the Docker host
		// and possibly off the machine. The node's own subnet and Pod routes are more specific.
		if v, ok := rs.p.VPC(cp.VPC); ok {
			for _, s := range v.Subnets {
				if s.Name != cp.Subnet && s.TGWAddress.IsValid() {
					cp.VPCRoutes = append(cp.VPCRoutes, VPCRoute{CIDR: s.CIDR, Via: sp.TGWAddress, Target: "local"})
				}
			}
			cp.VPCRoutes = append(cp.VPCRoutes, VPCRoute{CIDR: v.CIDR, Via: sp.TGWAddress, Target: "local"})
		}
		ti, ok := rs.tableOf[att]
		if !ok {
			continue
		}
		own := rs.vpcPrefix[cp.VPC]
		for _, r := range tp.RouteTables[ti].Routes {
			if r.CIDR.Overlaps(own) {
				continue
			}
			cp.VPCRoutes = append(cp.VPCRoutes, VPCRoute{CIDR: r.CIDR, Via: sp.TGWAddress, Target: "tgw"})
		}
		if cp.CNI.CrossClusterSource == "preserve" {
			for _, r := range cp.VPCRoutes {
				if r.Target != "tgw" {
					continue
				}
				cp.CNI.NonMasqueradeCIDRs = append(cp.CNI.NonMasqueradeCIDRs, r.CIDR)
			}
		}
	}
	// A Pod CIDR outside its VPC's CIDR is not propagated; warn when no route covers it.
	for ci, c := range rs.sc.Clusters {
		att, attached := rs.attachOf[c.VPC]
		pp := rs.podPrefix[ci]
		vp, known := rs.vpcPrefix[c.VPC]
		if !attached || !known || !pp.IsValid() || PrefixContains(vp, pp) {
			continue
		}
		covered := false
		for _, t := range tp.RouteTables {
			if r, ok := t.Lookup(pp.Addr()); ok && r.Attachment == att {
				covered = true
			}
		}
		if !covered {
			rs.r.warnf(fmt.Sprintf("clusters[%d].podCIDR", ci), "%s lies outside VPC %s's CIDR, so propagation does not carry it and no static route sends it to %q; other VPCs cannot reach these Pods", pp, c.VPC, att)
		}
	}
}

// localRoute reports whether cluster from has a VPC-local route to the subnet cidr.
func (rs *resolver) localRoute(from *ClusterPlan, cidr netip.Prefix) bool {
	for _, r := range from.VPCRoutes {
		if r.Target == "local" && r.CIDR == cidr {
			return true
		}
	}
	return false
}

func (rs *resolver) checks() {
	c := rs.sc.Checks
	ids := map[string]bool{}
	for _, id := range paths.IDs() {
		ids[id] = true
	}
	valid := func(field, pat string) {
		if !paths.ValidPattern(pat) {
			rs.r.errorf(field, "%q is not a valid pattern; use a path id such as service/clusterip or a glob such as service/*", pat)
			return
		}
		if len(paths.Match(pat)) == 0 {
			rs.r.errorf(field, "%q matches no packet path%s; see 'netlab plan' or docs/paths/ for the ids", pat, suggest(pat, ids))
		}
	}
	for i, pat := range c.Paths {
		valid(fmt.Sprintf("checks.paths[%d]", i), pat)
	}
	for i, pat := range c.Exclude {
		valid(fmt.Sprintf("checks.exclude[%d]", i), pat)
	}
	rs.p.Checks = ChecksPlan{Paths: paths.Select(c.Paths, c.Exclude), Perf: c.Perf}
}

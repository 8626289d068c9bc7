package plan

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"text/tabwriter"

	"github.com/netlab-dev/netlab/internal/cell"
)

// WriteTable renders the plan for people: VPCs and subnets, clusters, nodes, CIDRs, MTUs, pools, the
// VPC route tables, the transit gateway's route tables, Istio and the selected checks.
func (p *Plan) WriteTable(out io.Writer) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	line := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	section := func(title string) { line("\n%s", title) }

	line("LAB %s\t(%s)", p.Lab, p.Source)
	if p.Description != "" {
		line("%s", p.Description)
	}
	line("OUTSIDE\t%s", p.Outside.Summary())

	section("VPCS")
	line("VPC\tCIDR\tMTU\tSUBNET\tCIDR\tDOCKER NETWORK\tNODE RANGE\tTGW\tCLIENT")
	for _, v := range p.VPCs {
		for i, s := range v.Subnets {
			name, cidr, mtu := v.Name, v.CIDR.String(), fmt.Sprint(v.MTU)
			if i > 0 {
				name, cidr, mtu = "", "", ""
			}
			line("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", name, cidr, mtu, s.Name, s.CIDR, s.Network, s.NodeRange, cell.Dash(addrString(s.TGWAddress)), s.ClientAddress)
		}
	}

	section("CLUSTERS")
	line("CLUSTER\tCONTEXT\tVPC/SUBNET\tNODES\tCNI\tKUBE-PROXY\tPOD CIDR\tSERVICE CIDR\tPOD MTU\tLB POOL")
	for _, c := range p.Clusters {
		cni := c.CNI.Type + "/" + c.CNI.Mode
		pool := "-"
		if c.MetalLB != nil {
			pool = strings.Join(c.MetalLB.Addresses, ",") + fmt.Sprintf(" (%d)", c.MetalLB.Size)
		}
		line("%s\t%s\t%s/%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s", c.Name, c.Context, c.VPC, c.Subnet, nodeSummary(c.Nodes), cni, c.KubeProxyMode, c.PodCIDR, c.ServiceCIDR, c.CNI.PodMTU, pool)
	}

	section("NODES AND DATAPATH")
	line("CLUSTER\tNODE\tROLE\tIMAGE")
	for _, c := range p.Clusters {
		for _, n := range c.Nodes {
			line("%s\t%s\t%s\t%s", c.Name, n.Name, n.Role, c.NodeImage)
		}
	}
	line("")
	line("CLUSTER\tENCAPSULATION\tUPLINK MTU\tOVERHEAD\tCROSS-CLUSTER SOURCE\tNETPOL\tKERNEL NEEDS")
	for _, c := range p.Clusters {
		encap := c.CNI.Encapsulation
		if c.CNI.VXLANPort != 0 {
			encap += fmt.Sprintf(" (udp %d)", c.CNI.VXLANPort)
		}
		netpol := "enforced"
		if !c.CNI.EnforcesNetworkPolicy {
			netpol = "not enforced"
		}
		line("%s\t%s\t%d\t%d\t%s\t%s\t%s", c.Name, encap, c.CNI.UplinkMTU, c.CNI.Overhead, c.CNI.CrossClusterSource, netpol, strings.Join(c.KernelFeatures, ","))
	}

	var routes bool
	for _, c := range p.Clusters {
		routes = routes || len(c.VPCRoutes) > 0
	}
	if routes {
		section("VPC ROUTE TABLES (on every node)")
		line("CLUSTER\tDESTINATION\tVIA\tTARGET")
		for _, c := range p.Clusters {
			for _, r := range c.VPCRoutes {
				line("%s\t%s\t%s\t%s", c.Name, r.CIDR, r.Via, r.Target)
			}
		}
	}

	if t := p.TransitGateway; t != nil {
		section(fmt.Sprintf("TRANSIT GATEWAY %s (ASN %d, container %s)", t.Name, t.ASN, t.Container))
		line("ATTACHMENT\tVPC\tVPC CIDR\tLEGS\tPOD CIDRS BEHIND NODES")
		for _, a := range t.Attachments {
			var legs []string
			for _, l := range a.Legs {
				legs = append(legs, l.Address.String()+"@"+l.Subnet)
			}
			line("%s\t%s\t%s\t%s\t%s", a.Name, a.VPC, a.VPCCIDR, strings.Join(legs, ","), cell.Dash(strings.Join(Strings(a.PodCIDRs), ",")))
		}
		for _, rt := range t.RouteTables {
			line("")
			line("ROUTE TABLE %s\tassociations: %s\tpropagations: %s", rt.Name, cell.Dash(strings.Join(rt.Associations, ",")), cell.Dash(strings.Join(rt.Propagations, ",")))
			line("  DESTINATION\tTARGET\tTYPE")
			for _, r := range rt.Routes {
				target := r.Attachment
				if r.Blackhole {
					target = "blackhole"
				}
				line("  %s\t%s\t%s", r.CIDR, target, r.Type)
			}
		}
	}

	if is := p.Istio; is != nil {
		topology := "one network: Pod to Pod, no east-west gateway"
		if is.MultiNetwork {
			topology = "east-west gateways via " + is.EastWestExpose
		}
		section(fmt.Sprintf("ISTIO mesh %s (mTLS %s, %s)", is.MeshID, is.MTLS, topology))
		line("CLUSTER\tNETWORK")
		for _, c := range is.Clusters {
			line("%s\t%s", c.Cluster, c.Network)
		}
	}

	writeLoadBalancers(p, line, section)

	section(fmt.Sprintf("CHECKS (%d packet paths%s)", len(p.Checks.Paths), map[bool]string{true: ", with throughput", false: ""}[p.Checks.Perf]))
	line("%s", wrap(p.Checks.Paths, 6))

	if len(p.Warnings) > 0 {
		section("WARNINGS")
		for _, wn := range p.Warnings {
			line("%s", wn)
		}
	}
	return w.Flush()
}

// addrString is a's text, or "" for the zero Addr.
func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func nodeSummary(nodes []NodePlan) string {
	cp, w := 0, 0
	for _, n := range nodes {
		if n.Role == "control-plane" {
			cp++
		} else {
			w++
		}
	}
	return fmt.Sprintf("%d cp + %d w", cp, w)
}

func wrap(items []string, per int) string {
	var lines []string
	for i := 0; i < len(items); i += per {
		lines = append(lines, strings.Join(items[i:min(i+per, len(items))], "  "))
	}
	return strings.Join(lines, "\n")
}

// writeLoadBalancers are the sections of the global load balancer and the DMZ, when p has them.
func writeLoadBalancers(p *Plan, line func(string, ...any), section func(string)) {
	if g := p.GlobalLB; g != nil {
		section(fmt.Sprintf("GLOBAL LOAD BALANCER (container %s, Host %s)", g.Container, g.Host))
		line("CLUSTER\tLEG\tNETWORK\tINGRESS")
		for _, m := range g.Members {
			line("%s\t%s\t%s\t%s", m.Cluster, m.Address, m.Network, m.Ingress)
		}
	}
	if p.DMZ != nil {
		writeDMZ(p.DMZ, line, section)
	}
}

// writeDMZ is the DMZ's section of the table: the hops from the user to the first cluster, then
// the chain.
func writeDMZ(d *DMZPlan, line func(string, ...any), section func(string)) {
	section(fmt.Sprintf("DMZ (subnet %s of VPC %s, %s; Host %s)", d.Subnet, d.VPC, d.CIDR, d.LB.Host))
	line("HOP\tCONTAINER\tADDRESS\tTO")
	line("user\t%s\t%s\tWAF", d.Network+"-client", d.Client)
	line("WAF\t%s\t%s (rules on :%d, off :%d, counters :%d)\tDMZ load balancer %s", d.WAF.Container, d.WAF.Address, d.WAF.Port, d.WAF.PortOff, d.WAF.PortCounters, d.LB.Front.Address)
	for _, m := range d.LB.Members {
		line("DMZ LB\t%s\t%s (%s)\tcluster %s's ingress %s", d.LB.Container, m.Address, m.Network, m.Cluster, m.Ingress)
	}
	for i, h := range d.Chain {
		to := "(the end: answers as a stream)"
		if i+1 < len(d.Chain) {
			n := d.Chain[i+1]
			to = fmt.Sprintf("cluster %s's HTTP LoadBalancer Service", n.Cluster)
			if n.Ingress.IsValid() {
				to = fmt.Sprintf("cluster %s's ingress %s (Host %s)", n.Cluster, n.Ingress, n.Host)
			}
		}
		line("chain %d\t%s\t-\t%s", i+1, "a Pod of "+h.Cluster, to)
	}
}

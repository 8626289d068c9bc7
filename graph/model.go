// Package graph draws a lab: its VPCs, subnets and clusters, the transit gateway with its route
// tables, the reachability between clusters across the gateway (plan.Reachability, isolation shown
// as dashed red edges) and, when a check report is given, each checked path coloured by its verdict.
//
// Build turns a plan (and optionally a report) into a Graph, a plain value; Mermaid, DOT and SVG
// render it. Output is deterministic: the same plan and report give the same bytes.
package graph

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
)

// Kind is what a node or a group stands for; renderers style by it.
type Kind string

const (
	KindVPC        Kind = "vpc"
	KindSubnet     Kind = "subnet"
	KindCluster    Kind = "cluster"
	KindLeg        Kind = "leg" // the transit gateway's interface in a subnet
	KindTGW        Kind = "tgw"
	KindRouteTable Kind = "routeTable"
	KindChecks     Kind = "checks" // the group of lab-wide checks (results without a cluster)
	KindCheck      Kind = "check"
)

// EdgeKind is what an edge stands for.
type EdgeKind string

const (
	// EdgeAttachment joins a TGW leg to the route table its attachment is associated with.
	EdgeAttachment EdgeKind = "attachment"
	// EdgeReachable, EdgeBlocked and EdgePartial join two clusters in different VPCs by the plan's
	// verdict for their Pods (plan.Reachable, plan.Blocked, plan.Partial).
	EdgeReachable EdgeKind = "reachable"
	EdgeBlocked   EdgeKind = "blocked"
	EdgePartial   EdgeKind = "partial"
	// EdgeCheck joins a cluster to one of its checked paths; it carries the verdict.
	EdgeCheck EdgeKind = "check"
)

// Node is a box of the picture.
type Node struct {
	ID   string
	Kind Kind
	// Lines are the label, first line the title.
	Lines []string
	// Verdict is set on KindCheck nodes.
	Verdict report.Verdict
}

// Group is a box around nodes and other groups: a VPC, a subnet, the transit gateway.
type Group struct {
	ID     string
	Kind   Kind
	Lines  []string
	Nodes  []Node
	Groups []Group
}

// Edge is a line between two nodes.
type Edge struct {
	From, To string
	Kind     EdgeKind
	Label    string
	// Both is set when the edge holds both ways (drawn without direction).
	Both bool
	// Verdict is set on EdgeCheck edges.
	Verdict report.Verdict
}

// Graph is the whole picture.
type Graph struct {
	// Title is the lab's name and its source.
	Title  string
	Groups []Group
	Edges  []Edge
}

// Build draws plan p. rep, when not nil, is the lab's last check report: each result becomes a
// node beside its cluster (or in a "lab-wide checks" group), coloured by its verdict.
func Build(p *plan.Plan, rep *report.Report) *Graph {
	g := &Graph{Title: p.Lab}
	if p.Source != "" {
		g.Title += " (" + p.Source + ")"
	}
	clusterID := map[string]string{}
	subnetOf := map[string][2]int{} // cluster name -> the indexes of the VPC and subnet groups it is drawn in
	legID := map[string]string{}    // "vpc/subnet" -> leg node id
	for vi, v := range p.VPCs {
		vg := Group{ID: fmt.Sprintf("v%d", vi), Kind: KindVPC, Lines: []string{"VPC " + v.Name, v.CIDR.String()}}
		for si, s := range v.Subnets {
			sg := Group{ID: fmt.Sprintf("v%ds%d", vi, si), Kind: KindSubnet, Lines: []string{"subnet " + s.Name, s.CIDR.String()}}
			for ci, c := range p.Clusters {
				if c.VPC != v.Name || c.Subnet != s.Name {
					continue
				}
				id := fmt.Sprintf("c%d", ci)
				clusterID[c.Name] = id
				subnetOf[c.Name] = [2]int{vi, si}
				sg.Nodes = append(sg.Nodes, Node{ID: id, Kind: KindCluster, Lines: clusterLines(c)})
			}
			if s.TGWAddress.IsValid() {
				id := sg.ID + "leg"
				legID[v.Name+"/"+s.Name] = id
				sg.Nodes = append(sg.Nodes, Node{ID: id, Kind: KindLeg, Lines: []string{"TGW leg", s.TGWAddress.String()}})
			}
			vg.Groups = append(vg.Groups, sg)
		}
		g.Groups = append(g.Groups, vg)
	}
	if t := p.TransitGateway; t != nil {
		tg := Group{ID: "tgw", Kind: KindTGW, Lines: []string{"transit gateway " + t.Name, "ASN " + strconv.FormatInt(t.ASN, 10)}}
		for ti, rt := range t.RouteTables {
			id := fmt.Sprintf("rt%d", ti)
			tg.Nodes = append(tg.Nodes, Node{ID: id, Kind: KindRouteTable, Lines: routeTableLines(rt)})
			for _, a := range rt.Associations {
				ap, ok := attachment(t, a)
				if !ok {
					continue
				}
				for _, leg := range ap.Legs {
					if from, ok := legID[ap.VPC+"/"+leg.Subnet]; ok {
						g.Edges = append(g.Edges, Edge{From: from, To: id, Kind: EdgeAttachment, Label: "attachment " + a, Both: true})
					}
				}
			}
		}
		g.Groups = append(g.Groups, tg)
	}
	g.Edges = append(g.Edges, reachEdges(p, clusterID)...)
	if rep != nil {
		g.addChecks(rep, clusterID, subnetOf)
	}
	return g
}

func clusterLines(c plan.ClusterPlan) []string {
	cni := c.CNI.Type
	if c.CNI.Mode != "" {
		cni += " " + c.CNI.Mode
	}
	lines := []string{
		"cluster " + c.Name,
		fmt.Sprintf("%s, kube-proxy %s", cni, c.KubeProxyMode),
		fmt.Sprintf("%d node%s, Pods %s", len(c.Nodes), plural(len(c.Nodes)), c.PodCIDR),
	}
	if c.MetalLB != nil {
		lines = append(lines, "MetalLB "+strings.Join(c.MetalLB.Addresses, ", "))
	}
	return lines
}

func routeTableLines(rt plan.RouteTablePlan) []string {
	lines := []string{"route table " + rt.Name}
	for _, r := range rt.Routes {
		target := "to " + r.Attachment
		if r.Blackhole {
			target = "blackhole"
		}
		lines = append(lines, r.CIDR.String()+" "+target)
	}
	return lines
}

func attachment(t *plan.TGWPlan, name string) (plan.AttachmentPlan, bool) {
	for _, a := range t.Attachments {
		if a.Name == name {
			return a, true
		}
	}
	return plan.AttachmentPlan{}, false
}

// reachEdges joins every pair of clusters that the transit gateway joins by the plan's verdict for
// their Pods: one undirected edge when both directions agree, else one edge per direction.
func reachEdges(p *plan.Plan, clusterID map[string]string) []Edge {
	verdict := map[[2]string]plan.Verdict{}
	for _, r := range p.Reachability() {
		verdict[[2]string{r.From, r.To}] = r.Pod.Verdict
	}
	var out []Edge
	for i, a := range p.Clusters {
		for _, b := range p.Clusters[i+1:] {
			ab, okAB := verdict[[2]string{a.Name, b.Name}]
			ba, okBA := verdict[[2]string{b.Name, a.Name}]
			if !okAB || !okBA {
				continue
			}
			if ab == ba {
				out = append(out, Edge{From: clusterID[a.Name], To: clusterID[b.Name], Kind: edgeKind(ab), Label: "Pods " + string(ab), Both: true})
				continue
			}
			out = append(out,
				Edge{From: clusterID[a.Name], To: clusterID[b.Name], Kind: edgeKind(ab), Label: "Pods " + string(ab)},
				Edge{From: clusterID[b.Name], To: clusterID[a.Name], Kind: edgeKind(ba), Label: "Pods " + string(ba)})
		}
	}
	return out
}

func edgeKind(v plan.Verdict) EdgeKind {
	switch v {
	case plan.Reachable:
		return EdgeReachable
	case plan.Blocked:
		return EdgeBlocked
	}
	return EdgePartial
}

// addChecks draws each result of rep beside its cluster, sorted by cluster then path; results
// without a cluster (or for a cluster the plan does not have) go into a group of lab-wide checks.
func (g *Graph) addChecks(rep *report.Report, clusterID map[string]string, subnetOf map[string][2]int) {
	results := slices.Clone(rep.Results)
	slices.SortStableFunc(results, func(a, b report.Result) int {
		return cmp.Or(cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Path, b.Path))
	})
	lab := Group{ID: "labchecks", Kind: KindChecks, Lines: []string{"lab-wide checks"}}
	for i, res := range results {
		n := Node{ID: fmt.Sprintf("k%d", i), Kind: KindCheck, Lines: []string{res.Path, strings.ToUpper(string(res.Verdict))}, Verdict: res.Verdict}
		owner := res.Cluster
		if from, to, pair := strings.Cut(res.Cluster, "->"); pair {
			// a cross-cluster target ("a->b"): beside its client cluster, naming the server
			owner = from
			n.Lines = []string{res.Path, "to " + to, strings.ToUpper(string(res.Verdict))}
		}
		at, ok := subnetOf[owner]
		if !ok {
			lab.Nodes = append(lab.Nodes, n)
			continue
		}
		// Before the subnet's TGW leg, which stays last so that its attachment leaves the subnet
		// from the bottom.
		sg := &g.Groups[at[0]].Groups[at[1]]
		leg := slices.IndexFunc(sg.Nodes, func(n Node) bool { return n.Kind == KindLeg })
		if leg < 0 {
			leg = len(sg.Nodes)
		}
		sg.Nodes = slices.Insert(sg.Nodes, leg, n)
		g.Edges = append(g.Edges, Edge{From: clusterID[owner], To: n.ID, Kind: EdgeCheck, Verdict: res.Verdict})
	}
	if len(lab.Nodes) > 0 {
		g.Groups = append(g.Groups, lab)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Package explain prints a packet path's hops in the terms of the packet-path notes (Pod eth0,
// veth, the cni0 bridge, the VXLAN device, the node's eth0, the VPC network, the transit gateway's
// route table, kube-proxy's DNAT), filled in with what is known: the plan's CIDRs, devices, ports and
// modes, and, for a live lab, the nodes' real addresses and Pod ranges, the echo Service's ClusterIP
// and kube-proxy chain, and the TGW's route tables.
//
// It is pure: the live facts are gathered elsewhere (cmd/netlab/explain.go) and passed in.
package explain

import (
	"fmt"
	"io"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/plan"
)

// Facts are what a live lab adds to the plan (every field optional); Node is a live node and
// TGWTable a live TGW route table.
type (
	Facts    = hop.Facts
	Node     = hop.Node
	TGWTable = hop.TGWTable
)

// Explanation is one path's hops for one target.
type Explanation struct {
	Path    string   `json:"path"`
	Title   string   `json:"title"`
	Target  string   `json:"target,omitempty"`
	Context string   `json:"context,omitempty"`
	Hops    []string `json:"hops"`
	// Return is the reply's way back, for a pair of clusters across the transit gateway: where the
	// reply goes, its leg through the server VPC's route table and the TGW, and the plan's two-way
	// verdict (plan.Reach).
	Return   []string `json:"return,omitempty"`
	Evidence string   `json:"evidence"`
	// Missing says why the scenario cannot show the path (the hops are then the generic ones).
	Missing string `json:"missing,omitempty"`
	Doc     string `json:"doc"`
}

// All explains path id, by its definition in defs, for every target the plan has for it (one
// explanation when it has none).
func All(defs []checks.Definition, p *plan.Plan, id string, f *Facts) ([]Explanation, error) {
	if p == nil {
		e, err := Explain(defs, p, id, f)
		return []Explanation{e}, err
	}
	tp := *p
	tp.Checks.Paths = []string{id}
	a := checks.Applies(defs, &tp)
	if len(a) != 1 || len(a[0].Targets) <= 1 {
		e, err := Explain(defs, p, id, f)
		return []Explanation{e}, err
	}
	var out []Explanation
	for _, t := range a[0].Targets {
		e, err := explainTarget(defs, p, id, f, &t)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Explain explains path id in plan p (nil: the catalogue alone, with placeholders) for its first
// target, using facts when given.
func Explain(defs []checks.Definition, p *plan.Plan, id string, f *Facts) (Explanation, error) {
	return explainTarget(defs, p, id, f, nil)
}

func explainTarget(defs []checks.Definition, p *plan.Plan, id string, f *Facts, want *checks.Target) (Explanation, error) {
	d, ok := checks.Lookup(defs, id)
	if !ok {
		return Explanation{}, fmt.Errorf("unknown path id %q; 'netlab check --list' shows them", id)
	}
	pa := d.Path()
	e := Explanation{Path: id, Title: pa.Title, Evidence: pa.Evidence, Doc: "docs/paths/" + id + ".md"}
	var t checks.Target
	if p != nil {
		tp := *p
		tp.Checks.Paths = []string{id}
		a := checks.Applies(defs, &tp)
		if want != nil {
			t = *want
			e.Target = t.String()
		} else if len(a) == 1 && len(a[0].Targets) > 0 {
			t = a[0].Targets[0]
			e.Target = t.String()
		} else if len(a) == 1 {
			e.Missing = a[0].Reason
		}
	}
	client := t.Cluster
	if t.From != "" {
		client = t.From
	}
	x := hop.New(p, f, client, t.To)
	if x.C != nil {
		c := x.C
		e.Context = fmt.Sprintf("lab %s, cluster %s: %s %s (%s), kube-proxy %s, Pod CIDR %s, Services %s, uplink MTU %d, Pod MTU %d",
			p.Lab, c.Name, c.CNI.Type, c.CNI.Mode, c.CNI.Encapsulation, c.KubeProxyMode, c.PodCIDR, c.ServiceCIDR, c.CNI.UplinkMTU, c.CNI.PodMTU)
	}
	if d.Hops != nil {
		e.Hops = d.Hops(x)
	}
	if t.From != "" {
		e.Return = x.ReturnHops()
	}
	return e, nil
}

// Write prints an explanation as text.
func Write(w io.Writer, e Explanation) error {
	fmt.Fprintf(w, "%s: %s\n", e.Path, e.Title)
	if e.Context != "" {
		fmt.Fprintf(w, "  %s", e.Context)
		if e.Target != "" {
			fmt.Fprintf(w, " [target %s]", e.Target)
		}
		fmt.Fprintln(w)
	}
	if e.Missing != "" {
		fmt.Fprintf(w, "  This scenario cannot show it: %s.\n", e.Missing)
	}
	for i, h := range e.Hops {
		fmt.Fprintf(w, "  %2d. %s\n", i+1, h)
	}
	if len(e.Return) > 0 {
		fmt.Fprintln(w, "  The reply's way back:")
		for i, h := range e.Return {
			fmt.Fprintf(w, "  %2d. %s\n", i+1, h)
		}
	}
	fmt.Fprintf(w, "  Evidence the check asserts: %s\n  More: %s\n", e.Evidence, e.Doc)
	return nil
}

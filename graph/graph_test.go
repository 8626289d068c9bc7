package graph

import (
	"bytes"
	"encoding/xml"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

// renderers are the formats with their golden file suffix.
var renderers = []struct {
	ext    string
	render func(io.Writer, *Graph) error
}{
	{"mmd", Mermaid},
	{"dot", DOT},
	{"svg", SVG},
}

func builtin(t *testing.T, name string) *plan.Plan {
	t.Helper()
	data, ok := scenarios.Lookup(name)
	if !ok {
		t.Fatalf("no built-in scenario %s", name)
	}
	p, diags := plan.Build("builtin/"+name+".yaml", data, plan.Options{})
	if p == nil {
		t.Fatalf("%s is invalid:\n%s", name, diags.Error())
	}
	return p
}

func render(t *testing.T, g *Graph, f func(io.Writer, *Graph) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGolden pins the Mermaid and DOT of every built-in scenario's plan (TestDocsAreFresh pins
// their SVG).
func TestGolden(t *testing.T) {
	names := scenarios.Names()
	if len(names) < 6 {
		t.Fatalf("expected the built-in scenarios, found %v", names)
	}
	for _, name := range names {
		g := Build(builtin(t, name), nil)
		for _, r := range renderers[:2] {
			golden.Check(t, filepath.Join("testdata", name+"."+r.ext+".golden"), render(t, g, r.render))
		}
	}
}

// TestDocsAreFresh keeps docs/graph true: each built-in scenario's picture there is what
// 'netlab graph NAME -o mermaid' and '-o svg' print now.
func TestDocsAreFresh(t *testing.T) {
	for _, name := range scenarios.Names() {
		g := Build(builtin(t, name), nil)
		golden.Check(t, filepath.Join("..", "docs", "graph", name+".mmd"), render(t, g, Mermaid))
		golden.Check(t, filepath.Join("..", "docs", "graph", name+".svg"), render(t, g, SVG))
	}
}

// checked is a hand-made report of tgw-isolated-spokes with one verdict of each kind and a
// lab-wide result.
func checked() *report.Report {
	return &report.Report{Lab: "tgw-isolated-spokes", Results: []report.Result{
		{Path: "service/clusterip", Cluster: "hub", Verdict: report.Pass},
		{Path: "cross-cluster/tgw-pod", Cluster: "spoke-a", Verdict: report.Fail},
		{Path: "service/loadbalancer", Cluster: "spoke-b", Verdict: report.Skip},
		{Path: "cross-cluster/tgw-isolation", Cluster: "spoke-b", Verdict: report.Error},
		{Path: "mesh/east-west", Verdict: report.Skip},
	}}
}

// TestGoldenChecked pins the picture of a lab with verdicts.
func TestGoldenChecked(t *testing.T) {
	g := Build(builtin(t, "tgw-isolated-spokes"), checked())
	for _, r := range renderers {
		golden.Check(t, filepath.Join("testdata", "tgw-isolated-spokes-checked."+r.ext+".golden"), render(t, g, r.render))
	}
}

// A checked path is coloured by its verdict in every format: pass green, fail red, skip grey.
func TestVerdictColours(t *testing.T) {
	g := Build(builtin(t, "tgw-isolated-spokes"), checked())
	ids := map[string]string{} // "path@cluster" -> node id
	var walk func(gr Group)
	walk = func(gr Group) {
		for _, n := range gr.Nodes {
			if n.Kind == KindCheck {
				ids[n.Lines[0]+"@"+string(n.Verdict)] = n.ID
			}
		}
		for _, sub := range gr.Groups {
			walk(sub)
		}
	}
	for _, gr := range g.Groups {
		walk(gr)
	}
	cases := []struct {
		key, fill, stroke string
	}{
		{"service/clusterip@pass", "#e8f5e9", "#2e7d32"},
		{"cross-cluster/tgw-pod@fail", "#ffebee", "#c62828"},
		{"service/loadbalancer@skip", "#f5f5f5", "#9e9e9e"},
		{"cross-cluster/tgw-isolation@error", "#fff3e0", "#ef6c00"},
		{"mesh/east-west@skip", "#f5f5f5", "#9e9e9e"},
	}
	mmd := string(render(t, g, Mermaid))
	dot := string(render(t, g, DOT))
	svg := string(render(t, g, SVG))
	for _, c := range cases {
		id, ok := ids[c.key]
		if !ok {
			t.Fatalf("no check node for %s; have %v", c.key, ids)
		}
		verdict := c.key[strings.Index(c.key, "@")+1:]
		if !strings.Contains(mmd, "classDef verdict_"+verdict+" fill:"+c.fill+",stroke:"+c.stroke) || !mermaidClassHas(mmd, "verdict_"+verdict, id) {
			t.Errorf("mermaid: %s (%s) is not in class verdict_%s coloured %s:\n%s", c.key, id, verdict, c.stroke, mmd)
		}
		if !strings.Contains(dot, "  "+id+" [label=") || !strings.Contains(dot, `fillcolor="`+c.fill+`", color="`+c.stroke+`"];`) {
			t.Errorf("dot: %s (%s) not filled %s", c.key, id, c.fill)
		}
		if !strings.Contains(svg, `fill="`+c.fill+`" stroke="`+c.stroke+`"`) {
			t.Errorf("svg: no box filled %s for %s", c.fill, c.key)
		}
	}
	// A result without a cluster lands among the lab-wide checks, with no line to a cluster.
	if !strings.Contains(mmd, `subgraph labchecks["lab-wide checks"]`) {
		t.Errorf("no lab-wide checks group:\n%s", mmd)
	}
	lab := ids["mesh/east-west@skip"]
	for _, e := range g.Edges {
		if e.To == lab {
			t.Errorf("a lab-wide check has an edge: %+v", e)
		}
	}
}

func mermaidClassHas(mmd, class, id string) bool {
	for _, line := range strings.Split(mmd, "\n") {
		if ids, ok := strings.CutSuffix(strings.TrimSpace(line), " "+class); ok && strings.HasPrefix(ids, "class ") {
			for _, x := range strings.Split(strings.TrimPrefix(ids, "class "), ",") {
				if x == id {
					return true
				}
			}
		}
	}
	return false
}

// The isolated spokes are drawn apart (a dashed red "blocked" edge, both ways), each spoke joined
// to the hub, and every leg joined to the route table its attachment is associated with.
func TestIsolationAndAttachments(t *testing.T) {
	g := Build(builtin(t, "tgw-isolated-spokes"), nil)
	want := map[string]EdgeKind{"c0-c1": EdgeReachable, "c0-c2": EdgeReachable, "c1-c2": EdgeBlocked}
	legs := map[string]string{}
	for _, e := range g.Edges {
		switch e.Kind {
		case EdgeAttachment:
			legs[e.From] = e.To
		default:
			k := e.From + "-" + e.To
			if want[k] != e.Kind || !e.Both {
				t.Errorf("edge %s: %s (both %v), want %s both ways", k, e.Kind, e.Both, want[k])
			}
			delete(want, k)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing reachability edges: %v", want)
	}
	// rt0 is "spokes" (associated with both spokes), rt1 "hub".
	if legs["v0s0leg"] != "rt1" || legs["v1s0leg"] != "rt0" || legs["v2s0leg"] != "rt0" {
		t.Errorf("attachments: %v", legs)
	}
	if s := edgeStyle(Edge{Kind: EdgeBlocked}); !s.Dashed || s.Color != "#c62828" {
		t.Errorf("isolation is drawn %+v, want dashed red", s)
	}
	mmd := string(render(t, g, Mermaid))
	if !strings.Contains(mmd, `c1 -.-|"Pods blocked"| c2`) {
		t.Errorf("mermaid lacks the dashed blocked edge:\n%s", mmd)
	}
}

// A scenario without a transit gateway has no TGW group and no reachability edges.
func TestNoTGW(t *testing.T) {
	g := Build(builtin(t, "flannel-basic"), nil)
	if len(g.Edges) != 0 {
		t.Errorf("edges without a TGW: %+v", g.Edges)
	}
	for _, gr := range g.Groups {
		if gr.Kind != KindVPC {
			t.Errorf("group %s (%s) without a TGW or a report", gr.ID, gr.Kind)
		}
	}
}

// The SVG is well-formed XML, and the same graph always gives the same bytes.
func TestSVGWellFormedAndDeterministic(t *testing.T) {
	for _, name := range scenarios.Names() {
		a := render(t, Build(builtin(t, name), checked()), SVG)
		b := render(t, Build(builtin(t, name), checked()), SVG)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: two renderings differ", name)
		}
		d := xml.NewDecoder(bytes.NewReader(a))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: not XML: %v", name, err)
			}
		}
	}
}

// Labels cannot break out of their quotes.
func TestEscaping(t *testing.T) {
	g := &Graph{Title: `x"<y>&`, Groups: []Group{{ID: "v0", Kind: KindVPC, Lines: []string{`a"b<c>`}, Nodes: []Node{{ID: "n0", Kind: KindCluster, Lines: []string{`q"\r`}}}}}}
	if got := string(render(t, g, Mermaid)); !strings.Contains(got, `subgraph v0["a#quot;b#lt;c#gt;"]`) || !strings.Contains(got, `n0["q#quot;\r"]`) {
		t.Errorf("mermaid escaping:\n%s", got)
	}
	if got := string(render(t, g, DOT)); !strings.Contains(got, `label="a\"b<c>"`) || !strings.Contains(got, `label="q\"\\r"`) {
		t.Errorf("dot escaping:\n%s", got)
	}
	if got := string(render(t, g, SVG)); !strings.Contains(got, `a&quot;b&lt;c&gt;`) || !strings.Contains(got, `x&quot;&lt;y&gt;&amp;`) {
		t.Errorf("svg escaping:\n%s", got)
	}
}

// A cross-cluster result ("from->to") stands beside its client cluster and names the server.
func TestPairResultBesideItsClient(t *testing.T) {
	rep := &report.Report{Lab: "tgw-isolated-spokes", Results: []report.Result{
		{Path: "cross-cluster/tgw-isolation", Cluster: "spoke-a->spoke-b", Verdict: report.Pass},
	}}
	g := Build(builtin(t, "tgw-isolated-spokes"), rep)
	found := false
	for _, v := range g.Groups {
		for _, sn := range v.Groups {
			for _, n := range sn.Nodes {
				if n.Kind == KindCheck {
					found = true
					if v.Lines[0] != "VPC spoke-a" || strings.Join(n.Lines, "|") != "cross-cluster/tgw-isolation|to spoke-b|PASS" {
						t.Errorf("check node %v in group %v", n.Lines, v.Lines)
					}
				}
			}
		}
		if v.Kind == KindChecks {
			t.Errorf("the pair result went to the lab-wide group: %+v", v)
		}
	}
	if !found {
		t.Error("no check node drawn")
	}
}

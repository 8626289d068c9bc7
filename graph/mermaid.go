package graph

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/netlab-dev/netlab/checks/report"
)

// Mermaid writes g as a Mermaid flowchart: VPCs, subnets and the transit gateway as subgraphs,
// clusters, TGW legs, route tables and checked paths as nodes, styled by kind and verdict.
func Mermaid(w io.Writer, g *Graph) error {
	var b strings.Builder
	b.WriteString("flowchart TB\n")
	fmt.Fprintf(&b, "  %%%% lab %s\n", g.Title)
	classes := map[string][]string{} // class name -> node ids
	var styles []string              // subgraph styles, in drawing order
	var group func(gr Group, indent string)
	group = func(gr Group, indent string) {
		fmt.Fprintf(&b, "%ssubgraph %s[\"%s\"]\n", indent, gr.ID, mermaidLabel(gr.Lines))
		for _, sub := range gr.Groups {
			group(sub, indent+"  ")
		}
		for _, n := range gr.Nodes {
			fmt.Fprintf(&b, "%s  %s[\"%s\"]\n", indent, n.ID, mermaidLabel(n.Lines))
			classes[mermaidClass(n)] = append(classes[mermaidClass(n)], n.ID)
		}
		fmt.Fprintf(&b, "%send\n", indent)
		s := boxStyles[gr.Kind]
		styles = append(styles, fmt.Sprintf("  style %s fill:%s,stroke:%s", gr.ID, s.Fill, s.Stroke))
	}
	for _, gr := range g.Groups {
		group(gr, "  ")
	}
	var links []string
	for i, e := range g.Edges {
		fmt.Fprintf(&b, "  %s %s %s\n", e.From, mermaidArrow(e), e.To)
		ls := edgeStyle(e)
		style := fmt.Sprintf("stroke:%s,stroke-width:2px", ls.Color)
		if ls.Dashed {
			style += ",stroke-dasharray:6 4"
		}
		links = append(links, fmt.Sprintf("  linkStyle %d %s", i, style))
	}
	for _, s := range styles {
		b.WriteString(s + "\n")
	}
	names := make([]string, 0, len(classes))
	for name := range classes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := classStyle(name)
		fmt.Fprintf(&b, "  classDef %s fill:%s,stroke:%s\n", name, s.Fill, s.Stroke)
		fmt.Fprintf(&b, "  class %s %s\n", strings.Join(classes[name], ","), name)
	}
	for _, l := range links {
		b.WriteString(l + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidClass is the class a node is styled by: its verdict for a check, its kind otherwise.
func mermaidClass(n Node) string {
	if n.Kind == KindCheck {
		return "verdict_" + string(n.Verdict)
	}
	return string(n.Kind)
}

// classStyle is the inverse of mermaidClass.
func classStyle(class string) boxStyle {
	if v, ok := strings.CutPrefix(class, "verdict_"); ok {
		return verdictStyles[report.Verdict(v)]
	}
	return boxStyles[Kind(class)]
}

// mermaidArrow is the link between two nodes with its label: dashed for isolation and checks,
// without arrow heads when it holds both ways.
func mermaidArrow(e Edge) string {
	label := ""
	if e.Label != "" {
		label = "|\"" + mermaidText(e.Label) + "\"|"
	}
	dashed := edgeStyle(e).Dashed
	switch {
	case dashed && e.Both:
		return "-.-" + label
	case dashed:
		return "-.->" + label
	case e.Both && e.Kind == EdgeReachable:
		return "<-->" + label
	case e.Both:
		return "---" + label
	}
	return "-->" + label
}

func mermaidLabel(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = mermaidText(l)
	}
	return strings.Join(out, "<br/>")
}

// mermaidText escapes what would end a quoted label or read as markup.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}

package graph

import (
	"fmt"
	"io"
	"strings"
)

// DOT writes g in Graphviz's DOT language: VPCs, subnets and the transit gateway as clusters
// (subgraph cluster_*), the rest as nodes and edges, styled by kind and verdict.
func DOT(w io.Writer, g *Graph) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph netlab {\n")
	fmt.Fprintf(&b, "  graph [label=%s, labelloc=t, fontname=\"Helvetica\", fontsize=16, rankdir=TB, newrank=true, nodesep=0.4, ranksep=0.6];\n", dotString([]string{"lab " + g.Title}))
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=10, penwidth=1.5];\n")
	var group func(gr Group, indent string)
	group = func(gr Group, indent string) {
		s := boxStyles[gr.Kind]
		fmt.Fprintf(&b, "%ssubgraph cluster_%s {\n", indent, gr.ID)
		fmt.Fprintf(&b, "%s  label=%s; style=\"rounded,filled\"; fillcolor=\"%s\"; color=\"%s\"; fontname=\"Helvetica\"; fontsize=12;\n", indent, dotString(gr.Lines), s.Fill, s.Stroke)
		for _, sub := range gr.Groups {
			group(sub, indent+"  ")
		}
		for _, n := range gr.Nodes {
			ns := nodeStyle(n)
			fmt.Fprintf(&b, "%s  %s [label=%s, fillcolor=\"%s\", color=\"%s\"];\n", indent, n.ID, dotString(n.Lines), ns.Fill, ns.Stroke)
		}
		fmt.Fprintf(&b, "%s}\n", indent)
	}
	for _, gr := range g.Groups {
		group(gr, "  ")
	}
	for _, e := range g.Edges {
		ls := edgeStyle(e)
		attrs := []string{fmt.Sprintf("color=\"%s\"", ls.Color)}
		if e.Label != "" {
			attrs = append(attrs, "label="+dotString([]string{e.Label}), fmt.Sprintf("fontcolor=\"%s\"", ls.Color))
		}
		if ls.Dashed {
			attrs = append(attrs, "style=dashed")
		}
		switch {
		case e.Both && e.Kind == EdgeReachable:
			attrs = append(attrs, "dir=both")
		case e.Both:
			attrs = append(attrs, "dir=none")
		}
		if e.Kind == EdgeCheck {
			attrs = append(attrs, "arrowhead=none")
		}
		fmt.Fprintf(&b, "  %s -> %s [%s];\n", e.From, e.To, strings.Join(attrs, ", "))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotString is lines as one quoted DOT string, a line break between lines.
func dotString(lines []string) string {
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = esc.Replace(l)
	}
	return `"` + strings.Join(out, `\n`) + `"`
}

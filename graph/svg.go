package graph

import (
	"fmt"
	"io"
	"strings"
)

// SVG draws g as a standalone SVG picture with netlab's own layered layout, no Graphviz needed:
// the VPCs side by side (their subnets in a row, each subnet's clusters, TGW leg and checked paths
// stacked), the transit gateway below with its route tables in a row, then the lab-wide checks.
// Attachments are straight lines from a leg down to its route table; reachability between clusters
// arcs above the VPCs, one level per pair; a check hangs off its cluster's left side.
//
// Text widths are estimated for a monospace font, so the layout needs no font metrics and the same
// graph always gives the same bytes.
func SVG(w io.Writer, g *Graph) error {
	l := &svgLayout{pos: map[string]rect{}, size: map[string]size{}}
	return l.draw(w, g)
}

const (
	svgPad      = 10.0 // inside a box, around its text and children
	svgGap      = 16.0 // between boxes side by side or stacked
	svgRowGap   = 48.0 // between the VPC row, the TGW and the lab-wide checks
	svgMargin   = 20.0
	svgCharW    = 7.3 // a character of the 12 px monospace font, generously
	svgLineH    = 15.0
	svgFontSize = 12
	svgArcStep  = 18.0 // between the levels of the reachability arcs
)

type size struct{ w, h float64 }

type rect struct{ x, y, w, h float64 }

func (r rect) cx() float64     { return r.x + r.w/2 }
func (r rect) bottom() float64 { return r.y + r.h }

type svgLayout struct {
	pos  map[string]rect // node and group ids -> where they are drawn
	size map[string]size // group ids -> measured size
	out  strings.Builder
}

// horizontal reports whether a group's children sit side by side (else stacked).
func horizontal(gr Group) bool { return gr.Kind == KindVPC || gr.Kind == KindTGW }

func textSize(lines []string) size {
	longest := 0
	for _, l := range lines {
		longest = max(longest, len([]rune(l)))
	}
	return size{float64(longest)*svgCharW + 2*svgPad, float64(len(lines))*svgLineH + 2*svgPad}
}

// measure sizes a group from its header and its children, recursively.
func (l *svgLayout) measure(gr Group) size {
	var kids []size
	for _, sub := range gr.Groups {
		kids = append(kids, l.measure(sub))
	}
	for _, n := range gr.Nodes {
		kids = append(kids, textSize(n.Lines))
	}
	var cw, ch float64
	for i, k := range kids {
		gap := svgGap
		if i == 0 {
			gap = 0
		}
		if horizontal(gr) {
			cw, ch = cw+gap+k.w, max(ch, k.h)
		} else {
			cw, ch = max(cw, k.w), ch+gap+k.h
		}
	}
	head := textSize(gr.Lines)
	s := size{max(head.w, cw+2*svgPad), head.h + ch + svgPad}
	l.size[gr.ID] = s
	return s
}

// place puts a measured group at (x, y), its children inside it. Stacked nodes take the column's width.
func (l *svgLayout) place(gr Group, x, y float64) {
	s := l.size[gr.ID]
	l.pos[gr.ID] = rect{x, y, s.w, s.h}
	cx, cy := x+svgPad, y+textSize(gr.Lines).h
	colW := s.w - 2*svgPad
	for _, sub := range gr.Groups {
		l.place(sub, cx, cy)
		if horizontal(gr) {
			cx += l.size[sub.ID].w + svgGap
		} else {
			cy += l.size[sub.ID].h + svgGap
		}
	}
	for _, n := range gr.Nodes {
		ns := textSize(n.Lines)
		if horizontal(gr) {
			l.pos[n.ID] = rect{cx, cy, ns.w, ns.h}
			cx += ns.w + svgGap
		} else {
			l.pos[n.ID] = rect{cx, cy, colW, ns.h}
			cy += ns.h + svgGap
		}
	}
}

func (l *svgLayout) draw(w io.Writer, g *Graph) error {
	// The VPCs form the first row; the TGW and the lab-wide checks each get a row below.
	var vpcs, rows []Group
	for _, gr := range g.Groups {
		l.measure(gr)
		if gr.Kind == KindVPC {
			vpcs = append(vpcs, gr)
		} else {
			rows = append(rows, gr)
		}
	}
	var reach []Edge
	for _, e := range g.Edges {
		if e.Kind == EdgeReachable || e.Kind == EdgeBlocked || e.Kind == EdgePartial {
			reach = append(reach, e)
		}
	}
	rowW := 0.0
	for i, v := range vpcs {
		if i > 0 {
			rowW += svgGap
		}
		rowW += l.size[v.ID].w
	}
	items := legendItems(g)
	width := max(rowW, float64(len([]rune("lab "+g.Title)))*svgCharW*16/svgFontSize, legendWidth(items))
	for _, r := range rows {
		width = max(width, l.size[r.ID].w)
	}
	title := 2 * svgLineH
	arcs := float64(len(reach)) * svgArcStep
	y := svgMargin + title + arcs + svgLineH
	x := svgMargin + (width-rowW)/2
	rowH := 0.0
	for _, v := range vpcs {
		l.place(v, x, y)
		x += l.size[v.ID].w + svgGap
		rowH = max(rowH, l.size[v.ID].h)
	}
	if len(vpcs) > 0 {
		y += rowH + svgRowGap
	}
	for _, r := range rows {
		l.place(r, svgMargin+(width-l.size[r.ID].w)/2, y)
		y += l.size[r.ID].h + svgRowGap
	}
	legendY := y - svgRowGap + svgGap
	height := legendY + 2*svgLineH + svgMargin
	if len(items) == 0 {
		height = legendY + svgMargin
	}
	total := width + 2*svgMargin

	b := &l.out
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="%d">`+"\n", total, height, total, height, svgFontSize)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>` + "\n")
	fmt.Fprintf(b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="16" text-anchor="middle">%s</text>`+"\n", total/2, svgMargin+svgLineH, xmlText("lab "+g.Title))
	// Group boxes first, then the lines, then the groups' titles (over the lines, on a white halo),
	// then the nodes.
	var groups func(gr Group, title bool)
	groups = func(gr Group, title bool) {
		if title {
			l.text(l.pos[gr.ID], gr.Lines, true)
		} else {
			l.rect(l.pos[gr.ID], boxStyles[gr.Kind])
		}
		for _, sub := range gr.Groups {
			groups(sub, title)
		}
	}
	for _, gr := range g.Groups {
		groups(gr, false)
	}
	// Lines into one box end side by side along its top, in edge order.
	into, seen := map[string]int{}, map[string]int{}
	for _, e := range g.Edges {
		if e.Kind == EdgeAttachment {
			into[e.To]++
		}
	}
	level := 0
	for _, e := range g.Edges {
		slot := 0.5
		if e.Kind == EdgeAttachment {
			seen[e.To]++
			slot = float64(seen[e.To]) / float64(into[e.To]+1)
		}
		l.edge(e, slot, &level, y0(vpcs, l)-svgLineH)
	}
	for _, gr := range g.Groups {
		groups(gr, true)
	}
	var nodes func(gr Group)
	nodes = func(gr Group) {
		for _, sub := range gr.Groups {
			nodes(sub)
		}
		for _, n := range gr.Nodes {
			l.rect(l.pos[n.ID], nodeStyle(n))
			l.text(l.pos[n.ID], n.Lines, false)
		}
	}
	for _, gr := range g.Groups {
		nodes(gr)
	}
	l.legend(items, svgMargin, legendY)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// y0 is the top of the VPC row (where the arcs start from above).
func y0(vpcs []Group, l *svgLayout) float64 {
	if len(vpcs) == 0 {
		return svgMargin + 2*svgLineH
	}
	return l.pos[vpcs[0].ID].y
}

// rect draws a rounded box.
func (l *svgLayout) rect(r rect, s boxStyle) {
	fmt.Fprintf(&l.out, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="6" fill="%s" stroke="%s" stroke-width="1.5"/>`+"\n", r.x, r.y, r.w, r.h, s.Fill, s.Stroke)
}

// text writes a box's lines, the first in bold: a group's left-aligned at its top on a halo of
// its fill (lines may cross it), a node's centred.
func (l *svgLayout) text(r rect, lines []string, group bool) {
	for i, line := range lines {
		ty := r.y + svgPad + float64(i+1)*svgLineH - 3
		attrs := ""
		if i == 0 {
			attrs = ` font-weight="bold"`
		}
		if group {
			fmt.Fprintf(&l.out, `<text x="%.1f" y="%.1f"%s stroke="white" stroke-width="3" paint-order="stroke">%s</text>`+"\n", r.x+svgPad, ty, attrs, xmlText(line))
		} else {
			fmt.Fprintf(&l.out, `<text x="%.1f" y="%.1f" text-anchor="middle"%s>%s</text>`+"\n", r.cx(), ty, attrs, xmlText(line))
		}
	}
}

// edge draws one edge: reachability as an arc above the VPC row (its own level), a check as an
// elbow off its cluster's left side, anything else as a straight line from the bottom of one box to
// the top of the other, at slot (a fraction of its width).
func (l *svgLayout) edge(e Edge, slot float64, level *int, top float64) {
	from, okF := l.pos[e.From]
	to, okT := l.pos[e.To]
	if !okF || !okT {
		return
	}
	ls := edgeStyle(e)
	attrs := fmt.Sprintf(`fill="none" stroke="%s" stroke-width="2"`, ls.Color)
	if ls.Dashed {
		attrs += ` stroke-dasharray="6 4"`
	}
	switch {
	case e.Kind == EdgeReachable && e.Both:
		attrs += ` marker-start="url(#arrow)" marker-end="url(#arrow)"`
	case !e.Both && e.Kind != EdgeCheck:
		attrs += ` marker-end="url(#arrow)"`
	}
	var d string
	var lx, ly float64
	switch e.Kind {
	case EdgeReachable, EdgeBlocked, EdgePartial:
		ay := top - float64(*level)*svgArcStep
		*level++
		x1, x2 := from.cx()-8, to.cx()+8
		if x1 > x2 {
			x1, x2 = from.cx()+8, to.cx()-8
		}
		d = fmt.Sprintf("M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f L%.1f,%.1f", x1, from.y, x1, ay, x2, ay, x2, to.y)
		lx, ly = (x1+x2)/2, ay-4
	case EdgeCheck:
		sx := from.x - 4
		d = fmt.Sprintf("M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f L%.1f,%.1f", from.x, from.y+from.h/2, sx, from.y+from.h/2, sx, to.y+to.h/2, to.x, to.y+to.h/2)
	default:
		tx := to.x + to.w*slot
		d = fmt.Sprintf("M%.1f,%.1f L%.1f,%.1f", from.cx(), from.bottom(), tx, to.y)
		lx, ly = from.cx()+(tx-from.cx())*0.3, from.bottom()+(to.y-from.bottom())*0.3
	}
	fmt.Fprintf(&l.out, `<path d="%s" %s/>`+"\n", d, attrs)
	if e.Label != "" {
		fmt.Fprintf(&l.out, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s" stroke="white" stroke-width="3" paint-order="stroke">%s</text>`+"\n", lx, ly, ls.Color, xmlText(e.Label))
	}
}

// legendItem is one entry of the legend: a line or a verdict's box.
type legendItem struct {
	label string
	line  *lineStyle
	box   *boxStyle
}

// legendItems are the kinds of line and the verdicts g shows, in a fixed order.
func legendItems(g *Graph) []legendItem {
	used := map[EdgeKind]bool{}
	for _, e := range g.Edges {
		used[e.Kind] = true
	}
	verdicts := map[string]bool{}
	var walk func(gr Group)
	walk = func(gr Group) {
		for _, n := range gr.Nodes {
			if n.Kind == KindCheck {
				verdicts[string(n.Verdict)] = true
			}
		}
		for _, sub := range gr.Groups {
			walk(sub)
		}
	}
	for _, gr := range g.Groups {
		walk(gr)
	}
	var items []legendItem
	for _, k := range []struct {
		kind  EdgeKind
		label string
	}{{EdgeReachable, "Pods reachable"}, {EdgeBlocked, "Pods blocked"}, {EdgePartial, "partly blocked"}, {EdgeAttachment, "TGW attachment"}} {
		if used[k.kind] {
			ls := edgeStyle(Edge{Kind: k.kind})
			items = append(items, legendItem{label: k.label, line: &ls})
		}
	}
	for _, v := range []string{"pass", "fail", "skip", "error"} {
		if verdicts[v] {
			bs := classStyle("verdict_" + v)
			items = append(items, legendItem{label: v, box: &bs})
		}
	}
	return items
}

func (it legendItem) width() float64 {
	lead := 20.0 // a verdict's box and its space
	if it.line != nil {
		lead = 30 // a line's sample and its space
	}
	return lead + float64(len(it.label))*svgCharW
}

func legendWidth(items []legendItem) float64 {
	w := 0.0
	for i, it := range items {
		if i > 0 {
			w += svgGap
		}
		w += it.width()
	}
	return w
}

// legend explains the lines and the verdict colours the picture uses, in one row.
func (l *svgLayout) legend(items []legendItem, x, y float64) {
	for _, it := range items {
		if it.line != nil {
			dash := ""
			if it.line.Dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(&l.out, `<path d="M%.1f,%.1f h24" stroke="%s" stroke-width="2"%s/>`+"\n", x, y+svgLineH/2, it.line.Color, dash)
		} else {
			fmt.Fprintf(&l.out, `<rect x="%.1f" y="%.1f" width="14" height="14" rx="3" fill="%s" stroke="%s" stroke-width="1.5"/>`+"\n", x, y, it.box.Fill, it.box.Stroke)
		}
		fmt.Fprintf(&l.out, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x+it.width()-float64(len(it.label))*svgCharW, y+svgLineH/2+4, xmlText(it.label))
		x += it.width() + svgGap
	}
}

func xmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

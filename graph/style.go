package graph

import "github.com/netlab-dev/netlab/checks/report"

// The look shared by every renderer: one colour per kind of box and line, one per verdict.

// boxStyle is how a node or group is filled and outlined.
type boxStyle struct{ Fill, Stroke string }

var boxStyles = map[Kind]boxStyle{
	KindVPC:        {"#fafafa", "#455a64"},
	KindSubnet:     {"#eceff1", "#78909c"},
	KindCluster:    {"#e3f2fd", "#1565c0"},
	KindLeg:        {"#f3e5f5", "#6a1b9a"},
	KindTGW:        {"#fff8e1", "#ff8f00"},
	KindRouteTable: {"#ffecb3", "#ff8f00"},
	KindChecks:     {"#fafafa", "#9e9e9e"},
}

// verdictStyles colour a checked path: pass green, fail red, skip grey, error orange.
var verdictStyles = map[report.Verdict]boxStyle{
	report.Pass:  {"#e8f5e9", "#2e7d32"},
	report.Fail:  {"#ffebee", "#c62828"},
	report.Skip:  {"#f5f5f5", "#9e9e9e"},
	report.Error: {"#fff3e0", "#ef6c00"},
}

// nodeStyle is the style of n: its verdict's for a check, its kind's otherwise.
func nodeStyle(n Node) boxStyle {
	if n.Kind == KindCheck {
		return verdictStyle(n.Verdict)
	}
	return boxStyles[n.Kind]
}

func verdictStyle(v report.Verdict) boxStyle {
	if s, ok := verdictStyles[v]; ok {
		return s
	}
	return verdictStyles[report.Error]
}

// lineStyle is how an edge is drawn.
type lineStyle struct {
	Color  string
	Dashed bool
}

// edgeStyle: reachable pairs in blue, blocked (isolated) ones dashed red, partial ones dashed
// orange, attachments purple, a check's line in its verdict's colour, dotted.
func edgeStyle(e Edge) lineStyle {
	switch e.Kind {
	case EdgeReachable:
		return lineStyle{Color: "#1565c0"}
	case EdgeBlocked:
		return lineStyle{Color: "#c62828", Dashed: true}
	case EdgePartial:
		return lineStyle{Color: "#ef6c00", Dashed: true}
	case EdgeCheck:
		return lineStyle{Color: verdictStyle(e.Verdict).Stroke, Dashed: true}
	}
	return lineStyle{Color: "#6a1b9a"}
}

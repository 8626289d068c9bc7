package checks

import (
	"github.com/netlab-dev/netlab/plan"
)

// Target is where one check of a path runs: a cluster, or a pair of clusters for cross-cluster
// paths (From is the client's, To the server's).
type Target struct {
	Cluster string `json:"cluster,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
}

func (t Target) String() string {
	if t.From != "" {
		return t.From + "->" + t.To
	}
	return t.Cluster
}

// Applicability is a path's targets in a plan, or why it has none.
type Applicability struct {
	Path    string
	Targets []Target
	// Reason names what the scenario lacks when Targets is empty.
	Reason string
}

// Applies computes, for every selected path, where it can run in this plan by its definition in
// defs and, where it cannot, the reason naming what is missing. Every selected id gets an answer.
func Applies(defs []Definition, p *plan.Plan) []Applicability {
	var out []Applicability
	for _, id := range p.Checks.Paths {
		a := Applicability{Path: id}
		if d, ok := Lookup(defs, id); !ok || d.Targets == nil {
			a.Reason = "no definition of this path in this version of netlab"
		} else {
			a.Targets, a.Reason = d.Targets(p)
		}
		out = append(out, a)
	}
	return out
}

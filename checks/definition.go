package checks

import (
	"context"

	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/paths"
	"github.com/netlab-dev/netlab/plan"
)

// Definition is everything netlab knows about one path: its id (title and evidence from package
// paths), where it applies in a plan, its hops for 'netlab explain', and the check that proves it.
// The catalogue (checks/catalog) declares one per path id, in one explicit list.
type Definition struct {
	ID string
	// Targets lists where the path can be shown in plan p, or, when nowhere, the reason: what the
	// scenario (or this version of netlab) lacks.
	Targets func(p *plan.Plan) ([]Target, string)
	// Hops are the path's hops in the packet-path notes' terms, filled in from x.
	Hops func(x *hop.Context) []string
	// Run proves the path at one target. Nil when this version of netlab has no check for it (its
	// Targets then says why).
	Run func(ctx context.Context, env *Env, t Target) report.Result
}

// Path is the definition's catalogue entry: title and defining evidence.
func (d Definition) Path() paths.Path {
	p, _ := paths.Lookup(d.ID)
	return p
}

// Lookup finds the definition of path id in defs.
func Lookup(defs []Definition, id string) (Definition, bool) {
	for _, d := range defs {
		if d.ID == id {
			return d, true
		}
	}
	return Definition{}, false
}

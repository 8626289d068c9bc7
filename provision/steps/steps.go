// Package steps is what 'netlab up' is made of, in the manner of kind's create actions: each step
// is a value (a package under provision/steps) with the name under which the lab's state records
// its progress, the title of its status line, the plans it applies to, and a Run that reconciles:
// it looks at what exists and does only what is missing.
//
// The steps share one StepContext. What several steps need (netlab's own image, a cluster's
// client and its nodes) is handed out by accessors that compute it once, on first use, whichever
// step asks first; no step depends on another having filled in a field.
package steps

import (
	"context"

	"github.com/netlab-dev/netlab/plan"
)

// Step is one step of 'up'.
type Step struct {
	// Name is the key of the step's progress in the lab's state. It is kept across versions:
	// an existing lab's recorded steps must still be recognised.
	Name string
	// Title is the step's status line.
	Title string
	// Applies reports whether the step has anything to do for plan p; nil means every plan.
	Applies func(p *plan.Plan) bool
	// Run does the step's work.
	Run func(ctx context.Context, sc *StepContext) error
}

// AppliesTo reports whether s runs for plan p.
func (s Step) AppliesTo(p *plan.Plan) bool { return s.Applies == nil || s.Applies(p) }

// WithTGW is Applies for the steps that only a lab with a transit gateway has.
func WithTGW(p *plan.Plan) bool { return p.TransitGateway != nil }

// Package egressguard is the first step of 'up': the host's egress guard (package
// provision/egress), installed before anything of the lab exists, so that it counts from the start.
package egressguard

import (
	"context"

	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step installs the guard of plans with 'egress: deny' (the default), and removes the table of a
// lab whose scenario changed to 'egress: allow'.
func Step() steps.Step {
	return steps.Step{
		Name:  "egress",
		Title: "Guarding the host: lab packets to addresses outside the lab are refused and counted",
		Run: func(_ context.Context, sc *steps.StepContext) error {
			spec, guarded := egress.SpecFor(sc.Plan)
			if !guarded {
				removed, err := egress.Remove(sc.Plan.Lab)
				if err == nil && removed {
					sc.Status.Printf("   egress: allow: nftables table %s removed", egress.TableName(sc.Plan.Lab))
				}
				return err
			}
			wrote, err := egress.Install(spec)
			if err != nil {
				return err
			}
			verb := "kept (same ranges; counters go on)"
			if wrote {
				verb = "written"
			}
			sc.Status.Printf("   nftables table %s, %d lab ranges, DNS out: %v: %s", egress.TableName(spec.Lab), len(spec.Ranges), spec.DNSOut, verb)
			return nil
		},
	}
}

// Package networks is the step of 'up' that creates the lab's VPC networks: one Docker network per
// VPC subnet.
package networks

import (
	"context"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step creates the networks that do not exist yet.
func Step() steps.Step {
	return steps.Step{
		Name:  "networks",
		Title: "Creating VPC networks",
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			return Ensure(ctx, sc.Engine, sc.Plan, sc.Status)
		},
	}
}

// Ensurer creates a Docker network unless it exists (steps.Engine has it).
type Ensurer interface {
	EnsureNetwork(ctx context.Context, spec docker.NetworkSpec) (created bool, err error)
}

// Ensure creates plan p's VPC networks that do not exist yet, one status line each.
func Ensure(ctx context.Context, eng Ensurer, p *plan.Plan, st *status.Status) error {
	st = status.Or(st)
	for _, spec := range Specs(p) {
		created, err := eng.EnsureNetwork(ctx, spec)
		if err != nil {
			return err
		}
		verb := "exists"
		if created {
			verb = "created"
		}
		st.Printf("   network %s (%s) %s", spec.Name, spec.Subnet, verb)
	}
	return nil
}

// Specs are plan p's Docker networks, VPC by VPC, subnet by subnet.
func Specs(p *plan.Plan) []docker.NetworkSpec {
	var out []docker.NetworkSpec
	for _, v := range p.VPCs {
		for _, s := range v.Subnets {
			out = append(out, docker.NetworkSpec{
				Name: s.Network, Subnet: s.CIDR, Gateway: s.Gateway,
				IPRange: s.NodeRange, MTU: v.MTU, Lab: p.Lab, VPC: v.Name, SubnetTag: s.Name,
			})
		}
	}
	return out
}

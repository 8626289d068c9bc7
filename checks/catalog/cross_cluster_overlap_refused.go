package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
)

// cross-cluster/overlap-refused: the transit gateway routes by IP, so netlab must refuse routed
// CIDRs that overlap. The check takes the lab's own first two attached VPCs, writes a scenario in
// which the second VPC reuses the first one's CIDR, and requires the planner to refuse it, naming
// both ranges. (It also holds before any lab exists: it needs no traffic.)
func init() {
	register("cross-cluster/overlap-refused", func(ctx context.Context, env *checks.Env, l *live.Lab, t checks.Target, b *builder) report.Result {
		return overlapRefused(env.Plan, b)
	})
}

func overlapRefused(p *plan.Plan, b *builder) report.Result {
	if p.TransitGateway == nil || len(p.TransitGateway.Attachments) < 2 {
		return b.skip("no transit gateway joining two VPCs")
	}
	a, c := p.TransitGateway.Attachments[0], p.TransitGateway.Attachments[1]
	va, _ := p.VPC(a.VPC)
	if len(va.Subnets) == 0 {
		return b.errorf("VPC %s has no subnet", va.Name)
	}
	sub := va.Subnets[0].CIDR
	y := fmt.Sprintf(`apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata: {name: overlap-check}
vpcs:
  - name: %[1]s
    cidr: %[2]s
    subnets: [{name: nodes, cidr: %[3]s}]
  - name: %[4]s
    cidr: %[2]s
    subnets: [{name: nodes, cidr: %[3]s}]
clusters:
  - {name: a, vpc: %[1]s}
  - {name: b, vpc: %[4]s}
transitGateway:
  attachments:
    - {name: %[1]s, vpc: %[1]s}
    - {name: %[4]s, vpc: %[4]s}
`, a.VPC, va.CIDR, sub, c.VPC)
	_, diags := plan.Build("overlap-check.yaml", []byte(y), plan.Options{})
	var msgs []string
	for _, d := range diags.Errors() {
		msgs = append(msgs, d.Field+": "+d.Message)
	}
	all := strings.Join(msgs, " | ")
	refused := len(msgs) > 0
	b.add("a scenario whose VPCs "+a.VPC+" and "+c.VPC+" both use "+va.CIDR.String(), orText(truncate(all, 300), "accepted"), "refused", refused)
	names := strings.Contains(all, va.CIDR.String()) && strings.Contains(all, a.VPC) && strings.Contains(all, c.VPC)
	b.add("the refusal names both ranges and their owners", fmt.Sprint(names), "true", names)
	return b.done("overlapping routed CIDRs are refused by the planner")
}

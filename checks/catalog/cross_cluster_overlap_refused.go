package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
)

// cross-cluster/overlap-refused: the transit gateway routes by IP, so netlab must refuse routed
// CIDRs that overlap. The check takes the lab's own first two attached VPCs, writes a scenario in
// which the second VPC reuses the first one's CIDR, and requires the planner to refuse it, naming
// both ranges. (It also holds before any lab exists: it needs no traffic.)
func crossClusterOverlapRefused() checks.Definition {
	return checks.Definition{
		ID: "cross-cluster/overlap-refused",
		Targets: single(func(p *plan.Plan) string {
			if p.TransitGateway == nil || len(p.TransitGateway.Attachments) < 2 {
				return "the scenario has no transit gateway joining two VPCs, so overlapping CIDRs would be allowed"
			}
			return ""
		}),
		Hops: crossClusterOverlapRefusedHops,
		Run: run(func(ctx context.Context, env *checks.Env, l checks.Lab, t checks.Target, b *builder) report.Result {
			return overlapRefused(env.Plan, b)
		}),
	}
}

func crossClusterOverlapRefusedHops(x *hop.Context) []string {
	return []string{
		"the planner collects every routed range: VPC and subnet CIDRs, Pod CIDRs, the MetalLB pools",
		"a TGW forwards by destination only, so two attached owners of one address would make a route ambiguous",
		"'netlab validate' refuses such a scenario, naming both ranges and their owners",
	}
}

func overlapRefused(p *plan.Plan, b *builder) report.Result {
	if p.TransitGateway == nil || len(p.TransitGateway.Attachments) < 2 {
		return b.skip("no transit gateway joining two VPCs")
	}
	a, c := p.TransitGateway.Attachments[0], p.TransitGateway.Attachments[1]
	va, _ := p.VPC(a.VPC)
	vc, _ := p.VPC(c.VPC)
	if len(va.Subnets) == 0 || len(vc.Subnets) == 0 {
		return b.errorf("VPC %s or %s has no subnet", va.Name, vc.Name)
	}
	podCIDR := "10.200.0.0/16"
	for _, cl := range p.Clusters {
		if cl.VPC == va.Name && cl.PodCIDR.IsValid() {
			podCIDR = cl.PodCIDR.String()
			break
		}
	}
	vaCIDR, vaSub, vcCIDR, vcSub := va.CIDR.String(), va.Subnets[0].CIDR.String(), vc.CIDR.String(), vc.Subnets[0].CIDR.String()
	for _, o := range []struct {
		what, overlap, owner string
		scenario             string
	}{
		{"VPCs " + a.VPC + " and " + c.VPC + " both use " + vaCIDR, vaCIDR, "VPC",
			overlapScenario(a.VPC, vaCIDR, vaSub, c.VPC, vaCIDR, vaSub, "", "")},
		{"clusters in " + a.VPC + " and " + c.VPC + " both use the Pod CIDR " + podCIDR, podCIDR, "Pod CIDR",
			overlapScenario(a.VPC, vaCIDR, vaSub, c.VPC, vcCIDR, vcSub, podCIDR, podCIDR)},
	} {
		_, diags := plan.Build("overlap-check.yaml", []byte(o.scenario), plan.Options{})
		var msgs []string
		refusal := ""
		for _, d := range diags.Errors() {
			msgs = append(msgs, d.Field+": "+d.Message)
			if refusal == "" && strings.Contains(d.Message, overlapRefusal) && strings.Contains(d.Message, o.overlap) && strings.Contains(d.Message, o.owner) {
				refusal = d.Field + ": " + d.Message
			}
		}
		b.add("a scenario whose "+o.what, orText(truncate(orText(refusal, strings.Join(msgs, " | ")), 300), "accepted"),
			"refused: \"... "+o.overlap+" ("+o.owner+" ...) overlaps ...; "+overlapRefusal+" ...\"", refusal != "")
	}
	return b.done("overlapping routed CIDRs (VPC and Pod CIDRs) are refused by the planner")
}

// overlapRefusal is the planner's reason for refusing routed CIDRs that overlap (plan/tgw.go).
const overlapRefusal = "the transit gateway routes between them"

// overlapScenario is a two-VPC scenario joined by a transit gateway, with one cluster in each VPC
// and, when given, their Pod CIDRs.
func overlapScenario(vpcA, cidrA, subA, vpcB, cidrB, subB, podA, podB string) string {
	pod := func(c string) string {
		if c == "" {
			return ""
		}
		return ", podCIDR: " + c
	}
	return fmt.Sprintf(`apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata: {name: overlap-check}
vpcs:
  - name: %[1]s
    cidr: %[2]s
    subnets: [{name: nodes, cidr: %[3]s}]
  - name: %[4]s
    cidr: %[5]s
    subnets: [{name: nodes, cidr: %[6]s}]
clusters:
  - {name: a, vpc: %[1]s%[7]s}
  - {name: b, vpc: %[4]s%[8]s}
transitGateway:
  attachments:
    - {name: %[1]s, vpc: %[1]s}
    - {name: %[4]s, vpc: %[4]s}
`, vpcA, cidrA, subA, vpcB, cidrB, subB, pod(podA), pod(podB))
}

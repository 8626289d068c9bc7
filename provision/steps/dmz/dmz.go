// Package dmz is the step of 'up' that starts the DMZ of seed pattern 4: its load balancer in
// front of the member clusters' ingress, and the WAF in front of that.
package dmz

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/plan"
	pdmz "github.com/netlab-dev/netlab/provision/dmz"
	glb "github.com/netlab-dev/netlab/provision/globallb"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step starts (or keeps, or replaces when changed) the DMZ load balancer's container, then the
// WAF's. It runs after the add-ons: the members' ingress controllers are then installed at the
// addresses the plan fixed.
func Step() steps.Step {
	return steps.Step{
		Name:    "dmz",
		Title:   "Starting the DMZ: WAF and load balancer in front of the clusters' ingress",
		Applies: func(p *plan.Plan) bool { return p.DMZ != nil },
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			d := sc.Plan.DMZ
			labels := func(role string) map[string]string {
				return map[string]string{docker.LabelLab: sc.Plan.Lab, docker.LabelRole: role}
			}
			lb, err := glb.Container(sc.Plan.Lab, &d.LB, labels(pdmz.RoleLB))
			if err != nil {
				return err
			}
			if err := sc.Engine.EnsureContainer(ctx, lb); err != nil {
				return err
			}
			for _, m := range d.LB.Members {
				sc.Status.V(1).Printf("   %s: %s:%d -> cluster %s's ingress at %s", lb.Name, d.LB.Front.Address, glb.Port, m.Cluster, m.Ingress)
			}
			image, err := sc.SelfImage(ctx)
			if err != nil {
				return err
			}
			waf, err := pdmz.WAFContainer(sc.Plan, image, labels(pdmz.RoleWAF))
			if err != nil {
				return err
			}
			if err := sc.Engine.EnsureContainer(ctx, waf); err != nil {
				return err
			}
			if err := wafAnswers(ctx, sc, waf.Name, d.WAF.PortCounters); err != nil {
				return err
			}
			sc.Status.V(1).Printf("   %s: %s:%d (rules on), :%d (off) -> %s", waf.Name, d.WAF.Address, d.WAF.Port, d.WAF.PortOff, pdmz.Upstream(d))
			return nil
		},
	}
}

// wafAnswerWait bounds the wait for the WAF to load its rules and answer (a variable for the tests).
var wafAnswerWait = 30 * time.Second

// wafAnswers waits until the WAF's process answers on its counters port inside its container
// (it has loaded the rules and listens), or says why not: a WAF that cannot start must fail 'up',
// not the first check.
func wafAnswers(ctx context.Context, sc *steps.StepContext, name string, port int) error {
	cmd := []string{"/netlab", "waf", "counters", fmt.Sprintf("http://127.0.0.1:%d/", port)}
	deadline := time.Now().Add(wafAnswerWait)
	var last string
	for time.Now().Before(deadline) {
		r, err := sc.Engine.Exec(ctx, name, cmd, nil)
		if err == nil && r.ExitCode == 0 {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = strings.TrimSpace(string(r.Stderr))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	state, _ := sc.Engine.ContainerState(ctx, name)
	return fmt.Errorf("the WAF %s does not answer within %s (container %s; last: %s); its log: docker logs %s", name, wafAnswerWait, state, last, name)
}

// Package dmz renders the DMZ of seed pattern 4: the WAF's container (netlab's own image running
// 'netlab waf': Coraza with the OWASP Core Rule Set, see package waf) in the DMZ subnet, in front
// of the DMZ load balancer (package globallb renders it, with its front leg in the DMZ).
package dmz

import (
	"fmt"
	"strconv"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/plan"
)

// Roles are the containers' netlab.dev/role labels.
const (
	RoleWAF = "waf"
	RoleLB  = "dmz-lb"
)

// Upstream is where the WAF sends the requests it passes: the DMZ load balancer's front leg.
func Upstream(d *plan.DMZPlan) string {
	return fmt.Sprintf("http://%s:80", d.LB.Front.Address)
}

// WAFContainer is the WAF's container in lab p (which must have a DMZ), from image (netlab's
// own): the rules on at the plan's port and off at its second (the negative control's), counters
// at the third, its only allowed upstream the DMZ load balancer, no added capabilities.
func WAFContainer(p *plan.Plan, image string, labels map[string]string) (docker.ContainerSpec, error) {
	d := p.DMZ
	if d == nil {
		return docker.ContainerSpec{}, fmt.Errorf("lab %s has no DMZ", p.Lab)
	}
	return docker.ContainerSpec{
		Name:  d.WAF.Container,
		Image: image,
		Cmd: []string{"waf",
			"--upstream", Upstream(d),
			"--allow", d.CIDR.String(),
			"--name", plan.WAFHop,
			"--listen", ":" + strconv.Itoa(d.WAF.Port),
			"--listen-off", ":" + strconv.Itoa(d.WAF.PortOff),
			"--counters", ":" + strconv.Itoa(d.WAF.PortCounters),
		},
		Labels:               labels,
		Networks:             []docker.Attachment{{Network: d.Network, IP: d.WAF.Address}},
		RestartUnlessStopped: true,
	}, nil
}

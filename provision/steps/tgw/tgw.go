// Package tgw is the step of 'up' that starts the transit gateway and routes the VPCs through it.
package tgw

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/steps"
	tgwctr "github.com/netlab-dev/netlab/provision/tgw"
	"github.com/netlab-dev/netlab/tgw/client"
)

// Step starts the transit gateway container (netlab's own image, one leg per attached subnet at
// the plan's address), configures it through its EC2 API from the plan and the nodes' Pod ranges,
// and then gives every node of the attached VPCs its VPC route table: the other VPCs' CIDRs via the
// TGW's address in the node's own subnet. Under crossClusterSource: preserve, the nodes also stop
// masquerading their Pods towards the plan's non-masquerade CIDRs.
func Step() steps.Step {
	return steps.Step{
		Name:    "tgw",
		Title:   "Starting the transit gateway and routing the VPCs through it",
		Applies: steps.WithTGW,
		Run:     run,
	}
}

func run(ctx context.Context, sc *steps.StepContext) error {
	p := sc.Plan
	t := p.TransitGateway
	self, err := sc.SelfImage(ctx)
	if err != nil {
		return err
	}
	labels := map[string]string{docker.LabelLab: p.Lab, docker.LabelRole: "tgw"}
	creds := sc.TGWCredentials()
	ep, err := sc.Engine.EnsureTGW(ctx, tgwctr.ContainerFor(p, self, labels, creds))
	if err != nil {
		return err
	}
	perCluster := make([][]tgwctr.Node, len(p.Clusters))
	index := map[string]int{}
	for i, c := range p.Clusters {
		index[c.Name] = i
	}
	err = sc.EachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
		list, err := kc.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("cluster %s: list nodes: %w", c.Name, err)
		}
		// Each node's Pod ranges: its spec.podCIDR, unless the CNI allocates elsewhere (Calico's
		// IPAM blocks).
		ranges, fromCNI, err := sc.Components.PodRanges(ctx, kc, c)
		if err != nil {
			return fmt.Errorf("cluster %s: the nodes' Pod ranges: %w", c.Name, err)
		}
		var ns []tgwctr.Node
		for _, n := range list.Items {
			var ip string
			for _, a := range n.Status.Addresses {
				if a.Type == corev1.NodeInternalIP {
					ip = a.Address
				}
			}
			cidrs := []string{n.Spec.PodCIDR}
			if fromCNI {
				cidrs = ranges[n.Name]
			}
			for _, cidr := range cidrs {
				ns = append(ns, tgwctr.Node{Cluster: c.Name, Name: n.Name, IP: ip, PodCIDR: cidr})
			}
		}
		perCluster[index[c.Name]] = ns
		return nil
	})
	if err != nil {
		return err
	}
	var nodes []tgwctr.Node
	for _, ns := range perCluster {
		nodes = append(nodes, ns...)
	}
	spec, err := tgwctr.SpecFor(p, nodes)
	if err != nil {
		return err
	}
	res, err := client.Reconcile(ctx, client.NewEC2(ep, tgwctr.ClientCredentials(creds)), spec)
	if err != nil {
		return fmt.Errorf("configure transit gateway %s through its EC2 API at %s: %w", t.Name, ep, err)
	}
	if err := sc.SetTGWEndpoint(ep); err != nil {
		return err
	}
	sc.Status.Printf("   transit gateway %s (%s): EC2 API %s, %d API change(s)", t.Name, res.TransitGatewayID, ep, len(res.Changes))
	return sc.EachCluster(func(c plan.ClusterPlan, _ *kube.Client) error {
		script := NodeScript(c)
		if script == "" {
			return nil
		}
		return sc.OnNodes(ctx, c, "VPC routes", steps.PersistScript("/", "20-vpc", script))
	})
}

// PreserveChain is the nat chain that exempts a cluster's Pods from masquerade towards the
// scenario's non-masquerade CIDRs; ACCEPT in the nat table ends POSTROUTING for the packet, so
// Flannel's MASQUERADE after it is not reached.
const PreserveChain = "NETLAB-PRESERVE"

// NodeScript is the idempotent shell script run in each node of cluster c: the VPC route table's
// routes, and under preserve, the non-masquerade chain kept first in nat POSTROUTING. Both targets
// go to the TGW container's leg in the node's subnet: "tgw" (other VPCs and their Pod ranges) and
// "local" (the VPC's other subnets, which are separate Docker networks; the container has a leg
// on each and plays the VPC router).
func NodeScript(c plan.ClusterPlan) string {
	var b strings.Builder
	for _, r := range c.HostRoutes() {
		fmt.Fprintf(&b, "ip route replace %s via %s\n", r.CIDR, r.Via)
	}
	if c.CNI.CrossClusterSource == "preserve" && len(c.CNI.NonMasqueradeCIDRs) > 0 {
		fmt.Fprintf(&b, "iptables -t nat -N %[1]s 2>/dev/null || true\niptables -t nat -F %[1]s\n", PreserveChain)
		for _, cidr := range c.CNI.NonMasqueradeCIDRs {
			fmt.Fprintf(&b, "iptables -t nat -A %s -s %s -d %s -j ACCEPT\n", PreserveChain, c.PodCIDR, cidr)
		}
		// Keep the jump first, ahead of Flannel's masquerade (re-inserted if anything moved above it).
		fmt.Fprintf(&b, "if ! iptables -t nat -S POSTROUTING | sed -n 2p | grep -q -- '-j %[1]s$'; then\n"+
			"  while iptables -t nat -D POSTROUTING -j %[1]s 2>/dev/null; do :; done\n"+
			"  iptables -t nat -I POSTROUTING 1 -j %[1]s\nfi\n", PreserveChain)
	}
	if b.Len() == 0 {
		return ""
	}
	return "set -e\n" + b.String()
}

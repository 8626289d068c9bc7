package flannel

import (
	"context"
	"fmt"
	"time"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
)

// CNI installs netlab's rendering of Flannel (component.CNI).
type CNI struct{}

// Name is the scenario's cni.type.
func (CNI) Name() string { return "flannel" }

// Images are what Flannel's Pods run.
func (CNI) Images(plan.ClusterPlan) []string { return Images() }

// Supports accepts the modes netlab renders: vxlan and host-gw.
func (CNI) Supports(c plan.ClusterPlan) error {
	if c.CNI.Mode != "vxlan" && c.CNI.Mode != "host-gw" {
		return fmt.Errorf("flannel has no mode %q; set cni.mode to vxlan or host-gw", c.CNI.Mode)
	}
	return nil
}

// DataPlane: the cni0 bridge on each node, and VXLAN or host routes between nodes.
func (CNI) DataPlane(c plan.ClusterPlan) string {
	if c.CNI.Mode == "host-gw" {
		return "cni0 bridge, routes to the peer nodes"
	}
	return fmt.Sprintf("cni0 bridge, flannel.1 VXLAN (UDP %d)", c.CNI.VXLANPort)
}

// Install applies the objects and waits for the DaemonSet on every node.
func (CNI) Install(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error {
	objs, err := Objects(c)
	if err != nil {
		return fmt.Errorf("cluster %s: render flannel: %w", c.Name, err)
	}
	if err := kc.Apply(ctx, objs); err != nil {
		return err
	}
	return kc.WaitDaemonSet(ctx, Namespace, DaemonSet, timeout)
}

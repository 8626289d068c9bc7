package metallb

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
)

// Addon installs MetalLB in a cluster that has a pool (component.Addon).
type Addon struct{}

// Name names it in messages.
func (Addon) Name() string { return "MetalLB" }

// Enabled is true when the cluster's plan has a MetalLB pool.
func (Addon) Enabled(c plan.ClusterPlan) bool { return c.MetalLB != nil }

// Images are what MetalLB's Pods run.
func (Addon) Images(plan.ClusterPlan) []string { return Images() }

// Status names the cluster's pool.
func (Addon) Status(c plan.ClusterPlan) string {
	if c.MetalLB == nil {
		return "MetalLB: none"
	}
	return "MetalLB pool " + strings.Join(c.MetalLB.Addresses, ",")
}

// Install applies MetalLB, waits for its controller and speakers, then applies the pool. The
// speakers' memberlist key is created once and kept: an existing cluster's key is reused, so that
// re-running 'up' never splits running speakers from new ones.
func (Addon) Install(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error {
	key, err := existingOrNewKey(ctx, kc)
	if err != nil {
		return err
	}
	objs, err := Objects(c, key)
	if err != nil {
		return fmt.Errorf("cluster %s: render MetalLB: %w", c.Name, err)
	}
	if err := kc.Apply(ctx, objs); err != nil {
		return err
	}
	if err := kc.WaitDeployment(ctx, Namespace, ControllerName, timeout); err != nil {
		return err
	}
	if err := kc.WaitDaemonSet(ctx, Namespace, SpeakerName, timeout); err != nil {
		return err
	}
	pool, err := PoolObjects(c)
	if err != nil {
		return err
	}
	return kc.Apply(ctx, pool)
}

// existingOrNewKey is the cluster's existing memberlist key, or a new one.
func existingOrNewKey(ctx context.Context, kc *kube.Client) (string, error) {
	s, err := kc.Clientset.CoreV1().Secrets(Namespace).Get(ctx, MemberlistSecret, metav1.GetOptions{})
	if err == nil {
		for _, v := range s.Data {
			if len(v) > 0 {
				return string(v), nil
			}
		}
	} else if kube.IgnoreNotFound(err) != nil {
		return "", fmt.Errorf("cluster %s: read MetalLB's memberlist secret: %w", kc.Name, err)
	}
	return NewSecretKey()
}

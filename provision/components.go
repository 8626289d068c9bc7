package provision

import (
	"context"
	"fmt"
	"time"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/cni/flannel"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/metallb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func init() { RegisterCNI("flannel", flannelCNI{}) }

// flannelCNI installs netlab's rendering of Flannel (package flannel).
type flannelCNI struct{}

func (flannelCNI) Images(plan.ClusterPlan) []string { return flannel.Images() }

func (flannelCNI) Objects(c plan.ClusterPlan) ([]*unstructured.Unstructured, error) {
	return flannel.Objects(c)
}

func (flannelCNI) Wait(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error {
	return kc.WaitDaemonSet(ctx, flannel.Namespace, flannel.DaemonSet, timeout)
}

// metallb installs MetalLB in every cluster that has a pool, waits for its controller and speakers,
// then applies the pool. The speakers' memberlist key is created once and kept: an existing
// cluster's key is reused, so that re-running 'up' never splits running speakers from new ones.
func (r *runner) metallb(ctx context.Context) error {
	return r.eachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
		if c.MetalLB == nil {
			return nil
		}
		key, err := memberlistKey(ctx, kc)
		if err != nil {
			return err
		}
		objs, err := metallb.Objects(c, key)
		if err != nil {
			return fmt.Errorf("cluster %s: render MetalLB: %w", c.Name, err)
		}
		if err := kc.Apply(ctx, objs); err != nil {
			return err
		}
		if err := kc.WaitDeployment(ctx, metallb.Namespace, metallb.ControllerName, r.opts.ReadyTimeout); err != nil {
			return err
		}
		if err := kc.WaitDaemonSet(ctx, metallb.Namespace, metallb.SpeakerName, r.opts.ReadyTimeout); err != nil {
			return err
		}
		pool, err := metallb.PoolObjects(c)
		if err != nil {
			return err
		}
		return kc.Apply(ctx, pool)
	})
}

func memberlistKey(ctx context.Context, kc *kube.Client) (string, error) {
	s, err := kc.Clientset.CoreV1().Secrets(metallb.Namespace).Get(ctx, metallb.MemberlistSecret, metav1.GetOptions{})
	if err == nil {
		for _, v := range s.Data {
			if len(v) > 0 {
				return string(v), nil
			}
		}
	} else if kube.IgnoreNotFound(err) != nil {
		return "", fmt.Errorf("cluster %s: read MetalLB's memberlist secret: %w", kc.Name, err)
	}
	return metallb.NewSecretKey()
}

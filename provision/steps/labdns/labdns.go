// Package labdns is the step of 'up' that keeps DNS inside the lab: unless the scenario sets
// dns.upstream, every cluster's CoreDNS answers the names the lab does not own with NXDOMAIN itself
// (Hermetic) instead of forwarding them to the node's resolver, Docker's, and from there the
// host's. With dns.upstream it puts kubeadm's Corefile back (Restore), so a lab can switch either
// way in place.
//
// It runs right after the clusters exist, before the CNI: CoreDNS's Pods then start with the
// hermetic file, and neither its loop probe nor its forwarder's health checks ever send a query.
package labdns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Annotation, on CoreDNS's Pod template, holds a hash of the Corefile netlab wrote: a new value
// rolls the Pods, so the change takes effect at once rather than when the reload plugin sees it.
const Annotation = "netlab.dev/corefile"

// Step makes each cluster's Corefile hermetic, or restores it under dns.upstream.
func Step() steps.Step {
	return steps.Step{
		Name:  "dns",
		Title: "Keeping DNS in the lab (CoreDNS answers names outside the lab itself)",
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			return sc.EachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
				what, err := apply(ctx, kc, sc.Plan.Outside.DNSUpstream)
				if err != nil {
					return fmt.Errorf("cluster %s: CoreDNS: %w", c.Name, err)
				}
				sc.Status.Printf("   [%s] %s", c.Name, what)
				return nil
			})
		},
	}
}

// apply rewrites the coredns ConfigMap when it is not as wanted and rolls CoreDNS's Pods; it
// returns what it found or did.
func apply(ctx context.Context, kc *kube.Client, upstream bool) (string, error) {
	edit, done := func(cur string) (string, error) { return Restore(cur), nil }, "names outside the lab are forwarded upstream (dns.upstream)"
	if !upstream {
		edit, done = Hermetic, "names outside the lab get NXDOMAIN from CoreDNS"
	}
	next, changed, err := kc.EditCorefile(ctx, edit)
	if err != nil {
		return "", err
	}
	if !changed {
		return done + " (as it was)", nil
	}
	sum := sha256.Sum256([]byte(next))
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`, Annotation, hex.EncodeToString(sum[:8]))
	if _, err := kc.Clientset.AppsV1().Deployments("kube-system").Patch(ctx, "coredns", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return "", fmt.Errorf("roll the coredns Deployment: %w", err)
	}
	return done, nil
}

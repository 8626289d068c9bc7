package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/helm/helmtest"
	"github.com/netlab-dev/netlab/provision/images"
)

// assertHelmLifecycle drives netlab's Helm path (issue 16) in a real cluster with netlab's own
// test chart: install (Helm waits for the Deployment's Pod to be Ready), the same values again
// (nothing done), changed values (an upgrade the cluster shows), values outside the chart's schema
// (refused, nothing changed), uninstall (the objects are gone). Cilium's chart takes the same path
// on connected hosts; its data plane cannot run here. Needs loadProbe (the Deployment runs
// netlab's own image).
func assertHelmLifecycle(t *testing.T, p *plan.Plan, cluster string) {
	t.Helper()
	ctx := context.Background()
	kc := client(t, p, cluster)
	ch, archive := helmtest.Fixture(t)
	hc := helm.New(kc.Kubeconfig, nil)
	const ns, name = "netlab-helm-test", "fixture"
	t.Cleanup(func() {
		_ = kc.Clientset.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
	release := func(message string, replicas int) helm.Release {
		v, err := helm.ValuesOf(helmtest.Values{Image: images.Self(), Message: message, Replicas: replicas})
		if err != nil {
			t.Fatal(err)
		}
		return helm.Release{Name: name, Namespace: ns, Chart: ch, Values: v}
	}
	step := func(what string, r helm.Release, want helm.Outcome, revision int) {
		t.Helper()
		start := time.Now()
		got, err := hc.Apply(ctx, r, archive, 3*time.Minute)
		if err != nil {
			t.Fatalf("helm %s: %v", what, err)
		}
		st, err := hc.Get(name, ns)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || st.Revision != revision || st.Status != "deployed" {
			t.Fatalf("helm %s: %s, revision %d %s; want %s, revision %d deployed", what, got, st.Revision, st.Status, want, revision)
		}
		t.Logf("helm %s: %s, revision %d, in %.1fs", what, got, st.Revision, time.Since(start).Seconds())
	}
	message := func() string {
		cm, err := kc.Clientset.CoreV1().ConfigMaps(ns).Get(ctx, name+"-message", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the chart's ConfigMap: %v", err)
		}
		return cm.Data["message"]
	}
	ready := func() int32 {
		d, err := kc.Clientset.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the chart's Deployment: %v", err)
		}
		return d.Status.ReadyReplicas
	}

	step("install", release("first", 1), helm.Installed, 1)
	if m, r := message(), ready(); m != "first" || r != 1 {
		t.Fatalf("after install: message %q, %d ready replicas; want first, 1 (Helm waited for readiness)", m, r)
	}
	step("apply unchanged", release("first", 1), helm.Unchanged, 1)
	step("upgrade", release("second", 1), helm.Upgraded, 2)
	if m, r := message(), ready(); m != "second" || r != 1 {
		t.Fatalf("after upgrade: message %q, %d ready replicas; want second, 1", m, r)
	}
	if _, err := hc.Apply(ctx, release("third", 9), archive, time.Minute); err == nil || !strings.Contains(err.Error(), "replicas") {
		t.Fatalf("values outside the chart's schema (replicas 9): %v; want a refusal naming replicas", err)
	}
	if st, _ := hc.Get(name, ns); st.Revision != 2 || message() != "second" {
		t.Fatalf("a refused upgrade changed the release: revision %d, message %q", st.Revision, message())
	}
	removed, err := hc.Uninstall(name, ns, 3*time.Minute)
	if err != nil || !removed {
		t.Fatalf("helm uninstall: removed %v, %v", removed, err)
	}
	if _, err := kc.Clientset.CoreV1().ConfigMaps(ns).Get(ctx, name+"-message", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after uninstall the ConfigMap is still there: %v", err)
	}
	if err := waitFor(ctx, 2*time.Minute, func() bool {
		_, err := kc.Clientset.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}); err != nil {
		t.Fatalf("after uninstall the Deployment is still there")
	}
	if st, _ := hc.Get(name, ns); st.Found {
		t.Fatalf("after uninstall Helm still records the release: %+v", st)
	}
}

package e2e

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/istio"
)

// Issue 14: istio-multi-primary (one network, Pod to Pod through the transit gateway) comes up
// with istiod built here in both clusters, one root of trust, and remote secrets that name the
// other control plane's VPC address; mesh/remote-discovery passes with its negative control (the
// remote secret removed and put back) and mesh/east-west with its own (a plaintext client refused
// under STRICT) pass in both directions, with the proxyless gRPC probe.
// Full matrix only: istiod's compile (ci/images/build.sh istio) is minutes on two cores.
func TestE2EIstioMultiPrimary(t *testing.T) {
	testenv.RequireFullMatrix(t)
	requireImages(t, "ci/images/build.sh istio", images.IstioPilot, images.IstioAgent)
	p := planFor(t, "builtin/istio-multi-primary.yaml", builtinPlan(t, "istio-multi-primary"))
	up(t, p)
	loadProbe(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	roots := map[string]string{}
	for _, m := range p.Istio.Clusters {
		kc := client(t, p, m.Cluster)
		ca, err := kc.Clientset.CoreV1().Secrets(names.IstioNamespace).Get(ctx, "cacerts", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: cacerts: %v", m.Cluster, err)
		}
		roots[m.Cluster] = string(ca.Data["root-cert.pem"])
		d, err := kc.Clientset.AppsV1().Deployments(names.IstioNamespace).Get(ctx, "istiod", metav1.GetOptions{})
		if err != nil || d.Status.ReadyReplicas < 1 || d.Spec.Template.Spec.Containers[0].Image != images.IstioPilot {
			t.Fatalf("%s: istiod not ready from %s: %v %+v", m.Cluster, images.IstioPilot, err, d.Status)
		}
		for _, o := range p.Istio.Clusters {
			if o.Cluster == m.Cluster {
				continue
			}
			s, err := kc.Clientset.CoreV1().Secrets(names.IstioNamespace).Get(ctx, names.IstioRemoteSecret(o.Cluster), metav1.GetOptions{})
			if err != nil {
				t.Fatalf("%s: no remote secret for %s: %v", m.Cluster, o.Cluster, err)
			}
			cfg, err := clientcmd.Load(s.Data[o.Cluster])
			if err != nil {
				t.Fatal(err)
			}
			addr, err := istio.ControlPlaneAddress(ctx, client(t, p, o.Cluster))
			if err != nil {
				t.Fatal(err)
			}
			if server := cfg.Clusters[o.Cluster].Server; server != "https://"+addr.String()+":6443" {
				t.Errorf("%s's remote secret for %s names %s, want %s's control plane at its VPC address %s", m.Cluster, o.Cluster, server, o.Cluster, addr)
			}
		}
	}
	if roots["east"] == "" || roots["east"] != roots["west"] {
		t.Error("the clusters do not share one root of trust")
	}
	runChecks(t, p, "mesh/remote-discovery", "mesh/east-west")
}

// requireImages fails unless the host has every image of refs, naming what builds them.
func requireImages(t *testing.T, build string, refs ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	eng, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, ref := range refs {
		if ok, err := eng.ImageExists(ctx, ref); err != nil || !ok {
			t.Fatalf("image %s is not on this host (%v): run 'bash %s' first (ci/e2e-full.sh does)", ref, err, build)
		}
	}
}

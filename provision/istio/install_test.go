package istio

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/provision/kube"
)

func TestNamespaceCarriesTheNetwork(t *testing.T) {
	ctx := context.Background()
	kc := &kube.Client{Name: "east", Clientset: fake.NewClientset()}
	if err := ensureNamespace(ctx, kc, "vpc-net"); err != nil {
		t.Fatal(err)
	}
	// A later run with another network relabels the existing namespace.
	if err := ensureNamespace(ctx, kc, "network-b"); err != nil {
		t.Fatal(err)
	}
	ns, err := kc.Clientset.CoreV1().Namespaces().Get(ctx, Namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Labels["topology.istio.io/network"] != "network-b" {
		t.Errorf("labels %v", ns.Labels)
	}
}

func TestSecretsAreReconciled(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}})
	kc := &kube.Client{Name: "east", Clientset: cs}
	s, err := RemoteSecret(Target{Cluster: "west", Address: netip.MustParseAddr("10.1.1.2"), CA: []byte("ca"), Token: []byte("t1")})
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyRemoteSecret(ctx, kc, s); err != nil {
		t.Fatal(err)
	}
	updates := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == "update" {
			updates++
		}
	}
	if err := ApplyRemoteSecret(ctx, kc, s); err != nil {
		t.Fatal(err)
	}
	for _, a := range cs.Actions() {
		if a.GetVerb() == "update" {
			updates--
		}
	}
	if updates != 0 {
		t.Error("an unchanged secret was written again")
	}
	s2, _ := RemoteSecret(Target{Cluster: "west", Address: netip.MustParseAddr("10.1.1.2"), CA: []byte("ca"), Token: []byte("t2")})
	if err := ApplyRemoteSecret(ctx, kc, s2); err != nil {
		t.Fatal(err)
	}
	got, err := cs.CoreV1().Secrets(Namespace).Get(ctx, s.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got.Data["west"]), "t2") {
		t.Error("a changed remote secret was not updated")
	}
}

func TestReaderTokenWaitsForKubernetes(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset()
	kc := &kube.Client{Name: "west", Clientset: cs}
	// Nobody fills the token in: the wait ends at its bound, saying what it waited for.
	_, _, err := readerToken(ctx, kc, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), ReaderTokenSecret) {
		t.Fatalf("unfilled token: %v", err)
	}
	s, _ := cs.CoreV1().Secrets(Namespace).Get(ctx, ReaderTokenSecret, metav1.GetOptions{})
	s.Data = map[string][]byte{corev1.ServiceAccountTokenKey: []byte("tok"), corev1.ServiceAccountRootCAKey: []byte("ca")}
	if _, err := cs.CoreV1().Secrets(Namespace).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	tok, ca, err := readerToken(ctx, kc, time.Second)
	if err != nil || string(tok) != "tok" || string(ca) != "ca" {
		t.Fatalf("%q %q %v", tok, ca, err)
	}
}

func TestControlPlaneAddress(t *testing.T) {
	node := func(name string, cp bool, addrs ...string) *corev1.Node {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
		if cp {
			n.Labels["node-role.kubernetes.io/control-plane"] = ""
		}
		for _, a := range addrs {
			n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: a})
		}
		return n
	}
	ctx := context.Background()
	kc := &kube.Client{Name: "west", Clientset: fake.NewClientset(node("w", false, "10.1.1.3"), node("cp", true, "fc00::2", "10.1.1.2"))}
	got, err := ControlPlaneAddress(ctx, kc)
	if err != nil || got != netip.MustParseAddr("10.1.1.2") {
		t.Fatalf("%v %v", got, err)
	}
	kc = &kube.Client{Name: "west", Clientset: fake.NewClientset(node("w", false, "10.1.1.3"))}
	if _, err := ControlPlaneAddress(ctx, kc); err == nil {
		t.Error("a cluster without a control-plane node gave an address")
	}
}

func TestReleasesInOrder(t *testing.T) {
	for sc, want := range map[string][]string{
		"istio-multi-primary": {BaseRelease, IstiodRelease},
		"istio-multi-network": {BaseRelease, IstiodRelease, EastWestRelease},
	} {
		p := testplan.Builtin(t, sc)
		rels, err := ValuesFor(p.Istio, p.Istio.Clusters[0], ImagesFor(p.Istio)).releases()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rels {
			got = append(got, r.Name)
			if r.Namespace != Namespace || r.Chart.Version == "" {
				t.Errorf("%s: release %+v", sc, r.Release)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: releases %v, want %v", sc, got, want)
		}
	}
	if ImagesFor(testplan.Builtin(t, "istio-multi-primary").Istio) != LocalImages {
		t.Error("one network should run netlab's own istiod and agent")
	}
	if ImagesFor(testplan.Builtin(t, "istio-multi-network").Istio) != UpstreamImages {
		t.Error("east-west gateways need Istio's published images (Envoy)")
	}
}

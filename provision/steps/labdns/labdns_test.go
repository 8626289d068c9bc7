package labdns

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/netlab-dev/netlab/provision/kube"
)

// apply against a cluster's API (a fake clientset): the hermetic file is written and CoreDNS's Pod
// template gets the new hash (which rolls the Pods); a second apply changes nothing; dns.upstream
// puts kubeadm's file back and rolls them again.
func TestApplyWritesTheCorefileAndRollsCoreDNS(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"}, Data: map[string]string{"Corefile": kubeadm}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"}},
	)
	kc := &kube.Client{Name: "c1", Clientset: cs}
	state := func() (string, string) {
		cm, err := cs.CoreV1().ConfigMaps("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := cs.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cm.Data["Corefile"], d.Spec.Template.Annotations[Annotation]
	}

	what, err := apply(ctx, kc, false)
	if err != nil || !strings.Contains(what, "NXDOMAIN") || strings.Contains(what, "as it was") {
		t.Fatalf("apply: %q %v", what, err)
	}
	file, hash := state()
	want, _ := Hermetic(kubeadm)
	if file != want || hash == "" {
		t.Fatalf("after apply: hash %q, file:\n%s", hash, file)
	}
	if what, err := apply(ctx, kc, false); err != nil || !strings.Contains(what, "as it was") {
		t.Errorf("second apply: %q %v", what, err)
	}
	if _, h := state(); h != hash {
		t.Errorf("a second apply rolled CoreDNS again: %q -> %q", hash, h)
	}

	if what, err := apply(ctx, kc, true); err != nil || !strings.Contains(what, "upstream") {
		t.Fatalf("apply with dns.upstream: %q %v", what, err)
	}
	if file, h := state(); file != kubeadm || h == hash || h == "" {
		t.Errorf("dns.upstream: hash %q (was %q), file:\n%s", h, hash, file)
	}
}

func TestApplyRefusesAFileItDoesNotKnow(t *testing.T) {
	cs := fake.NewClientset(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"}, Data: map[string]string{"Corefile": "example.org:53 {\n    whoami\n}\n"}})
	if _, err := apply(context.Background(), &kube.Client{Name: "c1", Clientset: cs}, false); err == nil || !strings.Contains(err.Error(), "dns: {upstream: true}") {
		t.Errorf("apply on a foreign Corefile: %v", err)
	}
}

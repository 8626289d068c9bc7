package kube

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// EditCorefile writes only a changed file, and writes nothing when the edit fails or the ConfigMap
// is missing.
func TestEditCorefile(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"},
		Data:       map[string]string{"Corefile": ".:53 {\n}\n"},
	})
	c := &Client{Name: "c1", Clientset: cs}
	stored := func() string {
		cm, err := cs.CoreV1().ConfigMaps("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return cm.Data["Corefile"]
	}
	next, changed, err := c.EditCorefile(ctx, func(cur string) (string, error) { return cur + "# edited\n", nil })
	if err != nil || !changed || next != ".:53 {\n}\n# edited\n" || stored() != next {
		t.Fatalf("edit: %q %v %v, stored %q", next, changed, err, stored())
	}
	if _, changed, err := c.EditCorefile(ctx, func(cur string) (string, error) { return cur, nil }); err != nil || changed {
		t.Errorf("same file: changed %v, err %v; want no write", changed, err)
	}
	if _, changed, err := c.EditCorefile(ctx, func(string) (string, error) { return "x", errors.New("no main block") }); err == nil || changed || stored() != next {
		t.Errorf("failing edit: changed %v, err %v, stored %q; want the error and no write", changed, err, stored())
	}
	empty := &Client{Name: "c2", Clientset: fake.NewClientset()}
	if _, _, err := empty.EditCorefile(ctx, func(cur string) (string, error) { return cur, nil }); err == nil {
		t.Error("no coredns ConfigMap: no error")
	}
}

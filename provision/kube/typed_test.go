package kube

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Unstructured drops status and null creationTimestamps at every depth, and refuses an object
// without apiVersion and kind.
func TestUnstructured(t *testing.T) {
	ds := &appsv1.DaemonSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"}, ObjectMeta: metav1.ObjectMeta{Name: "d"}}
	out, err := Unstructured([]runtime.Object{ds})
	if err != nil || len(out) != 1 {
		t.Fatalf("%v %v", out, err)
	}
	y, err := YAML(out)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(y); strings.Contains(s, "creationTimestamp") || strings.Contains(s, "status") || !strings.Contains(s, "kind: DaemonSet") {
		t.Errorf("converted:\n%s", s)
	}
	if _, err := Unstructured([]runtime.Object{&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}}); err == nil || !strings.Contains(err.Error(), "no apiVersion/kind") {
		t.Errorf("no kind: %v", err)
	}
}

package ciliumnames

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestNodeRanges(t *testing.T) {
	node := func(name string, cidrs ...interface{}) unstructured.Unstructured {
		u := unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "cilium.io/v2", "kind": "CiliumNode",
			"metadata": map[string]interface{}{"name": name}}}
		if cidrs != nil {
			u.Object["spec"] = map[string]interface{}{"ipam": map[string]interface{}{"podCIDRs": cidrs}}
		}
		return u
	}
	got := NodeRanges([]unstructured.Unstructured{
		node("w", "10.1.1.0/24", "10.1.0.0/24"),
		node("cp", "10.1.2.0/24"),
		node("new"), // no range allocated yet
	})
	want := map[string][]string{"w": {"10.1.0.0/24", "10.1.1.0/24"}, "cp": {"10.1.2.0/24"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("NodeRanges = %v, want %v", got, want)
	}
}

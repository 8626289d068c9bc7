package kube

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Unstructured converts typed objects for Apply, dropping what only the server fills in (status,
// null metadata.creationTimestamp at every depth: Pod templates have metadata too), so that the
// output is what netlab means to apply. An object without apiVersion and kind is an error.
func Unstructured(objs []runtime.Object) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return nil, fmt.Errorf("%T: %w", o, err)
		}
		delete(m, "status")
		clean(m)
		u := &unstructured.Unstructured{Object: m}
		if u.GetAPIVersion() == "" || u.GetKind() == "" {
			return nil, fmt.Errorf("%T %s has no apiVersion/kind", o, u.GetName())
		}
		out = append(out, u)
	}
	return out, nil
}

// clean removes null creationTimestamps, at every depth.
func clean(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "creationTimestamp" && e == nil {
				delete(x, k)
				continue
			}
			clean(e)
		}
	case []any:
		for _, e := range x {
			clean(e)
		}
	}
}

package metallb

import (
	"strings"
	"testing"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// validatorFor returns the API server's validation and pruning for a generated kind.
func validatorFor(t *testing.T, kind, version string) (func(obj map[string]any) []string, func(obj map[string]any) []string) {
	t.Helper()
	schema := internalSchema(t, generatedCRDs(t)[kind], version)
	v, _, err := apiservervalidation.NewSchemaValidator(schema)
	if err != nil {
		t.Fatal(err)
	}
	st, err := structuralschema.NewStructural(schema)
	if err != nil {
		t.Fatal(err)
	}
	validate := func(obj map[string]any) []string {
		var out []string
		for _, e := range v.Validate(obj).Errors {
			out = append(out, e.Error())
		}
		return out
	}
	prune := func(obj map[string]any) []string {
		return pruning.PruneWithOptions(obj, st, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	}
	return validate, prune
}

// wire round-trips an object through JSON as the API server receives it.
func wire(t *testing.T, u *unstructured.Unstructured) map[string]any {
	t.Helper()
	data, err := u.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := utiljson.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPoolObjectsValidate: the IPAddressPool and L2Advertisement netlab builds from each planned
// cluster of tgw-two-vpc pass the generated schemas and lose nothing to pruning; broken variants
// are rejected, so the check has teeth.
func TestPoolObjectsValidate(t *testing.T) {
	p := buildPlan(t, "tgw-two-vpc")
	for _, name := range []string{"a", "b"} {
		objs, err := PoolObjects(cluster(t, p, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) != 2 || objs[0].GetKind() != "IPAddressPool" || objs[1].GetKind() != "L2Advertisement" {
			t.Fatalf("pool objects %v", objs)
		}
		for _, o := range objs {
			if o.GetAPIVersion() != "metallb.io/v1beta1" || o.GetNamespace() != Namespace {
				t.Errorf("%s: apiVersion %s namespace %s", o.GetKind(), o.GetAPIVersion(), o.GetNamespace())
			}
			validate, prune := validatorFor(t, o.GetKind(), "v1beta1")
			m := wire(t, o)
			if errs := validate(m); len(errs) > 0 {
				t.Errorf("cluster %s: %s rejected: %v", name, o.GetKind(), errs)
			}
			if pruned := prune(m); len(pruned) > 0 {
				t.Errorf("cluster %s: %s would lose %v", name, o.GetKind(), pruned)
			}
		}
		pools, _, _ := unstructured.NestedStringSlice(objs[1].Object, "spec", "ipAddressPools")
		if len(pools) != 1 || pools[0] != objs[0].GetName() {
			t.Errorf("L2Advertisement announces %v, the pool is %s", pools, objs[0].GetName())
		}
	}

	objs, _ := PoolObjects(cluster(t, p, "a"))
	validate, prune := validatorFor(t, "IPAddressPool", "v1beta1")
	for _, c := range []struct {
		name   string
		mutate func(m map[string]any)
		want   string
	}{
		{"no addresses", func(m map[string]any) { delete(m["spec"].(map[string]any), "addresses") }, "spec.addresses"},
		{"addresses not a list", func(m map[string]any) { m["spec"].(map[string]any)["addresses"] = "10.0.1.200/29" }, "spec.addresses"},
		{"autoAssign not a boolean", func(m map[string]any) { m["spec"].(map[string]any)["autoAssign"] = "yes" }, "spec.autoAssign"},
		{"no spec", func(m map[string]any) { delete(m, "spec") }, "spec"},
	} {
		m := wire(t, objs[0])
		c.mutate(m)
		errs := validate(m)
		if len(errs) == 0 || !strings.Contains(strings.Join(errs, "; "), c.want) {
			t.Errorf("%s: errors %v, want one about %s", c.name, errs, c.want)
		}
	}
	m := wire(t, objs[0])
	m["spec"].(map[string]any)["adresses"] = []any{"typo"}
	if pruned := prune(m); len(pruned) != 1 || pruned[0] != "spec.adresses" {
		t.Errorf("unknown field: pruned %v", pruned)
	}
}

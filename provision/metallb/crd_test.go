package metallb

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"go.universe.tf/metallb/api/v1beta1"
	"go.universe.tf/metallb/api/v1beta2"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/randfill"
)

var crdScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	install.Install(s)
	return s
}()

// internalCRD converts a generated CRD to the API server's internal form, defaulted the way the
// server defaults it, with the stored version the server would record on create.
func internalCRD(t *testing.T, crd *apiextv1.CustomResourceDefinition) *apiextensions.CustomResourceDefinition {
	t.Helper()
	in := crd.DeepCopy()
	crdScheme.Default(in)
	out := &apiextensions.CustomResourceDefinition{}
	if err := crdScheme.Convert(in, out, nil); err != nil {
		t.Fatalf("%s: convert: %v", crd.Name, err)
	}
	for _, v := range out.Spec.Versions {
		if v.Storage {
			out.Status.StoredVersions = []string{v.Name}
		}
	}
	return out
}

func internalSchema(t *testing.T, crd *apiextv1.CustomResourceDefinition, version string) *apiextensions.JSONSchemaProps {
	t.Helper()
	in := internalCRD(t, crd)
	for _, v := range in.Spec.Versions {
		if v.Name != version {
			continue
		}
		// The internal form hoists a schema shared by every version to spec.validation.
		if v.Schema != nil {
			return v.Schema.OpenAPIV3Schema
		}
		if in.Spec.Validation != nil {
			return in.Spec.Validation.OpenAPIV3Schema
		}
	}
	t.Fatalf("%s has no version %s", crd.Name, version)
	return nil
}

func generatedCRDs(t *testing.T) map[string]*apiextv1.CustomResourceDefinition {
	t.Helper()
	crds, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*apiextv1.CustomResourceDefinition{}
	for _, c := range crds {
		m[c.Spec.Names.Kind] = c
	}
	return m
}

// TestCRDsCoverTheAPI: every kind the MetalLB API packages register has a CRD, served in every
// version that registers it, with exactly one storage version (v1beta2 for BGPPeer).
func TestCRDsCoverTheAPI(t *testing.T) {
	s := runtime.NewScheme()
	if err := v1beta1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1beta2.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for gvk, typ := range s.AllKnownTypes() {
		if gvk.Group != Group || strings.HasSuffix(gvk.Kind, "List") || !strings.HasPrefix(typ.PkgPath(), "go.universe.tf/metallb/api/") {
			continue
		}
		want[gvk.Kind] = append(want[gvk.Kind], gvk.Version)
	}
	crds := generatedCRDs(t)
	if len(crds) != len(want) {
		t.Errorf("generated %d CRDs, the API registers %d kinds: %v", len(crds), len(want), want)
	}
	for kind, versions := range want {
		sort.Strings(versions)
		crd, ok := crds[kind]
		if !ok {
			t.Errorf("no CRD for %s", kind)
			continue
		}
		var got, storage []string
		for _, v := range crd.Spec.Versions {
			got = append(got, v.Name)
			if !v.Served {
				t.Errorf("%s %s not served", kind, v.Name)
			}
			if v.Storage {
				storage = append(storage, v.Name)
			}
		}
		if !reflect.DeepEqual(got, versions) {
			t.Errorf("%s: versions %v, API has %v", kind, got, versions)
		}
		wantStorage := "v1beta1"
		if kind == "BGPPeer" {
			wantStorage = "v1beta2"
		}
		if len(storage) != 1 || storage[0] != wantStorage {
			t.Errorf("%s: storage versions %v, want [%s]", kind, storage, wantStorage)
		}
		if crd.Name != crd.Spec.Names.Plural+"."+Group || crd.Spec.Group != Group {
			t.Errorf("%s: name %s group %s", kind, crd.Name, crd.Spec.Group)
		}
		if crd.Spec.Scope != apiextv1.NamespaceScoped {
			t.Errorf("%s: scope %s", kind, crd.Spec.Scope)
		}
		plural := strings.ToLower(kind) + "s"
		switch {
		case strings.HasSuffix(kind, "y"):
			plural = strings.TrimSuffix(strings.ToLower(kind), "y") + "ies"
		case strings.HasSuffix(kind, "s"):
			plural = strings.ToLower(kind) + "es"
		}
		if crd.Spec.Names.Singular != strings.ToLower(kind) || crd.Spec.Names.Plural != plural || crd.Spec.Names.ListKind != kind+"List" {
			t.Errorf("%s: names %+v", kind, crd.Spec.Names)
		}
	}
}

// TestCRDsPassAPIServerValidation runs the API server's own CRD validation (structural schema,
// list-map keys, names, versions) on every generated CRD.
func TestCRDsPassAPIServerValidation(t *testing.T) {
	for kind, crd := range generatedCRDs(t) {
		if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), internalCRD(t, crd)); len(errs) > 0 {
			t.Errorf("%s: %v", kind, errs.ToAggregate())
		}
	}
}

// TestSchemasAreStructural checks the structural-schema rule directly: every node has a type, or
// is int-or-string, or preserves unknown fields; and the status subresource is there exactly where
// the Go type has a Status field.
func TestSchemasAreStructural(t *testing.T) {
	for kind, crd := range generatedCRDs(t) {
		for _, v := range crd.Spec.Versions {
			var walk func(path string, s *apiextv1.JSONSchemaProps)
			walk = func(path string, s *apiextv1.JSONSchemaProps) {
				if s.Type == "" && !s.XIntOrString && (s.XPreserveUnknownFields == nil || !*s.XPreserveUnknownFields) {
					t.Errorf("%s %s: %s has no type", kind, v.Name, path)
				}
				for name, p := range s.Properties {
					walk(path+"."+name, &p)
				}
				if s.Items != nil && s.Items.Schema != nil {
					walk(path+"[]", s.Items.Schema)
				}
				if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
					walk(path+"{}", s.AdditionalProperties.Schema)
				}
			}
			walk(kind, v.Schema.OpenAPIV3Schema)

			in := internalSchema(t, crd, v.Name)
			st, err := structuralschema.NewStructural(in)
			if err != nil {
				t.Fatalf("%s %s: %v", kind, v.Name, err)
			}
			if errs := structuralschema.ValidateStructural(field.NewPath("openAPIV3Schema"), st); len(errs) > 0 {
				t.Errorf("%s %s: %v", kind, v.Name, errs.ToAggregate())
			}
			root := v.Schema.OpenAPIV3Schema
			hasStatus := root.Properties["status"].Type == "object"
			if (v.Subresources != nil && v.Subresources.Status != nil) != hasStatus {
				t.Errorf("%s %s: status subresource %v, status property %v", kind, v.Name, v.Subresources, hasStatus)
			}
		}
	}
}

// TestSchemaDetails pins what reflection must get right for the fields MetalLB relies on.
func TestSchemaDetails(t *testing.T) {
	crds := generatedCRDs(t)
	prop := func(kind, version string, path ...string) apiextv1.JSONSchemaProps {
		t.Helper()
		for _, v := range crds[kind].Spec.Versions {
			if v.Name != version {
				continue
			}
			s := *v.Schema.OpenAPIV3Schema
			for _, p := range path {
				if p == "[]" {
					s = *s.Items.Schema
					continue
				}
				next, ok := s.Properties[p]
				if !ok {
					t.Fatalf("%s %s: no property %s in %v", kind, version, p, path)
				}
				s = next
			}
			return s
		}
		t.Fatalf("%s: no version %s", kind, version)
		return apiextv1.JSONSchemaProps{}
	}
	pool := prop("IPAddressPool", "v1beta1")
	if !reflect.DeepEqual(pool.Required, []string{"spec"}) {
		t.Errorf("IPAddressPool required %v, want [spec]", pool.Required)
	}
	spec := prop("IPAddressPool", "v1beta1", "spec")
	if !reflect.DeepEqual(spec.Required, []string{"addresses"}) {
		t.Errorf("IPAddressPool spec required %v, want [addresses]", spec.Required)
	}
	if a := prop("IPAddressPool", "v1beta1", "spec", "addresses"); a.Type != "array" || a.Items.Schema.Type != "string" {
		t.Errorf("addresses: %+v", a)
	}
	if a := prop("IPAddressPool", "v1beta1", "spec", "autoAssign"); a.Type != "boolean" {
		t.Errorf("autoAssign: %+v", a)
	}
	if m := prop("L2Advertisement", "v1beta1", "spec", "nodeSelectors", "[]", "matchLabels"); m.Type != "object" || m.AdditionalProperties.Schema.Type != "string" {
		t.Errorf("nodeSelectors[].matchLabels: %+v", m)
	}
	if d := prop("BGPPeer", "v1beta2", "spec", "holdTime"); d.Type != "string" {
		t.Errorf("holdTime (metav1.Duration): %+v", d)
	}
	if p := prop("BGPPeer", "v1beta2", "spec", "peerPort"); p.Type != "integer" || *p.Minimum != 0 || *p.Maximum != 65535 {
		t.Errorf("peerPort (uint16): %+v", p)
	}
	if e := prop("BGPPeer", "v1beta2", "spec", "dynamicASN"); len(e.Enum) != 2 {
		t.Errorf("dynamicASN enum: %+v", e.Enum)
	}
	conds := prop("ConfigurationState", "v1beta1", "status", "conditions")
	if conds.XListType == nil || *conds.XListType != "map" || !reflect.DeepEqual(conds.XListMapKeys, []string{"type"}) {
		t.Errorf("conditions must be a list-map keyed by type (several field managers apply them): %+v", conds)
	}
	if lt := prop("ConfigurationState", "v1beta1", "status", "conditions", "[]", "lastTransitionTime"); lt.Type != "string" || lt.Format != "date-time" {
		t.Errorf("lastTransitionTime (metav1.Time): %+v", lt)
	}
	if _, ok := prop("ConfigurationState", "v1beta1").Properties["spec"]; ok {
		t.Error("ConfigurationState has no spec in Go, but the schema has one")
	}
	if r := prop("ConfigurationState", "v1beta1", "status", "result"); len(r.Enum) != 3 {
		t.Errorf("result enum: %+v", r.Enum)
	}
}

// TestRandomObjectsRoundTrip fills every kind with random values, serialises it with encoding/json
// as a Go client would, and expects the generated schema to accept it and prune nothing: the schema
// covers exactly what the Go types emit.
func TestRandomObjectsRoundTrip(t *testing.T) {
	f := randfill.NewWithSeed(1).NilChance(0).NumElements(1, 2).Funcs(
		func(v *v1beta1.ConfigurationResult, c randfill.Continue) {
			*v = []v1beta1.ConfigurationResult{"Valid", "Invalid", "Unknown"}[c.Intn(3)]
		},
		func(v *v1beta2.DynamicASNMode, c randfill.Continue) {
			*v = []v1beta2.DynamicASNMode{v1beta2.InternalASNMode, v1beta2.ExternalASNMode}[c.Intn(2)]
		},
		func(v *metav1.ConditionStatus, c randfill.Continue) {
			*v = []metav1.ConditionStatus{"True", "False", "Unknown"}[c.Intn(3)]
		},
		func(v *metav1.LabelSelectorOperator, c randfill.Continue) { *v = metav1.LabelSelectorOpIn },
		func(v *metav1.Time, c randfill.Continue) { *v = metav1.Unix(c.Int63n(2e9), 0) },
		func(v *metav1.Duration, c randfill.Continue) { v.Duration = 90 * time.Second },
		func(v *metav1.ObjectMeta, c randfill.Continue) {
			*v = metav1.ObjectMeta{Name: "x", Namespace: Namespace}
		},
		func(v *metav1.TypeMeta, c randfill.Continue) {},
	)
	for _, k := range kinds {
		crd, err := crdFor(k)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range k.versions {
			schema := internalSchema(t, crd, v.name)
			validator, _, err := apiservervalidation.NewSchemaValidator(schema)
			if err != nil {
				t.Fatal(err)
			}
			st, err := structuralschema.NewStructural(schema)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 20; i++ {
				obj := reflect.New(reflect.TypeOf(v.obj).Elem()).Interface()
				f.Fill(obj)
				data, err := json.Marshal(obj)
				if err != nil {
					t.Fatal(err)
				}
				// Decode as the API server does: integers stay int64.
				var m map[string]any
				if err := utiljson.Unmarshal(data, &m); err != nil {
					t.Fatal(err)
				}
				m["apiVersion"], m["kind"] = Group+"/"+v.name, k.kind
				if res := validator.Validate(m); !res.IsValid() {
					t.Errorf("%s %s: random object rejected: %v\n%s", k.kind, v.name, res.Errors, data)
					break
				}
				pruned := pruning.PruneWithOptions(m, st, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
				if len(pruned) > 0 {
					t.Errorf("%s %s: schema would prune fields the Go type writes: %v", k.kind, v.name, pruned)
					break
				}
			}
		}
	}
}

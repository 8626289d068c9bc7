package metallb

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.universe.tf/metallb/api/v1beta1"
	"go.universe.tf/metallb/api/v1beta2"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Group is MetalLB's API group.
const Group = "metallb.io"

// crdVersion is one served version of a kind: the Go type that defines it.
type crdVersion struct {
	name    string
	obj     runtime.Object
	storage bool
}

// crdKind is one MetalLB custom resource: names and the versions netlab serves.
type crdKind struct {
	kind, plural, singular string
	versions               []crdVersion
}

// kinds are the MetalLB resources the v0.16.1 controller and speaker read or write, in the order
// their CRDs are applied. Read from the module's Go source (internal/k8s/k8s.go and
// internal/k8s/controllers/*): the speaker's ConfigReconciler lists IPAddressPool, BGPPeer (v1beta2),
// BGPAdvertisement, L2Advertisement, BFDProfile and Community; the controller's PoolReconciler
// IPAddressPool and Community; both write ConfigurationState; the speaker writes ServiceL2Status and
// ServiceBGPStatus. BGPPeer is served in v1beta1 (the old API) and v1beta2 (stored, what the
// components read).
var kinds = []crdKind{
	{"BFDProfile", "bfdprofiles", "bfdprofile", []crdVersion{{"v1beta1", &v1beta1.BFDProfile{}, true}}},
	{"BGPAdvertisement", "bgpadvertisements", "bgpadvertisement", []crdVersion{{"v1beta1", &v1beta1.BGPAdvertisement{}, true}}},
	{"BGPPeer", "bgppeers", "bgppeer", []crdVersion{
		{"v1beta1", &v1beta1.BGPPeer{}, false},
		{"v1beta2", &v1beta2.BGPPeer{}, true},
	}},
	{"Community", "communities", "community", []crdVersion{{"v1beta1", &v1beta1.Community{}, true}}},
	{"ConfigurationState", "configurationstates", "configurationstate", []crdVersion{{"v1beta1", &v1beta1.ConfigurationState{}, true}}},
	{"IPAddressPool", "ipaddresspools", "ipaddresspool", []crdVersion{{"v1beta1", &v1beta1.IPAddressPool{}, true}}},
	{"L2Advertisement", "l2advertisements", "l2advertisement", []crdVersion{{"v1beta1", &v1beta1.L2Advertisement{}, true}}},
	{"ServiceBGPStatus", "servicebgpstatuses", "servicebgpstatus", []crdVersion{{"v1beta1", &v1beta1.ServiceBGPStatus{}, true}}},
	{"ServiceL2Status", "servicel2statuses", "servicel2status", []crdVersion{{"v1beta1", &v1beta1.ServiceL2Status{}, true}}},
}

// enums are the closed string types of the API. Reflection sees only "string"; the values are the
// typed constants the API package declares (and its +kubebuilder:validation:Enum markers).
var enums = map[reflect.Type][]string{
	reflect.TypeFor[v1beta1.ConfigurationResult](): {
		string(v1beta1.ConfigurationResultValid), string(v1beta1.ConfigurationResultInvalid), string(v1beta1.ConfigurationResultUnknown),
	},
	reflect.TypeFor[v1beta2.DynamicASNMode](): {string(v1beta2.InternalASNMode), string(v1beta2.ExternalASNMode)},
	reflect.TypeFor[metav1.ConditionStatus](): {string(metav1.ConditionTrue), string(metav1.ConditionFalse), string(metav1.ConditionUnknown)},
	reflect.TypeFor[metav1.LabelSelectorOperator](): {
		string(metav1.LabelSelectorOpIn), string(metav1.LabelSelectorOpNotIn), string(metav1.LabelSelectorOpExists), string(metav1.LabelSelectorOpDoesNotExist),
	},
}

// CRDs returns MetalLB's CustomResourceDefinitions, generated from the Go API types of
// go.universe.tf/metallb v0.16.1, sorted by name.
func CRDs() ([]*apiextv1.CustomResourceDefinition, error) {
	var out []*apiextv1.CustomResourceDefinition
	for _, k := range kinds {
		crd, err := crdFor(k)
		if err != nil {
			return nil, err
		}
		out = append(out, crd)
	}
	return out, nil
}

func crdFor(k crdKind) (*apiextv1.CustomResourceDefinition, error) {
	crd := &apiextv1.CustomResourceDefinition{
		TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   k.plural + "." + Group,
			Labels: labels(""),
		},
		Spec: apiextv1.CustomResourceDefinitionSpec{
			Group: Group,
			Names: apiextv1.CustomResourceDefinitionNames{
				Kind:     k.kind,
				ListKind: k.kind + "List",
				Plural:   k.plural,
				Singular: k.singular,
			},
			Scope: apiextv1.NamespaceScoped,
			// No conversion webhook: netlab runs MetalLB without webhooks. BGPPeer v1beta1 is
			// served by relabelling stored v1beta2 objects; netlab's labs use no BGP peers.
			Conversion: &apiextv1.CustomResourceConversion{Strategy: apiextv1.NoneConverter},
		},
	}
	for _, v := range k.versions {
		t := reflect.TypeOf(v.obj).Elem()
		if t.Name() != k.kind {
			return nil, fmt.Errorf("metallb: %s %s is Go type %s", k.kind, v.name, t)
		}
		g := &generator{visiting: map[reflect.Type]bool{}}
		schema, err := g.root(t)
		if err != nil {
			return nil, fmt.Errorf("metallb: schema of %s/%s %s: %w", Group, v.name, k.kind, err)
		}
		schema.Description = fmt.Sprintf("%s is generated by netlab from the Go type go.universe.tf/metallb/api/%s.%s (MetalLB %s).", k.kind, v.name, k.kind, Version)
		ver := apiextv1.CustomResourceDefinitionVersion{
			Name:    v.name,
			Served:  true,
			Storage: v.storage,
			Schema:  &apiextv1.CustomResourceValidation{OpenAPIV3Schema: schema},
		}
		if _, ok := t.FieldByName("Status"); ok {
			ver.Subresources = &apiextv1.CustomResourceSubresources{Status: &apiextv1.CustomResourceSubresourceStatus{}}
		}
		crd.Spec.Versions = append(crd.Spec.Versions, ver)
	}
	return crd, nil
}

// generator turns Go types into structural OpenAPI v3 schemas, the way encoding/json would
// serialise them.
type generator struct {
	visiting map[reflect.Type]bool
}

var (
	typeTime        = reflect.TypeFor[metav1.Time]()
	typeMicroTime   = reflect.TypeFor[metav1.MicroTime]()
	typeDuration    = reflect.TypeFor[metav1.Duration]()
	typeIntOrString = reflect.TypeFor[intstr.IntOrString]()
	typeQuantity    = reflect.TypeFor[resource.Quantity]()
	typeObjectMeta  = reflect.TypeFor[metav1.ObjectMeta]()
	typeTypeMeta    = reflect.TypeFor[metav1.TypeMeta]()
	typeRawExt      = reflect.TypeFor[runtime.RawExtension]()
	typeRawJSON     = reflect.TypeFor[json.RawMessage]()
)

// root is the schema of a top-level kind: apiVersion, kind and metadata as the API server
// expects them (metadata is validated by the server itself), then the type's own fields.
func (g *generator) root(t reflect.Type) (*apiextv1.JSONSchemaProps, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is not a struct", t)
	}
	s := &apiextv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextv1.JSONSchemaProps{}}
	if err := g.fields(t, s, true); err != nil {
		return nil, err
	}
	if len(s.Properties) == 0 {
		s.Properties = nil
	}
	return s, nil
}

// fields adds the JSON fields of struct t to s, flattening embedded (inline) structs.
func (g *generator) fields(t reflect.Type, s *apiextv1.JSONSchemaProps, isRoot bool) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, omit, inline, skip := jsonField(f)
		if skip {
			continue
		}
		ft := f.Type
		if inline {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft == typeTypeMeta {
				s.Properties["apiVersion"] = apiextv1.JSONSchemaProps{Type: "string"}
				s.Properties["kind"] = apiextv1.JSONSchemaProps{Type: "string"}
				continue
			}
			if ft.Kind() != reflect.Struct {
				return fmt.Errorf("%s.%s: inline field of non-struct type %s", t, f.Name, ft)
			}
			if err := g.fields(ft, s, isRoot); err != nil {
				return err
			}
			continue
		}
		var prop *apiextv1.JSONSchemaProps
		if isRoot && name == "metadata" && ft == typeObjectMeta {
			prop = &apiextv1.JSONSchemaProps{Type: "object"}
		} else {
			var err error
			prop, err = g.schema(ft)
			if err != nil {
				return fmt.Errorf("%s.%s: %w", t, f.Name, err)
			}
		}
		// Lists with a strategic merge key (metav1.Condition lists) are maps keyed by it, so that
		// server-side apply from several field managers merges them instead of replacing them.
		if prop.Type == "array" && f.Tag.Get("patchStrategy") == "merge" {
			if key := f.Tag.Get("patchMergeKey"); key != "" {
				lt := "map"
				prop.XListType = &lt
				prop.XListMapKeys = []string{key}
			}
		}
		s.Properties[name] = *prop
		// A field encoding/json always writes is required, as kubebuilder does it; metadata is the
		// server's.
		if !omit && !(isRoot && (name == "metadata" || name == "status")) {
			s.Required = append(s.Required, name)
		}
	}
	sort.Strings(s.Required)
	return nil
}

// jsonField reads a struct field's json tag the way encoding/json does.
func jsonField(f reflect.StructField) (name string, omitempty, inline, skip bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false, false, true
	}
	parts := strings.Split(tag, ",")
	name = parts[0]
	for _, o := range parts[1:] {
		switch o {
		case "omitempty", "omitzero":
			omitempty = true
		case "inline":
			inline = true
		}
	}
	if f.Anonymous && name == "" {
		inline = true
	}
	if !f.IsExported() && !inline {
		return "", false, false, true
	}
	if name == "" {
		name = f.Name
	}
	return name, omitempty, inline, false
}

// schema is the schema of a (non-root) value of type t.
func (g *generator) schema(t reflect.Type) (*apiextv1.JSONSchemaProps, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// Types with their own JSON encoding, which reflection on their fields would get wrong.
	switch t {
	case typeTime:
		return &apiextv1.JSONSchemaProps{Type: "string", Format: "date-time"}, nil
	case typeMicroTime:
		return &apiextv1.JSONSchemaProps{Type: "string", Format: "date-time"}, nil
	case typeDuration:
		return &apiextv1.JSONSchemaProps{Type: "string"}, nil
	case typeIntOrString, typeQuantity:
		return &apiextv1.JSONSchemaProps{XIntOrString: true, AnyOf: []apiextv1.JSONSchemaProps{{Type: "integer"}, {Type: "string"}}}, nil
	case typeObjectMeta, typeRawExt, typeRawJSON:
		// Reflection cannot tell what these hold.
		return &apiextv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr(true)}, nil
	}
	switch t.Kind() {
	case reflect.String:
		s := &apiextv1.JSONSchemaProps{Type: "string"}
		for _, v := range enums[t] {
			s.Enum = append(s.Enum, apiextv1.JSON{Raw: []byte(fmt.Sprintf("%q", v))})
		}
		return s, nil
	case reflect.Bool:
		return &apiextv1.JSONSchemaProps{Type: "boolean"}, nil
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return &apiextv1.JSONSchemaProps{Type: "integer", Format: "int32"}, nil
	case reflect.Int, reflect.Int64:
		return &apiextv1.JSONSchemaProps{Type: "integer", Format: "int64"}, nil
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		max := float64(uint64(1)<<(8*t.Size()) - 1)
		return &apiextv1.JSONSchemaProps{Type: "integer", Format: "int64", Minimum: ptr(0.0), Maximum: &max}, nil
	case reflect.Uint, reflect.Uint64:
		return &apiextv1.JSONSchemaProps{Type: "integer", Format: "int64", Minimum: ptr(0.0)}, nil
	case reflect.Float32, reflect.Float64:
		return &apiextv1.JSONSchemaProps{Type: "number"}, nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &apiextv1.JSONSchemaProps{Type: "string", Format: "byte"}, nil
		}
		items, err := g.schema(t.Elem())
		if err != nil {
			return nil, err
		}
		return &apiextv1.JSONSchemaProps{Type: "array", Items: &apiextv1.JSONSchemaPropsOrArray{Schema: items}}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map key %s is not a string", t.Key())
		}
		v, err := g.schema(t.Elem())
		if err != nil {
			return nil, err
		}
		return &apiextv1.JSONSchemaProps{Type: "object", AdditionalProperties: &apiextv1.JSONSchemaPropsOrBool{Allows: true, Schema: v}}, nil
	case reflect.Interface:
		return &apiextv1.JSONSchemaProps{XPreserveUnknownFields: ptr(true)}, nil
	case reflect.Struct:
		if g.visiting[t] {
			return nil, fmt.Errorf("recursive type %s", t)
		}
		g.visiting[t] = true
		defer delete(g.visiting, t)
		s := &apiextv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextv1.JSONSchemaProps{}}
		if err := g.fields(t, s, false); err != nil {
			return nil, err
		}
		if len(s.Properties) == 0 {
			s.Properties = nil
		}
		return s, nil
	}
	return nil, fmt.Errorf("no schema for Go type %s (kind %s)", t, t.Kind())
}

func ptr[T any](v T) *T { return &v }

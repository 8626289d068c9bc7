package traefik

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netlab-dev/netlab/plan"
)

func cluster(metallb bool) plan.ClusterPlan {
	c := plan.ClusterPlan{Name: "web", Ingress: &plan.IngressPlan{Controller: Controller}}
	if metallb {
		c.MetalLB = &plan.MetalLBPlan{Addresses: []string{"10.0.1.200-10.0.1.220"}}
	}
	return c
}

func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s among the objects", kind, name)
	return nil
}

// The install: its objects in apply order (namespace first, the workload after its RBAC), the
// LoadBalancer Service on a cluster with MetalLB (NodePort without), the default IngressClass for
// Traefik's controller, and the image the hermetic build makes.
func TestObjects(t *testing.T) {
	objs, err := Objects(cluster(true), nil)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
	}
	want := []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "IngressClass", "Deployment", "Service"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	svc := find(t, objs, "Service", Name)
	if typ, _, _ := unstructured.NestedString(svc.Object, "spec", "type"); typ != "LoadBalancer" {
		t.Errorf("Service type %q with MetalLB, want LoadBalancer", typ)
	}
	ic := find(t, objs, "IngressClass", IngressClass)
	if ctl, _, _ := unstructured.NestedString(ic.Object, "spec", "controller"); ctl != ControllerID || ic.GetAnnotations()["ingressclass.kubernetes.io/is-default-class"] != "true" {
		t.Errorf("IngressClass: controller %q, annotations %v", ctl, ic.GetAnnotations())
	}
	dep := find(t, objs, "Deployment", Name)
	cs, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	if len(cs) != 1 || cs[0].(map[string]any)["image"] != "docker.io/library/traefik:v3.6.12" {
		t.Fatalf("containers %v", cs)
	}
	rules, _, _ := unstructured.NestedSlice(find(t, objs, "ClusterRole", "netlab-traefik").Object, "rules")
	var granted []string
	for _, r := range rules {
		m := r.(map[string]any)
		for _, res := range m["resources"].([]any) {
			granted = append(granted, res.(string))
		}
	}
	for _, res := range []string{"endpointslices", "ingresses", "ingressclasses", "ingresses/status", "services", "secrets"} {
		if !slices.Contains(granted, res) {
			t.Errorf("the ClusterRole grants no %s (has %v)", res, granted)
		}
	}

	objs, err = Objects(cluster(false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if typ, _, _ := unstructured.NestedString(find(t, objs, "Service", Name).Object, "spec", "type"); typ != "NodePort" {
		t.Errorf("Service type %q without MetalLB, want NodePort", typ)
	}
	c := cluster(true)
	c.Ingress.Controller = "ingress-nginx"
	if _, err := Objects(c, nil); err == nil || !strings.Contains(err.Error(), "ingress.controller") {
		t.Errorf("a cluster that asks for another controller: %v", err)
	}
}

// The controller's static configuration: the Ingress provider on its class, the Service's address
// published into the Ingresses' status, and nothing that calls out of the lab.
func TestArgsStayInsideTheLab(t *testing.T) {
	args := strings.Join(Args(false), " ")
	for _, want := range []string{"--providers.kubernetesingress=true", "--providers.kubernetesingress.ingressClass=traefik",
		"--providers.kubernetesingress.ingressEndpoint.publishedService=traefik/traefik", "--global.checkNewVersion=false",
		"--global.sendAnonymousUsage=false", "--entryPoints.web.address=:8000", "--ping=true"} {
		if !strings.Contains(args, want) {
			t.Errorf("args lack %s: %s", want, args)
		}
	}
}

func TestAddon(t *testing.T) {
	a := Addon{}
	if !a.Enabled(cluster(true)) || a.Enabled(plan.ClusterPlan{}) {
		t.Error("Enabled: want true for ingress.controller traefik only")
	}
	c := cluster(true)
	c.Ingress.Controller = "ingress-nginx"
	if a.Enabled(c) {
		t.Error("Enabled for ingress-nginx")
	}
	if got := a.Status(cluster(true)); !strings.Contains(got, "Traefik v3.6.12") {
		t.Errorf("status %q", got)
	}
}

// With the Gateway API: the CRDs given, then the GatewayClass for Traefik's gateway controller and
// a Gateway whose HTTP listener is the web entry point's port, open to routes of every namespace;
// the provider on, with the Service as the Gateway's status address, and RBAC for it. Without
// CRDs it is an error, not a Gateway the API server cannot take.
func TestGatewayAPI(t *testing.T) {
	c := cluster(true)
	c.Ingress.GatewayAPI = true
	if _, err := Objects(c, nil); err == nil {
		t.Fatal("no CRDs, no error")
	}
	crd := &unstructured.Unstructured{}
	crd.SetAPIVersion("apiextensions.k8s.io/v1")
	crd.SetKind("CustomResourceDefinition")
	crd.SetName("gateways.gateway.networking.k8s.io")
	objs, err := Objects(c, []*unstructured.Unstructured{crd})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
	}
	if i, j := slices.Index(kinds, "CustomResourceDefinition"), slices.Index(kinds, "GatewayClass"); i < 0 || j < i || kinds[len(kinds)-1] != "Gateway" {
		t.Fatalf("order %v", kinds)
	}
	gc := find(t, objs, "GatewayClass", GatewayClass)
	if v, _, _ := unstructured.NestedString(gc.Object, "spec", "controllerName"); v != GatewayControllerName {
		t.Errorf("GatewayClass controller %q", v)
	}
	gw := find(t, objs, "Gateway", GatewayName)
	ls, _, _ := unstructured.NestedSlice(gw.Object, "spec", "listeners")
	if len(ls) != 1 {
		t.Fatalf("listeners %v", ls)
	}
	l := ls[0].(map[string]any)
	if l["port"] != int64(PortWeb) || l["protocol"] != "HTTP" || gw.GetNamespace() != Namespace {
		t.Errorf("listener %v in %s", l, gw.GetNamespace())
	}
	if from, _, _ := unstructured.NestedString(l, "allowedRoutes", "namespaces", "from"); from != "All" {
		t.Errorf("allowedRoutes from %q", from)
	}
	dep := find(t, objs, "Deployment", Name)
	cs, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	args, _, _ := unstructured.NestedStringSlice(cs[0].(map[string]any), "args")
	if !slices.Contains(args, "--providers.kubernetesgateway=true") || !slices.Contains(args, "--providers.kubernetesgateway.statusaddress.service.name=traefik") {
		t.Errorf("args %v", args)
	}
	role := find(t, objs, "ClusterRole", "netlab-traefik")
	rules, _, _ := unstructured.NestedSlice(role.Object, "rules")
	var sawRoutes bool
	for _, r := range rules {
		res, _, _ := unstructured.NestedStringSlice(r.(map[string]any), "resources")
		sawRoutes = sawRoutes || slices.Contains(res, "httproutes/status")
	}
	if !sawRoutes {
		t.Error("no RBAC for httproutes/status")
	}
	// Without the Gateway API none of it.
	objs, _ = Objects(cluster(true), nil)
	for _, o := range objs {
		if o.GetKind() == "Gateway" || o.GetKind() == "GatewayClass" {
			t.Fatalf("%s without gatewayAPI", o.GetKind())
		}
	}
}

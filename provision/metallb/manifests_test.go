package metallb

import (
	"bytes"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/plan"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

const testKey = "golden-memberlist-key"

func buildPlan(t *testing.T, name string) *plan.Plan { return testplan.Builtin(t, name) }

func cluster(t *testing.T, p *plan.Plan, name string) plan.ClusterPlan {
	t.Helper()
	c, ok := p.Cluster(name)
	if !ok {
		t.Fatalf("plan has no cluster %s", name)
	}
	if c.MetalLB == nil {
		t.Fatalf("cluster %s has no MetalLB in the plan", name)
	}
	return *c
}

func render(t *testing.T, objs []*unstructured.Unstructured) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes()
}

// TestGoldenTGWTwoVPC pins the rendered install and pools for both clusters of tgw-two-vpc.
func TestGoldenTGWTwoVPC(t *testing.T) {
	p := buildPlan(t, "tgw-two-vpc")
	a, b := cluster(t, p, "a"), cluster(t, p, "b")
	instA, err := Objects(a, testKey)
	if err != nil {
		t.Fatal(err)
	}
	instB, err := Objects(b, testKey)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/tgw-two-vpc/install.yaml", render(t, instA))
	// Both clusters have workers, so their installs are the same objects.
	if !bytes.Equal(render(t, instA), render(t, instB)) {
		t.Error("clusters a and b of tgw-two-vpc render different installs")
	}
	for _, c := range []plan.ClusterPlan{a, b} {
		pool, err := PoolObjects(c)
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "testdata/tgw-two-vpc/pool-"+c.Name+".yaml", render(t, pool))
		addrs, _, _ := unstructured.NestedStringSlice(pool[0].Object, "spec", "addresses")
		if !slices.Equal(addrs, c.MetalLB.Addresses) {
			t.Errorf("cluster %s: pool addresses %v, plan %v", c.Name, addrs, c.MetalLB.Addresses)
		}
	}
	// The scenario writes a's pool explicitly and carves b's.
	if got := a.MetalLB.Addresses; !slices.Equal(got, []string{"10.0.1.200-10.0.1.220"}) {
		t.Errorf("cluster a pool %v", got)
	}
}

// TestDeterministic renders twice and expects the same bytes; only the secret key varies.
func TestDeterministic(t *testing.T) {
	c := cluster(t, buildPlan(t, "tgw-two-vpc"), "a")
	x, _ := Objects(c, testKey)
	y, _ := Objects(c, testKey)
	if !bytes.Equal(render(t, x), render(t, y)) {
		t.Fatal("two renders of the same cluster differ")
	}
	z, _ := Objects(c, "another-key")
	dx, dz := render(t, x), render(t, z)
	if bytes.Equal(dx, dz) {
		t.Fatal("the secret key does not reach the output")
	}
	b64 := base64.StdEncoding.EncodeToString
	if !bytes.Equal(dx, bytes.ReplaceAll(dz, []byte(b64([]byte("another-key"))), []byte(b64([]byte(testKey))))) {
		t.Error("a different key changes more than the secret")
	}
}

func TestObjectsRefuseBadInput(t *testing.T) {
	c := cluster(t, buildPlan(t, "tgw-two-vpc"), "a")
	if _, err := Objects(c, ""); err == nil {
		t.Error("empty secret key accepted")
	}
	c.MetalLB = nil
	if _, err := Objects(c, testKey); err == nil || !strings.Contains(err.Error(), "cluster a has no metallb") {
		t.Errorf("cluster without MetalLB: %v", err)
	}
	if _, err := PoolObjects(c); err == nil {
		t.Error("PoolObjects without MetalLB succeeded")
	}
	c.MetalLB = &plan.MetalLBPlan{}
	if _, err := PoolObjects(c); err == nil || !strings.Contains(err.Error(), "no addresses") {
		t.Errorf("empty pool: %v", err)
	}
}

func TestNewSecretKey(t *testing.T) {
	a, err := NewSecretKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecretKey()
	if len(a) != 22 || a == b {
		t.Errorf("keys %q %q: want 22 characters (128 bits, unpadded base64), different each time", a, b)
	}
}

func typed[T any](t *testing.T, objs []*unstructured.Unstructured, kind, name string) *T {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			out := new(T)
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, out); err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return nil
}

// TestApplyOrder: CRDs, then the namespace, then everything namespaced in metallb-system, RBAC
// before the workloads that use it.
func TestApplyOrder(t *testing.T) {
	objs, err := Objects(cluster(t, buildPlan(t, "tgw-two-vpc"), "a"), testKey)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, o := range objs {
		if len(order) == 0 || order[len(order)-1] != o.GetKind() {
			order = append(order, o.GetKind())
		}
		if o.GetLabels()["app.kubernetes.io/managed-by"] != "netlab" {
			t.Errorf("%s %s lacks the managed-by label", o.GetKind(), o.GetName())
		}
		switch o.GetKind() {
		case "CustomResourceDefinition", "Namespace", "ClusterRole", "ClusterRoleBinding":
			if o.GetNamespace() != "" {
				t.Errorf("cluster-scoped %s %s has namespace %s", o.GetKind(), o.GetName(), o.GetNamespace())
			}
		default:
			if o.GetNamespace() != Namespace {
				t.Errorf("%s %s in namespace %q", o.GetKind(), o.GetName(), o.GetNamespace())
			}
		}
		if _, ok := o.Object["status"]; ok {
			t.Errorf("%s %s carries a status", o.GetKind(), o.GetName())
		}
	}
	want := []string{"CustomResourceDefinition", "Namespace", "Secret", "ServiceAccount",
		"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
		"Deployment", "DaemonSet"}
	if !slices.Equal(order, want) {
		t.Errorf("apply order %v\nwant %v", order, want)
	}
	ns := typed[corev1.Namespace](t, objs, "Namespace", Namespace)
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
		t.Errorf("namespace labels %v: the speaker needs the privileged level", ns.Labels)
	}
}

func TestController(t *testing.T) {
	objs, _ := Objects(cluster(t, buildPlan(t, "tgw-two-vpc"), "a"), testKey)
	d := typed[appsv1.Deployment](t, objs, "Deployment", ControllerName)
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("containers %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != "quay.io/metallb/controller:v0.16.1" || c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("image %s pull %s", c.Image, c.ImagePullPolicy)
	}
	if !slices.Contains(c.Args, "--webhook-mode=disabled") {
		t.Errorf("args %v: the controller must run without webhooks", c.Args)
	}
	env := envOf(c)
	// k8s.New gets the controller's own Pod by METALLB_POD_NAME; without it start-up fails.
	if env["METALLB_POD_NAME"] != "fieldRef:metadata.name" || env["METALLB_NAMESPACE"] != "fieldRef:metadata.namespace" {
		t.Errorf("env %v", env)
	}
	if _, ok := env["METALLB_ML_SECRET_NAME"]; ok {
		t.Error("the controller must not create the memberlist secret: netlab writes it")
	}
	if pod.ServiceAccountName != ControllerName || pod.HostNetwork {
		t.Errorf("service account %s, hostNetwork %v", pod.ServiceAccountName, pod.HostNetwork)
	}
	if !selects(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("selector %v does not select template labels %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	}
	if p := c.ReadinessProbe; p == nil || p.HTTPGet.Path != "/readyz" || p.HTTPGet.Port.IntValue() != HealthPort {
		t.Errorf("readiness probe %+v", p)
	}
}

func TestSpeaker(t *testing.T) {
	objs, _ := Objects(cluster(t, buildPlan(t, "tgw-two-vpc"), "a"), testKey)
	ds := typed[appsv1.DaemonSet](t, objs, "DaemonSet", SpeakerName)
	pod := ds.Spec.Template.Spec
	c := pod.Containers[0]
	if c.Image != "quay.io/metallb/speaker:v0.16.1" || c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("image %s pull %s", c.Image, c.ImagePullPolicy)
	}
	if !pod.HostNetwork {
		t.Error("the speaker must use the host network to answer ARP on the VPC network")
	}
	if c.SecurityContext == nil || !slices.Contains(c.SecurityContext.Capabilities.Add, "NET_RAW") {
		t.Errorf("security context %+v: NET_RAW is needed for ARP", c.SecurityContext)
	}
	env := envOf(c)
	for k, v := range map[string]string{
		"METALLB_NODE_NAME":          "fieldRef:spec.nodeName",
		"METALLB_POD_NAME":           "fieldRef:metadata.name",
		"METALLB_HOST":               "fieldRef:status.hostIP",
		"METALLB_ML_BIND_ADDR":       "fieldRef:status.podIP",
		"METALLB_ML_BIND_PORT":       "7946",
		"METALLB_ML_SECRET_KEY_PATH": memberlistMount,
	} {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	// Memberlist finds its peers by listing Pods with METALLB_ML_LABELS: they must be the
	// speaker Pods' labels.
	ml := map[string]string{}
	for _, kv := range strings.Split(env["METALLB_ML_LABELS"], ",") {
		k, v, _ := strings.Cut(kv, "=")
		ml[k] = v
	}
	if !selects(ml, ds.Spec.Template.Labels) || !selects(ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels) {
		t.Errorf("ML labels %v / selector %v vs template labels %v", ml, ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels)
	}
	if selects(ml, typed[appsv1.Deployment](t, objs, "Deployment", ControllerName).Spec.Template.Labels) {
		t.Error("ML labels also select the controller")
	}
	// The secret is mounted where METALLB_ML_SECRET_KEY_PATH points and holds the key under the
	// name the speaker reads (<path>/secretkey).
	var mounted string
	for _, m := range c.VolumeMounts {
		if m.MountPath == memberlistMount {
			mounted = m.Name
		}
	}
	var secretName string
	for _, v := range pod.Volumes {
		if v.Name == mounted && v.Secret != nil {
			secretName = v.Secret.SecretName
		}
	}
	sec := typed[corev1.Secret](t, objs, "Secret", secretName)
	if string(sec.Data["secretkey"]) != testKey {
		t.Errorf("secret %s data %v", secretName, sec.Data)
	}
	var tolerated bool
	for _, tol := range pod.Tolerations {
		tolerated = tolerated || tol.Key == "node-role.kubernetes.io/control-plane"
	}
	if !tolerated {
		t.Error("speaker does not run on control-plane nodes")
	}
	if slices.Contains(c.Args, "--ignore-exclude-lb") {
		t.Error("a cluster with workers keeps kind's exclude-from-external-load-balancers label honoured")
	}
	if p := c.ReadinessProbe; p == nil || p.HTTPGet.Host != "127.0.0.1" || p.HTTPGet.Port.IntValue() != HealthPort {
		t.Errorf("readiness probe %+v: the speaker serves health on 127.0.0.1 only", p)
	}
}

// TestSingleNodeClusterAnnounces: with no workers, the only node is kind's control plane, which
// kind labels exclude-from-external-load-balancers; the speaker must ignore that label.
func TestSingleNodeClusterAnnounces(t *testing.T) {
	c := cluster(t, buildPlan(t, "tgw-two-vpc"), "a")
	c.Nodes = c.Nodes[:1]
	if c.Nodes[0].Role != "control-plane" {
		t.Fatalf("first node %+v", c.Nodes[0])
	}
	objs, _ := Objects(c, testKey)
	ds := typed[appsv1.DaemonSet](t, objs, "DaemonSet", SpeakerName)
	if !slices.Contains(ds.Spec.Template.Spec.Containers[0].Args, "--ignore-exclude-lb") {
		t.Errorf("args %v", ds.Spec.Template.Spec.Containers[0].Args)
	}
}

func envOf(c corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			m[e.Name] = "fieldRef:" + e.ValueFrom.FieldRef.FieldPath
			continue
		}
		m[e.Name] = e.Value
	}
	return m
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

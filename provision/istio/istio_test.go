package istio

import (
	"encoding/json"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/images"
)

func TestRemoteSecretReachesTheVPCAddress(t *testing.T) {
	tgt := Target{Cluster: "west", Address: netip.MustParseAddr("10.1.1.2"), CA: []byte("CA PEM"), Token: []byte("tok")}
	s, err := RemoteSecret(tgt)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "istio-remote-secret-west" || s.Namespace != "istio-system" {
		t.Errorf("secret %s/%s", s.Namespace, s.Name)
	}
	if s.Labels["istio/multiCluster"] != "true" || s.Annotations["networking.istio.io/cluster"] != "west" {
		t.Errorf("labels %v, annotations %v: istiod would not pick the secret up, or would name the cluster wrongly", s.Labels, s.Annotations)
	}
	if len(s.Data) != 1 {
		t.Fatalf("data keys %d, want one kubeconfig under the cluster's name", len(s.Data))
	}
	cfg, err := clientcmd.Load(s.Data["west"])
	if err != nil {
		t.Fatal(err)
	}
	cl := cfg.Clusters[cfg.Contexts[cfg.CurrentContext].Cluster]
	if cl == nil || cl.Server != "https://10.1.1.2:6443" || string(cl.CertificateAuthorityData) != "CA PEM" {
		t.Fatalf("cluster entry %+v", cl)
	}
	if au := cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]; au == nil || au.Token != "tok" {
		t.Errorf("user entry %+v", au)
	}
}

// istio#31081: a kubeconfig pointing at a loopback address makes istiod read its own cluster.
func TestRemoteSecretRefusesUnreachableAddresses(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "::1", "0.0.0.0", ""} {
		var addr netip.Addr
		if a != "" {
			addr = netip.MustParseAddr(a)
		}
		_, err := RemoteSecret(Target{Cluster: "west", Address: addr, CA: []byte("x"), Token: []byte("y")})
		if err == nil || !strings.Contains(err.Error(), "VPC address") {
			t.Errorf("address %q: %v", a, err)
		}
	}
	if _, err := RemoteSecret(Target{Cluster: "west", Address: netip.MustParseAddr("10.1.1.2"), Token: []byte("y")}); err == nil {
		t.Error("a remote secret without the cluster's CA was made")
	}
	if _, err := RemoteSecret(Target{Address: netip.MustParseAddr("10.1.1.2"), CA: []byte("x"), Token: []byte("y")}); err == nil {
		t.Error("a remote secret without a cluster name was made")
	}
}

func TestReaderToken(t *testing.T) {
	s := ReaderToken()
	if s.Type != corev1.SecretTypeServiceAccountToken || s.Annotations[corev1.ServiceAccountNameKey] != ReaderAccount || s.Namespace != Namespace {
		t.Fatalf("%+v", s)
	}
	if _, _, ok := TokenData(s); ok {
		t.Error("an unfilled token secret reads as filled")
	}
	s.Data = map[string][]byte{corev1.ServiceAccountTokenKey: []byte("t"), corev1.ServiceAccountRootCAKey: []byte("c")}
	if tok, ca, ok := TokenData(s); !ok || string(tok) != "t" || string(ca) != "c" {
		t.Errorf("TokenData %q %q %v", tok, ca, ok)
	}
}

// The values per cluster, for both built-in meshes, as golden files.
func TestValuesGolden(t *testing.T) {
	for _, sc := range []string{"istio-multi-primary", "istio-multi-network"} {
		p := testplan.Builtin(t, sc)
		out := map[string]ClusterValues{}
		for _, m := range p.Istio.Clusters {
			out[m.Cluster] = ValuesFor(p.Istio, m, LocalImages)
		}
		data, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", sc+".values.json"), append(data, '\n'))
	}
}

// object finds a rendered object by kind and name.
func object(t *testing.T, manifest, kind, name string, into interface{}) {
	t.Helper()
	for _, doc := range strings.Split(manifest, "\n---") {
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if yaml.Unmarshal([]byte(doc), &head) == nil && head.Kind == kind && head.Metadata.Name == name {
			if err := yaml.Unmarshal([]byte(doc), into); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("the rendered chart has no %s %s", kind, name)
}

func render(t *testing.T, c Chart, release string, v interface{}) (string, helm.Values) {
	t.Helper()
	ch, err := c.Load()
	if err != nil {
		t.Fatal(err)
	}
	if ch.Metadata.Version != images.IstioChartVersion {
		t.Errorf("chart %s version %s, want %s", c.Name, ch.Metadata.Version, images.IstioChartVersion)
	}
	vals, err := helm.ValuesOf(v)
	if err != nil {
		t.Fatal(err)
	}
	// The charts keep their defaults under _internal_defaults_do_not_set and take the user's
	// values at the top level: every key netlab sets must be one of those defaults.
	defaults, _ := ch.Values["_internal_defaults_do_not_set"].(map[string]interface{})
	for _, k := range helm.UnknownKeys(vals, defaults) {
		// meshConfig is Istio's MeshConfig and labels are the gateway's own: free-form maps.
		if !strings.HasPrefix(k, "meshConfig.") && !strings.HasPrefix(k, "labels.") {
			t.Errorf("chart %s: %s is not a key of its values.yaml", c.Name, k)
		}
	}
	manifest, err := helm.Render(ch, release, Namespace, vals, images.KubernetesVersion)
	if err != nil {
		t.Fatalf("chart %s refuses netlab's values: %v", c.Name, err)
	}
	return manifest, vals
}

func env(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// Istio's own charts, as the pinned module embeds them, take each cluster's values and render
// istiod from netlab's image, named for its cluster, mesh and network, with the proxyless
// injection template on the agent image.
func TestChartsRenderEachCluster(t *testing.T) {
	p := testplan.Builtin(t, "istio-multi-primary")
	for _, m := range p.Istio.Clusters {
		v := ValuesFor(p.Istio, m, LocalImages)
		if v.EastWest != nil {
			t.Errorf("%s: an east-west gateway on a single network", m.Cluster)
		}
		base, _ := render(t, BaseChart, BaseRelease, v.Base)
		var sa corev1.ServiceAccount
		object(t, base, "ServiceAccount", ReaderAccount, &sa)

		manifest, _ := render(t, IstiodChart, IstiodRelease, v.Istiod)
		var d appsv1.Deployment
		object(t, manifest, "Deployment", "istiod", &d)
		c := d.Spec.Template.Spec.Containers[0]
		if c.Image != images.IstioPilot {
			t.Errorf("%s: istiod image %s, want %s", m.Cluster, c.Image, images.IstioPilot)
		}
		if c.ImagePullPolicy != corev1.PullIfNotPresent {
			t.Errorf("%s: istiod pull policy %q: a side-loaded image would be pulled", m.Cluster, c.ImagePullPolicy)
		}
		for name, want := range map[string]string{"CLUSTER_ID": m.Cluster} {
			if got, ok := env(c, name); !ok || got != want {
				t.Errorf("%s: istiod env %s = %q, want %q", m.Cluster, name, got, want)
			}
		}
		var mesh corev1.ConfigMap
		object(t, manifest, "ConfigMap", "istio", &mesh)
		for _, want := range []string{"trustDomain: cluster.local"} {
			if !strings.Contains(mesh.Data["mesh"], want) {
				t.Errorf("%s: mesh config lacks %q:\n%s", m.Cluster, want, mesh.Data["mesh"])
			}
		}
		var inj corev1.ConfigMap
		object(t, manifest, "ConfigMap", "istio-sidecar-injector", &inj)
		for _, want := range []string{`"meshID": "` + p.Istio.MeshID + `"`, `"network": "` + m.Network + `"`,
			`"clusterName": "` + m.Cluster + `"`, `"image": "proxyv2"`, `"hub": "` + images.IstioHub + `"`, `"tag": "` + images.IstioTag + `"`} {
			if !strings.Contains(inj.Data["values"], want) {
				t.Errorf("%s: the injector's values lack %s", m.Cluster, want)
			}
		}
		if !strings.Contains(inj.Data["config"], "grpc-agent:") {
			t.Errorf("%s: the injector has no grpc-agent template (proxyless workloads)", m.Cluster)
		}
	}
}

// On several networks each cluster gets an east-west gateway, exposed as the plan says, with the
// ports of Istio's network gateway (15443 carries mTLS by SNI).
func TestGatewayRendersOnSeveralNetworks(t *testing.T) {
	p := testplan.Builtin(t, "istio-multi-network")
	if !p.Istio.MultiNetwork {
		t.Fatal("istio-multi-network plans one network")
	}
	for _, m := range p.Istio.Clusters {
		v := ValuesFor(p.Istio, m, UpstreamImages)
		if v.EastWest == nil {
			t.Fatalf("%s: no east-west gateway", m.Cluster)
		}
		manifest, _ := render(t, GatewayChart, EastWestRelease, *v.EastWest)
		var svc corev1.Service
		object(t, manifest, "Service", EastWestRelease, &svc)
		if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			t.Errorf("%s: service type %s", m.Cluster, svc.Spec.Type)
		}
		if svc.Labels[networkLabel] != m.Network {
			t.Errorf("%s: service labels %v lack the network", m.Cluster, svc.Labels)
		}
		ports := map[int32]bool{}
		for _, pt := range svc.Spec.Ports {
			ports[pt.Port] = true
		}
		for _, want := range []int32{15021, 15443, 15012, 15017} {
			if !ports[want] {
				t.Errorf("%s: the gateway service lacks port %d", m.Cluster, want)
			}
		}
		var d appsv1.Deployment
		object(t, manifest, "Deployment", EastWestRelease, &d)
		if got, _ := env(d.Spec.Template.Spec.Containers[0], "ISTIO_META_REQUESTED_NETWORK_VIEW"); got != m.Network {
			t.Errorf("%s: the gateway's requested network view is %q", m.Cluster, got)
		}
		if istiod := ValuesFor(p.Istio, m, UpstreamImages).Istiod.Global; istiod.Hub != "docker.io/istio" || istiod.Tag != images.IstioUpstreamTag {
			t.Errorf("%s: upstream images %s:%s", m.Cluster, istiod.Hub, istiod.Tag)
		}
	}
}

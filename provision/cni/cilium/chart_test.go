package cilium

import (
	"context"
	"os"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"sigs.k8s.io/yaml"

	"github.com/netlab-dev/netlab/provision/helm"
)

// upstreamChart is the pinned chart, from $NETLAB_CHARTS or netlab's chart cache; with
// NETLAB_FETCH_CHARTS=1 it is fetched from helm.cilium.io (and cached). Without it the test is
// skipped, saying so: tests reach no network by default.
func upstreamChart(t *testing.T) *chart.Chart {
	t.Helper()
	src := helm.Source{Dir: os.Getenv("NETLAB_CHARTS"), Cache: helm.DefaultCache(), Offline: os.Getenv("NETLAB_FETCH_CHARTS") != "1"}
	archive, err := src.Archive(context.Background(), Chart())
	if err != nil {
		t.Skipf("upstream's Cilium chart is not on this host, so its own schema and templates are not tried (set NETLAB_CHARTS=DIR, or NETLAB_FETCH_CHARTS=1 on a host with access): %v", err)
	}
	ch, err := helm.Load(archive, Chart())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// render runs the chart's templates on the values, client-side, as 'helm template' does: the
// chart's schema and its validate.yaml both apply.
func render(t *testing.T, ch *chart.Chart, vals helm.Values) string {
	t.Helper()
	manifest, err := helm.Render(ch, Release, Namespace, vals, "v1.33.13")
	if err != nil {
		t.Fatalf("the chart refuses netlab's values: %v", err)
	}
	return manifest
}

// configData is the data of the rendered ConfigMap name.
func configData(t *testing.T, manifest, name string) map[string]string {
	t.Helper()
	for _, doc := range strings.Split(manifest, "\n---") {
		var obj struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Data map[string]string `json:"data"`
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err == nil && obj.Kind == "ConfigMap" && obj.Metadata.Name == name {
			return obj.Data
		}
	}
	t.Fatalf("the rendered chart has no ConfigMap %s", name)
	return nil
}

// Upstream's chart, at the pinned version, accepts every variant's values and turns them into the
// agent configuration netlab means; every key netlab sets is a key of the chart's values.yaml.
func TestUpstreamChartTakesTheValues(t *testing.T) {
	ch := upstreamChart(t)
	for name, v := range variants(t) {
		vals := rendered(t, v.c, v.mirror)
		for _, k := range helm.UnknownKeys(vals, ch.Values) {
			if k != "ipMasqAgent.config" { // read by the templates, commented out in values.yaml
				t.Errorf("%s: %s is not a key of the chart's values.yaml", name, k)
			}
		}
		manifest := render(t, ch, vals)
		cfg := configData(t, manifest, "cilium-config")
		want := map[string]string{
			"routing-mode":             ValuesFor(v.c, "").RoutingMode,
			"kube-proxy-replacement":   ValuesFor(v.c, "").KubeProxyReplacement,
			"ipv4-native-routing-cidr": v.c.PodCIDR.String(),
			"cluster-pool-ipv4-cidr":   v.c.PodCIDR.String(),
			"enable-ipv4-masquerade":   "true",
		}
		if v.c.CNI.Mode == "vxlan" {
			want["tunnel-protocol"] = "vxlan"
		}
		if v.c.KubeProxyMode == "none" {
			want["enable-bpf-masquerade"] = "true"
		}
		for k, w := range want {
			if got := cfg[k]; got != w {
				t.Errorf("%s: cilium-config %s = %q, want %q", name, k, got, w)
			}
		}
		for _, ref := range (CNI{Mirror: v.mirror}).Images(v.c) {
			if !strings.Contains(manifest, "image: \""+ref+"\"") && !strings.Contains(manifest, "image: "+ref+"\n") {
				t.Errorf("%s: the rendered chart runs no image %s", name, ref)
			}
		}
		if v.c.CNI.CrossClusterSource == "preserve" {
			masq := configData(t, manifest, "ip-masq-agent")
			exempt := []string{v.c.PodCIDR.String()}
			for _, p := range v.c.CNI.NonMasqueradeCIDRs {
				exempt = append(exempt, p.String())
			}
			for _, p := range exempt {
				if !strings.Contains(masq["config"], p) {
					t.Errorf("%s: the ip-masq-agent configuration does not exempt %s: %q", name, p, masq["config"])
				}
			}
		}
	}
}

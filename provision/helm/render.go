package helm

import (
	"fmt"
	"sort"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// Render runs a chart's templates on values, client-side, as 'helm template' does (the chart's
// schema and its own checks apply), for a cluster of kubeVersion ("v1.33.13"). It returns the
// manifest: the objects as YAML documents.
func Render(ch *chart.Chart, release, namespace string, vals Values, kubeVersion string) (string, error) {
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		return "", fmt.Errorf("kube version %q: %w", kubeVersion, err)
	}
	cfg := &action.Configuration{Releases: storage.Init(driver.NewMemory()), KubeClient: &kubefake.PrintingKubeClient{},
		Capabilities: chartutil.DefaultCapabilities, Log: func(string, ...interface{}) {}}
	in := action.NewInstall(cfg)
	in.DryRun, in.ClientOnly, in.Replace = true, true, true
	in.ReleaseName, in.Namespace = release, namespace
	in.KubeVersion = kv
	rel, err := in.Run(ch, vals)
	if err != nil {
		return "", err
	}
	return rel.Manifest, nil
}

// UnknownKeys lists the paths of vals, below maps, that defaults (a chart's values.yaml) lacks:
// a key the chart would silently ignore. A map empty in defaults ("labels: {}") is free-form:
// any key below it is the chart's.
func UnknownKeys(vals, defaults Values) []string {
	out := unknownKeys(vals, defaults, "")
	sort.Strings(out)
	return out
}

func unknownKeys(vals, defaults Values, prefix string) []string {
	var out []string
	for k, v := range vals {
		d, ok := defaults[k]
		if !ok {
			out = append(out, prefix+k)
			continue
		}
		vm, vIsMap := v.(map[string]interface{})
		dm, dIsMap := d.(map[string]interface{})
		if vIsMap && dIsMap && len(dm) > 0 {
			out = append(out, unknownKeys(vm, dm, prefix+k+".")...)
		}
	}
	return out
}

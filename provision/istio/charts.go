package istio

import (
	"fmt"
	"io/fs"
	"path"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"istio.io/istio/manifests"

	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/images"
)

// Chart is one of Istio's charts as istio.io/istio/manifests embeds it.
type Chart struct {
	Name string // the chart's own name
	Dir  string // its directory under manifests.FS
}

// Istio's charts that netlab installs, at the module version go.mod pins.
var (
	BaseChart    = Chart{Name: "base", Dir: "charts/base"}
	IstiodChart  = Chart{Name: "istiod", Dir: "charts/istio-control/istio-discovery"}
	GatewayChart = Chart{Name: "gateway", Dir: "charts/gateway"}
)

// Load reads the chart from the embedded files. The embedded charts carry a placeholder version
// (Istio's release tooling writes the real one); Load writes images.IstioChartVersion instead,
// so that a new module version upgrades the releases.
func (c Chart) Load() (*chart.Chart, error) {
	var files []*loader.BufferedFile
	err := fs.WalkDir(manifests.FS, c.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(manifests.FS, p)
		if err != nil {
			return err
		}
		rel := p[len(c.Dir)+1:]
		files = append(files, &loader.BufferedFile{Name: path.Clean(rel), Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("istio chart %s: %w", c.Name, err)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("istio chart %s: %w", c.Name, err)
	}
	if ch.Metadata == nil || ch.Metadata.Name != c.Name {
		return nil, fmt.Errorf("istio chart at %s is not %s", c.Dir, c.Name)
	}
	ch.Metadata.Version, ch.Metadata.AppVersion = images.IstioChartVersion, images.IstioChartVersion
	return ch, nil
}

// Pin is how a release names the chart in messages and in its history.
func (c Chart) Pin() helm.Chart {
	return helm.Chart{Name: c.Name, Version: images.IstioChartVersion, URL: "go module istio.io/istio@" + images.IstioModuleVersion}
}

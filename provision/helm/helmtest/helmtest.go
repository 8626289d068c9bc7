// Package helmtest holds netlab's own test chart, netlab-fixture (a ConfigMap and a Deployment of
// one image, with a values schema), for the tests of the Helm path: unit tests with Helm's
// in-memory storage, and the live test in a kind cluster.
package helmtest

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/netlab-dev/netlab/provision/helm"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
)

// Values are the test chart's values (its values.schema.json allows these keys only, replicas 0 to 3).
type Values struct {
	Image    string `json:"image"`
	Message  string `json:"message"`
	Replicas int    `json:"replicas"`
}

//go:embed fixture
var fixture embed.FS

// Fixture packages the test chart and returns it pinned by its digest, with its archive.
func Fixture(t testing.TB) (helm.Chart, []byte) {
	t.Helper()
	var files []*loader.BufferedFile
	err := fs.WalkDir(fixture, "fixture", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fixture.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("fixture", p)
		files = append(files, &loader.BufferedFile{Name: filepath.ToSlash(rel), Data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path, err := chartutil.Save(ch, dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := helm.Chart{Name: ch.Metadata.Name, Version: ch.Metadata.Version, URL: "https://charts.invalid/" + filepath.Base(path), Digest: helm.Digest(data)}
	return c, data
}

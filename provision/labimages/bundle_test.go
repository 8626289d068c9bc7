package labimages

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/version"
)

// tarOf writes entries (name, content) as one tar archive.
func tarOf(t *testing.T, entries ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: e[0], Mode: 0o644, Size: int64(len(e[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dockerArchive stands for what the engine's save writes: layers, a config, its manifest.json.
func dockerArchive(t *testing.T) []byte {
	return tarOf(t,
		[2]string{"0123/layer.tar", strings.Repeat("layer bytes ", 200)},
		[2]string{"abcd.json", `{"config":{}}`},
		[2]string{"manifest.json", `[{"Config":"abcd.json","RepoTags":["a:1"],"Layers":["0123/layer.tar"]}]`},
	)
}

func validManifest() Manifest {
	return Manifest{Format: Format, Netlab: "v1.2.3", Scenario: "flannel-basic", Lab: "flannel-basic",
		Images: []Saved{{Ref: "a:1", Role: CNI, Component: "flannel", ImageInfo: docker.ImageInfo{ID: "sha256:aa", Size: 10}}}}
}

func manifestJSON(t *testing.T, m Manifest) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ParseManifest takes a manifest this netlab wrote and refuses, saying what is wrong, one of
// another format, an empty one, an image without its ID, unknown fields and what is not JSON.
func TestParseManifest(t *testing.T) {
	good := manifestJSON(t, validManifest())
	m, err := ParseManifest([]byte(good))
	if err != nil || m.Scenario != "flannel-basic" || m.Images[0].ID != "sha256:aa" || m.Images[0].Role != CNI {
		t.Fatalf("valid manifest: %+v, %v", m, err)
	}
	other := validManifest()
	other.Format = "netlab-bundle/v9"
	empty := validManifest()
	empty.Images = nil
	noID := validManifest()
	noID.Images[0].ID = ""
	for name, c := range map[string]struct{ data, want string }{
		"format":  {manifestJSON(t, other), `format "netlab-bundle/v9", this netlab reads "netlab-bundle/v1"`},
		"empty":   {manifestJSON(t, empty), "lists no images"},
		"no id":   {manifestJSON(t, noID), "images[0]: needs both ref and id"},
		"unknown": {strings.Replace(good, `"lab"`, `"labs"`, 1), `unknown field "labs"`},
		"garbage": {"PK\x03\x04", "netlab-bundle.json is not valid"},
	} {
		if _, err := ParseManifest([]byte(c.data)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an error with %q, got %v", name, c.want, err)
		}
	}
}

// Save writes the manifest first, then the engine's archive unchanged, as one tar that check reads
// back whole; netlab's own image stays out, and the manifest names scenario, lab, version and IDs.
func TestSaveWritesManifestThenTheEnginesArchive(t *testing.T) {
	l := List{
		{Ref: "node:1", Role: Node, Component: "kind", Clusters: []string{"c1"}},
		{Ref: "a:1", Role: CNI, Component: "flannel", Clusters: []string{"c1"}},
		{Ref: testSelf, Role: Self, Component: "netlab", Clusters: []string{"c1"}},
	}
	archive := dockerArchive(t)
	f := &fakeEngine{host: map[string]docker.ImageInfo{"node:1": info("nn"), "a:1": {ID: "sha256:aa", RepoDigests: []string{"a@sha256:dd"}, Size: 2400}}, archive: string(archive)}
	var out, progress bytes.Buffer
	m, err := Save(context.Background(), f, "flannel-basic", "lab1", l, true, &out, status.New(&progress, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.calls[len(f.calls)-1]; got != "save node:1,a:1" {
		t.Fatalf("engine asked to save %q, want the two registry images", got)
	}
	if m.Format != Format || m.Scenario != "flannel-basic" || m.Lab != "lab1" || m.Netlab != version.Get() || len(m.Images) != 2 || m.Images[1].RepoDigests[0] != "a@sha256:dd" {
		t.Fatalf("manifest %+v", m)
	}
	if !bytes.HasSuffix(out.Bytes(), archive) {
		t.Fatal("the engine's archive must follow the manifest unchanged")
	}
	back, err := check(bytes.NewReader(out.Bytes()))
	if err != nil || back.Lab != "lab1" || back.Images[0].ID != "sha256:nn" {
		t.Fatalf("check of the written bundle: %+v, %v", back, err)
	}
	if !strings.Contains(progress.String(), "writing 2 image(s): ") {
		t.Fatalf("progress in bytes: %q", progress.String())
	}
}

// A bundle written on Docker's classic image store, loaded into the containerd store (Docker 29's
// default), gets other IDs there (manifest digests): its images are present by their layers and
// creation; one whose layers differ is not.
func TestPresentAcrossImageStores(t *testing.T) {
	layers := []string{"sha256:l1", "sha256:l2"}
	m := Manifest{Images: []Saved{
		{Ref: "a:1", ImageInfo: docker.ImageInfo{ID: "sha256:config-a", Layers: layers, Created: "2026-12-03T03:25:22Z"}},
		{Ref: "b:1", ImageInfo: docker.ImageInfo{ID: "sha256:config-b", Layers: layers, Created: "2026-12-03T03:25:22Z"}},
	}}
	f := &fakeEngine{host: map[string]docker.ImageInfo{
		"a:1": {ID: "sha256:manifest-a", Layers: layers, Created: "2026-12-03T03:25:22Z"},
		"b:1": {ID: "sha256:manifest-b", Layers: layers[:1], Created: "2026-12-03T03:25:22Z"},
	}}
	local, err := Present(context.Background(), f, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(local) != 2 || !local[0].Present || local[1].Present {
		t.Fatalf("present %+v: want a:1 (same layers and creation) and not b:1 (a layer fewer)", local)
	}
}

// Load streams a good bundle to the engine byte for byte and reports its images as now present
// when the host's reference names the bundle's image ID.
func TestLoadReportsWhatIsPresent(t *testing.T) {
	m := validManifest()
	m.Images = append(m.Images, Saved{Ref: "b:1", Role: Addon, ImageInfo: docker.ImageInfo{ID: "sha256:bb"}})
	bundle := tarOf(t, [2]string{ManifestName, manifestJSON(t, m)}, [2]string{"manifest.json", "[]"})
	path := filepath.Join(t.TempDir(), "b.tar")
	if err := os.WriteFile(path, bundle, 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakeEngine{host: map[string]docker.ImageInfo{"a:1": {ID: "sha256:aa"}, "b:1": {ID: "sha256:other"}}}
	var progress bytes.Buffer
	got, local, err := Load(context.Background(), f, path, status.New(&progress, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.loaded, bundle) {
		t.Fatalf("the engine read %d bytes, want the file's %d", len(f.loaded), len(bundle))
	}
	if got.Scenario != "flannel-basic" || len(local) != 2 || !local[0].Present || local[1].Present {
		t.Fatalf("manifest %+v, present %+v (b:1 names another image)", got, local)
	}
	if !strings.Contains(progress.String(), "reading the bundle: ") {
		t.Fatalf("progress: %q", progress.String())
	}
}

// A bundle that is missing or damaged is refused naming the file, what is wrong and the way out,
// and the engine registers nothing (its read of the stream fails).
func TestLoadRefusesMissingOrDamagedBundles(t *testing.T) {
	dir := t.TempDir()
	good := tarOf(t, [2]string{ManifestName, manifestJSON(t, validManifest())}, [2]string{"0123/layer.tar", strings.Repeat("x", 5000)}, [2]string{"manifest.json", "[]"})
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, c := range map[string]struct {
		path, want string
		engineRead bool // the engine was handed a stream that then failed
	}{
		"missing":     {filepath.Join(dir, "nope.tar"), "no such file", false},
		"directory":   {dir, "is a directory", false},
		"not a tar":   {write("text.tar", bytes.Repeat([]byte("hello "), 200)), "not a tar archive", true},
		"plain save":  {write("plain.tar", dockerArchive(t)), "not a netlab bundle", true},
		"bad json":    {write("json.tar", tarOf(t, [2]string{ManifestName, "{"}, [2]string{"manifest.json", "[]"})), "netlab-bundle.json is not valid", true},
		"truncated":   {write("cut.tar", good[:len(good)/2]), "cut short or damaged", true},
		"no index":    {write("noindex.tar", tarOf(t, [2]string{ManifestName, manifestJSON(t, validManifest())})), "no manifest.json", true},
		"empty files": {write("empty.tar", nil), "not a tar archive", true},
	} {
		f := &fakeEngine{host: map[string]docker.ImageInfo{}}
		_, _, err := Load(context.Background(), f, c.path, nil)
		var be *BundleError
		if !errors.As(err, &be) || be.Path != c.path {
			t.Errorf("%s: want a *BundleError for %s, got %v", name, c.path, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) || !strings.Contains(msg, "bundle "+c.path+": ") || !strings.Contains(msg, "netlab images save") {
			t.Errorf("%s: message must name the file, %q and the way out:\n%s", name, c.want, msg)
		}
		if c.engineRead && (f.loadErr == nil || f.loaded != nil) {
			t.Errorf("%s: the engine's stream must fail so it registers nothing (read err %v)", name, f.loadErr)
		}
	}
}

package docker

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/netlab-dev/netlab/internal/status"
)

// fakeNodes is an engine with kind node containers, each with its containerd's images, and host
// images. It records saves and imports.
type fakeNodes struct {
	mu    sync.Mutex
	nodes map[string][]string // node → normalized refs its containerd holds
	host  map[string]bool
	// stale marks node images built otherwise than the host's (node → normalized ref); every
	// other image a node holds has the host's ID.
	stale  map[string]map[string]bool
	config string // containerd config dump
	// manifestIDs: the host names images by their manifest's digest, as Docker's containerd image
	// store does, not by their config's.
	manifestIDs bool
	saved       [][]string
	imported    map[string]string // node → "snapshotter|archive"
}

func (f *fakeNodes) KindNodes(_ context.Context, kind string) ([]string, error) {
	var out []string
	for n := range f.nodes {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}
func (f *fakeNodes) ImageID(_ context.Context, ref string) (string, error) {
	if f.host[ref] && f.manifestIDs {
		return "sha256:m-" + normalize(ref), nil
	}
	if f.host[ref] {
		return idOf(normalize(ref)), nil
	}
	return "", nil
}

// idOf is the fake's image ID of a normalized reference.
func idOf(ref string) string { return "sha256:id-" + ref }
func (f *fakeNodes) SaveImages(_ context.Context, refs []string) (io.ReadCloser, error) {
	f.saved = append(f.saved, refs)
	return io.NopCloser(strings.NewReader("archive:" + strings.Join(refs, ","))), nil
}
func (f *fakeNodes) Exec(_ context.Context, node string, cmd []string, stdin io.Reader) (ExecResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	head := strings.Join(cmd, " ")
	switch {
	case strings.HasPrefix(head, "ctr --namespace=k8s.io images ls "):
		out := "REF TYPE DIGEST SIZE PLATFORMS LABELS\n"
		want := strings.TrimPrefix(cmd[len(cmd)-1], "name==")
		if slices.Contains(f.nodes[node], want) {
			out += want + " application/vnd.docker.distribution.manifest.v2+json sha256:m-" + want + " 1.0 MiB linux/amd64 -\n"
		}
		return ExecResult{Stdout: []byte(out)}, nil
	case strings.HasPrefix(head, "ctr --namespace=k8s.io content get sha256:m-"):
		ref := strings.TrimPrefix(cmd[len(cmd)-1], "sha256:m-")
		id := idOf(ref)
		if f.stale[node][ref] {
			id = "sha256:an-older-build"
		}
		return ExecResult{Stdout: []byte(`{"schemaVersion":2,"config":{"digest":"` + id + `"}}`)}, nil
	case slices.Equal(cmd, []string{"containerd", "config", "dump"}):
		return ExecResult{Stdout: []byte(f.config)}, nil
	case strings.HasPrefix(head, "ctr --namespace=k8s.io images import "):
		if got := strings.Join(cmd[4:], " "); !strings.HasPrefix(got, "--all-platforms --digests --snapshotter=") || !strings.HasSuffix(got, " -") {
			return ExecResult{ExitCode: 1, Stderr: []byte("bad flags " + got)}, nil
		}
		b, _ := io.ReadAll(stdin)
		snap := strings.TrimPrefix(cmd[6], "--snapshotter=")
		if f.imported == nil {
			f.imported = map[string]string{}
		}
		f.imported[node] = snap + "|" + string(b)
		return ExecResult{}, nil
	}
	return ExecResult{ExitCode: 127, Stderr: []byte("unknown command")}, nil
}

const configV3 = `version = 3
[plugins]
  [plugins."io.containerd.cri.v1.images"]
    snapshotter = "overlayfs"
`

// Only the images a node lacks are read from the host, once, and imported into the nodes lacking
// them, with the node's snapshotter; a node with everything is left alone.
func TestLoadKindImagesSkipsWhatNodesHave(t *testing.T) {
	f := &fakeNodes{
		nodes: map[string][]string{
			"lab-c1-control-plane": {"docker.io/library/busybox:latest", "netlab.local/netlab:v1"},
			"lab-c1-worker":        {"docker.io/library/busybox:latest"},
		},
		host:   map[string]bool{"busybox": true, "netlab.local/netlab:v1": true},
		config: configV3,
	}
	var out bytes.Buffer
	l := KindImageLoad{KindCluster: "lab-c1", Images: []string{"busybox", "netlab.local/netlab:v1"}, Label: "[c1]"}
	if err := loadKindImages(context.Background(), f, status.New(&out, 1, false), l); err != nil {
		t.Fatal(err)
	}
	if len(f.saved) != 1 || !slices.Equal(f.saved[0], []string{"netlab.local/netlab:v1"}) {
		t.Fatalf("saved %v, want only the image a node lacks, once", f.saved)
	}
	if len(f.imported) != 1 || f.imported["lab-c1-worker"] != "overlayfs|archive:netlab.local/netlab:v1" {
		t.Fatalf("imported %v, want the archive into the worker only, with its snapshotter", f.imported)
	}
	if got := out.String(); got != "   [c1] loading 1 image(s) into lab-c1-worker\n" {
		t.Fatalf("status lines at -v: %q", got)
	}
	f.saved, f.imported = nil, nil
	f.nodes["lab-c1-worker"] = append(f.nodes["lab-c1-worker"], "netlab.local/netlab:v1")
	if err := loadKindImages(context.Background(), f, status.Discard(), l); err != nil || f.saved != nil || f.imported != nil {
		t.Fatalf("every node has every image: nothing to read or import, got saved %v imported %v err %v", f.saved, f.imported, err)
	}
}

// An image a node holds under the same tag but in another build than the host's (rebuilt on the
// host since) is loaded again, into that node only.
func TestLoadKindImagesReloadsAnotherBuild(t *testing.T) {
	f := &fakeNodes{
		nodes: map[string][]string{
			"lab-c1-control-plane": {"registry.k8s.io/e2e-test-images/agnhost:2.53"},
			"lab-c1-worker":        {"registry.k8s.io/e2e-test-images/agnhost:2.53"},
		},
		stale:  map[string]map[string]bool{"lab-c1-worker": {"registry.k8s.io/e2e-test-images/agnhost:2.53": true}},
		host:   map[string]bool{"registry.k8s.io/e2e-test-images/agnhost:2.53": true},
		config: configV3,
	}
	l := KindImageLoad{KindCluster: "lab-c1", Images: []string{"registry.k8s.io/e2e-test-images/agnhost:2.53"}}
	if err := loadKindImages(context.Background(), f, status.Discard(), l); err != nil {
		t.Fatal(err)
	}
	if len(f.imported) != 1 || !strings.HasPrefix(f.imported["lab-c1-worker"], "overlayfs|archive:registry.k8s.io/e2e-test-images/agnhost:2.53") {
		t.Fatalf("imported %v, want the host's build into the worker only", f.imported)
	}
}

// A host on Docker's containerd image store names an image by its manifest's digest, which the
// node imported unchanged: an image the nodes hold is not loaded again (every 'up' would reload
// it), and one rebuilt on the host since is.
func TestLoadKindImagesContainerdStoreHost(t *testing.T) {
	f := &fakeNodes{
		nodes:       map[string][]string{"lab-c1-control-plane": {"netlab.local/netlab:v1"}, "lab-c1-worker": {"netlab.local/netlab:v1"}},
		host:        map[string]bool{"netlab.local/netlab:v1": true},
		manifestIDs: true,
		config:      configV3,
	}
	l := KindImageLoad{KindCluster: "lab-c1", Images: []string{"netlab.local/netlab:v1"}}
	if err := loadKindImages(context.Background(), f, status.Discard(), l); err != nil || f.saved != nil || f.imported != nil {
		t.Fatalf("the nodes hold the host's manifest: nothing to load, got saved %v imported %v err %v", f.saved, f.imported, err)
	}
	f.nodes["lab-c1-worker"] = []string{"netlab.local/netlab:v0"}
	if err := loadKindImages(context.Background(), f, status.Discard(), l); err != nil {
		t.Fatal(err)
	}
	if len(f.imported) != 1 || !strings.HasPrefix(f.imported["lab-c1-worker"], "overlayfs|archive:netlab.local/netlab:v1") {
		t.Fatalf("imported %v, want the image into the worker that lacks it", f.imported)
	}
}

// Loading never pulls: an image on neither the host nor a node is named in the error, with the fix,
// and nothing is read or imported.
func TestLoadKindImagesNeverPulls(t *testing.T) {
	f := &fakeNodes{nodes: map[string][]string{"lab-c1-control-plane": nil}, host: map[string]bool{"a:v1": true}, config: configV3}
	err := loadKindImages(context.Background(), f, status.Discard(), KindImageLoad{KindCluster: "lab-c1", Images: []string{"a:v1", "quay.io/b:v2"}})
	var missing *MissingImagesError
	if !errors.As(err, &missing) || !slices.Equal(missing.Images, []string{"quay.io/b:v2"}) || !strings.Contains(err.Error(), "run 'netlab up' again") {
		t.Fatalf("want a MissingImagesError naming quay.io/b:v2 and what to do, got %v", err)
	}
	if f.saved != nil || f.imported != nil {
		t.Fatalf("a missing image must stop before anything is read or imported: saved %v imported %v", f.saved, f.imported)
	}
}

func TestLoadKindImagesNoNodesAndImportFailure(t *testing.T) {
	f := &fakeNodes{nodes: map[string][]string{}, host: map[string]bool{}}
	err := loadKindImages(context.Background(), f, status.Discard(), KindImageLoad{KindCluster: "lab-gone", Images: []string{"a:v1"}})
	if err == nil || !strings.Contains(err.Error(), "io.x-k8s.kind.cluster=lab-gone") || !strings.Contains(err.Error(), "netlab up") {
		t.Fatalf("no nodes: %v", err)
	}
	f = &fakeNodes{nodes: map[string][]string{"n1": nil}, host: map[string]bool{"a:v1": true}, config: "version = 9\n"}
	err = loadKindImages(context.Background(), f, status.Discard(), KindImageLoad{KindCluster: "lab-c1", Images: []string{"a:v1"}})
	if err == nil || !strings.Contains(err.Error(), "load images into node n1") || !strings.Contains(err.Error(), "version 9") {
		t.Fatalf("an unreadable containerd config must name the node and the version: %v", err)
	}
}

func TestSnapshotter(t *testing.T) {
	v2 := "version = 2\n[plugins]\n  [plugins.\"io.containerd.grpc.v1.cri\"]\n    [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n      snapshotter = \"native\"\n"
	for cfg, want := range map[string]string{v2: "native", configV3: "overlayfs", strings.Replace(configV3, "3", "4", 1): "overlayfs"} {
		got, err := snapshotter([]byte(cfg))
		if err != nil || got != want {
			t.Errorf("snapshotter(%q) = %q, %v; want %q", cfg, got, err, want)
		}
	}
	if _, err := snapshotter([]byte("version = 3\n")); err == nil || !strings.Contains(err.Error(), "names no image snapshotter") {
		t.Errorf("a config without a snapshotter: %v", err)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"busybox":                          "docker.io/library/busybox:latest",
		"rancher/x:v1":                     "docker.io/rancher/x:v1",
		"ghcr.io/flannel-io/flannel:v0.28": "ghcr.io/flannel-io/flannel:v0.28",
		"netlab.local/netlab:dev":          "netlab.local/netlab:dev",
		"localhost:5000/x":                 "localhost:5000/x:latest",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

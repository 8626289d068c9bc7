package docker

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/status"
)

// fakeBuilder is an engine that runs one build container and records every call in order.
type fakeBuilder struct {
	base       imageConfig
	calls      []string
	imported   string
	ctrDown    int  // 'ctr version' fails this many times first
	importExit int  // exit code of ctr images import
	labelFail  bool // ctr images label fails
	commitErr  error
	changes    []string
	removed    bool
}

func (f *fakeBuilder) imageConfig(_ context.Context, ref string) (imageConfig, error) {
	f.calls = append(f.calls, "inspect "+ref)
	return f.base, nil
}
func (f *fakeBuilder) imageSize(_ context.Context, refs []string) (int64, error) {
	return int64(100 * len(refs)), nil
}
func (f *fakeBuilder) runBuildContainer(_ context.Context, name, image string, ep []string) (string, error) {
	f.calls = append(f.calls, "run "+image+" "+strings.Join(ep, " "))
	if !strings.HasPrefix(name, "netlab-derive-") {
		return "", errors.New("bad name " + name)
	}
	return "ctr1", nil
}
func (f *fakeBuilder) Exec(_ context.Context, id string, cmd []string, stdin io.Reader) (ExecResult, error) {
	head := strings.Join(cmd, " ")
	f.calls = append(f.calls, "exec "+head)
	switch {
	case head == "ctr version":
		if f.ctrDown > 0 {
			f.ctrDown--
			return ExecResult{ExitCode: 1, Stderr: []byte("connection refused")}, nil
		}
		return ExecResult{}, nil
	case strings.HasPrefix(head, "ctr --namespace=k8s.io images import "):
		b, _ := io.ReadAll(stdin)
		f.imported = string(b)
		return ExecResult{ExitCode: f.importExit, Stderr: []byte("import failed")}, nil
	case strings.HasPrefix(head, "ctr --namespace=k8s.io images label "):
		if f.labelFail {
			return ExecResult{ExitCode: 1, Stderr: []byte("image not found")}, nil
		}
		return ExecResult{}, nil
	}
	return ExecResult{ExitCode: 127}, nil
}
func (f *fakeBuilder) SaveImages(_ context.Context, refs []string) (io.ReadCloser, error) {
	f.calls = append(f.calls, "save "+strings.Join(refs, ","))
	return io.NopCloser(strings.NewReader("archive:" + strings.Join(refs, ","))), nil
}
func (f *fakeBuilder) stopContainer(_ context.Context, id, signal string, _ time.Duration) error {
	f.calls = append(f.calls, "stop "+signal)
	return nil
}
func (f *fakeBuilder) commit(_ context.Context, id, tag string, changes []string) error {
	f.calls = append(f.calls, "commit "+tag)
	f.changes = changes
	return f.commitErr
}
func (f *fakeBuilder) removeContainer(_ context.Context, id string) error {
	f.removed = true
	return nil
}

func kindBase() imageConfig {
	return imageConfig{Entrypoint: []string{"/usr/local/bin/entrypoint", "/sbin/init"}}
}

func derivedSpec() DerivedNodeImage {
	return DerivedNodeImage{Base: "netlab.local/node:v1", Images: []string{"ghcr.io/flannel-io/flannel:v1", "busybox:1"}, Tag: "netlab.local/node-derived:k1", Key: "k1"}
}

// The build runs containerd from the base image, waits for it, streams the images in without
// unpacking, pins each under containerd's name for it, stops containerd with SIGTERM and commits
// with the base image's entrypoint and command and the derived labels; the container goes.
func TestBuildDerivedSequence(t *testing.T) {
	old := containerdUp
	containerdUp = 5 * time.Second
	defer func() { containerdUp = old }()
	f := &fakeBuilder{base: kindBase(), ctrDown: 2}
	var out bytes.Buffer
	if err := buildDerived(context.Background(), f, status.New(&out, 0, false), derivedSpec()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"inspect netlab.local/node:v1",
		"run netlab.local/node:v1 containerd",
		"exec ctr version", "exec ctr version", "exec ctr version",
		"save ghcr.io/flannel-io/flannel:v1,busybox:1",
		"exec ctr --namespace=k8s.io images import --all-platforms --no-unpack -",
		"exec ctr --namespace=k8s.io images label ghcr.io/flannel-io/flannel:v1 io.cri-containerd.pinned=pinned",
		"exec ctr --namespace=k8s.io images label docker.io/library/busybox:1 io.cri-containerd.pinned=pinned",
		"stop SIGTERM",
		"commit netlab.local/node-derived:k1",
	}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(f.calls, "\n"), strings.Join(want, "\n"))
	}
	if f.imported != "archive:ghcr.io/flannel-io/flannel:v1,busybox:1" {
		t.Fatalf("ctr read %q, want the engine's archive", f.imported)
	}
	wantChanges := []string{
		`ENTRYPOINT ["/usr/local/bin/entrypoint","/sbin/init"]`,
		`CMD []`,
		`LABEL netlab.dev/derived-from="netlab.local/node:v1" netlab.dev/derived-images="ghcr.io/flannel-io/flannel:v1,busybox:1" netlab.dev/derived-key="k1"`,
	}
	if !slices.Equal(f.changes, wantChanges) {
		t.Fatalf("commit changes %q, want %q", f.changes, wantChanges)
	}
	if !f.removed {
		t.Fatal("the build container must be removed")
	}
	if !strings.Contains(out.String(), "baking 2 image(s) into netlab.local/node-derived:k1") {
		t.Fatalf("progress: %q", out.String())
	}
}

// Each failure names the image and what failed, and the build container is removed all the same;
// a base image whose VOLUME covers /var, or that has no entrypoint, is refused before anything runs.
func TestBuildDerivedFailures(t *testing.T) {
	old := containerdUp
	containerdUp = 300 * time.Millisecond
	defer func() { containerdUp = old }()
	for name, c := range map[string]struct {
		f       *fakeBuilder
		want    string
		started bool
	}{
		"import":        {&fakeBuilder{base: kindBase(), importExit: 1}, "ctr images import exited 1: import failed", true},
		"label":         {&fakeBuilder{base: kindBase(), labelFail: true}, "pin ghcr.io/flannel-io/flannel:v1: ctr images label exited 1", true},
		"commit":        {&fakeBuilder{base: kindBase(), commitErr: errors.New("no space")}, "commit: no space", true},
		"containerd":    {&fakeBuilder{base: kindBase(), ctrDown: 1000}, "did not answer within", true},
		"volume":        {&fakeBuilder{base: imageConfig{Entrypoint: []string{"/sbin/init"}, Volumes: []string{"/var"}}}, "declares VOLUME /var", false},
		"no entrypoint": {&fakeBuilder{base: imageConfig{}}, "has no entrypoint", false},
	} {
		err := buildDerived(context.Background(), c.f, status.New(io.Discard, 0, false), derivedSpec())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an error with %q, got %v", name, c.want, err)
		}
		if c.f.removed != c.started {
			t.Errorf("%s: build container removed=%v, want %v", name, c.f.removed, c.started)
		}
	}
	if err := buildDerived(context.Background(), &fakeBuilder{base: kindBase()}, nil, DerivedNodeImage{Base: "b", Tag: "t"}); err == nil {
		t.Error("no images: want an error")
	}
}

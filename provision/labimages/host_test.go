package labimages

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/images"
)

// fakeEngine holds images by reference; pullable ones arrive on PullImage. It records every call,
// and archives written by SaveImages and read by LoadImages.
type fakeEngine struct {
	host     map[string]docker.ImageInfo
	pullable map[string]docker.ImageInfo
	calls    []string
	archive  string // what SaveImages returns
	loaded   []byte // what LoadImages read
	loadErr  error  // the read error LoadImages met
}

func (f *fakeEngine) InspectImage(_ context.Context, ref string) (docker.ImageInfo, bool, error) {
	f.calls = append(f.calls, "inspect "+ref)
	info, ok := f.host[ref]
	return info, ok, nil
}

func (f *fakeEngine) PullImage(_ context.Context, ref string) error {
	f.calls = append(f.calls, "pull "+ref)
	info, ok := f.pullable[ref]
	if !ok {
		return errors.New("Error response from daemon: Get \"https://registry/v2/\": dial tcp: lookup registry: no such host")
	}
	f.host[ref] = info
	return nil
}

func (f *fakeEngine) SaveImages(_ context.Context, refs []string) (io.ReadCloser, error) {
	f.calls = append(f.calls, "save "+strings.Join(refs, ","))
	return io.NopCloser(strings.NewReader(f.archive)), nil
}

// LoadImages reads the whole stream, as the engine does before it registers anything; a read
// error is a failed load with nothing registered.
func (f *fakeEngine) LoadImages(_ context.Context, r io.Reader) ([]string, error) {
	f.calls = append(f.calls, "load")
	b, err := io.ReadAll(r)
	if err != nil {
		f.loadErr = err
		return nil, errors.New("unexpected EOF")
	}
	f.loaded = b
	return nil, nil
}

func info(id string) docker.ImageInfo { return docker.ImageInfo{ID: "sha256:" + id, Size: 100} }

func flannelBasic(t *testing.T) List {
	t.Helper()
	p := builtinPlan(t, "flannel-basic", plan.Options{NodeImage: "netlab.local/node:v1.33.13"})
	l, err := For(p, component.Builtin(component.Options{}), testSelf)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Offline, a host without the lab's images fails at once, pulling nothing, with one sentence that
// names every missing image and the two ways out (a bundle, the local builder); netlab's own image
// is not asked for, since netlab builds it.
func TestEnsureOfflineNamesMissingImagesAndTheWaysOut(t *testing.T) {
	l := flannelBasic(t)
	f := &fakeEngine{host: map[string]docker.ImageInfo{"ghcr.io/flannel-io/flannel:v0.28.10": info("f")}}
	start := time.Now()
	err := Ensure(context.Background(), f, l, true, nil)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %s", d)
	}
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("want a *MissingError, got %v", err)
	}
	want := []string{"netlab.local/node:v1.33.13", "ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel3", "quay.io/metallb/controller:v0.16.1", "quay.io/metallb/speaker:v0.16.1"}
	if !slices.Equal(me.Images, want) {
		t.Fatalf("missing %v, want %v", me.Images, want)
	}
	msg := err.Error()
	for _, s := range append(want, "--offline never pulls", "netlab images load BUNDLE", "netlab images save SCENARIO -o BUNDLE", "bash ci/images/build.sh", "netlab up --offline") {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q:\n%s", s, msg)
		}
	}
	if strings.Contains(msg, "ghcr.io/flannel-io/flannel:v0.28.10,") || strings.Contains(msg, testSelf) || strings.Count(msg, ". ") > 0 || strings.Contains(msg, "\n") {
		t.Errorf("one sentence naming only what is missing:\n%s", msg)
	}
	for _, c := range f.calls {
		if strings.HasPrefix(c, "pull ") || c == "inspect "+testSelf {
			t.Errorf("offline: unexpected call %q", c)
		}
	}
}

// Online, a missing image is pulled once on the host; one that cannot be pulled ends in the same
// sentence (not the engine's raw error, which is a detail line at -v), and the others are still
// tried so the message names them all.
func TestEnsureOnlinePullsAndReplacesThePullError(t *testing.T) {
	l := flannelBasic(t)
	all := map[string]docker.ImageInfo{}
	for _, ref := range l.Refs(Image.Pulled) {
		all[ref] = info(ref)
	}
	f := &fakeEngine{host: map[string]docker.ImageInfo{}, pullable: all}
	var out bytes.Buffer
	if err := Ensure(context.Background(), f, l, false, status.New(&out, 0, false)); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(f.calls, "\n"), "pull "); n != 5 || !strings.Contains(out.String(), "pulling netlab.local/node:v1.33.13 on the host (once)") {
		t.Fatalf("want 5 pulls with a line each: %v\n%s", f.calls, out.String())
	}
	f.calls = nil
	if err := Ensure(context.Background(), f, l, false, nil); err != nil || slices.ContainsFunc(f.calls, func(c string) bool { return strings.HasPrefix(c, "pull ") }) {
		t.Fatalf("everything present: no pull, got %v %v", f.calls, err)
	}

	f = &fakeEngine{host: map[string]docker.ImageInfo{}, pullable: map[string]docker.ImageInfo{"quay.io/metallb/speaker:v0.16.1": info("s")}}
	out.Reset()
	err := Ensure(context.Background(), f, l, false, status.New(&out, 1, false))
	var me *MissingError
	if !errors.As(err, &me) || len(me.Images) != 4 || me.Offline {
		t.Fatalf("want the 4 unpullable images, got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "could not be pulled") || strings.Contains(msg, "no such host") || !strings.Contains(msg, "netlab images load BUNDLE") {
		t.Fatalf("the engine's raw error belongs in the detail lines, not the message:\n%s", msg)
	}
	if !strings.Contains(out.String(), "no such host") {
		t.Fatalf("at -v the pull error is shown: %q", out.String())
	}
}

// Inspect reports each image with the engine's ID and digests, present or not.
func TestInspect(t *testing.T) {
	l := List{{Ref: "a:1", Role: CNI}, {Ref: "b:1", Role: Addon}}
	f := &fakeEngine{host: map[string]docker.ImageInfo{"a:1": {ID: "sha256:aa", RepoDigests: []string{"a@sha256:dd"}, Size: 5}}}
	got, err := Inspect(context.Background(), f, l)
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].Present || got[0].ID != "sha256:aa" || got[0].RepoDigests[0] != "a@sha256:dd" || got[1].Present || got[1].ID != "" {
		t.Fatalf("%+v", got)
	}
}

// The message names, for each missing image, its way out: the build.sh set that makes it here,
// the hermetic node image for kind's, or that only upstream publishes it.
func TestMissingErrorNamesEachWayOut(t *testing.T) {
	e := &MissingError{Offline: true, Images: []string{
		"kindest/node:v1.37.0", images.IstioPilot, images.IstioAgent, images.CalicoNode, images.IstioUpstreamHub + "/proxyv2:" + images.IstioUpstreamTag,
	}}
	msg := e.Error()
	for _, s := range []string{
		"--node-image " + images.HermeticNodeImage,
		"build " + images.IstioPilot + ", " + images.IstioAgent + " here with 'bash ci/images/build.sh istio'",
		"build " + images.CalicoNode + " here with 'bash ci/images/build.sh calico'",
		images.IstioUpstreamHub + "/proxyv2:" + images.IstioUpstreamTag + " is built by nothing here",
		"--offline never pulls", "netlab images load BUNDLE",
	} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q:\n%s", s, msg)
		}
	}
}

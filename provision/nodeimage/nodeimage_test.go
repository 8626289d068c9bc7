package nodeimage

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
)

// The key depends on the base image's ID and on each image's reference and ID, not on their order
// or repetition; it is short hex, the same for the same content.
func TestKey(t *testing.T) {
	a := []Input{{"flannel:1", "sha256:f1"}, {"netlab:dev", "sha256:n1"}}
	k := Key("sha256:base", a)
	if len(k) != 16 || strings.Trim(k, "0123456789abcdef") != "" {
		t.Fatalf("key %q: want 16 hex digits", k)
	}
	if got := Key("sha256:base", []Input{a[1], a[0], a[1]}); got != k {
		t.Fatalf("order or repetition changed the key: %s vs %s", got, k)
	}
	for name, other := range map[string]string{
		"base id":   Key("sha256:base2", a),
		"image id":  Key("sha256:base", []Input{{"flannel:1", "sha256:f1"}, {"netlab:dev", "sha256:n2"}}),
		"image ref": Key("sha256:base", []Input{{"flannel:2", "sha256:f1"}, {"netlab:dev", "sha256:n1"}}),
		"one less":  Key("sha256:base", a[:1]),
	} {
		if other == k {
			t.Errorf("%s: a change must change the key", name)
		}
	}
	if Ref(k) != "netlab.local/node-derived:"+k {
		t.Fatalf("Ref: %s", Ref(k))
	}
}

// Off: the base image; present with its key: reuse; absent, or a tag with another key: build.
func TestDecide(t *testing.T) {
	withKey := func(k string) docker.ImageInfo {
		return docker.ImageInfo{ID: "sha256:d", Labels: map[string]string{docker.LabelDerivedKey: k}}
	}
	for name, c := range map[string]struct {
		enabled, present bool
		existing         docker.ImageInfo
		action           Action
		image            string
	}{
		"off":      {false, true, withKey("k"), UseBase, "node:1"},
		"present":  {true, true, withKey("k"), Reuse, Ref("k")},
		"absent":   {true, false, docker.ImageInfo{}, Build, Ref("k")},
		"stale":    {true, true, withKey("other"), Build, Ref("k")},
		"no label": {true, true, docker.ImageInfo{ID: "sha256:x"}, Build, Ref("k")},
	} {
		d := Decide(c.enabled, "node:1", "k", c.existing, c.present)
		if d.Action != c.action || d.Image != c.image || d.Base != "node:1" || d.Why == "" {
			t.Errorf("%s: %+v, want %s %s", name, d, c.action, c.image)
		}
	}
}

// fakeEngine has host images and builds derived images by recording them.
type fakeEngine struct {
	host     map[string]docker.ImageInfo
	created  map[string]time.Time
	inUse    map[string]bool
	removed  []string
	built    []docker.DerivedNodeImage
	buildErr error
}

func (f *fakeEngine) Images(_ context.Context, pattern string) ([]docker.Image, error) {
	var out []docker.Image
	for ref := range f.host {
		if strings.HasPrefix(ref, strings.TrimSuffix(pattern, "*")) {
			out = append(out, docker.Image{Tags: []string{ref}, Created: f.created[ref]})
		}
	}
	return out, nil
}

func (f *fakeEngine) RemoveImage(_ context.Context, ref string) error {
	if f.inUse[ref] {
		return errors.New("conflict: image is being used by a container")
	}
	delete(f.host, ref)
	f.removed = append(f.removed, ref)
	return nil
}

func (f *fakeEngine) InspectImage(_ context.Context, ref string) (docker.ImageInfo, bool, error) {
	im, ok := f.host[ref]
	return im, ok, nil
}

func (f *fakeEngine) BuildDerivedNodeImage(_ context.Context, _ *status.Status, d docker.DerivedNodeImage) error {
	if f.buildErr != nil {
		return f.buildErr
	}
	f.built = append(f.built, d)
	f.host[d.Tag] = docker.ImageInfo{ID: "sha256:derived", Size: 3e9, Labels: map[string]string{docker.LabelDerivedKey: d.Key,
		docker.LabelDerivedFrom: d.Base, docker.LabelDerivedImages: strings.Join(d.Images, ",")}}
	return nil
}

func hostWith() *fakeEngine {
	return &fakeEngine{host: map[string]docker.ImageInfo{
		"node:1":    {ID: "sha256:n", Size: 2e9},
		"flannel:1": {ID: "sha256:f"},
		"netlab:v1": {ID: "sha256:s"},
	}}
}

// Ensure builds once, then reuses what it built; off or with nothing to side-load it keeps the base
// image and builds nothing; an image missing on the host and a failed build are errors.
func TestEnsure(t *testing.T) {
	ctx := context.Background()
	f := hostWith()
	var out bytes.Buffer
	st := status.New(&out, 0, false)
	load := []string{"flannel:1", "netlab:v1"}
	d, err := Ensure(ctx, f, st, true, "node:1", load)
	if err != nil || d.Action != Build || len(f.built) != 1 {
		t.Fatalf("first: %+v, %v, built %d", d, err, len(f.built))
	}
	want := Key("sha256:n", []Input{{"flannel:1", "sha256:f"}, {"netlab:v1", "sha256:s"}})
	if b := f.built[0]; b.Base != "node:1" || b.Tag != Ref(want) || b.Key != want || strings.Join(b.Images, ",") != "flannel:1,netlab:v1" {
		t.Fatalf("built %+v, want key %s", b, want)
	}
	if !strings.Contains(out.String(), "built "+Ref(want)+" in ") || !strings.Contains(out.String(), "1000 MB more than node:1") {
		t.Fatalf("status: %q", out.String())
	}
	d, err = Ensure(ctx, f, st, true, "node:1", load)
	if err != nil || d.Action != Reuse || d.Image != Ref(want) || len(f.built) != 1 {
		t.Fatalf("second: %+v, %v, built %d", d, err, len(f.built))
	}
	// A rebuilt netlab image is another key: built again.
	f.host["netlab:v1"] = docker.ImageInfo{ID: "sha256:s2"}
	if d, err = Ensure(ctx, f, st, true, "node:1", load); err != nil || d.Action != Build || d.Key == want || len(f.built) != 2 {
		t.Fatalf("after a change: %+v, %v", d, err)
	}
	for name, enabled := range map[string]bool{"off": false, "nothing to load": true} {
		f := hostWith()
		l := load
		if enabled {
			l = nil
		}
		d, err := Ensure(ctx, f, st, enabled, "node:1", l)
		if err != nil || d.Action != UseBase || d.Image != "node:1" || len(f.built) != 0 {
			t.Errorf("%s: %+v, %v", name, d, err)
		}
	}
	f = hostWith()
	if _, err := Ensure(ctx, f, st, true, "node:1", []string{"gone:1"}); err == nil || !strings.Contains(err.Error(), "image gone:1 is not on this host") {
		t.Errorf("missing image: %v", err)
	}
	f.buildErr = errors.New("no space left")
	if _, err := Ensure(ctx, f, st, true, "node:1", load); err == nil || !strings.Contains(err.Error(), "no space left") {
		t.Errorf("failed build: %v", err)
	}
}

// After a build, older derived images of the same family (same base, same image repositories at
// other versions) go, unless a container uses one or it is younger than the grace period; those of
// another base or another set of images stay.
func TestPruneAfterBuild(t *testing.T) {
	old := time.Now().Add(-2 * keep)
	derived := func(base string, images ...string) docker.ImageInfo {
		return docker.ImageInfo{ID: "sha256:x", Labels: map[string]string{docker.LabelDerivedKey: "k", docker.LabelDerivedFrom: base, docker.LabelDerivedImages: strings.Join(images, ",")}}
	}
	f := hostWith()
	f.created, f.inUse = map[string]time.Time{}, map[string]bool{}
	for ref, im := range map[string]docker.ImageInfo{
		Ref("older-netlab"):  derived("node:1", "flannel:1", "netlab:v0"),
		Ref("older-flannel"): derived("node:1", "flannel:0", "netlab:v1"),
		Ref("in-use"):        derived("node:1", "flannel:0", "netlab:v0"),
		Ref("young"):         derived("node:1", "flannel:1", "netlab:v2"),
		Ref("other-base"):    derived("node:2", "flannel:1", "netlab:v1"),
		Ref("other-images"):  derived("node:1", "flannel:1", "netlab:v1", "metallb:1"),
	} {
		f.host[ref] = im
		f.created[ref] = old
	}
	f.created[Ref("young")] = time.Now()
	f.inUse[Ref("in-use")] = true
	d, err := Ensure(context.Background(), f, status.Discard(), true, "node:1", []string{"flannel:1", "netlab:v1"})
	if err != nil || d.Action != Build {
		t.Fatalf("%+v, %v", d, err)
	}
	slices.Sort(f.removed)
	if want := []string{Ref("older-flannel"), Ref("older-netlab")}; !slices.Equal(f.removed, want) {
		t.Fatalf("removed %v, want %v", f.removed, want)
	}
	if _, ok := f.host[d.Image]; !ok {
		t.Fatal("the new derived image must stay")
	}
}

package e2e

// This file's name sorts last in the package so that, should the bundle gate be open in a run of
// the whole package, the test that removes images still runs after every other one.

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/labimages"
	"github.com/netlab-dev/netlab/provision/nodeimage"
)

// The bundle round trip of issue 18, as a workshop host would do it: save the default lab's images
// into a bundle from this host's local images, remove them from the engine (and the derived node
// images made from them, so that nothing of them is left), load the bundle, and 'up --offline'
// builds the lab from what was loaded; then down.
//
// It REMOVES IMAGES from the host's engine: it runs only through ci/e2e-bundle.sh, last and alone
// (testenv.RequireBundleRoundTrip). When it fails after the removal, the bundle is kept and its path
// logged; 'netlab images load PATH' (or bash ci/images/build.sh) restores the images.
func TestE2EBundleRoundTrip(t *testing.T) {
	testenv.RequireBundleRoundTrip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	eng, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	st := status.New(testLog{t}, 1, false)
	p := planFor(t, "builtin/flannel-basic.yaml", builtinPlan(t, "flannel-basic"))
	list, err := labimages.For(p, component.Builtin(component.Options{}), "")
	if err != nil {
		t.Fatal(err)
	}
	refs := list.Refs(labimages.Image.Pulled)
	if len(refs) < 2 {
		t.Fatalf("the default lab lists %v; want its node image and its side-loaded images", refs)
	}

	// Save, from local images only.
	dir, err := os.MkdirTemp("", "netlab-bundle-e2e")
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "flannel-basic.tar")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the bundle is kept at %s: 'netlab images load %s' puts the images back", bundle, bundle)
			return
		}
		_ = os.RemoveAll(dir) // a temporary directory; best effort
	})
	f, err := os.Create(bundle)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := labimages.Save(ctx, eng, "flannel-basic", p.Lab, list, true, f, st)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	if len(saved.Images) != len(refs) {
		t.Fatalf("the bundle holds %d images, want %d (%v)", len(saved.Images), len(refs), refs)
	}

	// Remove them: the derived node images made from them first, then the images themselves.
	derived, err := eng.Images(ctx, nodeimage.Repo+":*")
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range derived {
		for _, tag := range im.Tags {
			info, ok, err := eng.InspectImage(ctx, tag)
			if err != nil {
				t.Fatal(err)
			}
			if ok && slices.Contains(refs, info.Labels[docker.LabelDerivedFrom]) {
				if err := eng.RemoveImage(ctx, tag); err != nil {
					t.Fatalf("remove derived node image %s (a lab still running from it? this test must run alone): %v", tag, err)
				}
			}
		}
	}
	for _, ref := range refs {
		if err := eng.RemoveImage(ctx, ref); err != nil {
			t.Fatalf("remove %s (a lab still running from it? this test must run alone): %v", ref, err)
		}
		if _, ok, err := eng.InspectImage(ctx, ref); err != nil || ok {
			t.Fatalf("%s is still on the host after its removal (%v)", ref, err)
		}
	}

	// Load, and every image is back with the ID it was saved with.
	_, local, err := labimages.Load(ctx, eng, bundle, st)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	for _, l := range local {
		if !l.Present {
			t.Fatalf("after the load, %s is not on the host with the bundle's image ID", l.Ref)
		}
	}

	// up --offline builds the lab from what was loaded (the derived node image included); the
	// harness takes it down and checks nothing is left.
	up(t, p)
}

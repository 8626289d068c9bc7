package labimages

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/provision/images"
)

// TestBundleRoundTripThroughTheEngine saves a bundle of the tiny pause image from the host's
// engine and loads it back into the same engine under the same name (the image is identical, so
// nothing on the host changes; nothing is removed or retagged), then checks the image is reported
// present with the ID it had (e2e stage).
func TestBundleRoundTripThroughTheEngine(t *testing.T) {
	testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	eng, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	before, ok, err := eng.InspectImage(ctx, images.Pause)
	if err != nil || !ok {
		t.Fatalf("this test needs %s on the host (ci/images/build.sh builds it): %v", images.Pause, err)
	}
	l := List{{Ref: images.Pause, Role: Addon, Component: "test", Clusters: []string{"c1"}}}
	path := filepath.Join(t.TempDir(), "pause.tar")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Save(ctx, eng, "pause-only", "lab", l, true, f, status.Discard())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Images) != 1 || m.Images[0].ID != before.ID {
		t.Fatalf("manifest %+v, want %s", m, before.ID)
	}
	got, local, err := Load(ctx, eng, path, status.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if got.Scenario != "pause-only" || len(local) != 1 || !local[0].Present || local[0].ID != before.ID {
		t.Fatalf("after load: manifest %+v, images %+v", got, local)
	}
	// A damaged copy of the same bundle is refused, and the image is still there as it was.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.tar")
	if err := os.WriteFile(cut, data[:len(data)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(ctx, eng, cut, status.Discard()); err == nil {
		t.Fatal("a truncated bundle must be refused")
	} else {
		t.Logf("truncated bundle: %v", err)
	}
	after, ok, err := eng.InspectImage(ctx, images.Pause)
	if err != nil || !ok || after.ID != before.ID {
		t.Fatalf("the host's %s changed: %+v %v %v", images.Pause, after, ok, err)
	}
}

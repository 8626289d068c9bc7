package provision

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/provision/images"
)

func TestModuleDirFindsNetlabFromASubdirectory(t *testing.T) {
	wd, _ := os.Getwd()
	got, err := moduleDir()
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Dir(wd) {
		t.Fatalf("moduleDir from %s = %s, want its parent", wd, got)
	}
}

func TestModuleDirRefusesAForeignModule(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	_, err := moduleDir()
	if err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0 go install") {
		t.Fatalf("want an error that says how to get a static netlab, got %v", err)
	}
}

func TestSelfRefNamesTheBinary(t *testing.T) {
	a, b := images.SelfRef("0123456789ab"), images.SelfRef("ba9876543210")
	if a == b || !strings.HasPrefix(a, images.Self()+"-") || !strings.HasSuffix(a, "0123456789ab") {
		t.Fatalf("SelfRef: %q, %q", a, b)
	}
}

// pruneSelfImages removes older builds, keeps the new one, and leaves an image that a container
// still uses. The test's own tag prefix keeps it away from real self images.
func TestPruneSelfImagesKeepsCurrentAndInUse(t *testing.T) {
	testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	eng, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	prefix := fmt.Sprintf("netlab.local/netlab:prunetest%d-", os.Getpid())
	tags := map[string]string{"old": prefix + "old", "keep": prefix + "keep", "used": prefix + "used"}
	for name, tag := range tags {
		bc, err := images.BuildContext([]byte("not a binary: " + name))
		if err != nil {
			t.Fatal(err)
		}
		res, err := eng.C.ImageBuild(ctx, bytes.NewReader(bc), client.ImageBuildOptions{Tags: []string{tag}, Remove: true})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		t.Cleanup(func() { eng.C.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true}) })
	}
	ctr, err := eng.C.ContainerCreate(ctx, client.ContainerCreateOptions{Config: &container.Config{Image: tags["used"], Cmd: []string{"/netlab"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.C.ContainerRemove(context.Background(), ctr.ID, client.ContainerRemoveOptions{Force: true})
	})
	exists := func(tag string) bool {
		_, err := eng.C.ImageInspect(ctx, tag)
		return err == nil
	}
	for _, tag := range tags {
		if !exists(tag) {
			t.Fatalf("test image %s was not built", tag)
		}
	}
	// A cutoff in the past: nothing is old enough yet.
	pruneSelfImages(ctx, eng, prefix, tags["keep"], time.Now().Add(-time.Hour))
	if !exists(tags["old"]) {
		t.Fatal("an image built after the cutoff was removed")
	}
	pruneSelfImages(ctx, eng, prefix, tags["keep"], time.Now().Add(time.Minute))
	if exists(tags["old"]) {
		t.Error("the older build is still there")
	}
	if !exists(tags["keep"]) {
		t.Error("the current build was removed")
	}
	if !exists(tags["used"]) {
		t.Error("an image a container uses was removed")
	}
}

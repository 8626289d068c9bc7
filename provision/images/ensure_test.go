package images

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
)

func TestModuleDirFindsNetlabFromASubdirectory(t *testing.T) {
	wd, _ := os.Getwd()
	got, err := moduleDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Dir(filepath.Dir(wd)); got != want {
		t.Fatalf("moduleDir from %s = %s, want %s", wd, got, want)
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
	a, b := SelfRef("0123456789ab"), SelfRef("ba9876543210")
	if a == b || !strings.HasPrefix(a, Self()+"-") || !strings.HasSuffix(a, "0123456789ab") {
		t.Fatalf("SelfRef: %q, %q", a, b)
	}
}

// fakeImages is an engine holding tagged images; a tag in inUse is refused removal, as Docker
// refuses to remove an image a container uses without force.
type fakeImages struct {
	images  []docker.Image
	inUse   map[string]bool
	removed []string
}

func (f *fakeImages) BuildImage(context.Context, io.Reader, string, map[string]string) error {
	return fmt.Errorf("not built in this test")
}
func (f *fakeImages) ImageExists(_ context.Context, ref string) (bool, error) {
	for _, im := range f.images {
		for _, t := range im.Tags {
			if t == ref {
				return true, nil
			}
		}
	}
	return false, nil
}
func (f *fakeImages) Images(_ context.Context, pattern string) ([]docker.Image, error) {
	var out []docker.Image
	for _, im := range f.images {
		for _, t := range im.Tags {
			if strings.HasPrefix(t, strings.TrimSuffix(pattern, "*")) {
				out = append(out, im)
				break
			}
		}
	}
	return out, nil
}
func (f *fakeImages) RemoveImage(_ context.Context, ref string) error {
	if f.inUse[ref] {
		return fmt.Errorf("remove image %s: conflict: image is being used by a container", ref)
	}
	f.removed = append(f.removed, ref)
	return nil
}

// pruneSelfImages removes older builds of the prefix, keeps the new one and recent ones, asks
// to remove (and survives the refusal of) one a container uses, and leaves other images alone.
func TestPruneSelfImagesKeepsCurrentRecentAndOthers(t *testing.T) {
	now := time.Now()
	prefix := "netlab.local/netlab:v1-"
	f := &fakeImages{
		images: []docker.Image{
			{Tags: []string{prefix + "old"}, Created: now.Add(-2 * time.Hour)},
			{Tags: []string{prefix + "keep"}, Created: now.Add(-3 * time.Hour)},
			{Tags: []string{prefix + "used"}, Created: now.Add(-2 * time.Hour)},
			{Tags: []string{prefix + "recent"}, Created: now.Add(-time.Minute)},
			{Tags: []string{"netlab.local/netlab:v2-other"}, Created: now.Add(-5 * time.Hour)},
		},
		inUse: map[string]bool{prefix + "used": true},
	}
	pruneSelfImages(context.Background(), f, prefix, prefix+"keep", now.Add(-selfImageKeep))
	sort.Strings(f.removed)
	if got := strings.Join(f.removed, " "); got != prefix+"old" {
		t.Fatalf("removed %q, want only the old build", got)
	}
}

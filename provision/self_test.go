package provision

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestInotifyCheck(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "max")
	os.WriteFile(f, []byte("128\n"), 0o644)
	if err := inotifyCheck(8, f); err == nil || !strings.Contains(err.Error(), "sysctl -w fs.inotify.max_user_instances=512") {
		t.Fatalf("8 nodes at 128: %v", err)
	}
	if err := inotifyCheck(4, f); err != nil {
		t.Fatalf("4 nodes at 128 work (measured): %v", err)
	}
	os.WriteFile(f, []byte("512\n"), 0o644)
	if err := inotifyCheck(8, f); err != nil {
		t.Fatal(err)
	}
}

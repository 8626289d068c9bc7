package provision

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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

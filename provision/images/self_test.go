package images

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/testenv"
)

func TestBuildContext(t *testing.T) {
	bc, err := buildContext([]byte("\x7fELF binary"))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(bc))
	files := map[string]string{}
	modes := map[string]int64{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		files[h.Name], modes[h.Name] = string(b), h.Mode
	}
	if !strings.HasPrefix(files["Dockerfile"], "FROM scratch\n") || !strings.Contains(files["Dockerfile"], `ENTRYPOINT ["/netlab"]`) {
		t.Fatalf("Dockerfile: %q", files["Dockerfile"])
	}
	if files["netlab"] != "\x7fELF binary" || modes["netlab"] != 0o755 {
		t.Fatalf("binary entry: %q mode %o", files["netlab"], modes["netlab"])
	}
}

func TestSelfTagIsValid(t *testing.T) {
	if got := Self(); !strings.HasPrefix(got, "netlab.local/netlab:") || strings.ContainsAny(got[len("netlab.local/netlab:"):], "/+ ") {
		t.Fatalf("tag %q", got)
	}
}

// TestBuildSelfAndRun builds the image from a freshly built static netlab and runs it (e2e stage).
func TestBuildSelfAndRun(t *testing.T) {
	testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Join(filepath.Dir(file), "..", "..")
	bin, err := SelfBinary(ctx, repo, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if static, _ := staticBinary(bin); !static {
		t.Fatal("SelfBinary returned a dynamic binary")
	}
	c, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tag := "netlab.local/netlab:selftest"
	if err := BuildSelf(ctx, c, bin, tag); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.RemoveImage(context.Background(), tag); err != nil {
			t.Error(err)
		}
	})
	out, err := runImage(t, tag, "version")
	if err != nil || !strings.Contains(out, "netlab ") {
		t.Fatalf("the image does not run netlab: %v\n%s", err, out)
	}
	if err := BuildSelf(ctx, c, "/bin/sh", tag); err == nil || !strings.Contains(err.Error(), "dynamically linked") {
		if _, statErr := os.Stat("/bin/sh"); statErr == nil {
			t.Fatalf("a dynamic binary must be refused, got %v", err)
		}
	}
}

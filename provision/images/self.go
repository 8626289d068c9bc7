package images

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/netlab-dev/netlab/internal/version"
)

// Self is the image of netlab's own containers (the probe and the transit gateway): the netlab
// binary alone in a FROM scratch image, built on the host, never pulled.
func Self() string { return "netlab.local/netlab:" + tagSafe(version.Get()) }

// SelfRef is the self image's reference for a binary whose content hash starts with sum: the tag
// names the version and the binary, so a changed binary gets a new tag (EnsureSelfImage).
func SelfRef(sum string) string { return Self() + "-" + tagSafe(sum) }

func tagSafe(v string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, v)
}

// staticBinary reports whether the ELF file at path is statically linked (no program interpreter),
// as a FROM scratch image needs.
func staticBinary(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}

// SelfBinary returns a static netlab binary for the image: the running executable when it is
// netlab and static; otherwise one built with CGO_ENABLED=0 from moduleDir (a netlab source tree),
// into dir.
func SelfBinary(ctx context.Context, moduleDir, dir string) (string, error) {
	if exe, err := os.Executable(); err == nil && filepath.Base(exe) == "netlab" {
		if static, err := staticBinary(exe); err == nil && static {
			return exe, nil
		}
	}
	if moduleDir == "" {
		return "", fmt.Errorf("the running netlab is not a static binary, so it cannot run in a FROM scratch image; rebuild it with CGO_ENABLED=0 (go install with CGO_ENABLED=0 github.com/netlab-dev/netlab/cmd/netlab)")
	}
	out := filepath.Join(dir, "netlab")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./cmd/netlab")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build a static netlab: %v\n%s", err, b)
	}
	return out, nil
}

// buildContext is the tar build context of the self image: the binary and a Dockerfile.
func buildContext(binary []byte) ([]byte, error) {
	dockerfile := "FROM scratch\nCOPY netlab /netlab\nENTRYPOINT [\"/netlab\"]\n"
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, []byte(dockerfile)}, {"netlab", 0o755, binary}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// imageBuilder is what building the self image needs from the engine.
type imageBuilder interface {
	BuildImage(ctx context.Context, buildContext io.Reader, tag string, labels map[string]string) error
}

// BuildSelf builds the self image from a static netlab binary, tagged tag, through the engine's
// build API. FROM scratch needs no registry.
func BuildSelf(ctx context.Context, eng imageBuilder, binary, tag string) error {
	if static, err := staticBinary(binary); err != nil {
		return fmt.Errorf("%s: %w", binary, err)
	} else if !static {
		return fmt.Errorf("%s is dynamically linked; a FROM scratch image needs a static binary (CGO_ENABLED=0)", binary)
	}
	data, err := os.ReadFile(binary)
	if err != nil {
		return err
	}
	bc, err := buildContext(data)
	if err != nil {
		return err
	}
	return eng.BuildImage(ctx, bytes.NewReader(bc), tag, map[string]string{"netlab.dev/role": "self-image", "netlab.dev/version": version.Get()})
}

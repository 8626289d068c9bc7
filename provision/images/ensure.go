package images

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
)

// modulePath is netlab's Go module, looked for in go.mod when netlab must build its static self.
const modulePath = "github.com/netlab-dev/netlab"

// selfImages is what EnsureSelfImage needs from the engine.
type selfImages interface {
	imageBuilder
	ImageExists(ctx context.Context, ref string) (bool, error)
	Images(ctx context.Context, pattern string) ([]docker.Image, error)
	RemoveImage(ctx context.Context, ref string) error
}

// EnsureSelfImage makes sure netlab's own image (the probe and the transit gateway: this netlab
// binary, static, in a FROM scratch image) exists on the host, and returns its reference.
//
// The tag carries a hash of the binary, so a changed netlab never runs an older probe or TGW by
// mistake, and a node that already holds the tag holds exactly this binary. When the running
// executable is a static netlab it is used as it is. Otherwise (go run, a test binary, a cgo build)
// a static one is built once from the netlab source tree around the working directory and cached
// under $XDG_CACHE_HOME/netlab/self, keyed by the running executable's hash.
func EnsureSelfImage(ctx context.Context, eng selfImages, st *status.Status) (string, error) {
	st = status.Or(st)
	bin, err := cachedSelfBinary(ctx, st)
	if err != nil {
		return "", err
	}
	sum, err := fileSHA256(bin)
	if err != nil {
		return "", err
	}
	ref := SelfRef(sum[:12])
	if ok, err := eng.ImageExists(ctx, ref); err != nil {
		return "", err
	} else if ok {
		return ref, nil
	}
	st.Printf("   building %s (FROM scratch, this netlab binary)", ref)
	if err := BuildSelf(ctx, eng, bin, ref); err != nil {
		return "", err
	}
	pruneSelfImages(ctx, eng, Self()+"-", ref, time.Now().Add(-selfImageKeep))
	return ref, nil
}

// selfImageKeep is how long an older build of netlab's own image is kept after a newer one is
// built: long enough for another netlab process that resolved it a moment ago to start its
// containers from it.
const selfImageKeep = time.Hour

// pruneSelfImages removes the images tagged prefix* (this version's self images: other hashes)
// other than keep and built before cutoff, so that rebuilding netlab does not pile up one image
// per build. Removal is not forced: Docker refuses to remove an image that a container (a running
// lab's TGW or client) still uses, and that image stays. Errors are ignored; this is housekeeping.
func pruneSelfImages(ctx context.Context, eng selfImages, prefix, keep string, cutoff time.Time) {
	list, err := eng.Images(ctx, prefix+"*")
	if err != nil {
		return
	}
	for _, im := range list {
		if im.Created.After(cutoff) {
			continue
		}
		for _, tag := range im.Tags {
			if tag != keep && strings.HasPrefix(tag, prefix) {
				_ = eng.RemoveImage(ctx, tag) // housekeeping: an image a container still uses stays
			}
		}
	}
}

// cachedSelfBinary is the static netlab to put into the image: the running executable when it is
// one, otherwise one built from the source tree once and cached.
func cachedSelfBinary(ctx context.Context, st *status.Status) (string, error) {
	bin, ready, err := selfBinary()
	if err != nil || ready {
		return bin, err
	}
	mod, err := moduleDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(bin)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	st.Printf("   building a static netlab from %s for netlab's own image (once)", mod)
	tmp, err := os.MkdirTemp(dir, "build")
	if err != nil {
		return "", err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	built, err := SelfBinary(ctx, mod, tmp)
	if err != nil {
		return "", err
	}
	if err := os.Rename(built, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// selfBinary is where the static netlab for the self image is: the running executable when it is
// a static netlab, else its cached build. ready says whether that file is there; when it is not,
// bin is where the build is to be cached.
func selfBinary() (bin string, ready bool, err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", false, fmt.Errorf("find the running netlab: %w", err)
	}
	if filepath.Base(exe) == "netlab" {
		if static, err := staticBinary(exe); err == nil && static {
			return exe, true, nil
		}
	}
	exeSum, err := fileSHA256(exe)
	if err != nil {
		return "", false, err
	}
	bin = filepath.Join(cacheDir(), "self", exeSum[:16], "netlab")
	static, err := staticBinary(bin)
	return bin, err == nil && static, nil
}

// SelfRefIfBuilt is the reference EnsureSelfImage returns, found without building anything: known
// (ok) when the running executable is a static netlab or its static build is cached, as after a
// first 'netlab up'. It does not say whether the image itself exists.
func SelfRefIfBuilt() (ref string, ok bool, err error) {
	bin, ready, err := selfBinary()
	if err != nil || !ready {
		return "", false, err
	}
	sum, err := fileSHA256(bin)
	if err != nil {
		return "", false, err
	}
	return SelfRef(sum[:12]), true, nil
}

func cacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "netlab")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "netlab")
	}
	return filepath.Join(os.TempDir(), "netlab-cache")
}

// moduleDir finds netlab's source tree: the working directory or one of its parents whose go.mod
// declares netlab's module.
func moduleDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if isNetlabModule(filepath.Join(d, "go.mod")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("this netlab binary is not static, so it cannot run inside the lab as netlab's FROM scratch image, and no netlab source tree (go.mod of %s) is around %s to build one from; install a static netlab (CGO_ENABLED=0 go install %s/cmd/netlab@latest) or run netlab from its source tree", modulePath, wd, modulePath)
}

func isNetlabModule(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "module ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "module ")) == modulePath
		}
	}
	return false
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

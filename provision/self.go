package provision

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

	"github.com/moby/moby/client"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/provision/images"
)

// modulePath is netlab's Go module, looked for in go.mod when netlab must build its static self.
const modulePath = "github.com/netlab-dev/netlab"

// EnsureSelfImage makes sure netlab's own image (the probe and the transit gateway: this netlab
// binary, static, in a FROM scratch image) exists on the host, and returns its reference.
//
// The tag carries a hash of the binary, so a changed netlab never runs an older probe or TGW by
// mistake, and a node that already holds the tag holds exactly this binary. When the running
// executable is a static netlab it is used as it is. Otherwise (go run, a test binary, a cgo build)
// a static one is built once from the netlab source tree around the working directory and cached
// under $XDG_CACHE_HOME/netlab/self, keyed by the running executable's hash.
func EnsureSelfImage(ctx context.Context, eng *docker.Engine, status func(string)) (string, error) {
	if status == nil {
		status = func(string) {}
	}
	bin, err := selfBinary(ctx, status)
	if err != nil {
		return "", err
	}
	sum, err := fileSHA256(bin)
	if err != nil {
		return "", err
	}
	ref := images.SelfRef(sum[:12])
	if _, err := eng.C.ImageInspect(ctx, ref); err == nil {
		return ref, nil
	}
	status("building " + ref + " (FROM scratch, this netlab binary)")
	if err := images.BuildSelf(ctx, eng.C, bin, ref); err != nil {
		return "", err
	}
	pruneSelfImages(ctx, eng, images.Self()+"-", ref, time.Now().Add(-selfImageKeep))
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
func pruneSelfImages(ctx context.Context, eng *docker.Engine, prefix, keep string, cutoff time.Time) {
	list, err := eng.C.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("reference", prefix+"*")})
	if err != nil {
		return
	}
	for _, im := range list.Items {
		if time.Unix(im.Created, 0).After(cutoff) {
			continue
		}
		for _, tag := range im.RepoTags {
			if tag != keep && strings.HasPrefix(tag, prefix) {
				eng.C.ImageRemove(ctx, tag, client.ImageRemoveOptions{PruneChildren: true})
			}
		}
	}
}

func selfBinary(ctx context.Context, status func(string)) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the running netlab: %w", err)
	}
	if filepath.Base(exe) == "netlab" {
		if static, err := images.StaticBinary(exe); err == nil && static {
			return exe, nil
		}
	}
	exeSum, err := fileSHA256(exe)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cacheDir(), "self", exeSum[:16])
	bin := filepath.Join(dir, "netlab")
	if static, err := images.StaticBinary(bin); err == nil && static {
		return bin, nil
	}
	mod, err := moduleDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	status("building a static netlab from " + mod + " for netlab's own image (once)")
	tmp, err := os.MkdirTemp(dir, "build")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	built, err := images.SelfBinary(ctx, mod, tmp)
	if err != nil {
		return "", err
	}
	if err := os.Rename(built, bin); err != nil {
		return "", err
	}
	return bin, nil
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

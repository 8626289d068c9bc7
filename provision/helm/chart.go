// Package helm installs pinned Helm charts through the Helm v3 SDK (no helm CLI). It finds a
// chart's archive (the user's chart directory, netlab's cache, or the chart's pinned URL),
// verifies the archive's digest whichever way it came, and reconciles a release to it: installed
// when absent, upgraded when the chart version or the values differ, left alone otherwise.
//
// This file finds and verifies archives; release.go drives the releases.
package helm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Chart is one chart at one version, pinned by the SHA-256 of its archive (the digest a chart
// repository's index.yaml lists for it).
type Chart struct {
	Name    string // the chart's name, "cilium"
	Version string // its version, "1.18.4"
	URL     string // where the archive is fetched from on first use
	Digest  string // "sha256:" and 64 hex digits
}

// File is the archive's conventional file name, NAME-VERSION.tgz.
func (c Chart) File() string { return c.Name + "-" + c.Version + ".tgz" }

// Source finds chart archives.
type Source struct {
	// Dir is a directory of archives the user supplies (--charts), read first. Empty: none.
	Dir string
	// Cache is where fetched archives are kept (named by digest). Empty: no cache.
	Cache string
	// Offline forbids fetching: an archive must be in Dir or Cache.
	Offline bool
	// Fetch gets a URL's body; nil means HTTP GET with a 2-minute bound.
	Fetch func(ctx context.Context, url string) ([]byte, error)
}

// DefaultCache is netlab's chart cache under the user's cache directory.
func DefaultCache() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "netlab", "charts")
}

// MaxArchive bounds an archive's size (Cilium's chart is a few hundred KiB).
const MaxArchive = 64 << 20

// Archive returns chart c's archive, verified against c.Digest: from s.Dir, then s.Cache, then
// c.URL (saved into s.Cache). A file in Dir or Cache whose digest differs is an error that names
// it; it is never used.
func (s Source) Archive(ctx context.Context, c Chart) ([]byte, error) {
	if err := checkDigest(c.Digest); err != nil {
		return nil, fmt.Errorf("chart %s %s: %w", c.Name, c.Version, err)
	}
	if s.Dir != "" {
		p := filepath.Join(s.Dir, c.File())
		data, err := readBounded(p)
		switch {
		case err == nil:
			if err := verify(data, c); err != nil {
				return nil, fmt.Errorf("%s: %w; replace it with the archive of %s", p, err, c.URL)
			}
			return data, nil
		case !errors.Is(err, os.ErrNotExist):
			return nil, err
		}
	}
	cached := ""
	if s.Cache != "" {
		cached = filepath.Join(s.Cache, strings.TrimPrefix(c.Digest, "sha256:")+"-"+c.File())
		if data, err := readBounded(cached); err == nil {
			if err := verify(data, c); err != nil {
				return nil, fmt.Errorf("%s: %w; delete it and run again to fetch it anew", cached, err)
			}
			return data, nil
		}
	}
	if s.Offline {
		where := "no chart directory was given"
		if s.Dir != "" {
			where = "it is not in " + s.Dir
		}
		return nil, fmt.Errorf("chart %s %s is needed and --offline forbids fetching it (%s, and not in the cache): put %s (from %s, %s) in a directory and pass --charts DIR",
			c.Name, c.Version, where, c.File(), c.URL, c.Digest)
	}
	fetch := s.Fetch
	if fetch == nil {
		fetch = httpGet
	}
	data, err := fetch(ctx, c.URL)
	if err != nil {
		return nil, fmt.Errorf("chart %s %s: fetching %s: %w (on a host without access, pass --charts DIR with %s)", c.Name, c.Version, c.URL, err, c.File())
	}
	if err := verify(data, c); err != nil {
		return nil, fmt.Errorf("chart %s %s from %s: %w; the repository serves another archive under that version, so netlab refuses it", c.Name, c.Version, c.URL, err)
	}
	if cached != "" {
		if err := writeAtomic(cached, data); err != nil {
			return nil, fmt.Errorf("chart %s %s: caching it: %w", c.Name, c.Version, err)
		}
	}
	return data, nil
}

func checkDigest(d string) error {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 64 {
		return fmt.Errorf("digest %q is not sha256:<64 hex digits>", d)
	}
	if _, err := hex.DecodeString(h); err != nil {
		return fmt.Errorf("digest %q is not sha256:<64 hex digits>", d)
	}
	return nil
}

// Digest is the "sha256:..." digest of an archive.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func verify(data []byte, c Chart) error {
	if got := Digest(data); got != c.Digest {
		return fmt.Errorf("its digest is %s, not the pinned %s of %s %s", got, c.Digest, c.Name, c.Version)
	}
	return nil
}

func readBounded(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxArchive+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxArchive {
		return nil, fmt.Errorf("%s is larger than %d bytes: not a chart archive", p, MaxArchive)
	}
	return data, nil
}

func writeAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".chart-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone after the rename; removes a failed write
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

func httpGet(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxArchive+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxArchive {
		return nil, fmt.Errorf("larger than %d bytes: not a chart archive", MaxArchive)
	}
	return data, nil
}

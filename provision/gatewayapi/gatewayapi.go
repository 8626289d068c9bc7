// Package gatewayapi reads the Gateway API's CustomResourceDefinitions that 'up' installs in a
// cluster whose ingress serves the Gateway API (ingress: {gatewayAPI: true}). They are the
// standard channel of Version, generated on this host from the project's Go types by the
// project's own generator (ci/gateway-api-crds.sh), kept in netlab's CRD cache, and checked
// against the digest pinned here before use: netlab neither commits nor downloads them.
package gatewayapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

const (
	// Version is the Gateway API release whose CRDs are installed: the one Traefik v3.6 implements.
	Version = "v1.4.0"
	// BundleSHA256 is the digest of the generator's output for Version, the standard channel's
	// six CRDs in one file sorted by file name (ci/gateway-api-crds.sh).
	BundleSHA256 = "519b4d858eca0e46486e2c6c436f566f0ecab1754e6c8876c63079e43c6f7fac"
	// BuildCommand makes the bundle on a host with Go and a module proxy (or a filled module cache).
	BuildCommand = "bash ci/gateway-api-crds.sh"
	// maxBundle bounds the file read (the bundle is about 700 KB).
	maxBundle = 16 << 20
)

// BundleFile is the bundle's file name in the CRD cache.
func BundleFile() string { return "gateway-api-" + Version + "-standard.yaml" }

// DefaultDir is netlab's CRD cache: $NETLAB_CRD_CACHE, or netlab/crds under the user's cache
// directory (the script's default as well).
func DefaultDir() string {
	if d := os.Getenv("NETLAB_CRD_CACHE"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "netlab", "crds")
}

// ErrMissing is the error of CRDs when the bundle is not in the cache.
var ErrMissing = errors.New("the Gateway API CRDs are not built on this host")

// CRDs reads the bundle from dir, checks its digest and returns its CRDs in file order.
func CRDs(dir string) ([]*unstructured.Unstructured, error) {
	path := filepath.Join(dir, BundleFile())
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (%s): run '%s' once (Go and the module proxy, about a minute), or set NETLAB_CRD_CACHE to where it wrote them", ErrMissing, path, BuildCommand)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBundle+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return parse(path, data, BundleSHA256)
}

// parse checks data's digest against want and decodes its CustomResourceDefinitions.
func parse(path string, data []byte, want string) ([]*unstructured.Unstructured, error) {
	if len(data) > maxBundle {
		return nil, fmt.Errorf("%s: larger than %d bytes, not the Gateway API's CRDs", path, maxBundle)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != want {
		return nil, fmt.Errorf("%s: sha256 %s, want %s (Gateway API %s, standard channel); delete it and run '%s' again", path, got, want, Version, BuildCommand)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 64<<10)
	var out []*unstructured.Unstructured
	for {
		var o unstructured.Unstructured
		if err := dec.Decode(&o.Object); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if o.Object == nil {
			continue
		}
		if o.GetKind() != "CustomResourceDefinition" {
			return nil, fmt.Errorf("%s: a %s among the CRDs", path, o.GetKind())
		}
		out = append(out, &o)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no CustomResourceDefinition", path)
	}
	return out, nil
}

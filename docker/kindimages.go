package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/moby/moby/client"

	"github.com/netlab-dev/netlab/internal/status"
)

// KindImageLoad says which images to put into the node containers of one kind cluster.
type KindImageLoad struct {
	// KindCluster is kind's cluster name; its node containers carry LabelKindCluster=KindCluster.
	KindCluster string
	// Images must be on the host's engine already: loading never pulls ('netlab up' makes sure of
	// every image a lab needs, pulling or refusing, before it creates anything).
	Images []string
	// Label prefixes the status lines ("[c1]").
	Label string
}

// MissingImagesError names images a node lacks that are not on the host's engine either.
type MissingImagesError struct {
	KindCluster string
	Images      []string
}

func (e *MissingImagesError) Error() string {
	return fmt.Sprintf("image(s) %s are needed by the nodes of kind cluster %s and are not on this host's Docker engine (removed since 'netlab up' checked them?); run 'netlab up' again, which checks every image the lab needs before it does anything", strings.Join(e.Images, ", "), e.KindCluster)
}

// LoadKindImages makes every image of l present in the containerd (namespace k8s.io) of every node
// container of kind cluster l.KindCluster, with no pull anywhere. Images a node already has are
// skipped. The others are read from the host's engine once, as one archive ('docker save'), and
// imported into each node that lacks them with ctr, as kind's 'load docker-image' does. An image
// missing on the host is a *MissingImagesError.
func (e *Engine) LoadKindImages(ctx context.Context, st *status.Status, l KindImageLoad) error {
	return loadKindImages(ctx, e, status.Or(st), l)
}

// nodeImages is what loading images into kind's nodes needs from the engine.
type nodeImages interface {
	KindNodes(ctx context.Context, kindCluster string) ([]string, error)
	ImageID(ctx context.Context, ref string) (string, error)
	SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error)
	Exec(ctx context.Context, name string, cmd []string, stdin io.Reader) (ExecResult, error)
}

func loadKindImages(ctx context.Context, eng nodeImages, st *status.Status, l KindImageLoad) error {
	nodes, err := eng.KindNodes(ctx, l.KindCluster)
	if err != nil {
		return err
	}
	if len(nodes) == 0 {
		return fmt.Errorf("kind cluster %s has no node containers (label %s=%s); run 'netlab up' to create it", l.KindCluster, LabelKindCluster, l.KindCluster)
	}
	hostIDs := map[string]string{} // ref → its ID on the host ("" when the host lacks it)
	for _, ref := range l.Images {
		id, err := eng.ImageID(ctx, ref)
		if err != nil {
			return err
		}
		hostIDs[ref] = id
	}
	need := map[string][]string{} // node → images it lacks, or holds in another build than the host's
	for _, n := range nodes {
		for _, ref := range l.Images {
			id, err := nodeImageID(ctx, eng, n, ref)
			if err != nil {
				return err
			}
			if id.missing() || (hostIDs[ref] != "" && !id.is(hostIDs[ref])) {
				need[n] = append(need[n], ref)
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	var missing, onHost []string
	for _, ref := range l.Images {
		if !neededBy(need, ref) {
			continue
		}
		if hostIDs[ref] != "" {
			onHost = append(onHost, ref)
		} else {
			missing = append(missing, ref)
		}
	}
	if len(missing) > 0 {
		return &MissingImagesError{KindCluster: l.KindCluster, Images: missing}
	}
	rc, err := eng.SaveImages(ctx, onHost)
	if err != nil {
		return err
	}
	archive, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("read images %s from the host: %w", strings.Join(onHost, ", "), err)
	}
	targets := make([]string, 0, len(need))
	for n := range need {
		targets = append(targets, n)
	}
	sort.Strings(targets)
	var wg sync.WaitGroup
	errs := make([]error, len(targets))
	for i, n := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.V(1).Printf("   %s loading %d image(s) into %s", l.Label, len(onHost), n)
			errs[i] = importArchive(ctx, eng, n, archive)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func neededBy(need map[string][]string, ref string) bool {
	for _, refs := range need {
		for _, r := range refs {
			if r == ref {
				return true
			}
		}
	}
	return false
}

// KindNodes lists the node containers of kind cluster kindCluster; one that is not running is an
// error, since nothing can be loaded into it.
func (e *Engine) KindNodes(ctx context.Context, kindCluster string) ([]string, error) {
	cs, err := e.c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", LabelKindCluster+"="+kindCluster)})
	if err != nil {
		return nil, fmt.Errorf("list the node containers of kind cluster %s: %w", kindCluster, err)
	}
	var out []string
	for _, c := range cs.Items {
		name := c.ID
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		if c.State != "running" {
			return nil, fmt.Errorf("node container %s of kind cluster %s is %s; start it ('docker start %s') or run 'netlab up' again", name, kindCluster, c.State, name)
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// nodeID is how a node's containerd knows an image: the digest of its manifest and of its config.
// The host's engine names an image by one of them: Docker's classic image store by the config's
// digest, the containerd image store (Docker 29's default) by the manifest's, which a node imports
// unchanged from the archive the host saved.
type nodeID struct {
	Manifest, Config string
	// Unknown: the node holds ref but its config cannot be read (its record is an index of
	// several platforms, not one manifest); it is taken to be the host's.
	Unknown bool
}

func (n nodeID) missing() bool { return n.Manifest == "" && !n.Unknown }

// is reports whether the node holds the image the host knows by id.
func (n nodeID) is(id string) bool { return n.Unknown || id == n.Manifest || id == n.Config }

// nodeImageID is how the node's containerd knows image ref, so that an image rebuilt on the host
// under the same tag is loaded again, as kind's own loader does: the zero nodeID when the node
// lacks ref. It asks ctr (the hermetic node image has no crictl): the image's manifest digest, then
// the manifest's config.
func nodeImageID(ctx context.Context, eng nodeImages, node, ref string) (nodeID, error) {
	name := normalize(ref)
	r, err := eng.Exec(ctx, node, []string{"ctr", "--namespace=k8s.io", "images", "ls", "name==" + name}, nil)
	if err != nil {
		return nodeID{}, fmt.Errorf("ask node %s for its images: %w", node, err)
	}
	if r.ExitCode != 0 {
		return nodeID{}, nil
	}
	var manifest string
	for _, line := range strings.Split(string(r.Stdout), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == name {
			manifest = f[2]
		}
	}
	if manifest == "" {
		return nodeID{}, nil
	}
	r, err = eng.Exec(ctx, node, []string{"ctr", "--namespace=k8s.io", "content", "get", manifest}, nil)
	if err != nil {
		return nodeID{}, fmt.Errorf("ask node %s for image %s: %w", node, ref, err)
	}
	var m struct {
		Config struct {
			Digest string `json:"digest"`
		} `json:"config"`
	}
	if r.ExitCode != 0 || json.Unmarshal(r.Stdout, &m) != nil || m.Config.Digest == "" {
		return nodeID{Manifest: manifest, Unknown: true}, nil
	}
	return nodeID{Manifest: manifest, Config: m.Config.Digest}, nil
}

// importArchive imports an image archive into the node's containerd with the snapshotter the
// node's containerd is configured with, as kind's nodeutils.LoadImageArchive does.
func importArchive(ctx context.Context, eng nodeImages, node string, archive []byte) error {
	r, err := eng.Exec(ctx, node, []string{"containerd", "config", "dump"}, nil)
	if err != nil || r.ExitCode != 0 {
		return fmt.Errorf("load images into node %s: read its containerd config: %v%s", node, err, stderrOf(r))
	}
	snap, err := snapshotter(r.Stdout)
	if err != nil {
		return fmt.Errorf("load images into node %s: %w", node, err)
	}
	r, err = eng.Exec(ctx, node, []string{"ctr", "--namespace=k8s.io", "images", "import", "--all-platforms", "--digests", "--snapshotter=" + snap, "-"}, bytes.NewReader(archive))
	if err != nil {
		return fmt.Errorf("load images into node %s: %w", node, err)
	}
	if r.ExitCode != 0 {
		return fmt.Errorf("load images into node %s: ctr images import exited %d%s", node, r.ExitCode, stderrOf(r))
	}
	return nil
}

func stderrOf(r ExecResult) string {
	if s := strings.TrimSpace(string(r.Stderr)); s != "" {
		return ": " + s
	}
	return ""
}

// snapshotter reads the image snapshotter from 'containerd config dump' (config version 2, or 3
// and 4 of containerd 2).
func snapshotter(config []byte) (string, error) {
	var c struct {
		Version int                       `toml:"version"`
		Plugins map[string]map[string]any `toml:"plugins"`
	}
	if _, err := toml.Decode(string(config), &c); err != nil {
		return "", fmt.Errorf("parse its containerd config: %w", err)
	}
	var s any
	switch c.Version {
	case 2:
		if cri, ok := c.Plugins["io.containerd.grpc.v1.cri"]["containerd"].(map[string]any); ok {
			s = cri["snapshotter"]
		}
	case 3, 4:
		s = c.Plugins["io.containerd.cri.v1.images"]["snapshotter"]
	default:
		return "", fmt.Errorf("its containerd config has version %d; netlab reads versions 2, 3 and 4", c.Version)
	}
	if name, ok := s.(string); ok && name != "" {
		return name, nil
	}
	return "", fmt.Errorf("its containerd config (version %d) names no image snapshotter", c.Version)
}

// normalize expands a short reference the way containerd names images (docker.io/library/…).
func normalize(ref string) string {
	name, tag := ref, ""
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name, tag = ref[:i], ref[i:]
	}
	first, _, hasSlash := strings.Cut(name, "/")
	switch {
	case !hasSlash:
		name = "docker.io/library/" + name
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		name = "docker.io/" + name
	}
	if tag == "" && !strings.Contains(ref, "@") {
		tag = ":latest"
	}
	return name + tag
}

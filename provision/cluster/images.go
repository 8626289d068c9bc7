package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/moby/moby/client"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
)

// ImageSource is what side-loading needs from the host's Docker engine.
type ImageSource interface {
	ImageInspect(ctx context.Context, ref string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageSave(ctx context.Context, refs []string, opts ...client.ImageSaveOption) (client.ImageSaveResult, error)
	ImagePull(ctx context.Context, ref string, opts client.ImagePullOptions) (client.ImagePullResponse, error)
}

// MissingImageError names images that are on neither the host nor the nodes while offline.
type MissingImageError struct{ Images []string }

func (e *MissingImageError) Error() string {
	return fmt.Sprintf("offline mode: image(s) %s are not on this host's Docker engine and netlab will not pull them; build them (ci/images builds every image a lab needs, see docs/ci.md) or load them with 'docker load', then run 'netlab up' again", strings.Join(e.Images, ", "))
}

// LoadImages makes every ref present in every node's containerd (namespace k8s.io), with no pull
// inside the nodes. Images already on a node are skipped. The others are read from the host's
// engine once, as one archive, and imported into each node that lacks them. An image missing on
// the host is pulled once on the host, unless offline, which fails naming it.
func LoadImages(ctx context.Context, src ImageSource, ns []nodes.Node, refs []string, offline bool, status Status) error {
	need := map[string][]nodes.Node{} // ref → nodes lacking it
	for _, n := range ns {
		for _, ref := range refs {
			if !nodeHasImage(n, ref) {
				need[ref] = append(need[ref], n)
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	var missing, onHost []string
	for _, ref := range refs {
		if _, ok := need[ref]; !ok {
			continue
		}
		if _, err := src.ImageInspect(ctx, ref); err == nil {
			onHost = append(onHost, ref)
			continue
		}
		if offline {
			missing = append(missing, ref)
			continue
		}
		if status != nil {
			status("pulling " + ref + " on the host (once)")
		}
		resp, err := src.ImagePull(ctx, ref, client.ImagePullOptions{})
		if err == nil {
			err = resp.Wait(ctx)
		}
		if err != nil {
			return fmt.Errorf("image %s is not on this host and pulling it failed: %w; on a host without a registry use offline mode and build the images locally", ref, err)
		}
		onHost = append(onHost, ref)
	}
	if len(missing) > 0 {
		return &MissingImageError{Images: missing}
	}
	rc, err := src.ImageSave(ctx, onHost)
	if err != nil {
		return fmt.Errorf("read images %s from the host: %w", strings.Join(onHost, ", "), err)
	}
	archive, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("read images from the host: %w", err)
	}
	targets := map[string]nodes.Node{}
	for _, list := range need {
		for _, n := range list {
			targets[n.String()] = n
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for name, n := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status != nil {
				status(fmt.Sprintf("loading %d image(s) into %s", len(onHost), name))
			}
			if err := nodeutils.LoadImageArchive(n, bytes.NewReader(archive)); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("load images into node %s: %w", name, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// nodeHasImage asks the node's containerd (ctr; the hermetic node image has no crictl).
func nodeHasImage(n nodes.Node, ref string) bool {
	var out bytes.Buffer
	cmd := n.Command("ctr", "--namespace=k8s.io", "images", "ls", "-q", "name=="+normalize(ref))
	cmd.SetStdout(&out)
	if err := cmd.Run(); err != nil {
		return false
	}
	return strings.TrimSpace(out.String()) != ""
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

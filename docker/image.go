package docker

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// ImageExists reports whether the image ref is on the host's engine.
func (e *Engine) ImageExists(ctx context.Context, ref string) (bool, error) {
	_, err := e.c.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("inspect image %s: %w", ref, err)
}

// ImageID is the ID of image ref on the host's engine (the digest of its config, "sha256:…"), or
// "" when the host does not have it.
func (e *Engine) ImageID(ctx context.Context, ref string) (string, error) {
	im, err := e.c.ImageInspect(ctx, ref)
	if err == nil {
		return im.ID, nil
	}
	if isNotFound(err) {
		return "", nil
	}
	return "", fmt.Errorf("inspect image %s: %w", ref, err)
}

// Image is one image on the host, by its tags.
type Image struct {
	Tags    []string
	Created time.Time
}

// Images lists the images whose reference matches pattern (Docker's reference filter, e.g.
// "netlab.local/netlab:v1-*").
func (e *Engine) Images(ctx context.Context, pattern string) ([]Image, error) {
	list, err := e.c.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("reference", pattern)})
	if err != nil {
		return nil, fmt.Errorf("list images %s: %w", pattern, err)
	}
	var out []Image
	for _, im := range list.Items {
		out = append(out, Image{Tags: im.RepoTags, Created: time.Unix(im.Created, 0)})
	}
	return out, nil
}

// RemoveImage removes the tag ref, not forced: Docker refuses while a container uses the image.
func (e *Engine) RemoveImage(ctx context.Context, ref string) error {
	if _, err := e.c.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true}); err != nil && !isNotFound(err) {
		return fmt.Errorf("remove image %s: %w", ref, err)
	}
	return nil
}

// BuildImage builds the tar build context (a Dockerfile at its root) into an image tagged tag,
// through the engine's build API, and waits for the build to end.
func (e *Engine) BuildImage(ctx context.Context, buildContext io.Reader, tag string, labels map[string]string) error {
	res, err := e.c.ImageBuild(ctx, buildContext, client.ImageBuildOptions{
		Tags: []string{tag}, Remove: true, ForceRemove: true, Labels: labels,
	})
	if err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	defer res.Body.Close()
	// The build streams JSON messages; an error message ends it.
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.Error != "" {
			return fmt.Errorf("build %s: %s", tag, m.Error)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	return nil
}

// PullImage pulls ref onto the host and waits for the pull to end.
func (e *Engine) PullImage(ctx context.Context, ref string) error {
	resp, err := e.c.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err == nil {
		err = resp.Wait(ctx)
	}
	if err != nil {
		return fmt.Errorf("pull %s: %w", ref, err)
	}
	return nil
}

// SaveImages streams refs from the host as one image archive ('docker save').
func (e *Engine) SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error) {
	rc, err := e.c.ImageSave(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("read images %v from the host: %w", refs, err)
	}
	return rc, nil
}

// ImageInfo is what the engine knows of one local image.
type ImageInfo struct {
	// ID is the image's content-addressable ID (sha256:…): the digest of its config on Docker's
	// classic image store, of its manifest on the containerd image store (Docker 29's default).
	// The same image has the same ID on every host of one store, not across the two: see Same.
	ID string `json:"id"`
	// Layers are its layers' diff IDs (the digests of their uncompressed contents) and Created
	// the instant its config records: the same in both stores.
	Layers  []string `json:"layers,omitempty"`
	Created string   `json:"created,omitempty"`
	// RepoDigests are the registry manifest digests it was pulled by; empty for an image built or
	// loaded here.
	RepoDigests []string `json:"repoDigests,omitempty"`
	// Size is the bytes of all its layers.
	Size int64 `json:"size"`
	// Labels are the image's labels (not written where ImageInfo is kept, e.g. bundle manifests).
	Labels map[string]string `json:"-"`
}

// Same reports whether o is the image i is: the same ID, or, when one of them comes from the other
// image store (an image saved from Docker 20.10 and loaded into Docker 29), the same layers created
// at the same instant. What only one side records does not count as a match.
func (i ImageInfo) Same(o ImageInfo) bool {
	if i.ID != "" && i.ID == o.ID {
		return true
	}
	return len(i.Layers) > 0 && slices.Equal(i.Layers, o.Layers) && i.Created != "" && i.Created == o.Created
}

// InspectImage returns what the engine knows of ref, and false when ref is not on the host.
func (e *Engine) InspectImage(ctx context.Context, ref string) (ImageInfo, bool, error) {
	res, err := e.c.ImageInspect(ctx, ref)
	if err != nil {
		if isNotFound(err) {
			return ImageInfo{}, false, nil
		}
		return ImageInfo{}, false, fmt.Errorf("inspect image %s: %w", ref, err)
	}
	info := ImageInfo{ID: res.ID, RepoDigests: res.RepoDigests, Size: res.Size, Created: res.Created}
	if res.RootFS.Type != "" {
		info.Layers = res.RootFS.Layers
	}
	if res.Config != nil {
		info.Labels = res.Config.Labels
	}
	return info, true, nil
}

// LoadImages reads an image archive ('docker save' format, OCI or Docker's) into the engine, as
// 'docker load' does, and returns the references it reported loading. The engine reads the archive
// whole before it registers anything, so an archive that ends early or an r that fails leaves no
// image behind.
func (e *Engine) LoadImages(ctx context.Context, r io.Reader) ([]string, error) {
	res, err := e.c.ImageLoad(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("load images: %w", err)
	}
	defer res.Close()
	return loadedImages(res)
}

// loadedImages reads the engine's answer to a load: JSON messages, "Loaded image: REF" lines in
// their stream field, an error field when it failed.
func loadedImages(r io.Reader) ([]string, error) {
	var loaded []string
	dec := json.NewDecoder(r)
	for {
		var m struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&m); err == io.EOF {
			return loaded, nil
		} else if err != nil {
			return loaded, fmt.Errorf("load images: read the engine's answer: %w", err)
		}
		if m.Error != "" {
			return loaded, fmt.Errorf("load images: %s", m.Error)
		}
		for _, line := range strings.Split(m.Stream, "\n") {
			for _, prefix := range []string{"Loaded image: ", "Loaded image ID: "} {
				if ref, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
					loaded = append(loaded, ref)
				}
			}
		}
	}
}

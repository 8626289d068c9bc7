package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/netlab-dev/netlab/internal/status"
)

// Labels of a derived node image.
const (
	// LabelDerivedKey is the content key a derived node image was built for.
	LabelDerivedKey = "netlab.dev/derived-key"
	// LabelDerivedFrom is the node image it was derived from.
	LabelDerivedFrom = "netlab.dev/derived-from"
	// LabelDerivedImages are the images baked into it, comma-separated.
	LabelDerivedImages = "netlab.dev/derived-images"
)

// DerivedNodeImage says how to build a kind node image with images baked in: Base's file system,
// with every image of Images imported into its containerd (namespace k8s.io) and pinned, tagged Tag.
type DerivedNodeImage struct {
	Base   string
	Images []string
	Tag    string
	// Key is recorded as the label LabelDerivedKey.
	Key string
}

// BuildDerivedNodeImage builds d in a throwaway container with no network, the way kind builds its
// node images: the container runs the base image's containerd; the images are streamed from the
// host's engine ('docker save') into 'ctr images import' (not unpacked: the node's containerd
// unpacks an image the first time a Pod runs it, as it does for kind's own preloaded images); each
// is pinned (io.cri-containerd.pinned=pinned, so the kubelet's image GC never removes it); the
// containerd is stopped and the container committed as d.Tag with the base image's entrypoint and
// command. The bytes streamed show as a progress bar on st. The container is removed in every case.
func (e *Engine) BuildDerivedNodeImage(ctx context.Context, st *status.Status, d DerivedNodeImage) error {
	return buildDerived(ctx, engineBuilder{e}, status.Or(st), d)
}

// imageConfig is what a derived image keeps of its base image's configuration.
type imageConfig struct {
	Entrypoint, Cmd []string
	// Volumes are the base image's VOLUME paths; one over /var would hide the baked images.
	Volumes []string
	// Size is the bytes of its layers.
	Size int64
}

// derivedBuilder is what building a derived node image needs from the engine.
type derivedBuilder interface {
	imageConfig(ctx context.Context, ref string) (imageConfig, error)
	imageSize(ctx context.Context, refs []string) (int64, error)
	runBuildContainer(ctx context.Context, name, image string, entrypoint []string) (id string, err error)
	Exec(ctx context.Context, name string, cmd []string, stdin io.Reader) (ExecResult, error)
	SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error)
	stopContainer(ctx context.Context, id string, signal string, timeout time.Duration) error
	commit(ctx context.Context, id, tag string, changes []string) error
	removeContainer(ctx context.Context, id string) error
}

// containerdUp is how long the build container's containerd may take to answer.
var containerdUp = 30 * time.Second

func buildDerived(ctx context.Context, eng derivedBuilder, st *status.Status, d DerivedNodeImage) (err error) {
	if d.Base == "" || d.Tag == "" || len(d.Images) == 0 {
		return fmt.Errorf("derived node image: needs a base image, a tag and at least one image (base %q, tag %q, %d images)", d.Base, d.Tag, len(d.Images))
	}
	base, err := eng.imageConfig(ctx, d.Base)
	if err != nil {
		return err
	}
	for _, v := range base.Volumes {
		if v == "/var" || v == "/var/lib" || strings.HasPrefix(v, "/var/lib/containerd") {
			return fmt.Errorf("node image %s declares VOLUME %s, which would hide the images baked into its containerd; run 'netlab up --no-derived-image'", d.Base, v)
		}
	}
	if len(base.Entrypoint) == 0 {
		return fmt.Errorf("node image %s has no entrypoint; it is not a kind node image (check --node-image)", d.Base)
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix) // never fails (crypto/rand)
	name := "netlab-derive-" + shortKey(d.Key) + "-" + hex.EncodeToString(suffix)
	id, err := eng.runBuildContainer(ctx, name, d.Base, []string{"containerd"})
	if id != "" {
		defer func() {
			// The context may be ended (interrupted): the removal still has to happen.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if rerr := eng.removeContainer(rctx, id); rerr != nil && err == nil {
				err = rerr
			}
		}()
	}
	if err != nil {
		return err
	}
	t0 := time.Now()
	phase := func(what string) {
		st.V(1).Printf("   %s: %s after %.1f s", d.Tag, what, time.Since(t0).Seconds())
	}
	if err := waitContainerd(ctx, eng, id); err != nil {
		return err
	}
	phase("the build container's containerd answers")
	size, err := eng.imageSize(ctx, d.Images)
	if err != nil {
		return err
	}
	rc, err := eng.SaveImages(ctx, d.Images)
	if err != nil {
		return err
	}
	prog := st.Progress(fmt.Sprintf("baking %d image(s) into %s", len(d.Images), d.Tag), size)
	r, err := eng.Exec(ctx, id, []string{"ctr", "--namespace=k8s.io", "images", "import", "--all-platforms", "--no-unpack", "-"}, io.TeeReader(rc, prog))
	rc.Close()
	prog.Done()
	if err != nil {
		return fmt.Errorf("derived node image %s: import the images: %w", d.Tag, err)
	}
	if r.ExitCode != 0 {
		return fmt.Errorf("derived node image %s: ctr images import exited %d%s", d.Tag, r.ExitCode, stderrOf(r))
	}
	phase("imported")
	for _, ref := range d.Images {
		r, err := eng.Exec(ctx, id, []string{"ctr", "--namespace=k8s.io", "images", "label", normalize(ref), "io.cri-containerd.pinned=pinned"}, nil)
		if err == nil && r.ExitCode != 0 {
			err = fmt.Errorf("ctr images label exited %d%s (the archive did not name it %s)", r.ExitCode, stderrOf(r), normalize(ref))
		}
		if err != nil {
			return fmt.Errorf("derived node image %s: pin %s: %w", d.Tag, ref, err)
		}
	}
	// containerd shuts down cleanly on SIGTERM, with its metadata database closed.
	if err := eng.stopContainer(ctx, id, "SIGTERM", 30*time.Second); err != nil {
		return fmt.Errorf("derived node image %s: stop the build container: %w", d.Tag, err)
	}
	phase("pinned, containerd stopped")
	changes, err := restoreChanges(base, d)
	if err != nil {
		return err
	}
	if err := eng.commit(ctx, id, d.Tag, changes); err != nil {
		return fmt.Errorf("derived node image %s: commit: %w", d.Tag, err)
	}
	phase("committed")
	return nil
}

// waitContainerd waits until the build container's containerd answers.
func waitContainerd(ctx context.Context, eng derivedBuilder, id string) error {
	deadline := time.Now().Add(containerdUp)
	var last string
	for {
		r, err := eng.Exec(ctx, id, []string{"ctr", "version"}, nil)
		if err == nil && r.ExitCode == 0 {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = strings.TrimSpace(string(r.Stderr))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("derived node image: the build container's containerd did not answer within %s (%s); run 'netlab up --no-derived-image'", containerdUp, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// restoreChanges are the Dockerfile instructions that give the committed image its base image's
// entrypoint and command back (the build container ran containerd instead), and its labels.
func restoreChanges(base imageConfig, d DerivedNodeImage) ([]string, error) {
	ep, err := json.Marshal(base.Entrypoint)
	if err != nil {
		return nil, err
	}
	cmd := base.Cmd
	if cmd == nil {
		cmd = []string{}
	}
	c, err := json.Marshal(cmd)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{
		LabelDerivedKey:    d.Key,
		LabelDerivedFrom:   d.Base,
		LabelDerivedImages: strings.Join(d.Images, ","),
	}
	keys := slices.Sorted(maps.Keys(labels))
	kv := make([]string, 0, len(keys))
	for _, k := range keys {
		v, err := json.Marshal(labels[k]) // a JSON string is a valid quoted LABEL value
		if err != nil {
			return nil, err
		}
		kv = append(kv, k+"="+string(v))
	}
	return []string{"ENTRYPOINT " + string(ep), "CMD " + string(c), "LABEL " + strings.Join(kv, " ")}, nil
}

func shortKey(k string) string {
	if len(k) > 12 {
		return k[:12]
	}
	return k
}

// engineBuilder is derivedBuilder over the engine's API.
type engineBuilder struct{ e *Engine }

func (b engineBuilder) imageConfig(ctx context.Context, ref string) (imageConfig, error) {
	res, err := b.e.c.ImageInspect(ctx, ref)
	if err != nil {
		return imageConfig{}, fmt.Errorf("inspect node image %s: %w", ref, err)
	}
	out := imageConfig{Size: res.Size}
	if res.Config != nil {
		out.Entrypoint, out.Cmd = res.Config.Entrypoint, res.Config.Cmd
		for v := range res.Config.Volumes {
			out.Volumes = append(out.Volumes, v)
		}
		slices.Sort(out.Volumes)
	}
	return out, nil
}

func (b engineBuilder) imageSize(ctx context.Context, refs []string) (int64, error) {
	var n int64
	for _, ref := range refs {
		info, ok, err := b.e.InspectImage(ctx, ref)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("image %s is not on this host's Docker engine (removed since 'netlab up' checked it?); run 'netlab up' again", ref)
		}
		n += info.Size
	}
	return n, nil
}

func (b engineBuilder) runBuildContainer(ctx context.Context, name, image string, entrypoint []string) (string, error) {
	res, err := b.e.c.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: name,
		Config: &container.Config{
			// No label: the committed image (and every node run from it) would inherit it.
			Image: image, Entrypoint: entrypoint, Cmd: []string{},
		},
		// No network: nothing in the build talks to anything. Privileged, as kind's node image
		// builder runs it, for containerd's mounts.
		HostConfig: &container.HostConfig{NetworkMode: "none", Privileged: true},
	})
	if err != nil {
		return "", fmt.Errorf("create the build container %s from %s: %w", name, image, err)
	}
	if _, err := b.e.c.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		return res.ID, fmt.Errorf("start the build container %s: %w", name, err)
	}
	return res.ID, nil
}

func (b engineBuilder) Exec(ctx context.Context, id string, cmd []string, stdin io.Reader) (ExecResult, error) {
	return b.e.Exec(ctx, id, cmd, stdin)
}

func (b engineBuilder) SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error) {
	return b.e.SaveImages(ctx, refs)
}

// stopContainer sends signal to the container's main process and waits for it to exit. (Not the
// engine's stop: engines before API 1.42 ignore its signal and send the image's StopSignal, which
// a containerd running as PID 1 does not handle.) One still running after timeout is an error.
func (b engineBuilder) stopContainer(ctx context.Context, id, signal string, timeout time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	wait := b.e.c.ContainerWait(wctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	if _, err := b.e.c.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: signal}); err != nil {
		return fmt.Errorf("send %s: %w", signal, err)
	}
	select {
	case <-wait.Result:
		return nil
	case err := <-wait.Error:
		if wctx.Err() != nil {
			return fmt.Errorf("still running %s after %s", timeout, signal)
		}
		return err
	}
}

func (b engineBuilder) commit(ctx context.Context, id, tag string, changes []string) error {
	_, err := b.e.c.ContainerCommit(ctx, id, client.ContainerCommitOptions{Reference: tag, Changes: changes, Comment: "netlab derived node image"})
	return err
}

func (b engineBuilder) removeContainer(ctx context.Context, id string) error {
	if _, err := b.e.c.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !isNotFound(err) {
		return fmt.Errorf("remove the build container %s: %w", id, err)
	}
	return nil
}

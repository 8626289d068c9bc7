package labimages

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/version"
)

// A bundle is one tar file: first ManifestName (what it holds, for whom), then the images exactly
// as the engine's save wrote them. Since the manifest is just one more file at the root, the
// bundle is also a valid archive for 'docker load'.
const (
	// ManifestName is the bundle's first entry.
	ManifestName = "netlab-bundle.json"
	// Format names this layout in the manifest.
	Format = "netlab-bundle/v1"
)

// Manifest says what a bundle holds.
type Manifest struct {
	Format string `json:"format"`
	// Netlab is the version of the netlab that wrote it.
	Netlab   string    `json:"netlab"`
	Scenario string    `json:"scenario"`
	Lab      string    `json:"lab"`
	Created  time.Time `json:"created"`
	Images   []Saved   `json:"images"`
}

// Saved is one image in a bundle, as the saving host had it.
type Saved struct {
	Ref       string `json:"ref"`
	Role      Role   `json:"role"`
	Component string `json:"component"`
	docker.ImageInfo
}

// ParseManifest reads a bundle's manifest and refuses one this netlab cannot use, saying why.
func ParseManifest(data []byte) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("%s is not valid: %w", ManifestName, err)
	}
	if m.Format != Format {
		return m, fmt.Errorf("%s: format %q, this netlab reads %q; save the bundle again with this netlab", ManifestName, m.Format, Format)
	}
	if len(m.Images) == 0 {
		return m, fmt.Errorf("%s: lists no images", ManifestName)
	}
	for i, im := range m.Images {
		if im.Ref == "" || im.ID == "" {
			return m, fmt.Errorf("%s: images[%d]: needs both ref and id", ManifestName, i)
		}
	}
	return m, nil
}

// Saver is what Save needs from the engine.
type Saver interface {
	Engine
	SaveImages(ctx context.Context, refs []string) (io.ReadCloser, error)
}

// Save writes the bundle of the images of l that come from a registry (netlab's own image is built
// on every host from its netlab binary, so it is left out) to w, pulling any that is missing unless
// offline, with the bytes written shown on st. scenario and lab name it in the manifest.
func Save(ctx context.Context, eng Saver, scenario, lab string, l List, offline bool, w io.Writer, st *status.Status) (Manifest, error) {
	st = status.Or(st)
	m := Manifest{Format: Format, Netlab: version.Get(), Scenario: scenario, Lab: lab, Created: time.Now().UTC().Truncate(time.Second)}
	if err := Ensure(ctx, eng, l, offline, st); err != nil {
		return m, err
	}
	var refs []string
	var total int64
	for _, im := range l {
		if !im.Pulled() {
			continue
		}
		info, ok, err := eng.InspectImage(ctx, im.Ref)
		if err != nil {
			return m, err
		}
		if !ok {
			return m, &MissingError{Images: []string{im.Ref}, Offline: offline}
		}
		if strings.Contains(im.Ref, "@") {
			st.Printf("   note: %s is pinned by a registry digest, which 'docker load' does not restore; on the loading host give a tag-only reference to the same image (--node-image)", im.Ref)
		}
		m.Images = append(m.Images, Saved{Ref: im.Ref, Role: im.Role, Component: im.Component, ImageInfo: info})
		refs = append(refs, im.Ref)
		total += info.Size
	}
	if len(refs) == 0 {
		return m, errors.New("the lab needs no image from a registry; there is nothing to bundle")
	}
	head, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	tw := tar.NewWriter(w)
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Mode: 0o644, Size: int64(len(head)), ModTime: m.Created, Typeflag: tar.TypeReg}); err != nil {
		return m, err
	}
	if _, err := tw.Write(head); err != nil {
		return m, err
	}
	// Flush pads the manifest's entry and writes no end-of-archive marker: the engine's archive,
	// appended as it is, continues the same tar and ends it.
	if err := tw.Flush(); err != nil {
		return m, err
	}
	rc, err := eng.SaveImages(ctx, refs)
	if err != nil {
		return m, err
	}
	defer rc.Close()
	prog := st.Progress(fmt.Sprintf("writing %d image(s)", len(refs)), total)
	_, err = io.Copy(io.MultiWriter(w, prog), rc)
	prog.Done()
	if err != nil {
		return m, fmt.Errorf("write the images: %w", err)
	}
	return m, nil
}

// BundleError is a bundle file netlab cannot use: which file, what is wrong, and the way out.
type BundleError struct {
	Path string
	Err  error
}

func (e *BundleError) Error() string {
	return fmt.Sprintf("bundle %s: %v; copy it again from the host that wrote it, or write a new one there with 'netlab images save SCENARIO -o FILE'", e.Path, e.Err)
}

func (e *BundleError) Unwrap() error { return e.Err }

// Loader is what Load needs from the engine.
type Loader interface {
	Engine
	LoadImages(ctx context.Context, r io.Reader) ([]string, error)
}

// Load reads the bundle at path into the engine, with the bytes read shown on st, and returns its
// manifest and its images as the host has them now. The file is checked while the engine reads it
// (its manifest first, then that the tar is whole); a file that fails the check is a *BundleError
// and the engine is cut off before it has registered anything.
func Load(ctx context.Context, eng Loader, path string, st *status.Status) (Manifest, []Local, error) {
	st = status.Or(st)
	f, err := os.Open(path)
	if err != nil {
		return Manifest{}, nil, &BundleError{Path: path, Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Manifest{}, nil, &BundleError{Path: path, Err: err}
	}
	if fi.IsDir() {
		return Manifest{}, nil, &BundleError{Path: path, Err: errors.New("is a directory, not a bundle file")}
	}
	prog := st.Progress("reading the bundle", fi.Size())
	pr, pw := io.Pipe()
	type checked struct {
		m   Manifest
		err error
	}
	done := make(chan checked, 1)
	go func() {
		m, err := check(io.TeeReader(io.TeeReader(f, prog), pw))
		pw.CloseWithError(err) // nil: the engine sees the end of the file
		done <- checked{m, err}
	}()
	loaded, loadErr := eng.LoadImages(ctx, pr)
	pr.CloseWithError(errors.New("the engine stopped reading")) // unblocks the check if the engine stopped early
	c := <-done
	prog.Done()
	if c.err != nil && !errors.Is(c.err, io.ErrClosedPipe) && !strings.Contains(c.err.Error(), "the engine stopped reading") {
		return c.m, nil, &BundleError{Path: path, Err: c.err}
	}
	if loadErr != nil {
		return c.m, nil, &BundleError{Path: path, Err: fmt.Errorf("the Docker engine refused it: %w", loadErr)}
	}
	if c.err != nil {
		return c.m, nil, &BundleError{Path: path, Err: c.err}
	}
	st.V(1).Printf("   the engine loaded: %s", strings.Join(loaded, ", "))
	now, err := Present(ctx, eng, c.m)
	return c.m, now, err
}

// check reads a bundle from r to its end: its manifest must come first and be one this netlab
// reads, the engine's own index (manifest.json) must be in it, and the tar must be whole.
func check(r io.Reader) (Manifest, error) {
	tr := tar.NewReader(r)
	h, err := tr.Next()
	if err != nil {
		return Manifest{}, fmt.Errorf("not a tar archive (%v)", err)
	}
	if h.Name != ManifestName {
		return Manifest{}, fmt.Errorf("its first entry is %s, not %s: not a netlab bundle (a plain image archive loads with 'docker load')", h.Name, ManifestName)
	}
	data, err := io.ReadAll(io.LimitReader(tr, 1<<20))
	if err != nil {
		return Manifest{}, fmt.Errorf("read %s: %w", ManifestName, err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return m, err
	}
	index := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, fmt.Errorf("the archive is cut short or damaged after %s (%w)", ManifestName, err)
		}
		if h.Name == "manifest.json" {
			index = true
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return m, fmt.Errorf("the archive is cut short or damaged in %s (%w)", h.Name, err)
		}
	}
	if !index {
		return m, errors.New("it holds no manifest.json, the index of the saved images")
	}
	// The rest (the tar's zero padding) goes to the engine too.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return m, err
	}
	return m, nil
}

// Present looks up each image of a bundle on the host: present when its reference names the
// image the bundle holds (docker.ImageInfo.Same: the same ID, or the same layers and creation
// when the bundle was written on the other image store).
func Present(ctx context.Context, eng Engine, m Manifest) ([]Local, error) {
	out := make([]Local, 0, len(m.Images))
	for _, s := range m.Images {
		info, ok, err := eng.InspectImage(ctx, s.Ref)
		if err != nil {
			return nil, err
		}
		out = append(out, Local{Image: Image{Ref: s.Ref, Role: s.Role, Component: s.Component}, Present: ok && info.Same(s.ImageInfo), ImageInfo: info})
	}
	return out, nil
}

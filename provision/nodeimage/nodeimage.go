// Package nodeimage is the derived node image of 'netlab up': a cluster's kind node image with the
// images netlab would otherwise side-load into every node (its CNI's, its add-ons', netlab's own)
// baked into the node's containerd, built once per host and kept, named by a key over the content
// it is made of. A cluster created from it has every image from its first second, and the images
// step of 'up' finds nothing to load.
package nodeimage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
)

// Repo is where derived node images are tagged: Repo:<key>.
const Repo = "netlab.local/node-derived"

// recipe names how a derived image is built; changing the build changes every key.
const recipe = "netlab-derived-node/v1"

// Engine is what this package needs from the host's Docker engine (a *docker.Engine; fakes in tests).
type Engine interface {
	InspectImage(ctx context.Context, ref string) (docker.ImageInfo, bool, error)
	BuildDerivedNodeImage(ctx context.Context, st *status.Status, d docker.DerivedNodeImage) error
	Images(ctx context.Context, pattern string) ([]docker.Image, error)
	RemoveImage(ctx context.Context, ref string) error
}

// Input is one image baked into a derived node image, as the host has it.
type Input struct {
	Ref string
	// ID is the engine's image ID (its content).
	ID string
}

// Key is the content key of the node image baseID with images baked in: the same base and images
// (references and IDs, in any order) give the same key on every host, and any change (a rebuilt
// netlab image, another CNI version, another node image) gives another.
func Key(baseID string, images []Input) string {
	sorted := slices.Clone(images)
	slices.SortFunc(sorted, func(a, b Input) int { return strings.Compare(a.Ref, b.Ref) })
	sorted = slices.Compact(sorted)
	h := sha256.New()
	fmt.Fprintf(h, "%s\nbase %s\n", recipe, baseID)
	for _, im := range sorted {
		fmt.Fprintf(h, "image %s %s\n", im.Ref, im.ID)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Ref is the tag of the derived node image of key.
func Ref(key string) string { return Repo + ":" + key }

// Action is what 'up' does about a cluster's node image.
type Action string

// The actions.
const (
	// UseBase creates the nodes from the plan's node image and side-loads the images into each.
	UseBase Action = "base"
	// Reuse creates them from a derived image built earlier on this host.
	Reuse Action = "reuse"
	// Build builds the derived image first.
	Build Action = "build"
)

// Decision is the node image a cluster's nodes are created from, and why.
type Decision struct {
	Action Action
	// Image is the reference to create the nodes from.
	Image string
	// Base is the plan's node image.
	Base string
	Key  string
	// Why is one phrase for the status line.
	Why string
}

// Decide picks the action for base with the derived image of key: the base image when derived
// images are off, the derived image when the host has it with that key, a build otherwise (absent,
// or a tag that carries another key: stale).
func Decide(enabled bool, base, key string, existing docker.ImageInfo, present bool) Decision {
	d := Decision{Base: base, Key: key}
	switch {
	case !enabled:
		d.Action, d.Image, d.Why = UseBase, base, "derived node images are off (--no-derived-image)"
	case present && existing.Labels[docker.LabelDerivedKey] == key:
		d.Action, d.Image, d.Why = Reuse, Ref(key), "built earlier on this host"
	case present:
		d.Action, d.Image, d.Why = Build, Ref(key), fmt.Sprintf("the image tagged %s carries key %q: stale", Ref(key), existing.Labels[docker.LabelDerivedKey])
	default:
		d.Action, d.Image, d.Why = Build, Ref(key), "not on this host yet"
	}
	return d
}

// Ensure returns the node image to create a cluster's nodes from, for node image base and the
// images it side-loads: with enabled, the derived image, built here first unless the host has it;
// otherwise (or with nothing to side-load) base. Every image must be on the host ('up' made sure of
// them before).
func Ensure(ctx context.Context, eng Engine, st *status.Status, enabled bool, base string, sideload []string) (Decision, error) {
	st = status.Or(st)
	if !enabled || len(sideload) == 0 {
		return Decide(false, base, "", docker.ImageInfo{}, false), nil
	}
	info := func(ref string) (docker.ImageInfo, error) {
		im, ok, err := eng.InspectImage(ctx, ref)
		if err != nil {
			return im, err
		}
		if !ok {
			return im, fmt.Errorf("image %s is not on this host's Docker engine (removed since 'netlab up' checked it?); run 'netlab up' again", ref)
		}
		return im, nil
	}
	b, err := info(base)
	if err != nil {
		return Decision{}, err
	}
	inputs := make([]Input, 0, len(sideload))
	for _, ref := range sideload {
		im, err := info(ref)
		if err != nil {
			return Decision{}, err
		}
		inputs = append(inputs, Input{Ref: ref, ID: im.ID})
	}
	key := Key(b.ID, inputs)
	existing, present, err := eng.InspectImage(ctx, Ref(key))
	if err != nil {
		return Decision{}, err
	}
	d := Decide(true, base, key, existing, present)
	if d.Action != Build {
		st.Printf("   node image %s: %s (%s plus %d image(s))", d.Image, d.Why, base, len(sideload))
		return d, nil
	}
	st.Printf("   building node image %s: %s plus %d image(s), once per host (%s)", d.Image, base, len(sideload), d.Why)
	start := time.Now()
	if err := eng.BuildDerivedNodeImage(ctx, st, docker.DerivedNodeImage{Base: base, Images: sideload, Tag: d.Image, Key: key}); err != nil {
		return d, err
	}
	built, ok, err := eng.InspectImage(ctx, d.Image)
	if err != nil {
		return d, err
	}
	if !ok || built.Labels[docker.LabelDerivedKey] != key {
		return d, fmt.Errorf("node image %s: built, but the engine does not show it with key %s", d.Image, key)
	}
	st.Printf("   built %s in %.1f s (%.0f MB, %.0f MB more than %s)", d.Image, time.Since(start).Seconds(), float64(built.Size)/1e6, float64(built.Size-b.Size)/1e6, base)
	prune(ctx, eng, st, base, sideload, d.Image, time.Now().Add(-keep))
	return d, nil
}

// keep is how long an older derived image of the same family is kept after a newer one is built:
// long enough for another netlab process that picked it a moment ago to create its nodes from it.
const keep = time.Hour

// family names what a derived image is for, whatever the versions: its base image and the
// repositories of the images baked in (a newer Flannel or a rebuilt netlab is the same family).
func family(base string, images []string) string {
	repos := make([]string, 0, len(images))
	for _, ref := range images {
		if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
			ref = ref[:i]
		}
		repos = append(repos, ref)
	}
	slices.Sort(repos)
	return base + "|" + strings.Join(slices.Compact(repos), ",")
}

// prune removes the derived images of the same family as (base, images) other than keepRef and
// built before cutoff, so that each new netlab build or image version does not leave one more
// node-sized image behind. Removal is not forced: the engine refuses to remove an image that a
// container (a lab's node) still uses, and that image stays. Errors are ignored; this is housekeeping.
func prune(ctx context.Context, eng Engine, st *status.Status, base string, images []string, keepRef string, cutoff time.Time) {
	list, err := eng.Images(ctx, Repo+":*")
	if err != nil {
		return
	}
	want := family(base, images)
	for _, im := range list {
		if im.Created.After(cutoff) {
			continue
		}
		for _, tag := range im.Tags {
			if tag == keepRef || !strings.HasPrefix(tag, Repo+":") {
				continue
			}
			info, ok, err := eng.InspectImage(ctx, tag)
			if err != nil || !ok || info.Labels[docker.LabelDerivedFrom] == "" {
				continue
			}
			if family(info.Labels[docker.LabelDerivedFrom], strings.Split(info.Labels[docker.LabelDerivedImages], ",")) != want {
				continue
			}
			if eng.RemoveImage(ctx, tag) == nil {
				st.V(1).Printf("   removed %s, an older derived node image of the same images", tag)
			}
		}
	}
}

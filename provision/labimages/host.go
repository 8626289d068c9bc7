package labimages

import (
	"context"
	"fmt"
	"strings"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/provision/images"
)

// Engine is what this package needs from the host's Docker engine (a *docker.Engine; fakes in tests).
type Engine interface {
	InspectImage(ctx context.Context, ref string) (docker.ImageInfo, bool, error)
	PullImage(ctx context.Context, ref string) error
}

// Local is an image of a lab as the host has it.
type Local struct {
	Image
	Present bool `json:"present"`
	// ID, RepoDigests and Size are the engine's, when Present.
	docker.ImageInfo
}

// Inspect looks up every image of l on the host.
func Inspect(ctx context.Context, eng Engine, l List) ([]Local, error) {
	out := make([]Local, 0, len(l))
	for _, im := range l {
		info, ok, err := eng.InspectImage(ctx, im.Ref)
		if err != nil {
			return nil, err
		}
		out = append(out, Local{Image: im, Present: ok, ImageInfo: info})
	}
	return out, nil
}

// MissingError names the images a lab needs that the host does not have and could not get.
type MissingError struct {
	Images []string
	// Offline says no pull was tried.
	Offline bool
}

func (e *MissingError) Error() string {
	why := "and could not be pulled"
	if e.Offline {
		why = "and --offline never pulls"
	}
	// The way out for each image: the build.sh set that makes it here, or a bundle from a host
	// that can pull it.
	var sets, ways []string
	bySet := map[string][]string{}
	var upstream []string
	for _, ref := range e.Images {
		if strings.HasPrefix(ref, "kindest/node:") {
			// kind's own node image: the hermetic one stands in for it
			ways = append(ways, fmt.Sprintf("instead of %s, build %s with 'bash ci/images/build.sh' and pass --node-image %s", ref, images.HermeticNodeImage, images.HermeticNodeImage))
			continue
		}
		cmd, ok := images.BuildCommand(ref)
		if !ok {
			upstream = append(upstream, ref)
			continue
		}
		if bySet[cmd] == nil {
			sets = append(sets, cmd)
		}
		bySet[cmd] = append(bySet[cmd], ref)
	}
	for _, cmd := range sets {
		ways = append(ways, fmt.Sprintf("build %s here with '%s'", strings.Join(bySet[cmd], ", "), cmd))
	}
	if len(upstream) > 0 {
		ways = append(ways, fmt.Sprintf("%s %s built by nothing here: only upstream publishes them", strings.Join(upstream, ", "), map[bool]string{true: "is", false: "are"}[len(upstream) == 1]))
	}
	return fmt.Sprintf("image(s) %s are not on this host's Docker engine %s: %s; or load them with 'netlab images load BUNDLE' (a bundle written by 'netlab images save SCENARIO -o BUNDLE' on a host with registry access); then run 'netlab up --offline' again",
		strings.Join(e.Images, ", "), why, strings.Join(ways, "; "))
}

// Ensure makes sure every image of l that comes from a registry is on the host, before anything
// of the lab is created. A missing one is pulled once on the host, unless offline; those that are
// still missing are one *MissingError. The pull errors themselves are detail lines (-v).
// netlab's own image is left to images.EnsureSelfImage, which builds it.
func Ensure(ctx context.Context, eng Engine, l List, offline bool, st *status.Status) error {
	st = status.Or(st)
	var missing []string
	for _, im := range l {
		if !im.Pulled() {
			continue
		}
		_, ok, err := eng.InspectImage(ctx, im.Ref)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		if offline {
			missing = append(missing, im.Ref)
			continue
		}
		st.Printf("   pulling %s on the host (once)", im.Ref)
		if err := eng.PullImage(ctx, im.Ref); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			st.V(1).Printf("   %v", err)
			missing = append(missing, im.Ref)
		}
	}
	if len(missing) > 0 {
		return &MissingError{Images: missing, Offline: offline}
	}
	return nil
}

package provision

import (
	"context"
	"io"
	"os"

	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/labimages"
)

// ImageList is every image the lab of p needs, as 'up' uses it (labimages.For with this netlab's
// components). netlab's own image is listed by the reference 'up' would build, known without
// building it when this netlab is a static binary or its static build is cached; otherwise by its
// version's name with the binary's hash left as "<binary hash>", and selfKnown is false.
func ImageList(p *plan.Plan) (l labimages.List, selfKnown bool, err error) {
	self, ok, err := images.SelfRefIfBuilt()
	if err != nil {
		return nil, false, err
	}
	if !ok {
		self = images.Self() + "-<binary hash>"
	}
	l, err = labimages.For(p, component.Builtin(component.Options{}), self)
	return l, ok, err
}

// HostImages is ImageList with each image as the host's engine has it (present or not, its ID).
func HostImages(ctx context.Context, p *plan.Plan) ([]labimages.Local, error) {
	l, selfKnown, err := ImageList(p)
	if err != nil {
		return nil, err
	}
	eng, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	var inspect labimages.List
	for _, im := range l {
		if im.Role != labimages.Self || selfKnown {
			inspect = append(inspect, im)
		}
	}
	local, err := labimages.Inspect(ctx, eng, inspect)
	if err != nil {
		return nil, err
	}
	if !selfKnown {
		for _, im := range l {
			if im.Role == labimages.Self {
				local = append(local, labimages.Local{Image: im})
			}
		}
	}
	return local, nil
}

// SaveImages writes the bundle of the lab of p (every image it needs from a registry, pulled
// first unless offline) to w; scenario names it in the manifest.
func SaveImages(ctx context.Context, p *plan.Plan, scenario string, offline bool, w io.Writer, st *status.Status) (labimages.Manifest, error) {
	l, err := labimages.For(p, component.Builtin(component.Options{}), "")
	if err != nil {
		return labimages.Manifest{}, err
	}
	eng, err := connect(ctx)
	if err != nil {
		return labimages.Manifest{}, err
	}
	defer eng.Close()
	return labimages.Save(ctx, eng, scenario, p.Lab, l, offline, w, st)
}

// LoadImages reads the bundle at path into the host's engine and reports its images as the host
// has them afterwards.
func LoadImages(ctx context.Context, path string, st *status.Status) (labimages.Manifest, []labimages.Local, error) {
	if _, err := os.Stat(path); err != nil { // before the engine: a wrong path is the first thing to say
		return labimages.Manifest{}, nil, &labimages.BundleError{Path: path, Err: err}
	}
	eng, err := connect(ctx)
	if err != nil {
		return labimages.Manifest{}, nil, err
	}
	defer eng.Close()
	return labimages.Load(ctx, eng, path, st)
}

package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/cluster"
	"github.com/netlab-dev/netlab/provision/component"
	imagerefs "github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/labimages"
	"github.com/netlab-dev/netlab/provision/preflight"
	"github.com/netlab-dev/netlab/provision/steps"
	"github.com/netlab-dev/netlab/provision/steps/addons"
	"github.com/netlab-dev/netlab/provision/steps/clusters"
	"github.com/netlab-dev/netlab/provision/steps/cni"
	"github.com/netlab-dev/netlab/provision/steps/crossdns"
	"github.com/netlab-dev/netlab/provision/steps/dmz"
	"github.com/netlab-dev/netlab/provision/steps/egressguard"
	"github.com/netlab-dev/netlab/provision/steps/globallb"
	"github.com/netlab-dev/netlab/provision/steps/guard"
	"github.com/netlab-dev/netlab/provision/steps/images"
	"github.com/netlab-dev/netlab/provision/steps/labdns"
	"github.com/netlab-dev/netlab/provision/steps/mesh"
	"github.com/netlab-dev/netlab/provision/steps/netpol"
	"github.com/netlab-dev/netlab/provision/steps/networks"
	"github.com/netlab-dev/netlab/provision/steps/ready"
	"github.com/netlab-dev/netlab/provision/steps/tgw"
)

// Steps are the steps of 'up', in order; each runs when it applies to the plan.
func Steps() []steps.Step {
	return []steps.Step{
		egressguard.Step(),
		networks.Step(),
		clusters.Step(),
		guard.Step(),
		labdns.Step(),
		images.Step(),
		cni.Step(),
		addons.Step(),
		globallb.Step(),
		dmz.Step(),
		netpol.Step(),
		tgw.Step(),
		crossdns.Step(),
		mesh.Step(),
		ready.Step(),
	}
}

// Up builds the lab of plan p, or finishes a lab whose earlier 'up' stopped part-way.
// scenario names the source file for the record.
func Up(ctx context.Context, p *plan.Plan, scenario string, opts Options) error {
	opts.defaults()
	st := status.Or(opts.Status)
	unlock, err := labstate.Lock(p.Lab, "netlab up")
	if err != nil {
		return err
	}
	defer unlock()
	st.Printf("Creating lab %q (%d cluster%s) ...", p.Lab, len(p.Clusters), plural(len(p.Clusters)))
	reg := opts.Components()
	var eng *docker.Engine
	if err := st.Step("Preflight: Docker, kernel features, memory, disk", func() error {
		var err error
		eng, err = preflightHost(ctx, p, reg, st)
		return err
	}); err != nil {
		return err
	}
	defer eng.Close()
	if err := st.Step("Images on the host", func() error {
		return ensureImages(ctx, eng, p, reg, opts.Offline, st)
	}); err != nil {
		return err
	}

	state, err := recordPlan(p, scenario)
	if err != nil {
		return err
	}
	sc := steps.New(steps.Config{
		Plan: p, State: state, Status: st, Engine: engine{eng}, Kind: &cluster.Provider{KubeconfigPath: opts.KubeconfigPath},
		Components: reg, ReadyTimeout: opts.ReadyTimeout, DerivedImages: !opts.NoDerivedImage,
		ClusterParallelism: opts.ClusterParallelism,
	})
	for _, s := range Steps() {
		if !s.AppliesTo(p) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := sc.Begin(s.Name); err != nil {
			return err
		}
		err := st.Step(s.Title, func() error { return s.Run(ctx, sc) })
		if serr := sc.End(s.Name, err); serr != nil && err == nil {
			err = serr
		}
		if err != nil {
			return hint.Wrap(fmt.Errorf("%s: %w", s.Title, err),
				fmt.Sprintf("the lab is left as it is; fix the cause and run 'netlab up' again to finish it, or 'netlab down %s' to remove it", p.Lab))
		}
	}
	st.Printf("Lab %q is up. Contexts: %s", p.Lab, strings.Join(contexts(p), ", "))
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func contexts(p *plan.Plan) []string {
	var out []string
	for _, c := range p.Clusters {
		out = append(out, c.Context)
	}
	return out
}

// Preflight checks everything 'up' needs before it creates anything, and fails at once, naming
// what is missing. It returns a connected engine.
func Preflight(ctx context.Context, p *plan.Plan) (*docker.Engine, error) {
	return preflightHost(ctx, p, component.Builtin(component.Options{}), nil)
}

func preflightHost(ctx context.Context, p *plan.Plan, reg *component.Registry, st *status.Status) (*docker.Engine, error) {
	if err := preflight.Host(p, reg.Check); err != nil {
		return nil, err
	}
	eng, err := connect(ctx)
	if err != nil {
		return nil, err
	}
	// The engine's version, image store and firewall backend are what changed under labs from
	// Debian's 20.10 to Docker 28/29; said on every run, so a report names the engine it ran on.
	var root string
	if d, err := eng.Describe(ctx); err == nil {
		status.Or(st).Printf("   %s", d)
		root = d.RootDir
	}
	cp, w := preflight.Nodes(p)
	if err := preflight.Disk(cp+w, root); err != nil {
		eng.Close()
		return nil, err
	}
	return eng, nil
}

// ensureImages makes sure, before anything of the lab is created, that every image the lab needs
// from a registry is on the host (the list 'netlab images list' shows): pulled once here unless
// offline, and otherwise one error naming what is missing and the two ways to get it (a bundle, or
// the local image builder). kind then finds its node image and pulls nothing.
func ensureImages(ctx context.Context, eng labimages.Engine, p *plan.Plan, reg *component.Registry, offline bool, st *status.Status) error {
	list, err := labimages.For(p, reg, "")
	if err != nil {
		return err
	}
	if err := labimages.Ensure(ctx, eng, list, offline, st); err != nil {
		var missing *labimages.MissingError
		if errors.As(err, &missing) {
			for _, c := range p.Clusters {
				if why := reg.WhyNotBuilt(c, missing.Images); why != "" {
					// Not MissingError's own text: its way out (the local image builder) is no way out here.
					return fmt.Errorf("cluster %s (file %s): %s; missing: %s", c.Name, p.Source, why, strings.Join(missing.Images, ", "))
				}
			}
		}
		return err
	}
	fetched := map[string]bool{} // what a CNI fetches is the same for each of its clusters
	for _, c := range p.Clusters {
		if fetched[c.CNI.Type] {
			continue
		}
		fetched[c.CNI.Type] = true
		if err := reg.Fetch(ctx, c); err != nil {
			return fmt.Errorf("cluster %s (file %s): %w", c.Name, p.Source, err)
		}
	}
	host := hostImages{ctx: ctx, eng: eng}
	return preflight.CNIs(p, func(c plan.ClusterPlan) error { return reg.CheckImages(c, host) })
}

// recordPlan saves the plan in the lab's state. For an existing lab, it refuses a plan whose
// changes cannot be applied in place (plan.Diff), saying what would have to be recreated.
func recordPlan(p *plan.Plan, scenario string) (*labstate.State, error) {
	st, err := labstate.Load(p.Lab)
	switch {
	case errors.Is(err, labstate.ErrNoLab):
		st = &labstate.State{Lab: p.Lab}
	case err != nil:
		return nil, err
	default:
		if unsafe := plan.Diff(st.Plan, p); len(unsafe) > 0 {
			return nil, hint.Wrap(fmt.Errorf("lab %s exists and the scenario changed in ways that cannot be applied in place:\n  - %s", p.Lab, strings.Join(unsafe, "\n  - ")),
				fmt.Sprintf("run 'netlab down %s' and then 'netlab up' to recreate it", p.Lab))
		}
	}
	st.Scenario, st.Plan = scenario, p
	return st, st.Save()
}

// EnsureNetworks creates the plan's VPC networks that do not exist yet (for tools and benchmarks
// that need the lab's networks without the rest of 'up').
func EnsureNetworks(ctx context.Context, eng *docker.Engine, p *plan.Plan) error {
	return networks.Ensure(ctx, eng, p, nil)
}

// hostImages is images.Host on the engine.
type hostImages struct {
	ctx context.Context
	eng labimages.Engine
}

func (h hostImages) BuiltHere(ref string) bool {
	info, ok, err := h.eng.InspectImage(h.ctx, ref)
	return err == nil && ok && info.Labels[imagerefs.BuildKeyLabel] != ""
}

func (h hostImages) RepoDigests(ref string) []string {
	info, ok, err := h.eng.InspectImage(h.ctx, ref)
	if err != nil || !ok {
		return nil
	}
	return info.RepoDigests
}

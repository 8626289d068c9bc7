package provision

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/labimages"
	"github.com/netlab-dev/netlab/scenarios"
)

// hostWith is an engine that holds some images and can pull none.
type hostWith struct {
	refs   map[string]bool
	pulled []string
}

func (h *hostWith) InspectImage(_ context.Context, ref string) (docker.ImageInfo, bool, error) {
	return docker.ImageInfo{ID: "sha256:" + ref}, h.refs[ref], nil
}
func (h *hostWith) PullImage(_ context.Context, ref string) error {
	h.pulled = append(h.pulled, ref)
	return errors.New("dial tcp: lookup registry-1.docker.io: no such host")
}

// The check 'up' runs before it creates anything: offline, on a host with the add-on images but
// not kind's default node image, it names that image and the two ways out, and pulls nothing;
// without --offline the failed pull gives the same sentence, not the engine's error.
func TestUpImageCheckOnAHostWithoutTheNodeImage(t *testing.T) {
	data, _ := scenarios.Lookup("tgw-two-vpc")
	p, diags := plan.Build("tgw-two-vpc", data, plan.Options{})
	if p == nil {
		t.Fatal(diags)
	}
	h := &hostWith{refs: map[string]bool{}}
	for _, c := range p.Clusters {
		refs, _ := component.Builtin(component.Options{}).Images(c)
		for _, r := range refs {
			h.refs[r] = true
		}
	}
	err := ensureImages(context.Background(), h, p, component.Builtin(component.Options{}), true, nil)
	var me *labimages.MissingError
	if !errors.As(err, &me) || !slices.Equal(me.Images, []string{plan.DefaultNodeImage}) || len(h.pulled) != 0 {
		t.Fatalf("offline: want the node image named and no pull, got %v (pulled %v)", err, h.pulled)
	}
	err = ensureImages(context.Background(), h, p, component.Builtin(component.Options{}), false, nil)
	if !errors.As(err, &me) || !slices.Equal(h.pulled, []string{plan.DefaultNodeImage}) ||
		strings.Contains(err.Error(), "no such host") || !strings.Contains(err.Error(), "netlab images load BUNDLE") || !strings.Contains(err.Error(), "bash ci/images/build.sh") {
		t.Fatalf("online: want one pull of the node image and the same sentence, got %v (pulled %v)", err, h.pulled)
	}
	h.refs[plan.DefaultNodeImage] = true
	if err := ensureImages(context.Background(), h, p, component.Builtin(component.Options{}), true, nil); err != nil {
		t.Fatalf("every image present: %v", err)
	}
}

// Offline on a host with every image but Cilium's, cni-matrix is refused before anything is
// created, saying plainly that Cilium's data plane cannot be built here and the ways out; with the
// images present but not the chart, the refusal names --charts; with both, it passes.
func TestUpImageCheckRefusesCiliumOffline(t *testing.T) {
	data, _ := scenarios.Lookup("cni-matrix")
	p, diags := plan.Build("cni-matrix", data, plan.Options{})
	if p == nil {
		t.Fatal(diags)
	}
	charts := t.TempDir()
	reg := component.Builtin(component.Options{Charts: helm.Source{Dir: charts, Offline: true}})
	h := &hostWith{refs: map[string]bool{plan.DefaultNodeImage: true}}
	var cilium []string
	for _, c := range p.Clusters {
		refs, _ := reg.Images(c)
		for _, r := range refs {
			if c.CNI.Type == "cilium" {
				cilium = append(cilium, r)
				continue
			}
			h.refs[r] = true
		}
	}
	err := ensureImages(context.Background(), h, p, reg, true, nil)
	if err == nil || !strings.Contains(err.Error(), "cluster cilium (file cni-matrix): Cilium's data plane cannot be built locally") ||
		strings.Contains(err.Error(), "ci/images/build.sh") ||
		!strings.Contains(err.Error(), "netlab images load BUNDLE") || !strings.Contains(err.Error(), "--charts DIR") || len(h.pulled) != 0 {
		t.Fatalf("offline without Cilium's images: %v (pulled %v)", err, h.pulled)
	}
	for _, r := range cilium {
		h.refs[r] = true
	}
	err = ensureImages(context.Background(), h, p, reg, true, nil)
	if err == nil || !strings.Contains(err.Error(), "cluster cilium") || !strings.Contains(err.Error(), "cilium-1.20.0.tgz") || !strings.Contains(err.Error(), "--charts DIR") {
		t.Fatalf("offline with the images and without the chart: %v", err)
	}
}

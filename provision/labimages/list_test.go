package labimages

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/istio"
	"github.com/netlab-dev/netlab/scenarios"
)

const testSelf = "netlab.local/netlab:test-0123456789ab"

func builtinPlan(t *testing.T, name string, opts plan.Options) *plan.Plan {
	t.Helper()
	data, ok := scenarios.Lookup(name)
	if !ok {
		t.Fatalf("no built-in scenario %s", name)
	}
	p, diags := plan.Build(name, data, opts)
	if p == nil {
		t.Fatalf("%s: %v", name, diags)
	}
	return p
}

// render is the list as 'images list' would give it, without the host: one line per image.
func render(l List, err error) string {
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, im := range l {
		fmt.Fprintf(&b, "%-6s %-8s %s  clusters=%s\n", im.Role, im.Component, im.Ref, strings.Join(im.Clusters, ","))
	}
	return b.String()
}

// The list of every built-in scenario, as a golden file each: node images, CNI and add-on images,
// netlab's own, and the error of a scenario whose CNI this netlab cannot install.
func TestForEveryBuiltinScenario(t *testing.T) {
	reg := component.Builtin(component.Options{})
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			p := builtinPlan(t, name, plan.Options{})
			l, err := For(p, reg, testSelf)
			golden.Check(t, filepath.Join("testdata", name+".golden"), []byte(render(l, err)))
		})
	}
}

// What 'up' side-loads into a cluster's nodes is what the registry says its CNI and add-ons run,
// plus netlab's own image, and never the node image; each reference is listed once, and a
// reference leaves nothing out.
func TestSideLoadIsWhatComponentsRunPlusSelf(t *testing.T) {
	reg := component.Builtin(component.Options{})
	for _, name := range scenarios.Names() {
		p := builtinPlan(t, name, plan.Options{})
		l, err := For(p, reg, testSelf)
		if err != nil {
			continue // a CNI this netlab cannot install: covered by the golden file
		}
		seen := map[string]bool{}
		for _, im := range l {
			if seen[im.Ref] {
				t.Errorf("%s: %s listed twice", name, im.Ref)
			}
			seen[im.Ref] = true
		}
		for _, c := range p.Clusters {
			want, err := reg.Images(c)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, testSelf)
			if p.Istio != nil && slices.ContainsFunc(p.Istio.Clusters, func(m plan.IstioClusterPlan) bool { return m.Cluster == c.Name }) {
				want = append(want, istio.ImagesFor(p.Istio).Refs()...)
			}
			got := l.SideLoad(c.Name)
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s cluster %s: side-loads %v, want %v", name, c.Name, got, want)
			}
			if slices.Contains(got, c.NodeImage) {
				t.Errorf("%s cluster %s: the node image is not side-loaded", name, c.Name)
			}
			if !seen[c.NodeImage] {
				t.Errorf("%s cluster %s: node image %s not listed", name, c.Name, c.NodeImage)
			}
		}
	}
}

// --node-image changes the node image of every cluster in the list, as it does for 'up'; without
// self, netlab's own image is left out; Pulled is false only for it.
func TestForFollowsTheNodeImageAndSelf(t *testing.T) {
	p := builtinPlan(t, "tgw-two-vpc", plan.Options{NodeImage: "netlab.local/node:v1.33.13"})
	l, err := For(p, component.Builtin(component.Options{}), "")
	if err != nil {
		t.Fatal(err)
	}
	if l[0].Ref != "netlab.local/node:v1.33.13" || l[0].Role != Node || !slices.Equal(l[0].Clusters, []string{"a", "b"}) {
		t.Fatalf("first image: %+v", l[0])
	}
	if refs := l.Refs(func(im Image) bool { return !im.Pulled() }); len(refs) != 0 {
		t.Fatalf("without self nothing is built: %v", refs)
	}
	l, _ = For(p, component.Builtin(component.Options{}), testSelf)
	if refs := l.Refs(func(im Image) bool { return !im.Pulled() }); !slices.Equal(refs, []string{testSelf}) {
		t.Fatalf("only netlab's own image is built: %v", refs)
	}
	if len(l.Refs(nil)) != 6 {
		t.Fatalf("want node, 2 flannel, 2 MetalLB and self: %v", l.Refs(nil))
	}
}

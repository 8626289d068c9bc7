package provision

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
)

// fakeKind is kind's view of the host: its clusters, and the ones deleted.
type fakeKind struct {
	clusters []string
	deleted  []string
	failOn   string
}

func (k *fakeKind) List() ([]string, error) { return k.clusters, nil }
func (k *fakeKind) Exists(name string) (bool, int, error) {
	return slices.Contains(k.clusters, name), 3, nil
}
func (k *fakeKind) Delete(name string) error {
	if name == k.failOn {
		return errors.New("kind: boom")
	}
	k.deleted = append(k.deleted, name)
	k.clusters = slices.DeleteFunc(k.clusters, func(c string) bool { return c == name })
	return nil
}

// fakeEngine holds one lab's objects; a network in stuck cannot be removed.
type fakeEngine struct {
	objs  docker.Objects
	stuck string
	asked [][]string // the kind clusters each LabObjects was asked about
}

func (e *fakeEngine) LabObjects(_ context.Context, lab string, kinds []string) (docker.Objects, error) {
	e.asked = append(e.asked, kinds)
	return e.objs, nil
}
func (e *fakeEngine) RemoveContainers(_ context.Context, names []string) error {
	e.objs.Containers = nil
	return nil
}
func (e *fakeEngine) RemoveVolumes(_ context.Context, names []string) error {
	e.objs.Volumes = nil
	return nil
}
func (e *fakeEngine) RemoveNetworks(_ context.Context, names []string) error {
	e.objs.Networks = nil
	if e.stuck != "" {
		e.objs.Networks = []string{e.stuck}
		return errors.New("remove network " + e.stuck + ": has active endpoints")
	}
	return nil
}

// fakeGuard is the host's egress guard tables, by lab.
type fakeGuard struct{ tables map[string]bool }

func (g *fakeGuard) remove(lab string) (bool, error) {
	had := g.tables[lab]
	delete(g.tables, lab)
	return had, nil
}

func savedLab(t *testing.T, lab string, kinds ...string) *labstate.State {
	t.Helper()
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	st := &labstate.State{Lab: lab, Scenario: "test", Plan: &plan.Plan{Lab: lab}}
	for _, k := range kinds {
		st.Plan.Clusters = append(st.Plan.Clusters, plan.ClusterPlan{Name: strings.TrimPrefix(k, lab+"-"), KindName: k})
	}
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	return st
}

// Down deletes the plan's clusters and a leftover <lab>-* one only when the state is lost, removes
// every object the engine lists for the lab, and then the state.
func TestDownRemovesEverythingAndTheState(t *testing.T) {
	st := savedLab(t, "lab", "lab-c1")
	kind := &fakeKind{clusters: []string{"lab-c1", "lab-old", "other-c1"}}
	eng := &fakeEngine{objs: docker.Objects{Containers: []string{"lab-c1-control-plane", "lab-tgw"}, Networks: []string{"lab-vpc-a"}, Volumes: []string{"lab-tgw-state"}}}
	guard := &fakeGuard{tables: map[string]bool{"lab": true, "other": true}}
	rm, err := down(context.Background(), "lab", st, kind, eng, guard.remove)
	if err != nil {
		t.Fatal(err)
	}
	if !rm.EgressGuard || guard.tables["lab"] || !guard.tables["other"] {
		t.Fatalf("the lab's egress guard, and only it, must go: reported %v, tables left %v", rm.EgressGuard, guard.tables)
	}
	if !slices.Equal(kind.deleted, []string{"lab-c1"}) || !slices.Equal(rm.Clusters, []string{"lab-c1"}) {
		t.Fatalf("with a state, only the plan's clusters go: deleted %v, reported %v", kind.deleted, rm.Clusters)
	}
	if !slices.Equal(rm.Containers, []string{"lab-c1-control-plane", "lab-tgw"}) || !slices.Equal(rm.Networks, []string{"lab-vpc-a"}) || !slices.Equal(rm.Volumes, []string{"lab-tgw-state"}) || !rm.State {
		t.Fatalf("removed: %+v", rm)
	}
	if !eng.objs.Empty() || len(eng.asked) != 2 || !slices.Equal(eng.asked[1], []string{"lab-c1"}) {
		t.Fatalf("the engine must be asked again after removal, with the lab's kind clusters: left %+v asked %v", eng.objs, eng.asked)
	}
	if _, err := labstate.Load("lab"); !errors.Is(err, labstate.ErrNoLab) {
		t.Fatalf("the state must be gone: %v", err)
	}

	// With the state lost, kind clusters named lab-* are the lab's; a second down finds nothing.
	kind.clusters = append(kind.clusters, "lab-c2")
	rm, err = down(context.Background(), "lab", nil, kind, &fakeEngine{}, guard.remove)
	if err != nil || !slices.Equal(rm.Clusters, []string{"lab-c2", "lab-old"}) || rm.State || rm.EgressGuard {
		t.Fatalf("lost state: %+v %v", rm, err)
	}
	if _, err := down(context.Background(), "lab", nil, kind, &fakeEngine{}, guard.remove); !errors.Is(err, labstate.ErrNoLab) {
		t.Fatalf("nothing left of the lab: want ErrNoLab, got %v", err)
	}
}

// A failure keeps the state, names what failed and says that down can be run again; an object
// still there afterwards is named too.
func TestDownKeepsStateOnFailure(t *testing.T) {
	st := savedLab(t, "lab", "lab-c1", "lab-c2")
	kind := &fakeKind{clusters: []string{"lab-c1", "lab-c2"}, failOn: "lab-c1"}
	eng := &fakeEngine{objs: docker.Objects{Networks: []string{"lab-vpc-a", "lab-vpc-b"}}, stuck: "lab-vpc-b"}
	guard := &fakeGuard{tables: map[string]bool{"lab": true}}
	rm, err := down(context.Background(), "lab", st, kind, eng, guard.remove)
	if err == nil {
		t.Fatal("want an error")
	}
	if rm.EgressGuard || !guard.tables["lab"] {
		t.Error("a lab that is still half there must stay guarded")
	}
	for _, want := range []string{"delete cluster lab-c1: kind: boom", "has active endpoints", "still has Docker objects after down", "networks [lab-vpc-b]", "'netlab down lab' can be run again"} {
		if !strings.Contains(hint.Format(err), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if rm.State || !slices.Equal(rm.Clusters, []string{"lab-c2"}) {
		t.Fatalf("reported %+v", rm)
	}
	if _, err := labstate.Load("lab"); err != nil {
		t.Fatalf("the state must be kept for another try: %v", err)
	}
}

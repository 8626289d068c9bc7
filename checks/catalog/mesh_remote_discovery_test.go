package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/report"
)

// meshFake is istio-multi-primary with echo Pods in both clusters and each istiod holding both
// clusters' shards, as a working mesh does.
func meshFake(t *testing.T) *fakeLab {
	t.Helper()
	old := meshWait
	meshWait = 50 * time.Millisecond
	t.Cleanup(func() { meshWait = old })
	f := newFake(t, "istio-multi-primary")
	f.pods["east/echo"] = []checks.Pod{{Name: "echo-a", IP: "10.0.65.4"}}
	f.pods["west/echo"] = []checks.Pod{{Name: "echo-b", IP: "10.1.65.7"}, {Name: "echo-c", IP: "10.1.66.3"}}
	both := map[string][]string{"Kubernetes/east": {"10.0.65.4"}, "Kubernetes/west": {"10.1.65.7", "10.1.66.3"}}
	f.mesh = map[string]map[string][]string{"east": both, "west": both}
	return f
}

func TestMeshRemoteDiscoveryPasses(t *testing.T) {
	f := meshFake(t)
	r := runDefOn(t, f, "mesh/remote-discovery", "", context.Background())
	if r.Verdict != report.Pass {
		t.Fatalf("%s: %s %+v", r.Verdict, r.Reason, r.Evidence)
	}
	if r.Negative == nil || r.Negative.Verdict != report.Pass || !strings.Contains(r.Negative.Summary, "istio-remote-secret-west") {
		t.Errorf("negative control %+v", r.Negative)
	}
	if len(f.removed) != 0 {
		t.Errorf("the remote secret was not put back: %v", f.removed)
	}
}

func TestMeshRemoteDiscoveryFails(t *testing.T) {
	cases := map[string]func(f *fakeLab){
		// istiod in east never read west (no remote secret, or it points at 127.0.0.1)
		"no remote shard": func(f *fakeLab) {
			f.mesh["east"] = map[string][]string{"Kubernetes/east": {"10.0.65.4"}}
		},
		// a shard of west's name that holds other addresses is not west's echo
		"wrong endpoints": func(f *fakeLab) {
			f.mesh["east"] = map[string][]string{"Kubernetes/west": {"10.1.65.7"}}
		},
		// the endpoints stay when the secret goes: they did not come through it
		"negative control does not bite": func(f *fakeLab) { f.meshStale = true },
	}
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			f := meshFake(t)
			breakIt(f)
			r := runDefOn(t, f, "mesh/remote-discovery", "", context.Background())
			if r.Verdict != report.Fail {
				t.Fatalf("%s: %s %+v", r.Verdict, r.Reason, r.Evidence)
			}
		})
	}
}

func TestMeshRemoteDiscoveryErrors(t *testing.T) {
	f := meshFake(t)
	f.restoreErr = errors.New("forbidden")
	r := runDefOn(t, f, "mesh/remote-discovery", "", context.Background())
	if r.Verdict != report.Error || !strings.Contains(r.Reason, "netlab up") {
		t.Errorf("a failed repair: %s %s", r.Verdict, r.Reason)
	}
	f = meshFake(t)
	delete(f.mesh, "east")
	if r := runDefOn(t, f, "mesh/remote-discovery", "", context.Background()); r.Verdict != report.Error || !strings.Contains(r.Reason, "istiod") {
		t.Errorf("no istiod: %s %s", r.Verdict, r.Reason)
	}
	f = meshFake(t)
	f.pods["west/echo"] = nil
	if r := runDefOn(t, f, "mesh/remote-discovery", "", context.Background()); r.Verdict != report.Error {
		t.Errorf("no echo Pod in west: %s %s", r.Verdict, r.Reason)
	}
}

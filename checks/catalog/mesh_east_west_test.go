package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
)

// eastWestFake is meshFake with the mesh probes (servers and clients) and a mesh that answers as Istio does on one
// network: the call by name reaches west's server over mTLS, the TCP peer is east's node (the
// CNI masquerades Pod traffic leaving the cluster), and a plaintext call is reset under STRICT and
// answered under PERMISSIVE.
func eastWestFake(t *testing.T) *fakeLab {
	f := meshFake(t)
	f.pods["east/mesh-echo"] = []checks.Pod{{Name: "mesh-echo-e", Node: f.clusters["east"].Nodes[1].Name, IP: "10.0.65.9"}}
	f.pods["west/mesh-echo"] = []checks.Pod{{Name: "mesh-echo-w", Node: f.clusters["west"].Nodes[1].Name, IP: "10.1.65.9"}}
	f.pods["east/mesh-client"] = []checks.Pod{{Name: "mesh-client-e", Node: f.clusters["east"].Nodes[1].Name, IP: "10.0.65.10"}}
	f.pods["west/mesh-client"] = []checks.Pod{{Name: "mesh-client-w", Node: f.clusters["west"].Nodes[1].Name, IP: "10.1.65.10"}}
	eastNode := f.clusters["east"].Nodes[1].IP
	f.grpc = func(w checks.Where, target string) (probe.GRPCResult, error) {
		// only the mesh client Pod (pilot-agent beside it, no xDS server) resolves through istiod
		if strings.HasPrefix(target, "xds:///mesh-echo-west.") && w.Pod == "mesh-client-e" {
			return probe.GRPCResult{Target: target, OK: true, RTTMs: 2, Reply: &probe.GRPCReply{
				Server: probe.Identity{PodName: "mesh-echo-w", ClusterName: "west"}, PeerAddr: eastNode + ":41234",
				MTLS: true, PeerSPIFFE: live.MeshIdentity()}}, nil
		}
		if !strings.HasPrefix(target, "xds:///") && f.mtlsOf(w.Cluster) == "PERMISSIVE" {
			return probe.GRPCResult{Target: target, OK: true, Reply: &probe.GRPCReply{Server: probe.Identity{PodName: "mesh-echo-w", ClusterName: "west"}}}, nil
		}
		err := errors.New("rpc error: code = Unavailable desc = connection closed before server preface received")
		return probe.GRPCResult{Target: target, Error: err.Error()}, err
	}
	return f
}

func TestMeshEastWestPasses(t *testing.T) {
	f := eastWestFake(t)
	r := runDefOn(t, f, "mesh/east-west", "", context.Background())
	if r.Verdict != report.Pass {
		t.Fatalf("%s: %s %+v", r.Verdict, r.Reason, r.Evidence)
	}
	if r.Negative == nil || r.Negative.Verdict != report.Pass {
		t.Errorf("negative control %+v", r.Negative)
	}
	if len(f.mtls) != 0 {
		t.Errorf("the mTLS mode was left changed: %v", f.mtls)
	}
	var contrast int
	for _, e := range r.Evidence {
		if strings.Contains(e.Name, "PERMISSIVE") || strings.Contains(e.Name, "STRICT put back") {
			contrast++
		}
	}
	if contrast != 2 {
		t.Errorf("want the PERMISSIVE contrast and the STRICT repair in the evidence: %+v", r.Evidence)
	}
}

func TestMeshEastWestFails(t *testing.T) {
	cases := map[string]func(f *fakeLab){
		// the call was answered, but by the caller's own cluster
		"answered locally": func(f *fakeLab) {
			inner := f.grpc
			f.grpc = func(w checks.Where, target string) (probe.GRPCResult, error) {
				r, err := inner(w, target)
				if r.Reply != nil {
					r.Reply.Server.ClusterName = "east"
				}
				return r, err
			}
		},
		// no mTLS: the server saw no client certificate
		"plaintext through the mesh": func(f *fakeLab) {
			inner := f.grpc
			f.grpc = func(w checks.Where, target string) (probe.GRPCResult, error) {
				r, err := inner(w, target)
				if r.Reply != nil {
					r.Reply.MTLS, r.Reply.PeerSPIFFE = false, ""
				}
				return r, err
			}
		},
		// another identity: not the mesh probe's service account
		"wrong identity": func(f *fakeLab) {
			inner := f.grpc
			f.grpc = func(w checks.Where, target string) (probe.GRPCResult, error) {
				r, err := inner(w, target)
				if r.Reply != nil {
					r.Reply.PeerSPIFFE = "spiffe://cluster.local/ns/default/sa/default"
				}
				return r, err
			}
		},
		// the peer is a third address: not Pod to Pod on one network
		"relayed": func(f *fakeLab) {
			inner := f.grpc
			f.grpc = func(w checks.Where, target string) (probe.GRPCResult, error) {
				r, err := inner(w, target)
				if r.Reply != nil {
					r.Reply.PeerAddr = "10.1.1.200:5555"
				}
				return r, err
			}
		},
		// STRICT, and yet a plaintext client is served
		"plaintext accepted": func(f *fakeLab) {
			inner := f.grpc
			f.grpc = func(w checks.Where, target string) (probe.GRPCResult, error) {
				if !strings.HasPrefix(target, "xds:///") {
					return probe.GRPCResult{Target: target, OK: true, Reply: &probe.GRPCReply{Server: probe.Identity{ClusterName: "west"}}}, nil
				}
				return inner(w, target)
			}
		},
		// the plaintext call is refused whatever the policy says: the refusal is not STRICT's
		"refused under PERMISSIVE too": func(f *fakeLab) {
			inner := f.grpc
			f.grpc = func(w checks.Where, target string) (probe.GRPCResult, error) {
				if !strings.HasPrefix(target, "xds:///") {
					err := errors.New("rpc error: code = Unavailable desc = connection closed before server preface received")
					return probe.GRPCResult{Target: target, Error: err.Error()}, err
				}
				return inner(w, target)
			}
		},
		// a plaintext call that timed out proves no refusal
		"plaintext timed out": func(f *fakeLab) {
			inner := f.grpc
			f.grpc = func(w checks.Where, target string) (probe.GRPCResult, error) {
				if !strings.HasPrefix(target, "xds:///") {
					err := errors.New("rpc error: code = DeadlineExceeded desc = context deadline exceeded")
					return probe.GRPCResult{Target: target, Error: err.Error()}, err
				}
				return inner(w, target)
			}
		},
	}
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			f := eastWestFake(t)
			breakIt(f)
			r := runDefOn(t, f, "mesh/east-west", "", context.Background())
			if r.Verdict != report.Fail {
				t.Fatalf("%s: %s %+v", r.Verdict, r.Reason, r.Evidence)
			}
		})
	}
}

func TestMeshEastWestNoMeshProbe(t *testing.T) {
	for pods, want := range map[string]string{"west/mesh-echo": "no running mesh-echo Pod", "east/mesh-client": "no running mesh-client Pod"} {
		f := eastWestFake(t)
		f.pods[pods] = nil
		if r := runDefOn(t, f, "mesh/east-west", "", context.Background()); r.Verdict != report.Error || !strings.Contains(r.Reason, want) {
			t.Errorf("without %s: %s %s", pods, r.Verdict, r.Reason)
		}
	}
}

// On several networks the path crosses Envoy east-west gateways, which netlab has not run: the
// check has no targets and says why, so it is skipped, never passed.
func TestMeshEastWestSkippedOnSeveralNetworks(t *testing.T) {
	p := builtin(t, "istio-multi-network")
	if !p.Istio.MultiNetwork {
		t.Fatal("istio-multi-network is not a multi-network mesh")
	}
	ts, reason := meshOneNetworkPairs(p)
	if len(ts) != 0 || !strings.Contains(reason, "not run here") {
		t.Errorf("targets %v, reason %q", ts, reason)
	}
	if ts, _ := meshOneNetworkPairs(builtin(t, "istio-multi-primary")); len(ts) != 2 {
		t.Errorf("one network: targets %v", ts)
	}
}

package catalog

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
)

// fakeChain is enterprise-hub-spoke's chain, web -> was (ingress 10.0.2.192) -> gpu (its HTTP
// LoadBalancer Service at 10.1.1.194, across the TGW). answer makes the last hop's result from
// the hops the chain recorded; a blackhole on the GPU address stops the chain at the WAS Pod.
func fakeChain(t *testing.T, answer func(hops string) probe.Result) *fakeLab {
	t.Helper()
	f := newFake(t, "enterprise-hub-spoke")
	f.services["gpu/"+live.Namespace+"/"+live.SvcHTTPLB] = checks.Service{Name: live.SvcHTTPLB, Type: "LoadBalancer", LoadBalancerIPs: []string{"10.1.1.194"}}
	f.tgwRoutes = []string{"10.1.0.0/16"}
	wantLegs := []probe.RelayLeg{{URL: "http://10.0.2.192/", Host: "echo.was.netlab.test"}, {URL: "http://10.1.1.194/v1/generate?chunks=5&intervalMs=300"}}
	f.chain = func(w checks.Where, url, host string, legs []probe.RelayLeg) (probe.Result, error) {
		if w.Client != "enterprise-hub-spoke-main-dmz-client" || url != "http://10.0.0.251:80/" || host != "dmz.netlab.test" || !slices.Equal(legs, wantLegs) {
			t.Errorf("chain from %s to %s (Host %s) along %+v", w, url, host, legs)
			return timedOut("http")
		}
		f.mu.Lock()
		bh := f.blackholed
		if bh == "" {
			f.tgwPackets += 10
		}
		f.mu.Unlock()
		if bh == "10.1.1.194/32" {
			err := errors.New("HTTP 502: the chain stopped")
			return probe.Result{Proto: "http", HTTPStatus: 502, Error: err.Error(),
				RelayStop: &probe.RelayStop{Hop: "was/echo-a", From: "10.0.129.3", Leg: legs[1], Error: "dial tcp 10.1.1.194:80: i/o timeout"}}, err
		}
		return answer("waf@10.0.0.253,web/echo-pinned-w@10.0.65.6 via 10.0.0.253 10.0.0.251 10.0.1.11,was/echo-a@10.0.129.3 via 10.0.2.11"), nil
	}
	return f
}

// streamed is the GPU Pod's answer: five chunks, 300 ms apart, having seen its node's address.
func streamed(hops string) probe.Result {
	return probe.Result{Proto: "http", OK: true, HTTPStatus: 200,
		Stream: &probe.StreamSeen{Chunks: 5, Of: 5, AtMillis: []float64{2, 302, 601, 902, 1203}},
		Server: &probe.Report{RemoteIP: "10.1.64.1", HTTP: &probe.HTTPSeen{Host: "10.1.1.194", Path: "/v1/generate", Hops: hops},
			Server: probe.Identity{ClusterName: "gpu", PodName: "echo-g"}}}
}

func TestChainUserToLLM(t *testing.T) {
	f := fakeChain(t, streamed)
	r := runDef(t, f, "chain/user-to-llm", context.Background())
	if r.Verdict != report.Pass || r.Negative == nil || r.Negative.Verdict != report.Pass {
		t.Fatalf("verdict %s (%s), negative %+v, evidence %+v", r.Verdict, r.Reason, r.Negative, r.Evidence)
	}
	if e, ok := hasEvidence(r, "hops recorded"); !ok || e.Observed != "waf@10.0.0.253 -> web/echo-pinned-w@10.0.65.6 via 10.0.0.253 10.0.0.251 10.0.1.11 -> was/echo-a@10.0.129.3 via 10.0.2.11 -> gpu/echo-g@10.1.64.1" {
		t.Errorf("hops %+v", e)
	}
	if !strings.Contains(r.Negative.Evidence[0].Observed, "stopped at was/echo-a") {
		t.Errorf("negative %+v", r.Negative.Evidence)
	}
	if f.blackholed != "" {
		t.Errorf("the blackhole %s was left", f.blackholed)
	}
}

// What must fail it: a hop that buffers the stream, a WAS Pod reached Pod to Pod from the Web
// Pod (it saw a Web Pod's address), a TGW counter that does not move, a blackhole the chain
// ignores; and without a chain the path is skipped.
func TestChainUserToLLMFailures(t *testing.T) {
	buffered := func(h string) probe.Result {
		r := streamed(h)
		r.Stream.AtMillis = []float64{1201, 1202, 1202, 1203, 1203}
		return r
	}
	podToPod := func(h string) probe.Result {
		return streamed(strings.Replace(h, "was/echo-a@10.0.129.3 via 10.0.2.11", "was/echo-a@10.0.65.10", 1))
	}
	// The DMZ load balancer not trusting what the WAF forwarded: the user is gone from web's view.
	xffReplaced := func(h string) probe.Result {
		return streamed(strings.Replace(h, "via 10.0.0.253 10.0.0.251 10.0.1.11", "via 10.0.1.11", 1))
	}
	for name, tc := range map[string]struct {
		answer   func(string) probe.Result
		evidence string
		edit     func(f *fakeLab)
	}{
		"buffered":          {buffered, "the streamed answer", nil},
		"pod to pod":        {podToPod, "hop 3", nil},
		"proxies forgotten": {xffReplaced, "hop 2", nil},
		"no TGW counter":    {streamed, "TGW table hub", func(f *fakeLab) { f.tgwRoutes = []string{"10.9.0.0/16"} }},
		"blackhole ignored": {streamed, "", func(f *fakeLab) { f.tgwRoutes = []string{"10.1.0.0/16"}; f.chainIgnoresBlackhole(t) }},
	} {
		f := fakeChain(t, tc.answer)
		if tc.edit != nil {
			tc.edit(f)
		}
		r := runDef(t, f, "chain/user-to-llm", context.Background())
		if r.Verdict != report.Fail {
			t.Errorf("%s: verdict %s, evidence %+v", name, r.Verdict, r.Evidence)
			continue
		}
		if tc.evidence != "" {
			if e, ok := hasEvidence(r, tc.evidence); !ok || e.OK {
				t.Errorf("%s: evidence %q %+v", name, tc.evidence, e)
			}
		} else if r.Negative == nil || r.Negative.Verdict != report.Fail {
			t.Errorf("%s: negative %+v", name, r.Negative)
		}
	}

	f := newFake(t, "enterprise-hub-spoke")
	r := runDef(t, f, "chain/user-to-llm", context.Background())
	if r.Verdict != report.Error || !strings.Contains(r.Reason, live.SvcHTTPLB) {
		t.Errorf("no LoadBalancer address: verdict %s (%s)", r.Verdict, r.Reason)
	}
	ts, why := chainUserToLLM().Targets(builtin(t, "ingress-two-clusters"))
	if len(ts) != 0 || !strings.Contains(why, "no dmz.chain") {
		t.Errorf("no chain: targets %v, reason %q", ts, why)
	}
}

// chainIgnoresBlackhole makes the fake's chain answer even while a route is blackholed.
func (f *fakeLab) chainIgnoresBlackhole(t *testing.T) {
	inner := f.chain
	f.chain = func(w checks.Where, url, host string, legs []probe.RelayLeg) (probe.Result, error) {
		f.mu.Lock()
		bh := f.blackholed
		f.blackholed = ""
		f.mu.Unlock()
		r, err := inner(w, url, host, legs)
		f.mu.Lock()
		f.blackholed = bh
		f.mu.Unlock()
		return r, err
	}
}

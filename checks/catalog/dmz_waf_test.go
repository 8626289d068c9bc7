package catalog

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
)

// fakeDMZ is enterprise-hub-spoke's DMZ: the WAF refuses what attack says is an attack on its
// rules-on listener and counts it; what passes (and everything on the rules-off listener) is
// answered by the Web cluster's pinned backend, which counts requests by Host and path and sees
// the WAF's hop header.
func fakeDMZ(t *testing.T, attack func(query string, rulesOn bool) bool) *fakeLab {
	t.Helper()
	f := newFake(t, "enterprise-hub-spoke")
	d := f.p.DMZ
	on := fmt.Sprintf("http://%s:%d/", d.WAF.Address, d.WAF.Port)
	off := fmt.Sprintf("http://%s:%d/", d.WAF.Address, d.WAF.PortOff)
	served := map[string]int64{}
	f.httpHost = func(w checks.Where, url, host string) (probe.Result, error) {
		if w.Client != d.Network+"-client" || host != plan.DMZHost {
			t.Errorf("a call from %s to %s (Host %s), want the DMZ's client with Host %s", w, url, host, plan.DMZHost)
			return timedOut("http")
		}
		base, query, _ := strings.Cut(url, "?")
		rulesOn := base == on
		if !rulesOn && base != off {
			t.Errorf("a call to %s, want the WAF's listeners", url)
			return timedOut("http")
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		c := &f.waf.Off
		if rulesOn {
			c = &f.waf.On
		}
		c.Seen++
		if attack(query, rulesOn) {
			c.Blocked++
			return probe.Result{Proto: "http", HTTPStatus: 403, Error: "HTTP 403 without a probe report"}, nil
		}
		c.Passed++
		served[host+"/"]++
		return probe.Result{Proto: "http", OK: true, HTTPStatus: 200, Server: &probe.Report{RemoteIP: "10.0.1.250",
			HTTP:   &probe.HTTPSeen{Host: host, Path: "/", Query: query, Hops: "waf@" + d.Client.String(), Served: served[host+"/"]},
			Server: probe.Identity{PodName: "echo-pinned-0", ClusterName: "web"}}}, nil
	}
	return f
}

// Coraza with the Core Rule Set: every query with an attack in it is one, with the rules on.
func crs(query string, rulesOn bool) bool {
	return rulesOn && (strings.Contains(query, "%27") || strings.Contains(query, "%3Cscript"))
}

func TestDMZWAF(t *testing.T) {
	f := fakeDMZ(t, crs)
	r := runDef(t, f, "dmz/waf", context.Background())
	if r.Verdict != report.Pass || r.Negative == nil || r.Negative.Verdict != report.Pass {
		t.Fatalf("verdict %s (%s), negative %+v, evidence %+v", r.Verdict, r.Reason, r.Negative, r.Evidence)
	}
	if e, ok := hasEvidence(r, "the request counter of web/echo-pinned-0"); !ok || !e.OK || e.Observed != "1, then 2" {
		t.Errorf("counter evidence %+v", e)
	}

	// A WAF whose rules let the attacks through: refused nowhere, the backend counts them.
	f = fakeDMZ(t, func(string, bool) bool { return false })
	r = runDef(t, f, "dmz/waf", context.Background())
	if e, ok := hasEvidence(r, "the request counter of web/echo-pinned-0"); r.Verdict != report.Fail || !ok || e.OK || e.Observed != "1, then 4" {
		t.Fatalf("rules that pass attacks: verdict %s, counter %+v, evidence %+v", r.Verdict, e, r.Evidence)
	}

	// A rules-off listener that still refuses: the negative control fails, and so does the check.
	f = fakeDMZ(t, func(q string, _ bool) bool { return crs(q, true) })
	r = runDef(t, f, "dmz/waf", context.Background())
	if r.Verdict != report.Fail || r.Negative == nil || r.Negative.Verdict != report.Fail {
		t.Fatalf("a negative control that cannot fail: verdict %s, negative %+v", r.Verdict, r.Negative)
	}
}

// A DMZ that does not answer fails after the warm-up; a WAF whose counters cannot be read is an
// error, never a pass; a scenario without a DMZ skips with the reason.
func TestDMZWAFFailures(t *testing.T) {
	f := newFake(t, "enterprise-hub-spoke")
	f.httpHost = func(checks.Where, string, string) (probe.Result, error) { return timedOut("http") }
	r := runDef(t, f, "dmz/waf", context.Background())
	if r.Verdict != report.Fail || !strings.Contains(r.Reason+r.Summary, "does not answer") {
		t.Fatalf("DMZ down: verdict %s (%s %s)", r.Verdict, r.Reason, r.Summary)
	}

	f = fakeDMZ(t, crs)
	f.wafErr = fmt.Errorf("exit 1: connection refused")
	r = runDef(t, f, "dmz/waf", context.Background())
	if r.Verdict != report.Error {
		t.Fatalf("counters unreadable: verdict %s (%s)", r.Verdict, r.Reason)
	}

	ts, why := dmzWAF().Targets(builtin(t, "ingress-two-clusters"))
	if len(ts) != 0 || !strings.Contains(why, "no dmz section") {
		t.Fatalf("no DMZ: targets %v, skip reason %q", ts, why)
	}
}

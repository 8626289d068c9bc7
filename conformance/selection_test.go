package conformance

import (
	"regexp"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/plan"
)

func cluster(t *testing.T, p *plan.Plan, name string) plan.ClusterPlan {
	t.Helper()
	for _, c := range p.Clusters {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("plan %s has no cluster %s", p.Lab, name)
	return plan.ClusterPlan{}
}

func TestSuitesNamed(t *testing.T) {
	all, err := SuitesNamed("all", "netpol")
	if err != nil || len(all) != 2 || all[0].Name != "sig-network" || all[1].Name != "netpol" {
		t.Fatalf("all: %v, %v", all, err)
	}
	one, err := SuitesNamed("netpol")
	if err != nil || len(one) != 1 || !one[0].NeedsPolicy {
		t.Fatalf("netpol: %v, %v", one, err)
	}
	if _, err := SuitesNamed("sig-storage"); err == nil || !strings.Contains(err.Error(), "sig-network, netpol, all") {
		t.Fatalf("unknown suite: %v", err)
	}
	if _, err := SuitesNamed(); err == nil {
		t.Fatal("no suite named: want an error")
	}
}

// The suites' focus expressions select what upstream's spec texts say (taken from v1.33's suite).
func TestSuiteFocusMatchesUpstreamTexts(t *testing.T) {
	for _, tc := range []struct {
		suite Suite
		text  string
		want  bool
	}{
		{SigNetwork, "[sig-network] Services should serve a basic endpoint from pods  [Conformance]", true},
		{SigNetwork, "[sig-network] DNS should provide DNS for the cluster  [Conformance]", true},
		{SigNetwork, "[sig-network] Services should be rejected when no endpoints exist", false},
		{SigNetwork, "[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]", false},
		{NetPol, "[sig-network] Netpol NetworkPolicy between server and client should deny ingress access to updated pod [Feature:NetworkPolicy]", true},
		{NetPol, "[sig-network] Services should serve a basic endpoint from pods  [Conformance]", false},
	} {
		if got := regexp.MustCompile(tc.suite.Focus).MatchString(tc.text); got != tc.want {
			t.Errorf("%s focus on %q: %v, want %v", tc.suite.Name, tc.text, got, tc.want)
		}
	}
}

func TestSelectNetPolNotApplicableWhereNotEnforced(t *testing.T) {
	p := testplan.Builtin(t, "cni-matrix")
	flannel := Select(p, cluster(t, p, "flannel"), NetPol, Host{SCTP: true}, "", "")
	if flannel.NotApplicable != "not applicable: flannel does not enforce NetworkPolicy" {
		t.Errorf("flannel: %q", flannel.NotApplicable)
	}
	calico := Select(p, cluster(t, p, "calico"), NetPol, Host{SCTP: true}, "", "")
	if calico.NotApplicable != "" {
		t.Errorf("calico: %q", calico.NotApplicable)
	}
	if sig := Select(p, cluster(t, p, "flannel"), SigNetwork, Host{SCTP: true}, "", ""); sig.NotApplicable != "" {
		t.Errorf("sig-network on flannel: %q", sig.NotApplicable)
	}
}

func TestSelectHermeticSkips(t *testing.T) {
	p := testplan.Builtin(t, "flannel-basic")
	c := p.Clusters[0]
	sel := Select(p, c, SigNetwork, Host{NoSCTP: "socket: protocol not supported"}, "", "Slow")
	if err := sel.Validate(); err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{
		"[sig-network] Networking should provide Internet connection for containers [Feature:Networking-IPv4]":                                                                          "8.8.8.8",
		"[sig-network] Networking should provider Internet connection for containers using DNS [Feature:Networking-DNS]":                                                                "outside the lab",
		"[sig-network] DNS configMap nameserver Forward external name lookup should forward externalname lookup to upstream nameserver [Slow] [Serial]":                                 "nameservers outside the lab",
		"[sig-network] Netpol [Feature:SCTPConnectivity] [LinuxOnly] NetworkPolicy between server and client using SCTP should support a 'default-deny' policy [Feature:NetworkPolicy]": "no SCTP",
		"[sig-network] Services should be Slow [Conformance]":                                                                                                                           "--skip",
	} {
		selected, skip := Select(p, c, Suite{Name: "x", Focus: "sig-network"}, Host{NoSCTP: "socket: protocol not supported"}, "", "Slow").Classify(text)
		if !selected || skip == nil || !strings.Contains(skip.Reason, want) {
			t.Errorf("%q: selected %v, skip %+v; want a skip saying %q", text, selected, skip, want)
		}
	}
	if selected, skip := sel.Classify("[sig-network] Services should serve a basic endpoint from pods  [Conformance]"); !selected || skip != nil {
		t.Errorf("a plain conformance spec: selected %v, skip %+v", selected, skip)
	}
	if selected, _ := sel.Classify("[sig-storage] something [Conformance]"); selected {
		t.Error("a spec outside the focus is selected")
	}
	// The one ginkgo --skip expression leaves out exactly what the skips do.
	re := regexp.MustCompile(sel.SkipPattern())
	if !re.MatchString("x should provide Internet connection for containers y") || !re.MatchString("[Feature:SCTPConnectivity]") || re.MatchString("[sig-network] Services should serve a basic endpoint from pods") {
		t.Errorf("skip pattern %q", sel.SkipPattern())
	}
}

// With egress allowed and upstream DNS, the Internet specs run (on a host that has the Internet);
// SCTP is still decided by the kernel.
func TestSelectOpenLabRunsInternetSpecs(t *testing.T) {
	p := testplan.Builtin(t, "flannel-basic")
	p.Outside = plan.OutsidePlan{Egress: plan.EgressAllow, DNSUpstream: true}
	sel := Select(p, p.Clusters[0], SigNetwork, Host{SCTP: true}, "", "")
	if len(sel.Skips) != 0 {
		t.Errorf("skips %+v, want none", sel.Skips)
	}
	p.Outside = plan.OutsidePlan{Egress: plan.EgressAllow}
	if sel := Select(p, p.Clusters[0], SigNetwork, Host{SCTP: true}, "", ""); len(sel.Skips) != 2 {
		t.Errorf("egress allowed without upstream DNS: skips %+v, want the two hermetic ones", sel.Skips)
	}
}

func TestSelectFocusReplacesAndValidates(t *testing.T) {
	p := testplan.Builtin(t, "flannel-basic")
	sel := Select(p, p.Clusters[0], SigNetwork, Host{SCTP: true}, `Services.*basic endpoint`, "")
	if sel.Focus != `Services.*basic endpoint` {
		t.Errorf("focus %q", sel.Focus)
	}
	bad := Select(p, p.Clusters[0], SigNetwork, Host{SCTP: true}, `(`, "")
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "focus") {
		t.Errorf("bad focus: %v", err)
	}
	bad = Select(p, p.Clusters[0], SigNetwork, Host{SCTP: true}, "", `[`)
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "skip") {
		t.Errorf("bad skip: %v", err)
	}
}

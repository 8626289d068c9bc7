package dmz

import (
	"slices"
	"testing"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/testplan"
)

// The WAF runs netlab's image at the plan's address in the DMZ subnet, sends only to the DMZ load
// balancer's front leg (its one allowed range is the DMZ subnet), with its three listeners.
func TestWAFContainer(t *testing.T) {
	p := testplan.Builtin(t, "enterprise-hub-spoke")
	s, err := WAFContainer(p, "netlab.local/netlab:dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"waf", "--upstream", "http://10.0.0.250:80", "--allow", "10.0.0.0/24", "--name", "waf", "--listen", ":80", "--listen-off", ":8080", "--counters", ":9090"}
	if !slices.Equal(s.Cmd, want) {
		t.Errorf("command %q, want %q", s.Cmd, want)
	}
	if s.Name != "enterprise-hub-spoke-waf" || s.Image != "netlab.local/netlab:dev" || len(s.CapAdd) != 0 || !s.RestartUnlessStopped ||
		!slices.Equal(s.Networks, []docker.Attachment{{Network: "enterprise-hub-spoke-main-dmz", IP: p.DMZ.WAF.Address}}) {
		t.Errorf("spec %+v", s)
	}
	p.DMZ = nil
	if _, err := WAFContainer(p, "x", nil); err == nil {
		t.Error("a lab without a DMZ got a WAF")
	}
}

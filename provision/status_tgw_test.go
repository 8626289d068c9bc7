package provision

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/internal/nft"
	"github.com/netlab-dev/netlab/plan"
)

func TestStatusShowsTheTGW(t *testing.T) {
	s := &LabStatus{Lab: "tgw-two-vpc", Scenario: "tgw-two-vpc", Complete: true, TGWEndpoint: "http://127.0.0.1:40123",
		TGW: &TGWStatus{Name: "tgw", Container: "tgw-two-vpc-tgw", State: "running", Endpoint: "http://127.0.0.1:40123", Volume: "tgw-two-vpc-tgw-state"}}
	var b bytes.Buffer
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"TGW  CONTAINER        STATE    API", "tgw  tgw-two-vpc-tgw  running  http://127.0.0.1:40123  tgw-two-vpc-tgw-state"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	js, _ := json.Marshal(s)
	if !strings.Contains(string(js), `"tgw":{"name":"tgw","container":"tgw-two-vpc-tgw","state":"running","endpoint":"http://127.0.0.1:40123","volume":"tgw-two-vpc-tgw-state"}`) ||
		!strings.Contains(string(js), `"tgwEndpoint":"http://127.0.0.1:40123"`) {
		t.Errorf("json: %s", js)
	}

	s.TGW.State, s.TGW.Endpoint = "missing", ""
	b.Reset()
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "missing  -") || !strings.Contains(b.String(), "not running: run 'netlab up' again") {
		t.Errorf("a missing TGW must say so:\n%s", b.String())
	}
}

func TestStatusShowsTheEgressGuard(t *testing.T) {
	s := &LabStatus{Lab: "l", Complete: true, Outside: plan.OutsidePlan{Egress: plan.EgressDeny},
		Egress: egress.Counters{Installed: true, Refused: nft.Count{Packets: 34, Bytes: 2600}, DNS: nft.Count{Packets: 30, Bytes: 2400}}}
	var b bytes.Buffer
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"OUTSIDE       egress guarded: no packet leaves the machine", "EGRESS GUARD  34 packets refused (30 DNS), 0 left the machine"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	s.Egress = egress.Counters{}
	b.Reset()
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "not installed: run 'netlab up' again") {
		t.Errorf("a missing guard must say so:\n%s", b.String())
	}
	js, _ := json.Marshal(s)
	if !strings.Contains(string(js), `"outside":{"egress":"deny","dnsUpstream":false},"egress":{"installed":false,`) {
		t.Errorf("json: %s", js)
	}
}

package tgw

import (
	"errors"
	"reflect"
	"testing"

	"github.com/netlab-dev/netlab/provision/lab"
	"github.com/netlab-dev/netlab/provision/tgw/api"
)

func TestEndpointForReadsTheLabState(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	if _, err := EndpointFor("nope"); !errors.Is(err, lab.ErrNoLab) {
		t.Fatalf("unknown lab: want ErrNoLab, got %v", err)
	}

	p := builtin(t, "flannel-basic")
	if err := (&lab.State{Lab: "flat", Scenario: "flannel-basic", Plan: p}).Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := EndpointFor("flat"); !errors.Is(err, ErrNoTGW) {
		t.Fatalf("a lab without a TGW: want ErrNoTGW, got %v", err)
	}

	p = builtin(t, "tgw-two-vpc")
	// A container name no Docker on this host has: the recorded endpoint is the answer.
	p.TransitGateway.Container = "netlab-unit-test-no-such-tgw"
	st := &lab.State{Lab: "tgw-two-vpc", Scenario: "tgw-two-vpc", Plan: p}
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := EndpointFor("tgw-two-vpc"); !errors.Is(err, ErrNoTGW) {
		t.Fatalf("up has not reached the tgw step: want ErrNoTGW, got %v", err)
	}
	st.TGWEndpoint = "http://127.0.0.1:40123"
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	if ep, err := EndpointFor("tgw-two-vpc"); err != nil || ep != "http://127.0.0.1:40123" {
		t.Fatalf("got %q %v", ep, err)
	}
}

func TestFilterByIDNameTagOrScenarioName(t *testing.T) {
	v := api.RoutesView{Tables: []api.TableView{
		{RouteTableID: "tgw-rtb-1", Name: "hub-spokes"},
		{RouteTableID: "tgw-rtb-2", Name: "hub-dmz"},
		{RouteTableID: "tgw-rtb-3", Name: "dmz"},
	}}
	ids := func(v api.RoutesView) []string {
		var out []string
		for _, t := range v.Tables {
			out = append(out, t.RouteTableID)
		}
		return out
	}
	for table, want := range map[string][]string{
		"":           {"tgw-rtb-1", "tgw-rtb-2", "tgw-rtb-3"},
		"tgw-rtb-2":  {"tgw-rtb-2"},
		"hub-spokes": {"tgw-rtb-1"},
		"spokes":     {"tgw-rtb-1"}, // the scenario's name of netlab's "<tgw>-<name>" tag
		"dmz":        {"tgw-rtb-3"}, // an exact Name tag wins over a suffix
		"other":      nil,
	} {
		if got := ids(Filter(v, table)); !reflect.DeepEqual(got, want) {
			t.Errorf("Filter(%q) = %v, want %v", table, got, want)
		}
	}
}

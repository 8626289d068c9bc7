package tgw

import (
	"errors"
	"testing"

	"github.com/netlab-dev/netlab/labstate"
)

func TestEndpointForReadsTheLabState(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	if _, err := EndpointFor("nope"); !errors.Is(err, labstate.ErrNoLab) {
		t.Fatalf("unknown lab: want ErrNoLab, got %v", err)
	}

	p := builtin(t, "flannel-basic")
	if err := (&labstate.State{Lab: "flat", Scenario: "flannel-basic", Plan: p}).Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := EndpointFor("flat"); !errors.Is(err, ErrNoTGW) {
		t.Fatalf("a lab without a TGW: want ErrNoTGW, got %v", err)
	}

	p = builtin(t, "tgw-two-vpc")
	// A container name no Docker on this host has: the recorded endpoint is the answer.
	p.TransitGateway.Container = "netlab-unit-test-no-such-tgw"
	st := &labstate.State{Lab: "tgw-two-vpc", Scenario: "tgw-two-vpc", Plan: p}
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

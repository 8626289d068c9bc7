//go:build linux

package probe_test

import (
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/nstest"
	"github.com/netlab-dev/netlab/probe"
)

// A VPC client's routes in a namespace shaped like its container: its subnet on eth0 and a default
// route to the Docker host. After SetHostRoutes, another VPC goes to the TGW's leg, a lab range
// nothing routes is unreachable, the subnet stays connected, and a second run changes nothing.
func TestSetHostRoutesInANamespace(t *testing.T) {
	l := nstest.Lab(t, "client", "host")
	if err := l.Veth("client", "eth0", "10.1.1.250/24", "host", "eth0", "10.1.1.1/24"); err != nil {
		t.Fatal(err)
	}
	if err := l.IP("client", "route", "add", "default", "via", "10.1.1.1"); err != nil {
		t.Fatal(err)
	}
	rs, err := probe.ParseHostRoutes([]string{"10.0.0.0/16=10.1.1.254"}, []string{"10.2.64.0/18", "172.20.0.0/16"}, 4242)
	if err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 2; run++ {
		if err := l.Do("client", func() error { return probe.SetHostRoutes(rs) }); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	get := func(dst string) string {
		out, err := l.Exec("client", "ip", "route", "get", dst)
		if err != nil {
			return "error: " + strings.TrimSpace(string(out)+" "+err.Error())
		}
		return strings.TrimSpace(string(out))
	}
	if r := get("10.0.1.7"); !strings.Contains(r, "via 10.1.1.254") {
		t.Errorf("10.0.1.7 (another VPC): %s; want via the TGW leg 10.1.1.254", r)
	}
	for _, dst := range []string{"10.2.64.9", "172.20.0.10"} {
		if r := get(dst); !strings.Contains(r, "No route to host") {
			t.Errorf("%s: %s; want unreachable", dst, r)
		}
	}
	if r := get("10.1.1.1"); !strings.Contains(r, "dev eth0") || strings.Contains(r, "via") {
		t.Errorf("the subnet must stay connected: %s", r)
	}
	out, _ := l.Exec("client", "ip", "route", "show")
	if n := strings.Count(string(out), "unreachable"); n != 2 {
		t.Errorf("after two runs, %d unreachable routes, want 2:\n%s", n, out)
	}
	if _, err := probe.ParseHostRoutes([]string{"10.0.0.0/16"}, nil, 1); err == nil {
		t.Error("a --via without a gateway was accepted")
	}
}

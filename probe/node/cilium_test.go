package node

import (
	"strings"
	"testing"
)

// The shape cilium-dbg prints (its models' JSON names), with a terminating backend that must not
// count and a UDP frontend on the same address.
const ciliumServiceList = `[
 {"spec": {"id": 7, "frontend-address": {"ip": "172.23.0.10", "port": 7001, "protocol": "TCP", "scope": "external"},
   "backend-addresses": [{"ip": "10.1.0.12", "port": 7001, "protocol": "TCP", "state": "active", "nodeName": "w"},
                         {"ip": "10.1.1.9", "port": 7001, "protocol": "TCP", "state": "active"},
                         {"ip": "10.1.1.3", "port": 7001, "protocol": "TCP", "state": "terminating"}],
   "flags": {"type": "ClusterIP", "name": "echo", "namespace": "netlab-checks"}},
  "status": {"realized": {}}},
 {"spec": {"id": 8, "frontend-address": {"ip": "172.23.0.10", "port": 7001, "protocol": "UDP"},
   "backend-addresses": [], "flags": {"type": "ClusterIP"}}}
]`

func TestParseCiliumServices(t *testing.T) {
	svcs, err := ParseCiliumServices([]byte(ciliumServiceList))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := FindCiliumService(svcs, "tcp", "172.23.0.10", 7001)
	if !ok || strings.Join(s.Backends, ",") != "10.1.0.12,10.1.1.9" || s.Type != "ClusterIP" {
		t.Fatalf("the TCP frontend: %+v %v", s, ok)
	}
	if got := s.String(); got != "ClusterIP 172.23.0.10:7001/TCP -> 10.1.0.12, 10.1.1.9" {
		t.Errorf("String() = %q", got)
	}
	if u, ok := FindCiliumService(svcs, "udp", "172.23.0.10", 7001); !ok || len(u.Backends) != 0 {
		t.Errorf("the UDP frontend: %+v %v", u, ok)
	}
	if _, ok := FindCiliumService(svcs, "tcp", "172.23.0.11", 7001); ok {
		t.Error("found a frontend that is not listed")
	}
	if _, err := ParseCiliumServices([]byte("ID   Frontend   Service Type   Backend\n")); err == nil {
		t.Error("the table output must not parse as JSON")
	}
}

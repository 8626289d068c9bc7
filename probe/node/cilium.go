package node

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// CiliumService is one frontend of Cilium's eBPF service map, as the agent lists it
// ('cilium-dbg service list -o json'): the address a Service answers on and the backends the
// map translates it to.
type CiliumService struct {
	Type     string   `json:"type"` // ClusterIP, NodePort, LoadBalancer, ...
	Addr     string   `json:"addr"`
	Port     int      `json:"port"`
	Proto    string   `json:"proto"` // TCP, UDP, ANY
	Backends []string `json:"backends"`
}

// String is "ClusterIP 10.96.0.10:53/UDP -> 10.0.1.5, 10.0.2.7".
func (s CiliumService) String() string {
	return fmt.Sprintf("%s %s/%s -> %s", s.Type, netJoin(s.Addr, s.Port), s.Proto, strings.Join(s.Backends, ", "))
}

func netJoin(addr string, port int) string {
	if strings.Contains(addr, ":") {
		return "[" + addr + "]:" + strconv.Itoa(port)
	}
	return addr + ":" + strconv.Itoa(port)
}

// ParseCiliumServices reads 'cilium-dbg service list -o json': an array of services, each with
// spec.frontend-address {ip, port, protocol}, spec.backend-addresses [{ip, port, state}] and
// spec.flags.type. Backends that are not active (terminating, quarantined, maintenance) are left
// out.
func ParseCiliumServices(data []byte) ([]CiliumService, error) {
	var raw []struct {
		Spec struct {
			Frontend struct {
				IP       string `json:"ip"`
				Port     int    `json:"port"`
				Protocol string `json:"protocol"`
			} `json:"frontend-address"`
			Backends []struct {
				IP    string `json:"ip"`
				Port  int    `json:"port"`
				State string `json:"state"`
			} `json:"backend-addresses"`
			Flags struct {
				Type string `json:"type"`
			} `json:"flags"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("cilium-dbg service list -o json: %w", err)
	}
	out := make([]CiliumService, 0, len(raw))
	for _, r := range raw {
		s := CiliumService{Type: r.Spec.Flags.Type, Addr: r.Spec.Frontend.IP, Port: r.Spec.Frontend.Port, Proto: strings.ToUpper(r.Spec.Frontend.Protocol)}
		for _, b := range r.Spec.Backends {
			if b.State == "" || b.State == "active" {
				s.Backends = append(s.Backends, b.IP)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// FindCiliumService finds the frontend addr:port for proto (TCP, UDP; ANY matches either).
func FindCiliumService(svcs []CiliumService, proto, addr string, port int) (CiliumService, bool) {
	for _, s := range svcs {
		if s.Addr == addr && s.Port == port && (strings.EqualFold(s.Proto, proto) || s.Proto == "ANY") {
			return s, true
		}
	}
	return CiliumService{}, false
}

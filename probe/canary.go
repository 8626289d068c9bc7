package probe

import (
	"fmt"
	"net"
	"net/netip"
)

// CanaryResult is the one datagram of the egress guard's negative control.
type CanaryResult struct {
	Target string `json:"target"`
	Source string `json:"source,omitempty"`
	Sent   bool   `json:"sent"` // the datagram left this namespace's socket (not: it arrived)
	Error  string `json:"error,omitempty"`
}

// SendCanary sends one UDP datagram to target and nothing else: no retry, no reply awaited. It is
// the only call of the probe that is not bounded by the Guard, because its target is by design
// outside every lab; the caller passes the one address meant for it (package egress's Canary),
// which the host's guard refuses, and whose backstop drops it even if the guard were broken.
func SendCanary(target netip.AddrPort) (CanaryResult, error) {
	res := CanaryResult{Target: target.String()}
	conn, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(target))
	if err != nil {
		res.Error = err.Error()
		return res, fmt.Errorf("canary: %w", err)
	}
	defer conn.Close()
	res.Source = conn.LocalAddr().String()
	if _, err := conn.Write([]byte("netlab egress canary: this datagram must not leave the machine\n")); err != nil {
		res.Error = err.Error()
		return res, fmt.Errorf("canary: %w", err)
	}
	res.Sent = true
	return res, nil
}

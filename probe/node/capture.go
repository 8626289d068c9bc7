package node

import "time"

// CaptureOptions bound a capture: it stops at Duration or when MaxPackets datagrams of the flow
// were counted, whichever comes first.
type CaptureOptions struct {
	Interface  string        // required: the uplink (eth0 on a kind node)
	Ports      []uint16      // UDP destination ports; default DefaultVXLANPorts
	Flow       InnerFlow     // the inner flow to count; zero: every VXLAN datagram
	Duration   time.Duration // default 2s; at most 5m
	MaxPackets int           // default 1,000,000
}

// CaptureResult counts the VXLAN datagrams of the flow seen on the interface: by flow direction
// (forward, reply) and VNI, by interface direction (incoming, outgoing) and UDP port, and the
// datagrams to the ports it left out (not VXLAN, or another flow).
type CaptureResult struct {
	Interface string   `json:"interface"`
	Ports     []uint16 `json:"ports"`
	Flow      string   `json:"flow"`
	Seconds   float64  `json:"seconds"`
	VXLANCounts
	Incoming int            `json:"incoming"`
	Outgoing int            `json:"outgoing"`
	Bytes    int64          `json:"bytes"` // IP bytes of the counted datagrams
	ByPort   map[string]int `json:"byPort"`
	Stopped  string         `json:"stopped"` // duration, packets or canceled
}

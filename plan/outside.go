package plan

// Egress values: whether the host's egress guard keeps the lab's packets on this machine.
const (
	EgressDeny  = "deny"
	EgressAllow = "allow"
)

// OutsidePlan is what of the lab may reach past this machine. By default nothing does: CoreDNS
// answers the names it does not own with NXDOMAIN, and the host's egress guard refuses and counts
// every packet from the lab's ranges to an address outside them.
type OutsidePlan struct {
	// Egress is EgressDeny (the guard is installed) or EgressAllow (no guard: the lab may reach
	// whatever the host reaches).
	Egress string `json:"egress"`
	// DNSUpstream forwards the names CoreDNS does not own to the node's resolver; under
	// EgressDeny the guard then lets DNS (port 53, UDP and TCP) out and nothing else.
	DNSUpstream bool `json:"dnsUpstream"`
}

// Guarded reports whether the host's egress guard is installed.
func (o OutsidePlan) Guarded() bool { return o.Egress == EgressDeny }

// Summary is one line for 'netlab plan' and 'netlab status'.
func (o OutsidePlan) Summary() string {
	dns := "names outside the lab get NXDOMAIN from CoreDNS"
	if o.DNSUpstream {
		dns = "CoreDNS forwards names outside the lab upstream"
	}
	switch {
	case !o.Guarded():
		return "egress allowed (no guard); " + dns
	case o.DNSUpstream:
		return "egress guarded: only DNS (port 53) leaves the machine; " + dns
	default:
		return "egress guarded: no packet leaves the machine; " + dns
	}
}

func (rs *resolver) outside() {
	o := OutsidePlan{Egress: rs.sc.Egress, DNSUpstream: rs.sc.DNS.Upstream}
	switch o.Egress {
	case "":
		o.Egress = EgressDeny
	case EgressDeny, EgressAllow:
	default:
		rs.r.errorf("egress", "%q is not an egress policy; use %q (the default: the host refuses and counts every packet from the lab to an address outside it) or %q (the lab may reach whatever the host reaches)", o.Egress, EgressDeny, EgressAllow)
	}
	rs.p.Outside = o
}

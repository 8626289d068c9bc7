package conformance

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/netlab-dev/netlab/plan"
)

// Skip is a pattern of specs a run leaves out, and why.
type Skip struct {
	// Pattern is a regular expression on the spec's full text (ginkgo's --skip).
	Pattern string `json:"pattern"`
	Reason  string `json:"reason"`
}

// Host is what the host tells about the specs a lab can run: kind's nodes share its kernel.
type Host struct {
	// SCTP is whether the kernel speaks SCTP (socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) works);
	// NoSCTP says why not, when it does not.
	SCTP   bool
	NoSCTP string
}

// Selection is what one cluster runs of one suite.
type Selection struct {
	Suite   Suite  `json:"suite"`
	Cluster string `json:"cluster"`
	// Focus is the suite's focus, or the one --focus gave instead.
	Focus string `json:"focus"`
	// Skips are the specs left out, each with its reason.
	Skips []Skip `json:"skips,omitempty"`
	// NotApplicable, when set, is why the suite does not run on this cluster at all.
	NotApplicable string `json:"notApplicable,omitempty"`
}

// The specs a hermetic lab leaves out: each reaches past the machine by design.
var (
	skipInternet = Skip{
		Pattern: `should provider? Internet connection for containers`,
		Reason:  "connects to 8.8.8.8 and google.com, outside the lab",
	}
	skipUpstreamDNS = Skip{
		Pattern: `DNS configMap nameserver`,
		Reason:  "points CoreDNS at nameservers outside the lab (8.8.8.8, dns.google)",
	}
)

// sctpSpecs are the specs that need the kernel's SCTP.
const sctpSpecs = `\[Feature:SCTPConnectivity\]`

// Select is what cluster c of plan p runs of suite s on this host. focus, when set, replaces the
// suite's focus; skip, when set, leaves out more specs (the user's reason: "--skip").
func Select(p *plan.Plan, c plan.ClusterPlan, s Suite, host Host, focus, skip string) Selection {
	sel := Selection{Suite: s, Cluster: c.Name, Focus: s.Focus}
	if focus != "" {
		sel.Focus = focus
	}
	if s.NeedsPolicy && !c.CNI.EnforcesNetworkPolicy {
		sel.NotApplicable = fmt.Sprintf("not applicable: %s does not enforce NetworkPolicy", c.CNI.Type)
	}
	if p.Outside.Guarded() || !p.Outside.DNSUpstream {
		why := " (the scenario keeps the lab on this machine; egress: allow and dns: {upstream: true} open it)"
		sel.Skips = append(sel.Skips,
			Skip{Pattern: skipInternet.Pattern, Reason: skipInternet.Reason + why},
			Skip{Pattern: skipUpstreamDNS.Pattern, Reason: skipUpstreamDNS.Reason + why})
	}
	if !host.SCTP {
		why := "this host's kernel has no SCTP, and kind's nodes share it"
		if host.NoSCTP != "" {
			why += " (" + host.NoSCTP + ")"
		}
		sel.Skips = append(sel.Skips, Skip{Pattern: sctpSpecs, Reason: why})
	}
	if skip != "" {
		sel.Skips = append(sel.Skips, Skip{Pattern: skip, Reason: "--skip"})
	}
	return sel
}

// Validate compiles the focus and every skip pattern, naming the one that does not compile.
func (s Selection) Validate() error {
	if _, err := regexp.Compile(s.Focus); err != nil {
		return fmt.Errorf("focus %q: %v", s.Focus, err)
	}
	for _, k := range s.Skips {
		if _, err := regexp.Compile(k.Pattern); err != nil {
			return fmt.Errorf("skip %q: %v", k.Pattern, err)
		}
	}
	return nil
}

// SkipPattern is every skip as one ginkgo --skip expression.
func (s Selection) SkipPattern() string {
	var parts []string
	for _, k := range s.Skips {
		parts = append(parts, "(?:"+k.Pattern+")")
	}
	return strings.Join(parts, "|")
}

// Classify says whether the spec with this full text is one of the selection's (its focus
// matches) and, if so, which skip leaves it out (nil when it runs). Patterns that do not compile
// match nothing; Validate refuses them first.
func (s Selection) Classify(text string) (selected bool, skip *Skip) {
	if re, err := regexp.Compile(s.Focus); err != nil || !re.MatchString(text) {
		return false, nil
	}
	for i, k := range s.Skips {
		if re, err := regexp.Compile(k.Pattern); err == nil && re.MatchString(text) {
			return true, &s.Skips[i]
		}
	}
	return true, nil
}

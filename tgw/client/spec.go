// Package client configures a netlab transit gateway through its EC2 API, with aws-sdk-go-v2 only:
// the same calls a workshop's `aws ec2 ...` commands make against AWS. Reconcile takes a desired Spec
// and converges the TGW to it; running it again with the same Spec makes no calls that change
// anything. Resources are found again by their tags: netlab:tgw (the gateway's name) and netlab:name.
package client

import (
	"errors"
	"fmt"
	"net/netip"
)

// Tag keys netlab sets on what it creates.
const (
	TagTGW  = "netlab:tgw"  // the name of the transit gateway the resource belongs to
	TagName = "netlab:name" // the resource's name in the Spec
)

// Spec is a desired transit gateway setup.
type Spec struct {
	Name        string // the gateway's name (tag netlab:name on the TGW, netlab:tgw on everything)
	ASN         int64  // Amazon-side ASN; 0 means 64512
	Attachments []AttachmentSpec
	RouteTables []RouteTableSpec
	// NodeRoutes are CIDRs behind nodes (Pod CIDRs): each becomes a route in the attachment's VPC
	// route table to the node's network interface, which the TGW follows to reach them.
	NodeRoutes []NodeRoute
}

// AttachmentSpec is one VPC and its attachment to the gateway.
type AttachmentSpec struct {
	Name    string       // names the VPC and the attachment
	CIDRs   []string     // the VPC's CIDRs, primary first (propagation installs all of them)
	Subnets []SubnetSpec // the subnets the TGW attaches to (one per docker network)
	// TGWRoutes are CIDRs that the VPC's route table sends to the transit gateway (the node side:
	// what the VPC's nodes route via the TGW's address in their subnet).
	TGWRoutes []string
}

// SubnetSpec is an attached subnet.
type SubnetSpec struct {
	CIDR string
	// TGWAddress is the TGW container's address on this subnet's network. The TGW finds its own
	// address; Reconcile checks that it is this one ("" skips the check).
	TGWAddress       string
	AvailabilityZone string // "" picks us-east-1a, 1b, … by position
}

// RouteTableSpec is a TGW route table.
type RouteTableSpec struct {
	Name         string
	Associations []string // attachment names (an attachment is associated with at most one table)
	Propagations []string // attachment names
	Routes       []StaticRoute
	Blackholes   []string // CIDRs
}

// StaticRoute sends a CIDR to an attachment.
type StaticRoute struct {
	CIDR       string
	Attachment string
}

// NodeRoute says that CIDR is reached via the node at address Via, in the VPC of Attachment.
type NodeRoute struct {
	Attachment string
	CIDR       string
	Via        string
	Node       string // the node's name, for the network interface's description
}

// Result is what Reconcile did and found.
type Result struct {
	Changes []string // one line per mutating call; empty when the TGW already matched the Spec

	TransitGatewayID string
	VPCIDs           map[string]string // attachment name -> vpc id
	AttachmentIDs    map[string]string // attachment name -> tgw-attach id
	RouteTableIDs    map[string]string // route table name -> tgw-rtb id
}

// Validate checks a Spec for what the API would refuse halfway through.
func (s Spec) Validate() error {
	if s.Name == "" {
		return errors.New("tgw spec: the gateway needs a name")
	}
	atts := map[string]AttachmentSpec{}
	for _, a := range s.Attachments {
		if a.Name == "" || atts[a.Name].Name != "" {
			return fmt.Errorf("tgw spec: attachment name %q is empty or repeated", a.Name)
		}
		if err := a.validate(); err != nil {
			return err
		}
		atts[a.Name] = a
	}
	rts := map[string]bool{}
	assoc := map[string]string{} // attachment -> the route table it is associated with
	for _, rt := range s.RouteTables {
		if rt.Name == "" || rts[rt.Name] {
			return fmt.Errorf("tgw spec: route table name %q is empty or repeated", rt.Name)
		}
		rts[rt.Name] = true
		if err := rt.validate(atts, assoc); err != nil {
			return err
		}
	}
	for _, n := range s.NodeRoutes {
		if atts[n.Attachment].Name == "" {
			return fmt.Errorf("tgw spec: node route %s names unknown attachment %q", n.CIDR, n.Attachment)
		}
		if _, err := netip.ParsePrefix(n.CIDR); err != nil {
			return fmt.Errorf("tgw spec: node route: %w", err)
		}
		if _, err := netip.ParseAddr(n.Via); err != nil {
			return fmt.Errorf("tgw spec: node route %s: %w", n.CIDR, err)
		}
	}
	return nil
}

// validate checks an attachment's CIDRs, TGW routes and subnets (its name is Validate's job).
func (a AttachmentSpec) validate() error {
	if len(a.CIDRs) == 0 || len(a.Subnets) == 0 {
		return fmt.Errorf("tgw spec: attachment %s needs a CIDR and a subnet", a.Name)
	}
	for _, c := range append(append([]string{}, a.CIDRs...), a.TGWRoutes...) {
		if _, err := netip.ParsePrefix(c); err != nil {
			return fmt.Errorf("tgw spec: attachment %s: %w", a.Name, err)
		}
	}
	for _, sn := range a.Subnets {
		if _, err := netip.ParsePrefix(sn.CIDR); err != nil {
			return fmt.Errorf("tgw spec: attachment %s: %w", a.Name, err)
		}
		if sn.TGWAddress != "" {
			if _, err := netip.ParseAddr(sn.TGWAddress); err != nil {
				return fmt.Errorf("tgw spec: attachment %s: %w", a.Name, err)
			}
		}
	}
	return nil
}

// validate checks a route table's associations, propagations, routes and blackholes against the
// attachments atts, recording its associations in assoc (attachment -> route table) so that an
// attachment associated twice is refused.
func (rt RouteTableSpec) validate(atts map[string]AttachmentSpec, assoc map[string]string) error {
	known := func(what, name string) error {
		if atts[name].Name == "" {
			return fmt.Errorf("tgw spec: route table %s: %s names unknown attachment %q", rt.Name, what, name)
		}
		return nil
	}
	for _, a := range rt.Associations {
		if err := known("association", a); err != nil {
			return err
		}
		if other, ok := assoc[a]; ok {
			return fmt.Errorf("tgw spec: attachment %s is associated with both %s and %s; an attachment has at most one route table", a, other, rt.Name)
		}
		assoc[a] = rt.Name
	}
	for _, a := range rt.Propagations {
		if err := known("propagation", a); err != nil {
			return err
		}
	}
	seen := map[netip.Prefix]bool{}
	for _, r := range rt.Routes {
		if err := known("route", r.Attachment); err != nil {
			return err
		}
		p, err := netip.ParsePrefix(r.CIDR)
		if err != nil || seen[p] {
			return fmt.Errorf("tgw spec: route table %s: route %q is invalid or repeated", rt.Name, r.CIDR)
		}
		seen[p] = true
	}
	for _, c := range rt.Blackholes {
		p, err := netip.ParsePrefix(c)
		if err != nil || seen[p] {
			return fmt.Errorf("tgw spec: route table %s: blackhole %q is invalid or repeated", rt.Name, c)
		}
		seen[p] = true
	}
	return nil
}

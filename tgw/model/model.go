// Package model is the transit gateway's state: VPCs with their subnets, network interfaces and route
// tables, and transit gateways with their VPC attachments, route tables, associations, propagations and
// static and blackhole routes. It is pure Go with no I/O besides JSON (de)serialisation, and it applies
// the validation rules of AWS's EC2 API with its error codes. A failed operation leaves the state
// exactly as it was: every operation validates all of its input before it changes anything.
//
// The state is not safe for concurrent use; the API server serialises access to it.
package model

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"
)

// Tag is an EC2 resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// TagValue returns the value of the tag key and whether it is set.
func TagValue(tags []Tag, key string) (string, bool) {
	for _, t := range tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return "", false
}

// VPC is a virtual private cloud: in netlab, one docker network per subnet.
type VPC struct {
	ID    string   `json:"id"`
	CIDRs []string `json:"cidrs"` // primary first, then the associated secondary CIDRs
	// CIDRAssociationIDs[i] is the association id of CIDRs[i] (vpc-cidr-assoc-…).
	CIDRAssociationIDs []string  `json:"cidrAssociationIds"`
	MainRouteTableID   string    `json:"mainRouteTableId"`
	Tags               []Tag     `json:"tags,omitempty"`
	Created            time.Time `json:"created"`
}

// Subnet is a subnet of a VPC.
type Subnet struct {
	ID               string    `json:"id"`
	VPCID            string    `json:"vpcId"`
	CIDR             string    `json:"cidr"`
	AvailabilityZone string    `json:"availabilityZone"`
	Tags             []Tag     `json:"tags,omitempty"`
	Created          time.Time `json:"created"`
}

// Interface types of a NetworkInterface.
const (
	InterfaceTypeInterface      = "interface"
	InterfaceTypeTransitGateway = "transit_gateway"
)

// NetworkInterface is an ENI: a node's address in a subnet (created through CreateNetworkInterface), or
// the transit gateway's own address in an attached subnet (created with the attachment, requester
// managed, type transit_gateway).
type NetworkInterface struct {
	ID           string `json:"id"`
	SubnetID     string `json:"subnetId"`
	VPCID        string `json:"vpcId"`
	PrivateIP    string `json:"privateIp"`
	Description  string `json:"description,omitempty"`
	Type         string `json:"type"`
	AttachmentID string `json:"attachmentId,omitempty"` // for transit_gateway interfaces
	Tags         []Tag  `json:"tags,omitempty"`
}

// VPCRouteTable is a VPC's route table. netlab's VPCs have only their main route table.
type VPCRouteTable struct {
	ID     string     `json:"id"`
	VPCID  string     `json:"vpcId"`
	Main   bool       `json:"main"`
	Routes []VPCRoute `json:"routes"`
	Tags   []Tag      `json:"tags,omitempty"`
}

// VPCRoute is a route of a VPC route table. Exactly one target is set: GatewayID "local" for the VPC's
// own CIDRs, NetworkInterfaceID for a CIDR behind a node (its Pod CIDR), TransitGatewayID for a CIDR
// reached through the transit gateway.
type VPCRoute struct {
	Destination        string `json:"destination"`
	GatewayID          string `json:"gatewayId,omitempty"`
	NetworkInterfaceID string `json:"networkInterfaceId,omitempty"`
	TransitGatewayID   string `json:"transitGatewayId,omitempty"`
	Origin             string `json:"origin"` // CreateRouteTable or CreateRoute
}

// TransitGateway is a transit gateway.
type TransitGateway struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	ASN         int64  `json:"asn"`
	// DefaultAssociation and DefaultPropagation say whether new attachments are associated with, and
	// propagate into, the default route table (AWS's defaultRouteTableAssociation/Propagation).
	DefaultAssociation bool      `json:"defaultAssociation"`
	DefaultPropagation bool      `json:"defaultPropagation"`
	DefaultRouteTable  string    `json:"defaultRouteTable,omitempty"`
	Tags               []Tag     `json:"tags,omitempty"`
	Created            time.Time `json:"created"`
}

// AttachmentSubnet is one attached subnet: the transit gateway's interface in it.
type AttachmentSubnet struct {
	SubnetID string `json:"subnetId"`
	ENIID    string `json:"eniId"`
	// Address is the transit gateway's own address in the subnet. The datapath finds the kernel
	// interface that carries it, so interface names may change across restarts.
	Address string `json:"address"`
}

// Attachment is a transit gateway VPC attachment.
type Attachment struct {
	ID      string             `json:"id"`
	TGWID   string             `json:"tgwId"`
	VPCID   string             `json:"vpcId"`
	Subnets []AttachmentSubnet `json:"subnets"`
	// RouteTableID is the route table the attachment is associated with ("" when none). As in AWS an
	// attachment is associated with at most one route table.
	RouteTableID string `json:"routeTableId,omitempty"`
	// Seq is a number unique among attachments, stable for the attachment's life (the datapath derives
	// rule priorities from it).
	Seq     int       `json:"seq"`
	Tags    []Tag     `json:"tags,omitempty"`
	Created time.Time `json:"created"`
}

// Route types and states, as AWS names them.
const (
	RouteTypeStatic     = "static"
	RouteTypePropagated = "propagated"
	RouteStateActive    = "active"
	RouteStateBlackhole = "blackhole"
)

// StaticRoute is a route created by CreateTransitGatewayRoute: to an attachment, or a blackhole.
type StaticRoute struct {
	CIDR         string `json:"cidr"`
	AttachmentID string `json:"attachmentId,omitempty"`
	Blackhole    bool   `json:"blackhole,omitempty"`
}

// RouteTable is a transit gateway route table.
type RouteTable struct {
	ID    string `json:"id"`
	TGWID string `json:"tgwId"`
	// Seq is a number unique among route tables, stable for the table's life (the datapath derives the
	// kernel table number from it).
	Seq          int           `json:"seq"`
	Propagations []string      `json:"propagations,omitempty"` // attachment ids, sorted
	Static       []StaticRoute `json:"static,omitempty"`
	Tags         []Tag         `json:"tags,omitempty"`
	Created      time.Time     `json:"created"`
}

// State is the whole state. Its zero value is not ready; use New or Load.
type State struct {
	Version         int                          `json:"version"`
	VPCs            map[string]*VPC              `json:"vpcs"`
	Subnets         map[string]*Subnet           `json:"subnets"`
	ENIs            map[string]*NetworkInterface `json:"networkInterfaces"`
	VPCRouteTables  map[string]*VPCRouteTable    `json:"vpcRouteTables"`
	TransitGateways map[string]*TransitGateway   `json:"transitGateways"`
	Attachments     map[string]*Attachment       `json:"attachments"`
	RouteTables     map[string]*RouteTable       `json:"routeTables"`
	NextSeq         int                          `json:"nextSeq"`

	// IDs makes resource ids; nil means random AWS-style ids. Tests set Sequential for deterministic ids.
	IDs func(prefix string) string `json:"-"`
	// Now returns the time stamped on new resources; nil means time.Now.
	Now func() time.Time `json:"-"`
}

// StateVersion is the version of the serialised state.
const StateVersion = 1

// New returns an empty state.
func New() *State {
	s := &State{Version: StateVersion}
	s.init()
	return s
}

func (s *State) init() {
	if s.VPCs == nil {
		s.VPCs = map[string]*VPC{}
	}
	if s.Subnets == nil {
		s.Subnets = map[string]*Subnet{}
	}
	if s.ENIs == nil {
		s.ENIs = map[string]*NetworkInterface{}
	}
	if s.VPCRouteTables == nil {
		s.VPCRouteTables = map[string]*VPCRouteTable{}
	}
	if s.TransitGateways == nil {
		s.TransitGateways = map[string]*TransitGateway{}
	}
	if s.Attachments == nil {
		s.Attachments = map[string]*Attachment{}
	}
	if s.RouteTables == nil {
		s.RouteTables = map[string]*RouteTable{}
	}
}

// Marshal serialises the state as JSON.
func (s *State) Marshal() ([]byte, error) { return json.MarshalIndent(s, "", "  ") }

// Unmarshal reads a state serialised by Marshal.
func Unmarshal(b []byte) (*State, error) {
	s := &State{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("transit gateway state: %w", err)
	}
	if s.Version != StateVersion {
		return nil, fmt.Errorf("transit gateway state: version %d, want %d", s.Version, StateVersion)
	}
	s.init()
	return s, nil
}

// Clone returns a deep copy (sharing IDs and Now).
func (s *State) Clone() *State {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // the state holds only JSON-safe values
	}
	c := &State{}
	if err := json.Unmarshal(b, c); err != nil {
		panic(err)
	}
	c.init()
	c.IDs, c.Now = s.IDs, s.Now
	return c
}

// Sequential returns an id maker that numbers ids per prefix: tgw-00000000000000001, …
func Sequential() func(string) string {
	n := map[string]int{}
	return func(prefix string) string {
		n[prefix]++
		return fmt.Sprintf("%s-%017x", prefix, n[prefix])
	}
}

func (s *State) newID(prefix string) string {
	if s.IDs != nil {
		return s.IDs(prefix)
	}
	b := make([]byte, 9)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)[:17]
}

func (s *State) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC().Truncate(time.Second)
}

func (s *State) nextSeq() int {
	s.NextSeq++
	return s.NextSeq
}

// parsePrefix parses an IPv4 CIDR that must be in canonical form (no host bits set).
func parsePrefix(field, cidr string) (netip.Prefix, error) {
	if cidr == "" {
		return netip.Prefix{}, errf(CodeMissingParameter, "The request must contain the parameter %s", field)
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, errf(CodeInvalidParameterValue, "Value (%s) for parameter %s is invalid. This is not a valid IPv4 CIDR block.", cidr, field)
	}
	if p.Masked() != p {
		return netip.Prefix{}, errf(CodeInvalidParameterValue, "Value (%s) for parameter %s is invalid. The CIDR has host bits set; did you mean %s?", cidr, field, p.Masked())
	}
	return p, nil
}

func overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

// contains reports whether outer contains all of inner.
func contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

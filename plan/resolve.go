package plan

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// DefaultNodeImage is kind's default node image (Kubernetes 1.37 with kind v0.33.0). The plan is
// pure and does not import kind; provision/kindconfig's tests hold it equal to kind's own default
// (sigs.k8s.io/kind/pkg/apis/config/defaults.Image), so a kind upgrade in go.mod cannot leave it
// behind unnoticed.
const DefaultNodeImage = "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"

// Defaults that the scenario file may leave out.
const (
	DefaultVPCName      = "main"
	DefaultSubnetName   = "nodes"
	DefaultMTU          = 1500
	DefaultASN          = 64512
	DefaultTGWName      = "tgw"
	DefaultRouteTable   = "default"
	defaultNodeMaskSize = 24
)

// Options change how a scenario is planned without editing the file.
type Options struct {
	// NodeImage, when set, replaces every cluster's node image (netlab up --node-image).
	NodeImage string
}

// Build loads and resolves a scenario. It returns the plan and every diagnostic; when any
// diagnostic is an error the plan is nil.
func Build(file string, data []byte, opts Options) (*Plan, Diagnostics) {
	sc, pos, err := Load(file, data)
	if err != nil {
		return nil, err.(Diagnostics)
	}
	rs := &resolver{r: &reporter{file: file, pos: pos}, sc: sc, opts: opts}
	p := rs.resolve()
	diags := rs.r.diags.sorted()
	if len(diags.Errors()) > 0 {
		return nil, diags
	}
	for _, w := range diags.Warnings() {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%s: %s", w.Field, w.Message))
	}
	return p, diags
}

var (
	shortNameRE = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	labelRE     = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$`)
)

const shortNameMax = 20

type resolver struct {
	r    *reporter
	sc   *Scenario
	opts Options
	p    *Plan

	global *allocator            // VPC CIDRs, Pod CIDRs outside VPCs, Service CIDRs
	inVPC  map[string]*allocator // subnets and Pod CIDRs inside each VPC

	vpcPrefix    map[string]netip.Prefix
	subnetPrefix map[string]map[string]netip.Prefix // vpc → subnet → prefix
	podPrefix    []netip.Prefix                     // by cluster index (invalid when unknown)
	svcPrefix    []netip.Prefix
	attachOf     map[string]string // vpc → attachment name
	tableOf      map[string]int    // attachment → route table index in plan
}

func (rs *resolver) resolve() *Plan {
	sc := rs.sc
	rs.p = &Plan{Source: rs.r.file}
	rs.header()
	rs.global = &allocator{}
	rs.inVPC = map[string]*allocator{}
	rs.vpcPrefix = map[string]netip.Prefix{}
	rs.subnetPrefix = map[string]map[string]netip.Prefix{}
	rs.podPrefix = make([]netip.Prefix, len(sc.Clusters))
	rs.svcPrefix = make([]netip.Prefix, len(sc.Clusters))

	if len(sc.Clusters) == 0 {
		rs.r.errorf("clusters", "a scenario needs at least one cluster; add a 'clusters:' list")
	}
	if len(sc.VPCs) == 0 {
		sc.VPCs = []VPC{{Name: DefaultVPCName}}
	}
	rs.reserveExplicit()
	rs.vpcs()
	rs.clusters()
	rs.transitGateway()
	rs.nodeRoutes()
	rs.istio()
	rs.globalLB()
	rs.dmz()
	rs.checks()
	rs.outside()
	return rs.p
}

func (rs *resolver) header() {
	sc := rs.sc
	switch {
	case sc.APIVersion == "":
		rs.r.errorf("apiVersion", "missing; a scenario starts with 'apiVersion: %s'", APIVersion)
	case sc.APIVersion != APIVersion:
		rs.r.errorf("apiVersion", "%q is not supported; use %q", sc.APIVersion, APIVersion)
	}
	switch {
	case sc.Kind == "":
		rs.r.errorf("kind", "missing; write 'kind: %s'", Kind)
	case sc.Kind != Kind:
		rs.r.errorf("kind", "%q is not supported; use %q", sc.Kind, Kind)
	}
	rs.checkShortName("metadata.name", sc.Metadata.Name, "the lab's name")
	rs.p.Lab = sc.Metadata.Name
	rs.p.Description = sc.Metadata.Description
}

// checkShortName validates a name that becomes part of Docker and kind object names.
func (rs *resolver) checkShortName(field, name, what string) bool {
	switch {
	case name == "":
		rs.r.errorf(field, "missing; give %s (lower-case letters, digits and '-')", what)
	case len(name) > shortNameMax:
		rs.r.errorf(field, "%q is %d characters; %s may have at most %d, because it becomes part of container names", name, len(name), what, shortNameMax)
	case !shortNameRE.MatchString(name):
		rs.r.errorf(field, "%q is not a valid name; use lower-case letters, digits and '-', starting with a letter", name)
	default:
		return true
	}
	return false
}

// cidrField parses an optional CIDR field, reporting a bad one or one outside SafeRanges. ok is
// false when absent, bad or unsafe. Every CIDR field of a scenario goes through here.
func (rs *resolver) cidrField(field, value string) (netip.Prefix, bool) {
	if value == "" {
		return netip.Prefix{}, false
	}
	p, err := parseCIDR(value)
	if err != nil {
		rs.r.errorf(field, "%v", err)
		return netip.Prefix{}, false
	}
	if !InSafeRanges(p) {
		rs.r.errorf(field, "%s", unsafeMessage(p.String()))
		return netip.Prefix{}, false
	}
	return p, true
}

// reserveExplicit parses every CIDR the file gives, so that allocation avoids them all.
func (rs *resolver) reserveExplicit() {
	sc := rs.sc
	for i, v := range sc.VPCs {
		a := &allocator{}
		rs.inVPC[v.Name] = a
		vp, ok := rs.cidrField(fmt.Sprintf("vpcs[%d].cidr", i), v.CIDR)
		if ok {
			rs.vpcPrefix[v.Name] = vp
			rs.global.take(vp)
		}
		for j, s := range v.Subnets {
			if sp, ok := rs.cidrField(fmt.Sprintf("vpcs[%d].subnets[%d].cidr", i, j), s.CIDR); ok {
				a.take(sp)
			}
		}
	}
	for i, c := range sc.Clusters {
		if pp, ok := rs.cidrField(fmt.Sprintf("clusters[%d].podCIDR", i), c.PodCIDR); ok {
			rs.podPrefix[i] = pp
			if vp, inside := rs.vpcPrefix[c.VPC]; inside && PrefixContains(vp, pp) {
				if a := rs.inVPC[c.VPC]; a != nil {
					a.take(pp)
				}
			} else {
				rs.global.take(pp)
			}
		}
		if sp, ok := rs.cidrField(fmt.Sprintf("clusters[%d].serviceCIDR", i), c.ServiceCIDR); ok {
			rs.svcPrefix[i] = sp
			if sp.Bits() >= 12 {
				rs.global.take(sp) // an oversized one is reported later and must not starve allocation
			}
		}
	}
}

// oneOf reports whether value is allowed, and if not reports it with the allowed values.
func (rs *resolver) oneOf(field, value string, allowed []string) bool {
	for _, a := range allowed {
		if a == value {
			return true
		}
	}
	rs.r.errorf(field, "%q is not allowed; use one of: %s", value, strings.Join(allowed, ", "))
	return false
}

func (rs *resolver) findVPC(name string) (*VPC, bool) {
	for i := range rs.sc.VPCs {
		if rs.sc.VPCs[i].Name == name {
			return &rs.sc.VPCs[i], true
		}
	}
	return nil, false
}

func (rs *resolver) vpcNames() []string {
	var out []string
	for _, v := range rs.sc.VPCs {
		out = append(out, v.Name)
	}
	return out
}

func (rs *resolver) hasSubnet(v *VPC, name string) bool {
	for _, s := range v.Subnets {
		if s.Name == name {
			return true
		}
	}
	return false
}

func subnetNames(v *VPC) []string {
	var out []string
	for _, s := range v.Subnets {
		out = append(out, s.Name)
	}
	return out
}

func (rs *resolver) findSubnetPlan(vpc, subnet string) *SubnetPlan {
	s, _ := rs.p.Subnet(vpc, subnet)
	return s
}

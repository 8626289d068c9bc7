package tgw

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
	"github.com/netlab-dev/netlab/tgw/client"
)

func builtin(t *testing.T, name string) *plan.Plan {
	t.Helper()
	data, _ := scenarios.Lookup(name)
	p, d := plan.Build(name, data, plan.Options{})
	if p == nil {
		t.Fatal(d.Error())
	}
	return p
}

func TestSpecForTwoVPCs(t *testing.T) {
	p := builtin(t, "tgw-two-vpc")
	nodes := []Node{
		{Cluster: "a", Name: "tgw-two-vpc-a-control-plane", IP: "10.0.1.2", PodCIDR: "10.0.64.0/24"},
		{Cluster: "a", Name: "tgw-two-vpc-a-worker", IP: "10.0.1.3", PodCIDR: "10.0.65.0/24"},
		{Cluster: "b", Name: "tgw-two-vpc-b-control-plane", IP: "10.1.1.2", PodCIDR: "10.1.64.0/24"},
		{Cluster: "b", Name: "tgw-two-vpc-b-worker", IP: "10.1.1.3", PodCIDR: ""}, // not allocated yet: left out
	}
	s, err := SpecFor(p, nodes)
	if err != nil {
		t.Fatal(err)
	}
	want := client.Spec{
		Name: "tgw", ASN: 64512,
		Attachments: []client.AttachmentSpec{
			{Name: "vpc-a", CIDRs: []string{"10.0.0.0/16"}, Subnets: []client.SubnetSpec{{CIDR: "10.0.1.0/24", TGWAddress: "10.0.1.254"}}, TGWRoutes: []string{"10.1.0.0/16", "10.1.64.0/18"}},
			{Name: "vpc-b", CIDRs: []string{"10.1.0.0/16"}, Subnets: []client.SubnetSpec{{CIDR: "10.1.1.0/24", TGWAddress: "10.1.1.254"}}, TGWRoutes: []string{"10.0.0.0/16", "10.0.64.0/18"}},
		},
		RouteTables: []client.RouteTableSpec{{Name: "main", Associations: []string{"vpc-a", "vpc-b"}, Propagations: []string{"vpc-a", "vpc-b"},
			Routes: []client.StaticRoute{{CIDR: "10.0.64.0/18", Attachment: "vpc-a"}, {CIDR: "10.1.64.0/18", Attachment: "vpc-b"}}}},
		NodeRoutes: []client.NodeRoute{
			{Attachment: "vpc-a", CIDR: "10.0.64.0/24", Via: "10.0.1.2", Node: "tgw-two-vpc-a-control-plane"},
			{Attachment: "vpc-a", CIDR: "10.0.65.0/24", Via: "10.0.1.3", Node: "tgw-two-vpc-a-worker"},
			{Attachment: "vpc-b", CIDR: "10.1.64.0/24", Via: "10.1.1.2", Node: "tgw-two-vpc-b-control-plane"},
		},
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("spec:\n got %+v\nwant %+v", s, want)
	}
	cs := ContainerFor(p, "img", map[string]string{"netlab.dev/lab": p.Lab}, labstate.Credentials{AccessKeyID: "AKIATEST", SecretAccessKey: "s3cret"})
	if cs.Name != "tgw-two-vpc-tgw" || cs.Volume() != "tgw-two-vpc-tgw-state" ||
		!reflect.DeepEqual(cs.Legs, []Leg{{"tgw-two-vpc-vpc-a", "10.0.1.254", "10.0.1.1"}, {"tgw-two-vpc-vpc-b", "10.1.1.254", "10.1.1.1"}}) {
		t.Fatalf("container %+v", cs)
	}
	// The API takes connections from the host's address on every leg's network: Docker may reach the
	// published port through any of them (seen live on enterprise-hub-spoke, five legs).
	if ds, err := cs.docker(); err != nil || !strings.HasSuffix(strings.Join(ds.Cmd, " "), "--api-host 10.0.1.1 --api-host 10.1.1.1") {
		t.Fatalf("command %v %v", ds.Cmd, err)
	}
	if env := cs.Env(); env[EnvAccessKeyID] != "AKIATEST" || env[EnvSecretAccessKey] != "s3cret" {
		t.Fatalf("container env %v: want the lab's credentials", env)
	}
}

// TestCredentials: a lab's credentials are made once, AWS-shaped, and kept; a container with other
// credentials in its environment is not reused.
func TestCredentials(t *testing.T) {
	st := &labstate.State{Lab: "x"}
	c := EnsureCredentials(st)
	if len(c.AccessKeyID) != 20 || c.AccessKeyID[:4] != "AKIA" || len(c.SecretAccessKey) != 40 {
		t.Fatalf("credentials %+v: want a 20-character AKIA… id and a 40-character secret", c)
	}
	if again := EnsureCredentials(st); again != c || st.TGWCredentials != c {
		t.Fatalf("second call made new credentials: %+v, then %+v", c, again)
	}
	if other := EnsureCredentials(&labstate.State{Lab: "y"}); other == c {
		t.Fatal("two labs got the same credentials")
	}
	if cc := ClientCredentials(st.TGWCredentials); cc.AccessKeyID != c.AccessKeyID || cc.SecretAccessKey != c.SecretAccessKey {
		t.Fatalf("client credentials %+v", cc)
	}
	if env := (ContainerSpec{Credentials: c}).Env(); env[EnvAccessKeyID] != c.AccessKeyID || env[EnvSecretAccessKey] != c.SecretAccessKey {
		t.Fatalf("container environment %v", env)
	}
}

func TestSpecForHubAndSpoke(t *testing.T) {
	p := builtin(t, "enterprise-hub-spoke")
	nodes := []Node{
		{Cluster: "web", Name: "enterprise-hub-spoke-web-control-plane", IP: "10.0.1.2", PodCIDR: "10.0.64.0/24"},
		{Cluster: "gpu", Name: "enterprise-hub-spoke-gpu-control-plane", IP: "10.1.1.2", PodCIDR: "10.1.64.0/24"},
		{Cluster: "nosuch", Name: "stray", IP: "10.9.1.2", PodCIDR: "10.9.64.0/24"}, // not in an attached VPC: left out
	}
	s, err := SpecFor(p, nodes)
	if err != nil {
		t.Fatal(err)
	}
	want := client.Spec{
		Name: "tgw", ASN: 64512,
		Attachments: []client.AttachmentSpec{
			{Name: "main", CIDRs: []string{"10.0.0.0/16"}, Subnets: []client.SubnetSpec{
				{CIDR: "10.0.0.0/24", TGWAddress: "10.0.0.254"}, {CIDR: "10.0.1.0/24", TGWAddress: "10.0.1.254"},
				{CIDR: "10.0.2.0/24", TGWAddress: "10.0.2.254"}, {CIDR: "10.0.3.0/24", TGWAddress: "10.0.3.254"}},
				TGWRoutes: []string{"10.1.0.0/16"}},
			{Name: "gpu", CIDRs: []string{"10.1.0.0/16"}, Subnets: []client.SubnetSpec{{CIDR: "10.1.1.0/24", TGWAddress: "10.1.1.254"}},
				TGWRoutes: []string{"10.0.0.0/16"}},
		},
		// Only propagated routes in the plan's table: no static routes, no blackholes.
		RouteTables: []client.RouteTableSpec{{Name: "hub", Associations: []string{"main", "gpu"}, Propagations: []string{"main", "gpu"}}},
		NodeRoutes: []client.NodeRoute{
			{Attachment: "main", CIDR: "10.0.64.0/24", Via: "10.0.1.2", Node: "enterprise-hub-spoke-web-control-plane"},
			{Attachment: "gpu", CIDR: "10.1.64.0/24", Via: "10.1.1.2", Node: "enterprise-hub-spoke-gpu-control-plane"},
		},
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("spec:\n got %+v\nwant %+v", s, want)
	}
	cs := ContainerFor(p, "img", nil, labstate.Credentials{})
	if len(cs.Legs) != 5 || cs.Legs[0] != (Leg{"enterprise-hub-spoke-main-dmz", "10.0.0.254", "10.0.0.1"}) || cs.Legs[4] != (Leg{"enterprise-hub-spoke-gpu", "10.1.1.254", "10.1.1.1"}) {
		t.Fatalf("legs %+v", cs.Legs)
	}
}

func TestSpecForBlackholesStayBlackholes(t *testing.T) {
	p := builtin(t, "tgw-two-vpc")
	rt := &p.TransitGateway.RouteTables[0]
	rt.Routes = append([]plan.TGWRoute{{CIDR: netip.MustParsePrefix("10.1.64.0/24"), Type: "static", Blackhole: true}}, rt.Routes...)
	s, err := SpecFor(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.RouteTables[0].Blackholes; !reflect.DeepEqual(got, []string{"10.1.64.0/24"}) {
		t.Fatalf("blackholes %v", got)
	}
	for _, r := range s.RouteTables[0].Routes {
		if r.CIDR == "10.1.64.0/24" || r.Attachment == "" {
			t.Fatalf("a blackhole became a static route: %+v", r)
		}
	}
}

func TestSpecForNeedsATGW(t *testing.T) {
	if _, err := SpecFor(builtin(t, "flannel-basic"), nil); err == nil {
		t.Fatal("a plan without a TGW must be refused")
	}
}

package plan_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

// builtinWith plans a built-in scenario after replacing old by new in its file.
func builtinWith(t *testing.T, name string, edits ...string) *plan.Plan {
	t.Helper()
	data, ok := scenarios.Lookup(name)
	if !ok {
		t.Fatalf("no built-in %s", name)
	}
	s := string(data)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(s, edits[i]) {
			t.Fatalf("%s does not hold %q", name, edits[i])
		}
		s = strings.Replace(s, edits[i], edits[i+1], 1)
	}
	p, diags := plan.Build(name+".yaml", []byte(s), plan.Options{})
	if p == nil {
		t.Fatalf("%s does not plan:\n%s", name, diags.Error())
	}
	return p
}

func reach(t *testing.T, p *plan.Plan, from, to string) plan.PairReach {
	t.Helper()
	r, ok := p.Reach(from, to)
	if !ok {
		t.Fatalf("%s -> %s is not a pair the TGW joins", from, to)
	}
	return r
}

// verdicts renders every pair as "from->to pod=V lb=V" for compact comparison.
func verdicts(p *plan.Plan) []string {
	var out []string
	for _, r := range p.Reachability() {
		s := r.From + "->" + r.To + " pod=" + string(r.Pod.Verdict)
		if r.LB != nil {
			s += " lb=" + string(r.LB.Verdict)
		}
		out = append(out, s)
	}
	return out
}

func TestReachabilityBuiltins(t *testing.T) {
	cases := []struct {
		name string
		want []string
	}{
		{"tgw-two-vpc", []string{"a->b pod=reachable lb=reachable", "b->a pod=reachable lb=reachable"}},
		{"enterprise-hub-spoke", []string{
			"web->gpu pod=reachable lb=reachable", "was->gpu pod=reachable lb=reachable", "ai->gpu pod=reachable lb=reachable",
			"gpu->web pod=reachable lb=reachable", "gpu->was pod=reachable lb=reachable", "gpu->ai pod=reachable lb=reachable",
		}},
		{"tgw-isolated-spokes", []string{
			"hub->spoke-a pod=reachable", "hub->spoke-b pod=reachable",
			"spoke-a->hub pod=reachable lb=reachable", "spoke-a->spoke-b pod=blocked",
			"spoke-b->hub pod=reachable lb=reachable", "spoke-b->spoke-a pod=blocked",
		}},
		{"istio-multi-primary", []string{"east->west pod=reachable", "west->east pod=reachable"}},
		{"istio-multi-network", []string{"east->west pod=reachable lb=reachable", "west->east pod=reachable lb=reachable"}},
		{"flannel-basic", nil}, // no transit gateway
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := verdicts(builtinWith(t, c.name))
			if !slices.Equal(got, c.want) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// The reply goes to the client Pod (preserve) or to the client's nodes (masquerade).
func TestReachReplyTo(t *testing.T) {
	p := builtinWith(t, "tgw-two-vpc")
	if r := reach(t, p, "a", "b"); r.Pod.ReplyTo != "10.0.64.0/18" || !slices.Equal(r.Pod.Destinations, []string{"10.1.64.0/18"}) {
		t.Errorf("a (preserve) -> b: %+v", r.Pod)
	}
	if r := reach(t, p, "b", "a"); r.Pod.ReplyTo != "10.1.1.0/25" || !slices.Equal(r.LB.Destinations, []string{"10.0.1.200-10.0.1.220"}) {
		t.Errorf("b (masquerade) -> a: %+v %+v", r.Pod, r.LB)
	}
	for _, pair := range [][2]string{{"a", "a"}, {"a", "nope"}} {
		if _, ok := p.Reach(pair[0], pair[1]); ok {
			t.Errorf("%v is not a TGW pair", pair)
		}
	}
}

func TestReachBlockedOnTheWayThere(t *testing.T) {
	p := builtinWith(t, "tgw-two-vpc", "{cidr: 10.1.64.0/18, attachment: vpc-b}", "{cidr: 10.1.64.0/18, blackhole: true}")
	ab := reach(t, p, "a", "b")
	want := []plan.Block{{Direction: plan.Forward, Reason: plan.BlackholeRoute, Destination: "10.1.64.0/18", VPC: "vpc-a", Table: "main", Route: "10.1.64.0/18", Toward: "vpc-b"}}
	if ab.Pod.Verdict != plan.Blocked || !reflect.DeepEqual(ab.Pod.Blocks, want) || ab.Pod.Answered() || !ab.Pod.Isolated() {
		t.Errorf("a -> b Pods: %+v", ab.Pod)
	}
	if got := ab.Pod.Blocks[0].String(); got != "forward: 10.1.64.0/18: blackhole in TGW route table main (route 10.1.64.0/18)" {
		t.Errorf("block text: %q", got)
	}
	if !ab.LB.Answered() {
		t.Errorf("a -> b LB, outside the blackhole: %+v", ab.LB)
	}
	// b's replies go to b's node IPs (masquerade), which the blackhole does not cover.
	if ba := reach(t, p, "b", "a"); !ba.Pod.Answered() || !ba.LB.Answered() {
		t.Errorf("b -> a: %s", ba)
	}
}

func TestReachPartialBlackhole(t *testing.T) {
	p := builtinWith(t, "tgw-two-vpc", "{cidr: 10.1.64.0/18, attachment: vpc-b}", "{cidr: 10.1.64.0/18, attachment: vpc-b}\n        - {cidr: 10.1.65.0/24, blackhole: true}")
	ab := reach(t, p, "a", "b")
	if ab.Pod.Verdict != plan.Partial || len(ab.Pod.Blocks) != 1 || ab.Pod.Blocks[0].Destination != "10.1.65.0/24" || ab.Pod.Answered() || ab.Pod.Isolated() {
		t.Errorf("a -> b with one node's /24 blackholed: %+v", ab.Pod)
	}
}

func TestReachOtherAttachmentAndNoRoute(t *testing.T) {
	p := builtinWith(t, "tgw-two-vpc", "{cidr: 10.1.64.0/18, attachment: vpc-b}", "{cidr: 10.1.64.0/18, attachment: vpc-a}")
	ab := reach(t, p, "a", "b")
	if len(ab.Pod.Blocks) != 1 || ab.Pod.Blocks[0].Reason != plan.OtherAttachment || ab.Pod.Blocks[0].Attachment != "vpc-a" ||
		ab.Pod.Blocks[0].String() != "forward: 10.1.64.0/18: other attachment in TGW route table main (route 10.1.64.0/18 to vpc-a, not vpc-b)" {
		t.Errorf("route to the wrong attachment: %+v", ab.Pod)
	}
	// A TGW table without the route while the VPC still sends it (the plan edited by hand, as a
	// live change through the API would leave it): "no route" in the TGW's table.
	p = builtinWith(t, "tgw-two-vpc")
	rt := &p.TransitGateway.RouteTables[0]
	rt.Routes = slices.DeleteFunc(rt.Routes, func(r plan.TGWRoute) bool {
		return r.CIDR.String() == "10.1.64.0/18" || r.CIDR.String() == "10.1.0.0/16"
	})
	ab = reach(t, p, "a", "b")
	want := plan.Block{Direction: plan.Forward, Reason: plan.NoRoute, Destination: "10.1.64.0/18", VPC: "vpc-a", Table: "main", Toward: "vpc-b"}
	if ab.Pod.Verdict != plan.Blocked || !reflect.DeepEqual(ab.Pod.Blocks, []plan.Block{want}) {
		t.Errorf("no TGW route: %+v", ab.Pod)
	}
	// The return leg to b's nodes (10.1.1.0/25) has no route either.
	if ba := reach(t, p, "b", "a"); ba.Pod.Verdict != plan.Blocked || ba.Pod.Blocks[0].Direction != plan.Return || ba.Pod.Blocks[0].Reason != plan.NoRoute {
		t.Errorf("b -> a without a route back: %s", ba)
	}
}

// twoTables: a and b each with their own table; b's table blackholes a's Pod CIDR.
const twoTables = `apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata: {name: two}
vpcs:
  - {name: vpc-a, cidr: 10.0.0.0/16}
  - {name: vpc-b, cidr: 10.1.0.0/16}
clusters:
  - {name: a, vpc: vpc-a, podCIDR: 10.0.64.0/18, cni: {crossClusterSource: SOURCE}}
  - {name: b, vpc: vpc-b, podCIDR: 10.1.64.0/18}
transitGateway:
  attachments: [{name: att-a, vpc: vpc-a}, {name: att-b, vpc: vpc-b}]
  routeTables:
    - {name: rt-a, associations: [att-a], propagations: [att-b]}
    - name: rt-b
      associations: [att-b]
      propagations: [att-a]
      routes: [{cidr: 10.0.64.0/18, blackhole: true}]
`

// outsidePods: a's Pod CIDR lies outside its VPC, and nothing routes it: b's VPC has no route back.
const outsidePods = `apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata: {name: outside}
vpcs:
  - {name: vpc-a, cidr: 10.0.0.0/16}
  - {name: vpc-b, cidr: 10.1.0.0/16}
clusters:
  - {name: a, vpc: vpc-a, podCIDR: 10.100.0.0/16, cni: {crossClusterSource: SOURCE}}
  - {name: b, vpc: vpc-b, podCIDR: 10.1.64.0/18}
transitGateway:
  attachments: [{name: att-a, vpc: vpc-a}, {name: att-b, vpc: vpc-b}]
`

// The way back decides too: with preserve the reply goes to the client Pod IP, which the server's
// side does not route back (a blackhole, or no VPC route); masqueraded to the node IP, inside the
// routed VPC CIDR, the same pair is answered.
func TestReachReturnDependsOnSource(t *testing.T) {
	cases := []struct {
		name, file string
		want       plan.Block
	}{
		{"blackhole back", twoTables, plan.Block{Direction: plan.Return, Reason: plan.BlackholeRoute, Destination: "10.0.64.0/18", VPC: "vpc-b", Table: "rt-b", Route: "10.0.64.0/18", Toward: "att-a"}},
		{"no VPC route back", outsidePods, plan.Block{Direction: plan.Return, Reason: plan.NoVPCRoute, Destination: "10.100.0.0/16", VPC: "vpc-b", Toward: "att-a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			build := func(src string) *plan.Plan {
				p, diags := plan.Build("s.yaml", []byte(strings.Replace(c.file, "SOURCE", src, 1)), plan.Options{})
				if p == nil {
					t.Fatalf("%s", diags.Error())
				}
				return p
			}
			pr := reach(t, build("preserve"), "a", "b")
			if pr.Pod.Verdict != plan.Blocked || !reflect.DeepEqual(pr.Pod.Blocks, []plan.Block{c.want}) {
				t.Errorf("preserve: %+v", pr.Pod)
			}
			if ms := reach(t, build("masquerade"), "a", "b"); !ms.Pod.Answered() || ms.Pod.ReplyTo != "10.0.1.0/25" {
				t.Errorf("masquerade: %+v", ms.Pod)
			}
		})
	}
}

// Two route tables keep two spokes apart while each reaches the hub, and the verdict names where.
func TestReachIsolatedSpokes(t *testing.T) {
	p := builtinWith(t, "tgw-isolated-spokes")
	// Both legs are closed: spoke-a's reply to its preserved Pod IP, and spoke-b's to its node IP,
	// meet the other blackhole of the same table.
	cases := []struct {
		from, to string
		want     []plan.Block
	}{
		{"spoke-a", "spoke-b", []plan.Block{
			{Direction: plan.Forward, Reason: plan.BlackholeRoute, Destination: "10.2.64.0/18", VPC: "spoke-a", Table: "spokes", Route: "10.2.0.0/16", Toward: "spoke-b"},
			{Direction: plan.Return, Reason: plan.BlackholeRoute, Destination: "10.1.64.0/18", VPC: "spoke-b", Table: "spokes", Route: "10.1.0.0/16", Toward: "spoke-a"},
		}},
		{"spoke-b", "spoke-a", []plan.Block{
			{Direction: plan.Forward, Reason: plan.BlackholeRoute, Destination: "10.1.64.0/18", VPC: "spoke-b", Table: "spokes", Route: "10.1.0.0/16", Toward: "spoke-a"},
			{Direction: plan.Return, Reason: plan.BlackholeRoute, Destination: "10.2.1.0/25", VPC: "spoke-a", Table: "spokes", Route: "10.2.0.0/16", Toward: "spoke-b"},
		}},
	}
	for _, c := range cases {
		if r := reach(t, p, c.from, c.to); !r.Pod.Isolated() || !reflect.DeepEqual(r.Pod.Blocks, c.want) {
			t.Errorf("%s", r)
		}
	}
	if got := reach(t, p, "spoke-a", "spoke-b").String(); got != "spoke-a -> spoke-b: pod blocked (forward: 10.2.64.0/18: blackhole in TGW route table spokes (route 10.2.0.0/16); return: 10.1.64.0/18: blackhole in TGW route table spokes (route 10.1.0.0/16))" {
		t.Errorf("text: %q", got)
	}
	for _, spoke := range []string{"spoke-a", "spoke-b"} {
		if r := reach(t, p, spoke, "hub"); !r.Pod.Answered() || !r.LB.Answered() {
			t.Errorf("%s", r)
		}
		if r := reach(t, p, "hub", spoke); !r.Pod.Answered() || r.LB != nil {
			t.Errorf("%s", r)
		}
	}
	// Without the blackholes the spokes' table still lacks each other's CIDR: the spokes' VPC route
	// tables (derived from it) send nothing there, and the verdict says so.
	p = builtinWith(t, "tgw-isolated-spokes",
		"        - {cidr: 10.1.0.0/16, blackhole: true}\n", "",
		"        - {cidr: 10.2.0.0/16, blackhole: true}\n", "",
		"      routes:                              # the spokes' CIDRs dropped, not just unrouted\n", "")
	r := reach(t, p, "spoke-a", "spoke-b")
	want := []plan.Block{
		{Direction: plan.Forward, Reason: plan.NoVPCRoute, Destination: "10.2.64.0/18", VPC: "spoke-a", Toward: "spoke-b"},
		{Direction: plan.Return, Reason: plan.NoVPCRoute, Destination: "10.1.64.0/18", VPC: "spoke-b", Toward: "spoke-a"},
	}
	if !r.Pod.Isolated() || !reflect.DeepEqual(r.Pod.Blocks, want) {
		t.Errorf("unrouted spokes: %+v", r.Pod)
	}
}

// noLeg: cluster b stands in a subnet of VPC b that the attachment does not include.
const noLeg = `apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata: {name: noleg}
vpcs:
  - {name: vpc-a, cidr: 10.0.0.0/16}
  - name: vpc-b
    cidr: 10.1.0.0/16
    subnets: [{name: attached, cidr: 10.1.1.0/24}, {name: other, cidr: 10.1.2.0/24}]
clusters:
  - {name: a, vpc: vpc-a}
  - {name: b, vpc: vpc-b, subnet: other, podCIDR: 10.1.64.0/18}
transitGateway:
  attachments: [{name: att-a, vpc: vpc-a}, {name: att-b, vpc: vpc-b, subnets: [attached]}]
`

func TestReachNoLegAndNoAssociation(t *testing.T) {
	p, diags := plan.Build("s.yaml", []byte(noLeg), plan.Options{})
	if p == nil {
		t.Fatal(diags.Error())
	}
	r := reach(t, p, "a", "b")
	want := []plan.Block{
		{Direction: plan.Forward, Reason: plan.NoLeg, Destination: "10.1.64.0/18", VPC: "vpc-a", Table: "default", Toward: "att-b"},
		{Direction: plan.Return, Reason: plan.NoVPCRoute, Destination: "10.0.1.0/25", VPC: "vpc-b", Toward: "att-a"},
	}
	if !r.Pod.Isolated() || !reflect.DeepEqual(r.Pod.Blocks, want) {
		t.Errorf("b outside the attachment's subnets: %+v", r.Pod.Blocks)
	}
	if got := r.Pod.Blocks[0].String(); got != "forward: 10.1.64.0/18: no leg (attachment att-b has no leg in the receiving subnet)" {
		t.Errorf("text: %q", got)
	}
	// An attachment without a table (a live disassociation): everything from it is dropped.
	p = builtinWith(t, "tgw-two-vpc")
	p.TransitGateway.RouteTables[0].Associations = []string{"vpc-b"}
	r = reach(t, p, "a", "b")
	if !r.Pod.Isolated() || r.Pod.Blocks[0].Reason != plan.NoAssociation || r.Pod.Blocks[0].String() != "forward: 10.1.64.0/18: no association (VPC vpc-a's attachment has no TGW route table)" {
		t.Errorf("no association: %+v", r.Pod.Blocks)
	}
}

package client_test

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"sort"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/client"
	"github.com/netlab-dev/netlab/tgw/datapath"
	"github.com/netlab-dev/netlab/tgw/model"
)

type fakeDP struct{ addrs []string }

func (f *fakeDP) Apply(*model.State) (datapath.Result, error) { return datapath.Result{}, nil }
func (f *fakeDP) Addresses() ([]datapath.LocalAddr, error) {
	var out []datapath.LocalAddr
	for _, a := range f.addrs {
		out = append(out, datapath.LocalAddr{Prefix: netip.MustParsePrefix(a)})
	}
	return out, nil
}
func (f *fakeDP) Counters() ([]datapath.Counter, error)   { return nil, nil }
func (f *fakeDP) Routes() ([]datapath.KernelRoute, error) { return nil, nil }

func spec() client.Spec {
	return client.Spec{
		Name: "lab",
		ASN:  64600,
		Attachments: []client.AttachmentSpec{
			{Name: "a", CIDRs: []string{"10.0.0.0/16"}, Subnets: []client.SubnetSpec{{CIDR: "10.0.1.0/24", TGWAddress: "10.0.1.254"}},
				TGWRoutes: []string{"10.1.0.0/16", "10.244.0.0/16"}},
			{Name: "b", CIDRs: []string{"10.1.0.0/16", "10.11.0.0/16"}, Subnets: []client.SubnetSpec{{CIDR: "10.1.1.0/24", TGWAddress: "10.1.1.254"}},
				TGWRoutes: []string{"10.0.0.0/16"}},
			{Name: "c", CIDRs: []string{"10.2.0.0/16"}, Subnets: []client.SubnetSpec{{CIDR: "10.2.1.0/24"}}},
		},
		RouteTables: []client.RouteTableSpec{
			{Name: "main", Associations: []string{"a", "b", "c"}, Propagations: []string{"a", "b", "c"},
				Routes: []client.StaticRoute{{CIDR: "10.244.0.0/16", Attachment: "b"}}, Blackholes: []string{"10.250.0.0/16"}},
		},
		NodeRoutes: []client.NodeRoute{
			{Attachment: "b", CIDR: "10.244.1.0/24", Via: "10.1.1.20", Node: "b-worker"},
			{Attachment: "b", CIDR: "10.244.2.0/24", Via: "10.1.1.21", Node: "b-worker2"},
		},
	}
}

// kernelView renders the datapath plan of the server's state: what the TGW's kernel would hold.
func kernelView(s *api.Server) string {
	st := s.State()
	d, _ := datapath.Plan(st)
	names := map[int]string{}
	for _, rt := range st.ListRouteTables() {
		n, _ := model.TagValue(rt.Tags, client.TagName)
		names[datapath.TableOf(rt)] = n
	}
	var out []string
	for _, r := range d.Routes {
		s := names[r.Table] + ": " + r.Dst.String()
		switch {
		case r.Blackhole:
			s += " blackhole"
		case r.Via.IsValid():
			s += " via " + r.Via.String()
		default:
			s += " leg " + r.Out.String()
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func TestReconcile(t *testing.T) {
	ctx := context.Background()
	// The server accepts only the lab's credentials; Reconcile signs with them through NewEC2.
	lab := client.Credentials{AccessKeyID: "AKIDLAB", SecretAccessKey: "lab-secret"}
	srv, err := api.New(api.Options{Credentials: (*api.Credentials)(&lab),
		Datapath: &fakeDP{addrs: []string{"10.0.1.254/24", "10.1.1.254/24", "10.2.1.254/24"}}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	if _, err := client.Reconcile(ctx, client.NewEC2(hs.URL, client.Credentials{AccessKeyID: "AKIDLAB", SecretAccessKey: "guess"}), spec()); err == nil {
		t.Fatal("Reconcile signed with a wrong secret succeeded")
	}
	c := client.NewEC2(hs.URL, lab)

	res, err := client.Reconcile(ctx, c, spec())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) == 0 || res.TransitGatewayID == "" || len(res.AttachmentIDs) != 3 || res.RouteTableIDs["main"] == "" {
		t.Fatalf("first run: %+v", res)
	}
	want := strings.Join([]string{
		"main: 10.0.0.0/16 leg 10.0.1.254",
		"main: 10.1.0.0/16 leg 10.1.1.254",
		"main: 10.11.0.0/16 leg 10.1.1.254",
		"main: 10.2.0.0/16 leg 10.2.1.254",
		"main: 10.244.0.0/16 leg 10.1.1.254",
		"main: 10.244.1.0/24 via 10.1.1.20",
		"main: 10.244.2.0/24 via 10.1.1.21",
		"main: 10.250.0.0/16 blackhole",
	}, "\n")
	if got := kernelView(srv); got != want {
		t.Fatalf("kernel view after the first run:\n%s\nwant:\n%s", got, want)
	}
	st := srv.State()
	vpcA := st.VPCs[res.VPCIDs["a"]]
	var routesA []string
	for _, r := range st.VPCRouteTables[vpcA.MainRouteTableID].Routes {
		routesA = append(routesA, r.Destination+">"+r.GatewayID+r.TransitGatewayID)
	}
	if strings.Join(routesA, ",") != "10.0.0.0/16>local,10.1.0.0/16>"+res.TransitGatewayID+",10.244.0.0/16>"+res.TransitGatewayID {
		t.Fatalf("VPC a's routes to the TGW: %v", routesA)
	}

	again, err := client.Reconcile(ctx, c, spec())
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changes) != 0 {
		t.Fatalf("second run with the same spec changed things: %v", again.Changes)
	}
	if again.TransitGatewayID != res.TransitGatewayID || again.AttachmentIDs["b"] != res.AttachmentIDs["b"] {
		t.Fatalf("second run found other resources: %+v vs %+v", again, res)
	}

	// a changed spec converges: c goes, b moves to its own table, A stops propagating into main,
	// the blackhole goes, a node route moves to another node, a static route becomes a blackhole
	s2 := spec()
	s2.Attachments = s2.Attachments[:2]
	s2.RouteTables = []client.RouteTableSpec{
		{Name: "main", Associations: []string{"a"}, Propagations: []string{"b"}, Blackholes: []string{"10.244.0.0/16"}},
		{Name: "b", Associations: []string{"b"}, Propagations: []string{"a"}, Routes: []client.StaticRoute{{CIDR: "10.244.0.0/16", Attachment: "b"}}},
	}
	s2.NodeRoutes = []client.NodeRoute{{Attachment: "b", CIDR: "10.244.1.0/24", Via: "10.1.1.22", Node: "b-worker3"}}
	res2, err := client.Reconcile(ctx, c, s2)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.Changes) == 0 {
		t.Fatal("a changed spec made no changes")
	}
	want2 := strings.Join([]string{
		"b: 10.0.0.0/16 leg 10.0.1.254",
		"b: 10.244.0.0/16 leg 10.1.1.254",
		"b: 10.244.1.0/24 via 10.1.1.22",
		"main: 10.1.0.0/16 leg 10.1.1.254",
		"main: 10.11.0.0/16 leg 10.1.1.254",
		"main: 10.244.0.0/16 blackhole",
	}, "\n")
	if got := kernelView(srv); got != want2 {
		t.Fatalf("kernel view after the change:\n%s\nwant:\n%s\nchanges: %v", got, want2, res2.Changes)
	}
	st = srv.State()
	if len(st.VPCs) != 2 || len(st.Attachments) != 2 {
		t.Fatalf("attachment c and its VPC were not removed: %d VPCs, %d attachments", len(st.VPCs), len(st.Attachments))
	}
	for _, e := range st.ENIs {
		if e.PrivateIP == "10.1.1.20" || e.PrivateIP == "10.1.1.21" {
			t.Fatalf("unused node interface left: %+v", e)
		}
	}
	if st.Attachments[res.AttachmentIDs["b"]].RouteTableID != res2.RouteTableIDs["b"] {
		t.Fatal("b not associated with its own table")
	}
	again, err = client.Reconcile(ctx, c, s2)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changes) != 0 {
		t.Fatalf("second run of the changed spec changed things: %v", again.Changes)
	}

	// the TGW's leg address is checked against the spec
	s3 := s2
	s3.Attachments = append([]client.AttachmentSpec{}, s2.Attachments...)
	s3.Attachments[0].Subnets = []client.SubnetSpec{{CIDR: "10.0.1.0/24", TGWAddress: "10.0.1.1"}}
	if _, err := client.Reconcile(ctx, c, s3); err == nil || !strings.Contains(err.Error(), "10.0.1.254") {
		t.Fatalf("leg address mismatch not reported: %v", err)
	}
}

func TestValidate(t *testing.T) {
	bad := spec()
	bad.RouteTables = append(bad.RouteTables, client.RouteTableSpec{Name: "other", Associations: []string{"a"}})
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "at most one route table") {
		t.Fatalf("double association: %v", err)
	}
	bad = spec()
	bad.NodeRoutes = append(bad.NodeRoutes, client.NodeRoute{Attachment: "z", CIDR: "10.9.0.0/24", Via: "10.1.1.9"})
	if err := bad.Validate(); err == nil {
		t.Fatal("unknown attachment accepted")
	}
	if err := spec().Validate(); err != nil {
		t.Fatal(err)
	}
}

package tgw_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/tgw"
	"github.com/netlab-dev/netlab/tgw/client"
)

const testLab = "nltgw-test"

func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// The TGW container between two Docker networks, with a probe server on one and a client on the
// other: traffic crosses by the TGW's route table; deleting the route through the EC2 API breaks
// it, creating it again restores it, and a docker restart keeps state (same ids) and forwarding.
func TestTGWContainerBetweenTwoNetworks(t *testing.T) {
	testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	eng, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	img, err := images.EnsureSelfImage(ctx, eng, nil)
	if err != nil {
		t.Fatal(err)
	}
	nets := []struct{ name, cidr, tgwIP, hostIP string }{
		{"nltgw-test-a", "10.98.1.0/24", "10.98.1.254", "10.98.1.10"},
		{"nltgw-test-b", "10.98.2.0/24", "10.98.2.254", "10.98.2.10"},
	}
	spec := tgw.ContainerSpec{Lab: testLab, Name: "nltgw-test-tgw", Image: img, Labels: map[string]string{docker.LabelLab: testLab},
		Credentials: labstate.Credentials{AccessKeyID: "AKIADOCKERTEST", SecretAccessKey: "docker-test-secret"}}
	t.Cleanup(func() {
		// Some of these may never have been created; the left-behind check below is the assertion.
		cleanup := func(args ...string) {
			if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
				t.Logf("cleanup: docker %s: %v: %s", strings.Join(args, " "), err, out)
			}
		}
		cleanup("rm", "-f", "nltgw-test-tgw", "nltgw-test-client", "nltgw-test-server")
		cleanup("volume", "rm", "-f", spec.Volume())
		for _, n := range nets {
			cleanup("network", "rm", n.name)
		}
		if left := run(t, "sh", "-c", "docker ps -aq --filter label=netlab.dev/lab="+testLab+"; docker volume ls -q --filter label=netlab.dev/lab="+testLab+"; docker network ls -q --filter label=netlab.dev/lab="+testLab); left != "" {
			t.Errorf("left behind: %s", left)
		}
	})
	for _, n := range nets {
		pf := netip.MustParsePrefix(n.cidr)
		gw := pf.Addr().Next()
		if _, err := eng.EnsureNetwork(ctx, docker.NetworkSpec{Name: n.name, Subnet: pf, Gateway: gw, IPRange: netip.MustParsePrefix(strings.Replace(n.cidr, "0/24", "0/25", 1)), MTU: 1500, Lab: testLab, VPC: n.name}); err != nil {
			t.Fatal(err)
		}
		spec.Legs = append(spec.Legs, tgw.Leg{Network: n.name, Address: n.tgwIP})
	}
	ep, err := tgw.EnsureContainer(ctx, eng, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ep, "http://127.0.0.1:") {
		t.Fatalf("the API must be published on loopback only: %s", ep)
	}
	// Static routes only, so that deleting one through the API takes the path away.
	cs := client.Spec{Name: "tgw",
		Attachments: []client.AttachmentSpec{
			{Name: "a", CIDRs: []string{nets[0].cidr}, Subnets: []client.SubnetSpec{{CIDR: nets[0].cidr, TGWAddress: nets[0].tgwIP}}},
			{Name: "b", CIDRs: []string{nets[1].cidr}, Subnets: []client.SubnetSpec{{CIDR: nets[1].cidr, TGWAddress: nets[1].tgwIP}}},
		},
		RouteTables: []client.RouteTableSpec{{Name: "main", Associations: []string{"a", "b"},
			Routes: []client.StaticRoute{{CIDR: nets[0].cidr, Attachment: "a"}, {CIDR: nets[1].cidr, Attachment: "b"}}}},
	}
	ec := client.NewEC2(ep, client.Credentials(spec.Credentials))
	res, err := client.Reconcile(ctx, ec, cs)
	if err != nil {
		t.Fatal(err)
	}
	rtb := res.RouteTableIDs["main"]

	// Two probe containers, each routing the other network via the TGW (set from the host in their
	// network namespaces: the image has no ip command).
	for i, role := range []string{"client", "server"} {
		n, other := nets[i], nets[1-i]
		if err := eng.EnsureContainer(ctx, docker.ContainerSpec{Name: "nltgw-test-" + role, Image: img, Cmd: []string{"probe", "serve"},
			Labels: map[string]string{docker.LabelLab: testLab}, Networks: []docker.Attachment{{Network: n.name, IP: netip.MustParseAddr(n.hostIP)}}}); err != nil {
			t.Fatal(err)
		}
		pid := run(t, "docker", "inspect", "-f", "{{.State.Pid}}", "nltgw-test-"+role)
		run(t, "nsenter", "-t", pid, "-n", "ip", "route", "add", other.cidr, "via", n.tgwIP)
	}
	target := nets[1].hostIP + ":7001"
	call := func() (probe.Result, error) {
		res, err := eng.Exec(ctx, "nltgw-test-client", []string{"/netlab", "probe", "--allow", "10.98.0.0/16", "--timeout", "3s", "tcp", target}, nil)
		if err == nil && res.ExitCode != 0 {
			err = fmt.Errorf("probe exited %d: %s", res.ExitCode, res.Stderr)
		}
		var r probe.Result
		if jerr := json.Unmarshal(res.Stdout, &r); jerr != nil && err == nil {
			err = jerr
		}
		return r, err
	}
	expectCross := func(when string) {
		t.Helper()
		var r probe.Result
		var err error
		for i := 0; i < 10; i++ {
			if r, err = call(); err == nil && r.OK {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil || !r.OK || r.Server.RemoteIP != nets[0].hostIP || r.Server.TTL != 63 {
			t.Fatalf("%s: want an answer that saw %s with TTL 63 (one routed hop), got %+v %v", when, nets[0].hostIP, r.Server, err)
		}
	}
	expectCross("through the TGW")

	// The API is the host's only: from a VPC host, through the TGW's leg, the connection is closed at
	// once; the host's loopback port answers. Unsigned, even the host gets MissingAuthenticationToken.
	pid := run(t, "docker", "inspect", "-f", "{{.State.Pid}}", "nltgw-test-client")
	if out, err := exec.Command("nsenter", "-t", pid, "-n", "curl", "-sS", "-m", "5", "http://"+nets[0].tgwIP+":4566/netlab/routes").CombinedOutput(); err == nil {
		t.Fatalf("a VPC host reached the TGW's API through its leg:\n%s", out)
	}
	if out := run(t, "curl", "-sS", "-m", "5", ep+"/netlab/routes"); !strings.Contains(out, rtb) {
		t.Fatalf("the host's published port must answer: %s", out)
	}
	if out := run(t, "curl", "-sS", "-m", "5", "-d", "Action=DescribeVpcs&Version=2016-11-15", ep+"/"); !strings.Contains(out, "MissingAuthenticationToken") {
		t.Fatalf("an unsigned call must be refused: %s", out)
	}

	if _, err := ec.DeleteTransitGatewayRoute(ctx, &ec2.DeleteTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(nets[1].cidr)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if r, err := call(); err == nil || r.OK {
		t.Fatalf("with the route deleted through the API, the path must fail: %+v", r)
	}
	if _, err := ec.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(nets[1].cidr),
		TransitGatewayAttachmentId: aws.String(res.AttachmentIDs["b"])}); err != nil {
		t.Fatal(err)
	}
	expectCross("route restored")

	run(t, "docker", "restart", "nltgw-test-tgw")
	ep2, err := tgw.Endpoint(ctx, eng, spec.Name)
	if err != nil || ep2 != ep {
		t.Fatalf("the API endpoint moved across a restart: %s -> %s (%v)", ep, ep2, err)
	}
	if err := tgw.WaitAPI(ctx, ep2, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	out, err := ec.DescribeTransitGatewayRouteTables(ctx, &ec2.DescribeTransitGatewayRouteTablesInput{})
	if err != nil || len(out.TransitGatewayRouteTables) != 1 || aws.ToString(out.TransitGatewayRouteTables[0].TransitGatewayRouteTableId) != rtb {
		t.Fatalf("after docker restart the route table %s must still be there: %+v %v", rtb, out, err)
	}
	again, err := client.Reconcile(ctx, ec, cs)
	if err != nil || len(again.Changes) != 0 {
		t.Fatalf("after the restart the state must match the spec with no change: %v %v", again.Changes, err)
	}
	expectCross("after docker restart")

	// EnsureContainer is idempotent: a running container is kept as it is.
	id := func() string { return run(t, "docker", "inspect", "-f", "{{.Id}}", spec.Name) }
	id1 := id()
	if ep3, err := tgw.EnsureContainer(ctx, eng, spec); err != nil || ep3 != ep || id() != id1 {
		t.Fatalf("EnsureContainer on a running TGW must keep it: %s %v, id %s -> %s", ep3, err, id1[:12], id()[:12])
	}
	// A stopped one is started again (same container, same endpoint).
	run(t, "docker", "stop", "-t", "2", spec.Name)
	if ep3, err := tgw.EnsureContainer(ctx, eng, spec); err != nil || ep3 != ep || id() != id1 || run(t, "docker", "inspect", "-f", "{{.State.Status}}", spec.Name) != "running" {
		t.Fatalf("EnsureContainer on a stopped TGW must start it: %s %v", ep3, err)
	}
	expectCross("after stop and EnsureContainer")
	// A removed one is created again from its state volume: same ids, nothing to change.
	run(t, "docker", "rm", "-f", spec.Name)
	ep4, err := tgw.EnsureContainer(ctx, eng, spec)
	if err != nil || id() == id1 {
		t.Fatalf("EnsureContainer after removal: %v", err)
	}
	again, err = client.Reconcile(ctx, client.NewEC2(ep4, client.Credentials(spec.Credentials)), cs)
	if err != nil || len(again.Changes) != 0 || again.RouteTableIDs["main"] != rtb || again.AttachmentIDs["b"] != res.AttachmentIDs["b"] {
		t.Fatalf("a re-created TGW must reload its state from the volume: changes %v, ids %v/%v, %v", again.Changes, again.RouteTableIDs, again.AttachmentIDs, err)
	}
	expectCross("after re-creation from the volume")
}

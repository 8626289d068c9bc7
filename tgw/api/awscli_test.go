package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/model"
)

// awsCLI is Debian's aws CLI v2 (a pyenv shim named aws may come first on PATH; it is not used),
// and awsPython the interpreter it runs on.
const (
	awsCLI    = "/usr/bin/aws"
	awsPython = "/usr/bin/python3"
)

// cli runs aws commands through testdata/awscli-batch.py: one Python process, awscli's own entry
// point, one line per command. A separate aws process per command cost about 1.5 s of CPU each
// (Python, awscli and the EC2 model loading again); newCLI checks once that the batch answers as a
// separate /usr/bin/aws process does.
type cli struct {
	t       *testing.T
	url     string
	env     []string
	stdin   io.WriteCloser
	replies *bufio.Scanner
	proc    *exec.Cmd
}

type batchReply struct {
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
	Exit   int    `json:"exit"`
}

func newCLI(t *testing.T, url string) *cli {
	testenv.RequireCommand(t, "aws")
	testenv.RequireCommand(t, awsCLI)
	out, err := exec.Command(awsCLI, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "aws-cli/2.") {
		t.Fatalf("%s --version: %q %v; want aws-cli/2", awsCLI, out, err)
	}
	home := t.TempDir()
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + home, "AWS_ACCESS_KEY_ID=AKIDNETLAB", "AWS_SECRET_ACCESS_KEY=netlab-secret",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials"}
	c := &cli{t: t, url: url, env: env}
	c.proc = exec.Command(awsPython, "testdata/awscli-batch.py")
	c.proc.Env = env
	c.proc.Stderr = os.Stderr
	if c.stdin, err = c.proc.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := c.proc.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.proc.Start(); err != nil {
		t.Fatalf("%s testdata/awscli-batch.py: %v", awsPython, err)
	}
	c.replies = bufio.NewScanner(stdout)
	c.replies.Buffer(make([]byte, 0, 1<<20), 16<<20)
	t.Cleanup(func() {
		_ = c.stdin.Close()
		done := make(chan error, 1)
		go func() { done <- c.proc.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the aws batch process ended badly: %v", err)
			}
		case <-time.After(10 * time.Second):
			_ = c.proc.Process.Kill()
			t.Errorf("the aws batch process did not end in 10 s after its input closed (killed: %v)", <-done)
		}
	})
	// The batch and a separate aws process give the same answer to the same call.
	args := []string{"describe-transit-gateways"}
	batchOut, batchErr, batchExit := c.run(args...)
	procOut, procErr, procExit := c.runProcess(args...)
	if batchOut != procOut || batchExit != procExit || batchErr != procErr {
		t.Fatalf("aws ec2 %v: the batch answered exit %d %q %q, a separate aws process exit %d %q %q",
			args, batchExit, batchOut, batchErr, procExit, procOut, procErr)
	}
	return c
}

func (c *cli) fullArgs(args []string) []string {
	full := append([]string{"ec2"}, args...)
	return append(full, "--endpoint-url", c.url, "--region", "us-east-1", "--output", "json")
}

// run sends one command to the batch process and waits (at most 60 s) for its reply.
func (c *cli) run(args ...string) (stdout, stderr string, exit int) {
	c.t.Helper()
	line, err := json.Marshal(c.fullArgs(args))
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.stdin.Write(append(line, '\n')); err != nil {
		c.t.Fatalf("aws %v: writing to the batch process: %v", args, err)
	}
	got := make(chan bool, 1)
	go func() { got <- c.replies.Scan() }()
	select {
	case ok := <-got:
		if !ok {
			c.t.Fatalf("aws %v: the batch process ended: %v", args, c.replies.Err())
		}
	case <-time.After(60 * time.Second):
		_ = c.proc.Process.Kill()
		c.t.Fatalf("aws %v: no reply from the batch process in 60 s", args)
	}
	var r batchReply
	if err := json.Unmarshal(c.replies.Bytes(), &r); err != nil {
		c.t.Fatalf("aws %v: batch reply %q: %v", args, c.replies.Text(), err)
	}
	return r.Stdout, r.Stderr, r.Exit
}

// runProcess runs one command as its own /usr/bin/aws process.
func (c *cli) runProcess(args ...string) (stdout, stderr string, exit int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsCLI, c.fullArgs(args)...)
	cmd.Env = c.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		exit = ee.ExitCode()
	default:
		c.t.Fatalf("aws %v: %v", args, err)
	}
	return o.String(), e.String(), exit
}

// ok runs a command that must succeed and returns its JSON output.
func (c *cli) ok(args ...string) map[string]any {
	c.t.Helper()
	out, errOut, exit := c.run(args...)
	if exit != 0 {
		c.t.Fatalf("aws ec2 %s: exit %d: %s", strings.Join(args, " "), exit, errOut)
	}
	m := map[string]any{}
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			c.t.Fatalf("aws ec2 %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return m
}

// fails runs a command that must fail with the EC2 error code.
func (c *cli) fails(code string, args ...string) {
	c.t.Helper()
	_, errOut, exit := c.run(args...)
	if exit == 0 || !strings.Contains(errOut, "("+code+")") {
		c.t.Errorf("aws ec2 %s: exit %d, stderr %q; want a failure with (%s)", strings.Join(args, " "), exit, strings.TrimSpace(errOut), code)
	}
}

// get walks a JSON value: keys for objects, and "0", "1"… for arrays.
func get(v any, path ...string) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, ch := range p {
				i = i*10 + int(ch-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func str(v any, path ...string) string {
	s, _ := get(v, path...).(string)
	return s
}

func length(v any, path ...string) int {
	a, _ := get(v, path...).([]any)
	return len(a)
}

// TestAWSCLIConformance drives every supported call, and each error code, through the real aws CLI v2.
func TestAWSCLIConformance(t *testing.T) {
	t.Parallel()
	_, _, url := startServer(t, api.Options{Datapath: newFake()})
	c := newCLI(t, url)

	vpcA := str(c.ok("create-vpc", "--cidr-block", "10.0.0.0/16", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=vpc-a}]"), "Vpc", "VpcId")
	vpcB := str(c.ok("create-vpc", "--cidr-block", "10.1.0.0/16"), "Vpc", "VpcId")
	if !strings.HasPrefix(vpcA, "vpc-") || !strings.HasPrefix(vpcB, "vpc-") {
		t.Fatalf("vpc ids %q %q", vpcA, vpcB)
	}
	if got := str(c.ok("associate-vpc-cidr-block", "--vpc-id", vpcB, "--cidr-block", "10.11.0.0/16"), "CidrBlockAssociation", "CidrBlock"); got != "10.11.0.0/16" {
		t.Errorf("associate-vpc-cidr-block: %q", got)
	}
	dv := c.ok("describe-vpcs", "--filters", "Name=tag:Name,Values=vpc-a")
	if length(dv, "Vpcs") != 1 || str(dv, "Vpcs", "0", "VpcId") != vpcA || str(dv, "Vpcs", "0", "CidrBlock") != "10.0.0.0/16" {
		t.Errorf("describe-vpcs: %v", dv)
	}
	subA := str(c.ok("create-subnet", "--vpc-id", vpcA, "--cidr-block", "10.0.1.0/24"), "Subnet", "SubnetId")
	subB := str(c.ok("create-subnet", "--vpc-id", vpcB, "--cidr-block", "10.1.1.0/24", "--availability-zone", "us-east-1b"), "Subnet", "SubnetId")
	ds := c.ok("describe-subnets", "--subnet-ids", subB)
	if str(ds, "Subnets", "0", "AvailabilityZone") != "us-east-1b" || str(ds, "Subnets", "0", "VpcId") != vpcB {
		t.Errorf("describe-subnets: %v", ds)
	}
	eni := str(c.ok("create-network-interface", "--subnet-id", subB, "--private-ip-address", "10.1.1.20", "--description", "node b1"), "NetworkInterface", "NetworkInterfaceId")
	dn := c.ok("describe-network-interfaces", "--filters", "Name=private-ip-address,Values=10.1.1.20")
	if length(dn, "NetworkInterfaces") != 1 || str(dn, "NetworkInterfaces", "0", "NetworkInterfaceId") != eni {
		t.Errorf("describe-network-interfaces: %v", dn)
	}
	rtbB := str(c.ok("describe-route-tables", "--filters", "Name=vpc-id,Values="+vpcB, "Name=association.main,Values=true"), "RouteTables", "0", "RouteTableId")
	c.ok("create-route", "--route-table-id", rtbB, "--destination-cidr-block", "10.244.1.0/24", "--network-interface-id", eni)
	eni2 := str(c.ok("create-network-interface", "--subnet-id", subB, "--private-ip-address", "10.1.1.21"), "NetworkInterface", "NetworkInterfaceId")
	c.ok("replace-route", "--route-table-id", rtbB, "--destination-cidr-block", "10.244.1.0/24", "--network-interface-id", eni2)
	rts := c.ok("describe-route-tables", "--route-table-ids", rtbB)
	found := false
	for i := 0; i < length(rts, "RouteTables", "0", "Routes"); i++ {
		r := get(rts, "RouteTables", "0", "Routes", strconv.Itoa(i))
		if str(r, "DestinationCidrBlock") == "10.244.1.0/24" && str(r, "NetworkInterfaceId") == eni2 && str(r, "State") == "active" {
			found = true
		}
	}
	if !found {
		t.Errorf("describe-route-tables after replace-route: %v", rts)
	}

	tgw := str(c.ok("create-transit-gateway", "--description", "lab", "--options", "AmazonSideAsn=64600,DefaultRouteTableAssociation=disable,DefaultRouteTablePropagation=disable",
		"--tag-specifications", "ResourceType=transit-gateway,Tags=[{Key=Name,Value=lab-tgw}]"), "TransitGateway", "TransitGatewayId")
	dt := c.ok("describe-transit-gateways", "--transit-gateway-ids", tgw)
	if str(dt, "TransitGateways", "0", "State") != "available" || get(dt, "TransitGateways", "0", "Options", "AmazonSideAsn") != float64(64600) {
		t.Errorf("describe-transit-gateways: %v", dt)
	}
	c.ok("create-tags", "--resources", tgw, "--tags", "Key=netlab:name,Value=tgw")
	if length(c.ok("describe-transit-gateways", "--filters", "Name=tag:netlab:name,Values=tgw"), "TransitGateways") != 1 {
		t.Errorf("create-tags / tag filter")
	}
	attA := str(c.ok("create-transit-gateway-vpc-attachment", "--transit-gateway-id", tgw, "--vpc-id", vpcA, "--subnet-ids", subA), "TransitGatewayVpcAttachment", "TransitGatewayAttachmentId")
	attB := str(c.ok("create-transit-gateway-vpc-attachment", "--transit-gateway-id", tgw, "--vpc-id", vpcB, "--subnet-ids", subB), "TransitGatewayVpcAttachment", "TransitGatewayAttachmentId")
	if !strings.HasPrefix(attA, "tgw-attach-") {
		t.Fatalf("attachment id %q", attA)
	}
	dva := c.ok("describe-transit-gateway-vpc-attachments", "--transit-gateway-attachment-ids", attB)
	if str(dva, "TransitGatewayVpcAttachments", "0", "VpcId") != vpcB || str(dva, "TransitGatewayVpcAttachments", "0", "SubnetIds", "0") != subB {
		t.Errorf("describe-transit-gateway-vpc-attachments: %v", dva)
	}
	rtb := str(c.ok("create-transit-gateway-route-table", "--transit-gateway-id", tgw), "TransitGatewayRouteTable", "TransitGatewayRouteTableId")
	rtb2 := str(c.ok("create-transit-gateway-route-table", "--transit-gateway-id", tgw), "TransitGatewayRouteTable", "TransitGatewayRouteTableId")
	if length(c.ok("describe-transit-gateway-route-tables", "--filters", "Name=transit-gateway-id,Values="+tgw), "TransitGatewayRouteTables") != 2 {
		t.Errorf("describe-transit-gateway-route-tables")
	}
	for _, a := range []string{attA, attB} {
		if s := str(c.ok("associate-transit-gateway-route-table", "--transit-gateway-route-table-id", rtb, "--transit-gateway-attachment-id", a), "Association", "State"); s != "associating" {
			t.Errorf("associate: state %q", s)
		}
		c.ok("enable-transit-gateway-route-table-propagation", "--transit-gateway-route-table-id", rtb, "--transit-gateway-attachment-id", a)
	}
	ga := c.ok("get-transit-gateway-route-table-associations", "--transit-gateway-route-table-id", rtb, "--filters", "Name=resource-id,Values="+vpcB)
	if length(ga, "Associations") != 1 || str(ga, "Associations", "0", "TransitGatewayAttachmentId") != attB {
		t.Errorf("get-transit-gateway-route-table-associations: %v", ga)
	}
	if length(c.ok("get-transit-gateway-route-table-propagations", "--transit-gateway-route-table-id", rtb), "TransitGatewayRouteTablePropagations") != 2 {
		t.Errorf("get-transit-gateway-route-table-propagations")
	}
	da := c.ok("describe-transit-gateway-attachments", "--filters", "Name=resource-id,Values="+vpcA)
	if str(da, "TransitGatewayAttachments", "0", "Association", "TransitGatewayRouteTableId") != rtb {
		t.Errorf("describe-transit-gateway-attachments: %v", da)
	}
	c.ok("create-transit-gateway-route", "--transit-gateway-route-table-id", rtb, "--destination-cidr-block", "10.244.0.0/16", "--transit-gateway-attachment-id", attB)
	if s := str(c.ok("create-transit-gateway-route", "--transit-gateway-route-table-id", rtb, "--destination-cidr-block", "10.244.9.0/24", "--blackhole"), "Route", "State"); s != "blackhole" {
		t.Errorf("blackhole route state %q", s)
	}
	search := func(filters ...string) string {
		t.Helper()
		out := c.ok(append([]string{"search-transit-gateway-routes", "--transit-gateway-route-table-id", rtb, "--filters"}, filters...)...)
		var got []string
		for i := 0; i < length(out, "Routes"); i++ {
			r := get(out, "Routes", strconv.Itoa(i))
			got = append(got, str(r, "DestinationCidrBlock")+" "+str(r, "Type")+" "+str(r, "State"))
		}
		sort.Strings(got)
		return strings.Join(got, ",")
	}
	for _, sc := range []struct{ filter, want string }{
		{"Name=type,Values=propagated", "10.0.0.0/16 propagated active,10.1.0.0/16 propagated active,10.11.0.0/16 propagated active"},
		{"Name=state,Values=blackhole", "10.244.9.0/24 static blackhole"},
		{"Name=route-search.exact-match,Values=10.244.0.0/16", "10.244.0.0/16 static active"},
		{"Name=route-search.longest-prefix-match,Values=10.244.9.7/32", "10.244.9.0/24 static blackhole"},
		{"Name=route-search.subnet-of-match,Values=10.244.0.0/16", "10.244.0.0/16 static active,10.244.9.0/24 static blackhole"},
		{"Name=route-search.supernet-of-match,Values=10.244.9.0/24", "10.244.0.0/16 static active,10.244.9.0/24 static blackhole"},
		{"Name=attachment.transit-gateway-attachment-id,Values=" + attA, "10.0.0.0/16 propagated active"},
	} {
		if got := search(sc.filter); got != sc.want {
			t.Errorf("search %s: %s, want %s", sc.filter, got, sc.want)
		}
	}
	if s := str(c.ok("replace-transit-gateway-route", "--transit-gateway-route-table-id", rtb, "--destination-cidr-block", "10.244.9.0/24", "--transit-gateway-attachment-id", attA), "Route", "State"); s != "active" {
		t.Errorf("replace-transit-gateway-route: state %q", s)
	}
	c.ok("delete-transit-gateway-route", "--transit-gateway-route-table-id", rtb, "--destination-cidr-block", "10.244.9.0/24")
	c.ok("disable-transit-gateway-route-table-propagation", "--transit-gateway-route-table-id", rtb, "--transit-gateway-attachment-id", attB)
	if got := search("Name=type,Values=propagated"); got != "10.0.0.0/16 propagated active" {
		t.Errorf("after disable propagation: %s", got)
	}

	// error codes
	c.fails(model.CodeInvalidParameterValue, "create-transit-gateway-route", "--transit-gateway-route-table-id", rtb, "--destination-cidr-block", "10.0.0.1/16", "--blackhole")
	c.fails(model.CodeTransitGatewayNotFound, "describe-transit-gateways", "--transit-gateway-ids", "tgw-0123456789abcdef0")
	c.fails(model.CodeTransitGatewayNotFound, "create-transit-gateway-route-table", "--transit-gateway-id", "tgw-0123456789abcdef0")
	c.fails(model.CodeRouteTableNotFound, "search-transit-gateway-routes", "--transit-gateway-route-table-id", "tgw-rtb-0123456789abcdef0", "--filters", "Name=type,Values=static")
	c.fails(model.CodeAttachmentNotFound, "associate-transit-gateway-route-table", "--transit-gateway-route-table-id", rtb, "--transit-gateway-attachment-id", "tgw-attach-0123456789abcdef0")
	c.fails(model.CodeRouteAlreadyExists, "create-transit-gateway-route", "--transit-gateway-route-table-id", rtb, "--destination-cidr-block", "10.244.0.0/16", "--blackhole")
	c.fails(model.CodeRouteNotFound, "delete-transit-gateway-route", "--transit-gateway-route-table-id", rtb, "--destination-cidr-block", "10.99.0.0/16")
	c.fails(model.CodeAlreadyAssociated, "associate-transit-gateway-route-table", "--transit-gateway-route-table-id", rtb2, "--transit-gateway-attachment-id", attA)
	c.fails(model.CodeIncorrectState, "delete-transit-gateway-route-table", "--transit-gateway-route-table-id", rtb)
	c.fails(model.CodeIncorrectState, "delete-transit-gateway", "--transit-gateway-id", tgw)
	c.fails(model.CodePropagationDuplicate, "enable-transit-gateway-route-table-propagation", "--transit-gateway-route-table-id", rtb, "--transit-gateway-attachment-id", attA)
	c.fails(model.CodeVpcNotFound, "describe-vpcs", "--vpc-ids", "vpc-0123456789abcdef0")
	c.fails(model.CodeRouteAlreadyExists, "create-route", "--route-table-id", rtbB, "--destination-cidr-block", "10.244.1.0/24", "--network-interface-id", eni)

	// teardown
	c.ok("disassociate-transit-gateway-route-table", "--transit-gateway-route-table-id", rtb, "--transit-gateway-attachment-id", attA)
	c.ok("delete-transit-gateway-route-table", "--transit-gateway-route-table-id", rtb2)
	for _, a := range []string{attA, attB} {
		if s := str(c.ok("delete-transit-gateway-vpc-attachment", "--transit-gateway-attachment-id", a), "TransitGatewayVpcAttachment", "State"); s != "deleting" {
			t.Errorf("delete attachment: state %q", s)
		}
	}
	c.ok("delete-transit-gateway-route-table", "--transit-gateway-route-table-id", rtb)
	c.ok("delete-transit-gateway", "--transit-gateway-id", tgw)
	c.ok("delete-route", "--route-table-id", rtbB, "--destination-cidr-block", "10.244.1.0/24")
	c.ok("delete-network-interface", "--network-interface-id", eni)
	c.ok("delete-network-interface", "--network-interface-id", eni2)
	c.ok("delete-subnet", "--subnet-id", subB)
	c.ok("delete-vpc", "--vpc-id", vpcB)
	c.fails(model.CodeTransitGatewayNotFound, "describe-transit-gateways", "--transit-gateway-ids", tgw)
}

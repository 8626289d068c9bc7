package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	tgwlab "github.com/netlab-dev/netlab/provision/tgw"
	"github.com/netlab-dev/netlab/scenarios"
	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/client"
)

// TestTGWRoutes runs 'netlab tgw routes' against a TGW API server (state only, no kernel).
func TestTGWRoutes(t *testing.T) {
	srv, err := api.New(api.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	// no datapath: attachments need the TGW's own addresses, so this lab has only route tables and routes
	c := client.NewEC2(hs.URL, client.Credentials{AccessKeyID: "AKIDANY", SecretAccessKey: "any"}) // a server without credentials takes any signed request
	spec := client.Spec{Name: "lab", RouteTables: []client.RouteTableSpec{{Name: "main", Blackholes: []string{"10.250.0.0/16"}}, {Name: "other"}}}
	if _, err := client.Reconcile(context.Background(), c, spec); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "tgw", "routes", "--endpoint", hs.URL)
	if code != 0 || !strings.Contains(out, "blackhole 10.250.0.0/16") || !strings.Contains(out, "(lab-main)") || !strings.Contains(out, "(lab-other)") {
		t.Fatalf("tgw routes: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "tgw", "routes", "--endpoint", hs.URL, "--table", "lab-other", "-o", "json")
	var v api.RoutesView
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || len(v.Tables) != 1 || v.Tables[0].Name != "lab-other" {
		t.Fatalf("tgw routes --table -o json: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "tgw", "routes", "--endpoint", hs.URL, "--table", "nope"); code != exitFailed {
		t.Fatalf("unknown table: exit %d", code)
	}
	if code, _, _ := runCLI(t, "tgw", "routes", "--endpoint", "http://127.0.0.1:1"); code != exitUsage {
		t.Fatalf("unreachable endpoint: exit %d", code)
	}
	if code, out, _ := runCLI(t, "tgw", "serve", "--help"); code != 0 || !strings.Contains(out, "--state") || !strings.Contains(out, "--listen") {
		t.Fatalf("tgw serve --help: exit %d\n%s", code, out)
	}
}

// TestTGWRoutesOfALab resolves LAB to the endpoint recorded in the lab's state (the lab's TGW
// container does not exist here, so the recorded one is used), and takes the scenario's table name.
func TestTGWRoutesOfALab(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	srv, err := api.New(api.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	if _, err := client.Reconcile(context.Background(), client.NewEC2(hs.URL, client.Credentials{AccessKeyID: "AKIDANY", SecretAccessKey: "any"}), client.Spec{Name: "tgw",
		RouteTables: []client.RouteTableSpec{{Name: "main", Blackholes: []string{"10.250.0.0/16"}}, {Name: "other"}}}); err != nil {
		t.Fatal(err)
	}
	data, _ := scenarios.Lookup("tgw-two-vpc")
	p, d := plan.Build("tgw-two-vpc", data, plan.Options{})
	if p == nil {
		t.Fatal(d.Error())
	}
	p.TransitGateway.Container = "netlab-cli-test-no-such-tgw"
	st := &labstate.State{Lab: p.Lab, Scenario: "tgw-two-vpc", Plan: p}
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "tgw", "routes", p.Lab); code != exitUsage || !strings.Contains(errOut, "no transit gateway") {
		t.Fatalf("no endpoint recorded yet: exit %d %s", code, errOut)
	}
	st.TGWEndpoint = hs.URL
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "tgw", "routes", p.Lab, "--table", "main", "-o", "json")
	var v api.RoutesView
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || len(v.Tables) != 1 || v.Tables[0].Name != "tgw-main" {
		t.Fatalf("tgw routes LAB --table main -o json: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "tgw", "routes", p.Lab, "--endpoint", hs.URL); code != exitUsage {
		t.Fatalf("LAB and --endpoint together: exit %d", code)
	}
	if code, _, _ := runCLI(t, "tgw", "routes", "no-such-lab"); code != exitUsage {
		t.Fatalf("unknown lab: exit %d", code)
	}
}

// TestTGWServeSIGTERM runs 'netlab tgw serve --no-datapath' in-process, changes its state through
// the API, sends the process SIGTERM and checks that serve exits 0 with the state saved.
func TestTGWServeSIGTERM(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	state := filepath.Join(t.TempDir(), "state.json")
	done := make(chan int, 1)
	var stderr bytes.Buffer
	// the lab's credentials reach serve through its environment, as in the TGW container
	creds := client.Credentials{AccessKeyID: "AKIASERVETEST", SecretAccessKey: "serve-test-secret"}
	t.Setenv(tgwlab.EnvAccessKeyID, creds.AccessKeyID)
	t.Setenv(tgwlab.EnvSecretAccessKey, creds.SecretAccessKey)
	go func() {
		done <- run([]string{"tgw", "serve", "--no-datapath", "--listen", addr, "--state", state}, io.Discard, &stderr)
	}()
	c := client.NewEC2("http://"+addr, creds)
	var vpc string
	for i := 0; i < 100 && vpc == ""; i++ {
		out, err := c.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
		if err == nil {
			vpc = aws.ToString(out.Vpc.VpcId)
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if vpc == "" {
		t.Fatal("serve did not answer")
	}
	wrong := client.NewEC2("http://"+addr, client.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: "guess"})
	if _, err := wrong.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}); err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("a request signed with another secret: %v, want SignatureDoesNotMatch", err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after SIGTERM: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	b, err := os.ReadFile(state)
	if err != nil || !strings.Contains(string(b), vpc) {
		t.Fatalf("state file after SIGTERM lacks %s: %v\n%s", vpc, err, b)
	}
}

// TestTGWEnv prints the lab's credentials, region and endpoint as shell exports, and says what to do
// for a lab without recorded credentials.
func TestTGWEnv(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	data, _ := scenarios.Lookup("tgw-two-vpc")
	p, d := plan.Build("tgw-two-vpc", data, plan.Options{})
	if p == nil {
		t.Fatal(d.Error())
	}
	p.TransitGateway.Container = "netlab-cli-test-no-such-tgw"
	st := &labstate.State{Lab: p.Lab, Scenario: "tgw-two-vpc", Plan: p, TGWEndpoint: "http://127.0.0.1:40123"}
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "tgw", "env", p.Lab); code != exitUsage || !strings.Contains(errOut, "netlab up") {
		t.Fatalf("no credentials recorded: exit %d %s", code, errOut)
	}
	st.TGWCredentials = labstate.Credentials{AccessKeyID: "AKIAENVTEST", SecretAccessKey: "a+b/c"}
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "tgw", "env", p.Lab)
	want := "export AWS_ACCESS_KEY_ID='AKIAENVTEST'\nexport AWS_SECRET_ACCESS_KEY='a+b/c'\nexport AWS_REGION='us-east-1'\nexport AWS_DEFAULT_REGION='us-east-1'\n" +
		"export AWS_ENDPOINT_URL_EC2='http://127.0.0.1:40123'\n"
	if code != 0 || out != want {
		t.Fatalf("tgw env: exit %d\n%s%s\nwant\n%s", code, out, errOut, want)
	}
	if code, _, _ := runCLI(t, "tgw", "env", "no-such-lab"); code != exitUsage {
		t.Fatalf("unknown lab: exit %d", code)
	}
}

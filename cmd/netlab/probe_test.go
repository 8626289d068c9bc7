package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/probe"
)

func TestProbeCLI(t *testing.T) {
	s, err := probe.Start(context.Background(), probe.ServerConfig{TCPAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", UDPAddr: "127.0.0.1:0", Identity: probe.Identity{PodName: "cli-server", Hostname: "h"}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	cases := []struct {
		args     []string
		code     int
		stdout   string // substring of stdout
		stderr   string // substring of stderr
		jsonBody bool
	}{
		{[]string{"probe", "tcp", s.TCPAddr(), "--message", "hello"}, 0, `"echo":"hello"`, "", true},
		{[]string{"probe", "udp", s.UDPAddr()}, 0, `"ttlSource":"ip-recvttl"`, "", true},
		{[]string{"probe", "http", "http://" + s.HTTPAddr() + "/a/b", "--host", "shop.test"}, 0, `"host":"shop.test"`, "", true},
		{[]string{"probe", "bulk", s.TCPAddr(), "--duration", "10s", "--bytes", "16M"}, 0, `"stopped":"bytes"`, "", true},
		{[]string{"probe", "rr", s.TCPAddr(), "--count", "50"}, 0, `"count":50`, "", true},
		{[]string{"probe", "node", "links"}, 0, `"name":"lo"`, "", true},
		{[]string{"probe", "serve", "--for", "200ms", "--tcp", "127.0.0.1:0", "--http", "", "--udp", ""}, 0, `"serving"`, "", true},
		// Refused targets: nothing is sent, exit 2, and the message names the target and the ranges.
		{[]string{"probe", "tcp", "8.8.8.8:53"}, 2, `"ok":false`, "refused target 8.8.8.8:53", true},
		{[]string{"probe", "tcp", "0.0.0.0:7001"}, 2, "", "unspecified", true},
		{[]string{"probe", "http", "http://[::ffff:1.1.1.1]:80/"}, 2, "", "refused target", true},
		{[]string{"probe", "dns", "kubernetes.default", "--server", "9.9.9.9"}, 2, "", "allowed ranges: 127.0.0.0/8, ::1/128, 10.96.0.0/12", true},
		// A failed probe: exit 1.
		{[]string{"probe", "tcp", "127.0.0.1:1", "--timeout", "1s"}, 1, `"ok":false`, "connection refused", true},
		// Usage.
		{[]string{"probe", "tcp"}, 2, "", "", false},
		{[]string{"probe", "bulk", s.TCPAddr(), "--bytes", "0"}, 2, "", "--bytes", false},
		{[]string{"probe", "tcp", s.TCPAddr(), "--allow", "10.0.0.0/33"}, 2, "", "10.0.0.0/33", false},
		{[]string{"probe", "dns", "x"}, 2, "", "--server is required", false},
		{[]string{"probe", "node", "capture"}, 2, "", "--interface is required", false},
		{[]string{"probe", "node", "capture", "--interface", "lo", "--inner-src", "10.244.1.5"}, 2, "", "want two addresses", false},
		{[]string{"probe", "node", "routes", "--table", "nope"}, 2, "", "--table", false},
	}
	for _, c := range cases {
		args := c.args
		if c.args[1] == "dns" {
			args = append(args, "--allow", "10.96.0.0/12")
		}
		code, out, errOut := runCLI(t, args...)
		name := strings.Join(c.args, " ")
		if code != c.code {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", name, code, c.code, out, errOut)
			continue
		}
		if !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
			t.Errorf("%s:\nstdout %s\nstderr %s\nwant %q / %q", name, out, errOut, c.stdout, c.stderr)
		}
		if c.jsonBody && out != "" {
			dec := json.NewDecoder(strings.NewReader(out))
			var v map[string]any
			if err := dec.Decode(&v); err != nil {
				t.Errorf("%s: stdout is not JSON: %v\n%s", name, err, out)
			}
		}
	}
}

func TestProbeAllowEnv(t *testing.T) {
	t.Setenv(probeAllowEnv, "10.244.0.0/16,bogus")
	code, _, errOut := runCLI(t, "probe", "tcp", "127.0.0.1:1")
	if code != 2 || !strings.Contains(errOut, "bogus") {
		t.Errorf("a bad %s: exit %d, %s", probeAllowEnv, code, errOut)
	}
}

func TestParseProbeBytes(t *testing.T) {
	for in, want := range map[string]int64{"1000": 1000, "64K": 64 << 10, "512M": 512 << 20, "4G": 4 << 30, "4GiB": 4 << 30, "1t": 1 << 40} {
		if got, err := parseProbeBytes(in); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0", "-1", "G", "12X", "99999999T"} {
		if _, err := parseProbeBytes(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

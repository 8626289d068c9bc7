package main

import (
	"encoding/json"
	"github.com/netlab-dev/netlab/paths"
	"strings"
	"testing"
)

func TestExplainCLI(t *testing.T) {
	code, out, _ := runCLI(t, "explain", "pod-to-pod/cross-node", "--scenario", "flannel-basic")
	if code != 0 || !strings.Contains(out, "flannel.1: VXLAN, UDP port 8472") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out, _ = runCLI(t, "explain", "service/clusterip", "--scenario", "kube-proxy-modes", "-o", "json")
	var es []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &es) != nil || len(es) != 2 {
		t.Fatalf("exit %d, want one explanation per cluster:\n%s", code, out)
	}
	for _, args := range [][]string{{"explain", "no/such"}, {"explain", "pod/localhost", "--lab", "no-such-lab"}, {"explain", "pod/localhost", "--lab", "x", "--scenario", "y"}} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestCheckCLIUsage(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	code, out, _ := runCLI(t, "check", "--list")
	if code != 0 || strings.Count(out, "\n") != len(paths.IDs()) {
		t.Fatalf("check --list: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
	for _, args := range [][]string{{"check"}, {"check", "no-such-lab"}, {"check", "x", "--path", "nope/*"}, {"check", "x", "-o", "yaml"}, {"check", "x", "--concurrency", "0"}} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

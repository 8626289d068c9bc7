package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestRewriteStripsOnlyWithheldCapabilities(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"ociVersion":"1.0.2","process":{"args":["/sbin/init"],"capabilities":{
		"bounding":["CAP_NET_ADMIN","CAP_SYS_RESOURCE","CAP_SYS_ADMIN"],
		"effective":["CAP_SYS_RESOURCE"],"permitted":["CAP_NET_ADMIN","CAP_SYS_RESOURCE"]}},"root":{"path":"rootfs"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := rewrite(cfg, map[string]bool{"CAP_SYS_RESOURCE": true}, "process", "capabilities"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Process struct {
			Args         []string
			Capabilities map[string][]string
		}
		Root struct{ Path string }
	}
	data, _ := os.ReadFile(cfg)
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"bounding": {"CAP_NET_ADMIN", "CAP_SYS_ADMIN"}, "effective": {}, "permitted": {"CAP_NET_ADMIN"}}
	if !reflect.DeepEqual(doc.Process.Capabilities, want) {
		t.Fatalf("capabilities = %v, want %v", doc.Process.Capabilities, want)
	}
	if doc.Root.Path != "rootfs" || doc.Process.Args[0] != "/sbin/init" {
		t.Fatal("the rest of the spec must be kept")
	}
	// An exec process spec has capabilities at the top level.
	proc := filepath.Join(dir, "process.json")
	if err := os.WriteFile(proc, []byte(`{"args":["sh"],"capabilities":{"bounding":["CAP_SYS_RESOURCE","CAP_KILL"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := rewrite(proc, map[string]bool{"CAP_SYS_RESOURCE": true}, "capabilities"); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(proc)
	if string(data) != `{"args":["sh"],"capabilities":{"bounding":["CAP_KILL"]}}` {
		t.Fatalf("process spec: %s", data)
	}
}

func TestWithheldReadsTheBoundingSet(t *testing.T) {
	w := withheld()
	for name := range w {
		found := false
		for _, n := range capNames {
			found = found || n == name
		}
		if !found {
			t.Fatalf("unknown capability %s", name)
		}
	}
	t.Logf("withheld on this host: %v", w)
}

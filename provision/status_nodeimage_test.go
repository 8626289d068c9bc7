package provision

import (
	"bytes"
	"strings"
	"testing"
)

// Status shows each cluster's node image, and, when its nodes run a derived image, which.
func TestStatusShowsTheNodeImage(t *testing.T) {
	s := &LabStatus{Lab: "l", Clusters: []ClusterStatus{
		{Name: "c1", Exists: true, NodeImage: "netlab.local/node:v1", NodesRun: "netlab.local/node-derived:0123456789abcdef"},
		{Name: "c2", Exists: true, NodeImage: "netlab.local/node:v1"},
	}}
	var b bytes.Buffer
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"c1       netlab.local/node-derived:0123456789abcdef (derived from netlab.local/node:v1, with the lab's images baked in)",
		"c2       netlab.local/node:v1\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

package paths

import (
	"os"
	"reflect"
	"regexp"
	"testing"
)

// The catalogue must match PATHS.md exactly: every id there, in its order, and then only the
// ids of Extra (netlab's own, each in scope Lab).
func TestCatalogueMatchesPATHSmd(t *testing.T) {
	data, err := os.ReadFile("../../shared/PATHS.md")
	if err != nil {
		t.Skipf("PATHS.md not beside the repo: %v", err)
	}
	re := regexp.MustCompile("(?m)^\\| `([a-z0-9/-]+)` \\|")
	var want []string
	for _, m := range re.FindAllStringSubmatch(string(data), -1) {
		want = append(want, m[1])
	}
	if len(want) < 20 {
		t.Fatalf("parsed only %d ids from PATHS.md; the parser is wrong", len(want))
	}
	for _, id := range Extra {
		if p, ok := Lookup(id); !ok || p.Scope != Lab {
			t.Errorf("extra id %s: %+v", id, p)
		}
	}
	want = append(want, Extra...)
	if got := IDs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("catalogue ids differ from PATHS.md\n got: %v\nwant: %v", got, want)
	}
}

func TestSelect(t *testing.T) {
	cases := []struct {
		name             string
		include, exclude []string
		want             []string
	}{
		{"exact", []string{"service/clusterip"}, nil, []string{"service/clusterip"}},
		{"glob", []string{"pod-to-pod/*"}, nil, []string{"pod-to-pod/same-node", "pod-to-pod/cross-node"}},
		{"exclude", []string{"service/*"}, []string{"service/etp-*"}, []string{"service/clusterip", "service/nodeport", "service/loadbalancer"}},
		{"catalogue order", []string{"mtu/path", "pod/localhost"}, nil, []string{"pod/localhost", "mtu/path"}},
		{"nothing", []string{"nope/*"}, nil, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Select(c.include, c.exclude)
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Select(%v, %v) = %v, want %v", c.include, c.exclude, got, c.want)
			}
		})
	}
	if n := len(Select(nil, nil)); n != len(all) {
		t.Fatalf("empty include selects %d paths, want all %d", n, len(all))
	}
}

func TestValidPattern(t *testing.T) {
	if !ValidPattern("service/*") || ValidPattern("service/[") {
		t.Fatal("ValidPattern disagrees with path.Match syntax")
	}
}

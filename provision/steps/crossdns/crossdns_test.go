package crossdns

import (
	"strings"
	"testing"
)

func TestCorefileWithCrossClusterZones(t *testing.T) {
	base := ".:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n    reload\n}\n"
	got := CorefileWith(base, map[string]string{"b": "10.1.1.200", "c": "10.2.1.200"})
	for _, want := range []string{
		base + "# netlab:cross-cluster-dns:begin\nb.netlab:53 {\n",
		"    rewrite name suffix .b.netlab. .cluster.local. answer auto\n    forward . 10.1.1.200\n}\nc.netlab:53 {",
		"forward . 10.2.1.200\n}\n# netlab:cross-cluster-dns:end\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Corefile lacks %q:\n%s", want, got)
		}
	}
	if again := CorefileWith(got, map[string]string{"b": "10.1.1.200", "c": "10.2.1.200"}); again != got {
		t.Errorf("not idempotent:\n%s", again)
	}
	if back := CorefileWith(got, nil); back != base {
		t.Errorf("removing the zones must restore the original:\n%q", back)
	}
}

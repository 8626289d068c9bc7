package labdns

import (
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/provision/steps/crossdns"
)

// kubeadm's Corefile as kubeadm v1.33 writes it (the node image's CoreDNS ConfigMap).
const kubeadm = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
`

func TestHermeticCorefile(t *testing.T) {
	got, err := Hermetic(kubeadm)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/hermetic.Corefile", []byte(got))
	for _, want := range []string{
		"cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {",
		"    #netlab-hermetic# forward . /etc/resolv.conf {",
		"       #netlab-hermetic# fallthrough in-addr.arpa ip6.arpa",
		".:53 {\n    errors\n    template ANY ANY {\n        rcode NXDOMAIN\n    }\n}",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("hermetic Corefile lacks %q", want)
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == "forward" || f[0] == "fallthrough") {
			t.Errorf("a %s line is still in service: %q", f[0], l)
		}
	}
	again, err := Hermetic(got)
	if err != nil || again != got {
		t.Errorf("Hermetic is not idempotent: %v", err)
	}
	if back := Restore(got); back != kubeadm {
		t.Errorf("Restore does not give kubeadm's file back:\n%s", back)
	}
	if Restore(kubeadm) != kubeadm {
		t.Error("Restore changed a file netlab never touched")
	}
}

// The cross-cluster zones (package crossdns) and the hermetic rewrite edit the same file: either
// order gives a file with both, and the forward of the cross-cluster zone stays in service.
func TestHermeticWithCrossClusterZones(t *testing.T) {
	zones := map[string]string{"b": "10.1.0.240"}
	h, err := Hermetic(crossdns.CorefileWith(kubeadm, zones))
	if err != nil {
		t.Fatal(err)
	}
	h2, err := Hermetic(kubeadm)
	if err != nil {
		t.Fatal(err)
	}
	h2 = crossdns.CorefileWith(h2, zones)
	for _, f := range []string{h, h2} {
		if !strings.Contains(f, "    forward . 10.1.0.240\n") || !strings.Contains(f, "template ANY ANY") {
			t.Errorf("cross-cluster forward or the NXDOMAIN block lost:\n%s", f)
		}
	}
	if Restore(h) != crossdns.CorefileWith(kubeadm, zones) {
		t.Errorf("Restore of a file with cross-cluster zones:\n%s", Restore(h))
	}
}

func TestHermeticRefusesAFileItDoesNotKnow(t *testing.T) {
	for _, bad := range []string{"", "example.org:53 {\n    whoami\n}\n", ".:53 {\n    forward . 1.2.3.4\n}\n", ".:53 {\n    errors\n"} {
		if _, err := Hermetic(bad); err == nil {
			t.Errorf("Hermetic(%q) gave no error", bad)
		}
	}
}

package names

import "testing"

func TestNames(t *testing.T) {
	if DNSServiceName != "netlab-dns" || DNSZone("b") != "b.netlab" || KubeconfigFile("a") != "kubeconfig-a" {
		t.Errorf("names changed: %q %q %q (labs made by an older netlab would no longer be found)", DNSServiceName, DNSZone("b"), KubeconfigFile("a"))
	}
}

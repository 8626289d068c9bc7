package docker

import "testing"

// A VPC network asks for gateway mode nat-unprotected from an engine of API 1.48 (Docker 28) on,
// where the default mode drops traffic routed in from another bridge; an older engine, which
// does not know the option, gets the MTU only.
func TestVPCNetworkOptions(t *testing.T) {
	const mode = "com.docker.network.bridge.gateway_mode_ipv4"
	for api, want := range map[string]string{"1.41": "", "1.47": "", "1.48": "nat-unprotected", "1.52": "nat-unprotected", "1.56": "nat-unprotected", "2.0": "nat-unprotected"} {
		opts := vpcNetworkOptions(1450, api)
		if opts[mode] != want || opts["com.docker.network.driver.mtu"] != "1450" {
			t.Errorf("API %s: %v, want mode %q", api, opts, want)
		}
	}
}

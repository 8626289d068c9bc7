package main

import (
	"strings"
	"testing"
)

// publicScenario routes a public range through the TGW and gives a VPC a public CIDR.
const publicScenario = `apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata: {name: public}
vpcs:
  - {name: a, cidr: 10.0.0.0/16}
  - {name: b, cidr: 8.8.0.0/16}
clusters:
  - {name: a, vpc: a}
transitGateway:
  attachments: [{vpc: a}, {vpc: b}]
  routeTables:
    - name: main
      associations: [a]
      routes: [{cidr: 1.1.1.0/24, blackhole: true}]
`

// A scenario that puts a public range anywhere is invalid: validate (and plan) exit 1 and name each
// field, its place in the file and the ranges a lab may use.
func TestValidateRefusesPublicCIDR(t *testing.T) {
	path := writeFile(t, "public.yaml", publicScenario)
	for _, cmd := range []string{"validate", "plan"} {
		code, out, errOut := runCLI(t, cmd, path)
		if code != 1 {
			t.Fatalf("%s: exit %d, want 1\nstdout: %s\nstderr: %s", cmd, code, out, errOut)
		}
		for _, w := range []string{
			path + ":6:21: vpcs[1].cidr: 8.8.0.0/16 is outside the ranges a lab may use; use addresses inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918), 100.64.0.0/10 (shared address space) or 198.18.0.0/15 (benchmarking)",
			path + ":14:23: transitGateway.routeTables[0].routes[0].cidr: 1.1.1.0/24 is outside the ranges a lab may use",
		} {
			if !strings.Contains(errOut, w) {
				t.Fatalf("%s: stderr lacks %q:\n%s", cmd, w, errOut)
			}
		}
	}
}

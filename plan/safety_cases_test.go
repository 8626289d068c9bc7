package plan

// unsafeWant is the diagnostic a CIDR outside the safe ranges gets, at pos (line:col) and field.
func unsafeWant(pos, field, what string) string {
	return "s.yaml:" + pos + ": " + field + ": " + what + " is outside the ranges a lab may use; use addresses inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918), 100.64.0.0/10 (shared address space) or 198.18.0.0/15 (benchmarking), so that no lab route or allowlist can reach the internet's addresses"
}

// safetyCases: every CIDR field a scenario can set is refused outside the private and lab ranges,
// naming the field, and refused alone (no follow-on diagnostics about the same value).
var safetyCases = []ruleCase{
	{"public VPC CIDR", replace(base, "    cidr: 10.1.0.0/16\n", "    cidr: 8.8.0.0/16\n"), []string{
		unsafeWant("9:11", "vpcs[1].cidr", "8.8.0.0/16"),
	}},
	{"public subnet in a private VPC", replace(base, "    cidr: 10.1.0.0/16\n", "    cidr: 10.1.0.0/16\n    subnets: [{name: s, cidr: 1.1.1.0/24}]\n"), []string{
		unsafeWant("10:31", "vpcs[1].subnets[0].cidr", "1.1.1.0/24"),
	}},
	{"VPC CIDR straddling a private range", replace(base, "    cidr: 10.0.0.0/16\n", "    cidr: 10.0.0.0/7\n"), []string{
		unsafeWant("7:11", "vpcs[0].cidr", "10.0.0.0/7"),
	}},
	{"public Pod CIDR", replace(base, "podCIDR: 10.1.64.0/18", "podCIDR: 8.8.0.0/16"), []string{
		unsafeWant("17:14", "clusters[1].podCIDR", "8.8.0.0/16"),
	}},
	{"public Service CIDR", replace(base, "    podCIDR: 10.1.64.0/18\n", "    podCIDR: 10.1.64.0/18\n    serviceCIDR: 172.32.0.0/16\n"), []string{
		unsafeWant("18:18", "clusters[1].serviceCIDR", "172.32.0.0/16"),
	}},
	{"public MetalLB pool", replace(base, "    podCIDR: 10.0.64.0/18\n    metallb: {}", "    podCIDR: 10.0.64.0/18\n    metallb: {addresses: [8.8.8.0-8.8.8.10]}"), []string{
		unsafeWant("14:27", "clusters[0].metallb.addresses[0]", "8.8.8.0-8.8.8.10"),
	}},
	{"public TGW route", base + "  routeTables:\n    - name: rt\n      associations: [att-a, att-b]\n      routes:\n        - {cidr: 8.8.0.0/16, attachment: att-b}\n", []string{
		unsafeWant("27:18", "transitGateway.routeTables[0].routes[0].cidr", "8.8.0.0/16"),
	}},
	{"default route on the TGW", base + "  routeTables:\n    - name: rt\n      associations: [att-a, att-b]\n      routes:\n        - {cidr: 0.0.0.0/0, blackhole: true}\n", []string{
		unsafeWant("27:18", "transitGateway.routeTables[0].routes[0].cidr", "0.0.0.0/0"),
	}},
	{"public NetworkPolicy CIDR", replace(base, "    podCIDR: 10.0.64.0/18\n", "    podCIDR: 10.0.64.0/18\n    cni: {type: calico}\n    networkPolicies:\n      - name: p\n        egressAllow: [{cidr: 8.8.8.8/32, ports: [53]}]\n"), []string{
		unsafeWant("17:30", "clusters[0].networkPolicies[0].egressAllow[0].cidr", "8.8.8.8/32"),
	}},
	{"lab ranges are allowed", replace(replace(replace(replace(base, "    cidr: 10.0.0.0/16\n", "    cidr: 100.64.0.0/16\n"), "podCIDR: 10.0.64.0/18", "podCIDR: 100.64.64.0/18"), "    cidr: 10.1.0.0/16\n", "    cidr: 198.18.0.0/16\n    subnets: [{name: s, cidr: 198.18.1.0/24}]\n"), "podCIDR: 10.1.64.0/18", "podCIDR: 198.18.64.0/18"), nil},
}

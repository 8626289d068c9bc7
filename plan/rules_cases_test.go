package plan

// base is a valid two-VPC scenario that the rule cases below change one thing at a time.
const base = `apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata:
  name: lab
vpcs:
  - name: vpc-a
    cidr: 10.0.0.0/16
  - name: vpc-b
    cidr: 10.1.0.0/16
clusters:
  - name: a
    vpc: vpc-a
    podCIDR: 10.0.64.0/18
    metallb: {}
  - name: b
    vpc: vpc-b
    podCIDR: 10.1.64.0/18
    metallb: {}
transitGateway:
  attachments:
    - {name: att-a, vpc: vpc-a}
    - {name: att-b, vpc: vpc-b}
`

type ruleCase struct {
	name string
	file string
	want []string // every diagnostic, exactly, in order
}

var ruleCases = []ruleCase{
	{"empty file", "", []string{
		"s.yaml:1:1: the file is empty; a scenario starts with 'apiVersion: netlab.dev/v1alpha1' and 'kind: Scenario'",
	}},
	{"only a comment", "# nothing here\n", []string{
		"s.yaml:1:1: the file is empty; a scenario starts with 'apiVersion: netlab.dev/v1alpha1' and 'kind: Scenario'",
	}},
	{"not YAML", "apiVersion: [unclosed\n", []string{
		"s.yaml:1:1: not valid YAML: did not find expected ',' or ']'; a scenario is a YAML mapping that starts with 'apiVersion: netlab.dev/v1alpha1'",
	}},
	{"not a mapping", "just some words\n", []string{
		"s.yaml:1:1: a scenario must be a YAML mapping that starts with 'apiVersion: netlab.dev/v1alpha1', got the string \"just some words\"",
	}},
	{"two documents", base + "---\nkind: Scenario\n", []string{
		"s.yaml:23:1: the file holds more than one YAML document; a scenario is one document (remove the '---' and what follows, or split the file)",
	}},
	{"wrong apiVersion", replace(base, "netlab.dev/v1alpha1", "netlab.dev/v2"), []string{
		"s.yaml:1:13: apiVersion: \"netlab.dev/v2\" is not supported; use \"netlab.dev/v1alpha1\"",
	}},
	{"missing kind", replace(base, "kind: Scenario\n", ""), []string{
		"s.yaml:1:1: kind: missing; write 'kind: Scenario'",
	}},
	{"unknown top-level field", replace(base, "clusters:", "cluster:"), []string{
		"s.yaml:10:1: cluster: unknown field \"cluster\" (did you mean \"clusters\"?); allowed here: apiVersion, checks, clusters, defaults, dmz, dns, egress, globalLoadBalancer, istio, kind, metadata, transitGateway, vpcs",
	}},
	{"egress policy misspelt", base + "egress: open\n", []string{
		"s.yaml:23:9: egress: \"open\" is not an egress policy; use \"deny\" (the default: the host refuses and counts every packet from the lab to an address outside it) or \"allow\" (the lab may reach whatever the host reaches)",
	}},
	{"unknown nested field", replace(base, "    podCIDR: 10.0.64.0/18", "    podCidr: 10.0.64.0/18"), []string{
		"s.yaml:13:5: clusters[0].podCidr: unknown field \"podCidr\" (did you mean \"podCIDR\"?); allowed here: cni, controlPlanes, ingress, kubeProxy, metallb, name, networkPolicies, nodeImage, podCIDR, serviceCIDR, subnet, vpc, workers",
	}},
	{"wrong type", replace(base, "    metallb: {}\n  - name: b", "    workers: two\n    metallb: {}\n  - name: b"), []string{
		"s.yaml:14:14: clusters[0].workers: expected a whole number, got the string \"two\"",
	}},
	{"boolean for a string", replace(base, "name: lab", "name: true"), []string{
		"s.yaml:4:9: metadata.name: expected a string, got the boolean true (quote it if you meant a string)",
	}},
	{"duplicate field", replace(base, "  name: lab\n", "  name: lab\n  name: lab2\n"), []string{
		"s.yaml:5:3: metadata.name: field \"name\" is given twice",
	}},
	{"several problems at once", replace(replace(base, "cidr: 10.0.0.0/16", "cidr: 10.0.0.1/16"), "podCIDR: 10.1.64.0/18", "podCIDR: nonsense"), []string{
		"s.yaml:7:11: vpcs[0].cidr: \"10.0.0.1/16\" has host bits set; did you mean 10.0.0.0/16?",
		"s.yaml:17:14: clusters[1].podCIDR: \"nonsense\" is not a CIDR; write it like 10.0.0.0/16",
	}},
	{"bad lab name", replace(base, "name: lab", "name: Lab_1"), []string{
		"s.yaml:4:9: metadata.name: \"Lab_1\" is not a valid name; use lower-case letters, digits and '-', starting with a letter",
	}},
	{"duplicate cluster", replace(base, "  - name: b\n", "  - name: a\n"), []string{
		"s.yaml:15:11: clusters[1].name: cluster \"a\" is already defined at clusters[0]; cluster names must be unique",
	}},
	{"unknown VPC", replace(base, "    vpc: vpc-b\n    podCIDR", "    vpc: vpc-c\n    podCIDR"), []string{
		"s.yaml:16:10: clusters[1].vpc: VPC \"vpc-c\" is not defined; defined VPCs: vpc-a, vpc-b",
	}},
	{"CNI mode for another CNI", replace(base, "    metallb: {}\n  - name: b", "    cni: {type: flannel, mode: bgp}\n    metallb: {}\n  - name: b"), []string{
		"s.yaml:14:32: clusters[0].cni.mode: \"bgp\" is not allowed; use one of: vxlan, host-gw",
	}},
	{"kube-proxy none without cilium", replace(base, "    metallb: {}\n  - name: b", "    kubeProxy: {mode: none}\n    metallb: {}\n  - name: b"), []string{
		"s.yaml:14:23: clusters[0].kubeProxy.mode: none means the CNI replaces kube-proxy, which only cilium does; use iptables, ipvs or nftables with flannel, or set cni.type: cilium",
	}},
	{"routed Pod CIDR overlaps another VPC", replace(base, "podCIDR: 10.1.64.0/18", "podCIDR: 10.0.128.0/18"), []string{
		"s.yaml:17:14: clusters[1].podCIDR: 10.0.128.0/18 (Pod CIDR of cluster b) overlaps 10.0.0.0/16 (VPC vpc-a, vpcs[0].cidr); the transit gateway routes between them, so VPC and Pod CIDRs must not overlap: move one of them to a free range",
		"s.yaml:17:14: clusters[1].podCIDR: warning: 10.0.128.0/18 lies outside VPC vpc-b's CIDR, so propagation does not carry it and no static route sends it to \"att-b\"; other VPCs cannot reach these Pods",
	}},
	{"routed VPC CIDRs overlap", replace(base, "    cidr: 10.1.0.0/16\n", "    cidr: 10.0.0.0/15\n    subnets: [{name: nodes, cidr: 10.1.1.0/24}]\n"), []string{
		"s.yaml:9:11: vpcs[1].cidr: 10.0.0.0/15 (VPC vpc-b) overlaps 10.0.0.0/16 (VPC vpc-a, vpcs[0].cidr); the transit gateway routes between them, so VPC and Pod CIDRs must not overlap: move one of them to a free range",
		"s.yaml:14:14: clusters[0].podCIDR: 10.0.64.0/18 (Pod CIDR of cluster a) overlaps 10.0.0.0/15 (VPC vpc-b, vpcs[1].cidr); the transit gateway routes between them, so VPC and Pod CIDRs must not overlap: move one of them to a free range",
	}},
	{"Service CIDR hides a routed range", replace(base, "    podCIDR: 10.1.64.0/18\n", "    podCIDR: 10.1.64.0/18\n    serviceCIDR: 10.0.0.0/16\n"), []string{
		"s.yaml:18:18: clusters[1].serviceCIDR: 10.0.0.0/16 (Service CIDR of cluster b) overlaps 10.0.0.0/16 (VPC vpc-a, vpcs[0].cidr); kube-proxy would capture traffic meant for routed addresses: move the Service CIDR",
		"s.yaml:18:18: clusters[1].serviceCIDR: 10.0.0.0/16 (Service CIDR of cluster b) overlaps 10.0.64.0/18 (Pod CIDR of cluster a, clusters[0].podCIDR); kube-proxy would capture traffic meant for routed addresses: move the Service CIDR",
	}},
	{"MetalLB pool outside its subnet", replace(base, "    podCIDR: 10.0.64.0/18\n    metallb: {}", "    podCIDR: 10.0.64.0/18\n    metallb: {addresses: [10.1.1.200-10.1.1.210]}"), []string{
		"s.yaml:14:27: clusters[0].metallb.addresses[0]: 10.1.1.200-10.1.1.210 is outside the cluster's subnet 10.0.1.0/24; MetalLB L2 answers ARP only on its own subnet: use addresses in 10.0.1.192-10.0.1.223",
	}},
	{"MetalLB pool over node addresses", replace(base, "    podCIDR: 10.0.64.0/18\n    metallb: {}", "    podCIDR: 10.0.64.0/18\n    metallb: {addresses: [10.0.1.16/28]}"), []string{
		"s.yaml:14:27: clusters[0].metallb.addresses[0]: 10.0.1.16-10.0.1.31 overlaps 10.0.1.0-10.0.1.127, where Docker assigns node addresses; use addresses in 10.0.1.192-10.0.1.223",
	}},
	{"MetalLB pool over reserved addresses", replace(base, "    podCIDR: 10.0.64.0/18\n    metallb: {}", "    podCIDR: 10.0.64.0/18\n    metallb: {addresses: [10.0.1.250-10.0.1.254]}"), []string{
		"s.yaml:14:27: clusters[0].metallb.addresses[0]: 10.0.1.250-10.0.1.254 overlaps 10.0.1.224-10.0.1.255, which netlab reserves for its gateway and client containers; use addresses in 10.0.1.192-10.0.1.223",
	}},
	{"MetalLB pools collide", replace(replace(base, "    vpc: vpc-b\n    podCIDR: 10.1.64.0/18\n    metallb: {}", "    vpc: vpc-a\n    podCIDR: 10.0.128.0/18\n    metallb: {addresses: [10.0.1.200/29]}"), "    podCIDR: 10.0.64.0/18\n    metallb: {}", "    podCIDR: 10.0.64.0/18\n    metallb: {addresses: [10.0.1.192/28]}"), []string{
		"s.yaml:18:27: clusters[1].metallb.addresses[0]: 10.0.1.200-10.0.1.207 (MetalLB pool of cluster b) overlaps 10.0.1.192-10.0.1.207 (MetalLB pool of cluster a); two speakers would answer for the same address",
	}},
	{"route to a missing attachment", base + "  routeTables:\n    - name: rt\n      associations: [att-a, att-b]\n      routes:\n        - {cidr: 10.1.0.0/16, attachment: att-c}\n", []string{
		"s.yaml:27:43: transitGateway.routeTables[0].routes[0].attachment: attachment \"att-c\" does not exist; defined attachments: att-a, att-b",
	}},
	{"attachment associated twice", base + "  routeTables:\n    - name: one\n      associations: [att-a]\n    - name: two\n      associations: [att-a, att-b]\n", []string{
		"s.yaml:27:22: transitGateway.routeTables[1].associations[0]: attachment \"att-a\" is already associated with route table \"one\"; an attachment is associated with one route table",
	}},
	{"route both blackhole and attachment", base + "  routeTables:\n    - name: rt\n      associations: [att-a, att-b]\n      routes:\n        - {cidr: 10.1.0.0/16, attachment: att-b, blackhole: true}\n", []string{
		"s.yaml:27:11: transitGateway.routeTables[0].routes[0]: a route is either to an attachment or a blackhole, not both; remove attachment or blackhole",
	}},
	{"route with host bits", base + "  routeTables:\n    - name: rt\n      associations: [att-a, att-b]\n      routes:\n        - {cidr: 10.1.0.1/16, attachment: att-b}\n", []string{
		"s.yaml:27:18: transitGateway.routeTables[0].routes[0].cidr: \"10.1.0.1/16\" has host bits set; did you mean 10.1.0.0/16?",
	}},
	{"one attachment", replace(base, "    - {name: att-b, vpc: vpc-b}\n", ""), []string{
		"s.yaml:21:5: transitGateway.attachments: only one attachment; a transit gateway routes between VPCs, so attach at least two",
	}},
	{"private ASN", replace(base, "transitGateway:\n", "transitGateway:\n  asn: 7224\n"), []string{
		"s.yaml:20:8: transitGateway.asn: 7224 is not a private ASN; use 64512-65534 or 4200000000-4294967294 (AWS's rule)",
	}},
	{"Istio needs two clusters", base + "istio:\n  clusters:\n    - {cluster: a}\n", []string{
		"s.yaml:25:5: istio.clusters: multi-primary needs at least two clusters; list two or more",
	}},
	{"Istio LoadBalancer needs MetalLB", replace(base, "    podCIDR: 10.1.64.0/18\n    metallb: {}\n", "    podCIDR: 10.1.64.0/18\n") + "istio:\n  clusters:\n    - {cluster: a}\n    - {cluster: b}\n", []string{
		"s.yaml:23:3: istio.eastWestGateway.expose: loadbalancer needs MetalLB in every mesh cluster, and cluster b has none; add metallb to it, or set expose: nodeport",
	}},
	{"Istio clusters cannot reach each other", replace(base, "    - {name: att-b, vpc: vpc-b}\n", "    - {name: att-b, vpc: vpc-b}\n  routeTables:\n    - name: rt\n      associations: [att-a, att-b]\n") + "istio:\n  clusters:\n    - {cluster: a}\n    - {cluster: b}\n", []string{
		"s.yaml:28:5: istio.clusters: cluster a (VPC vpc-a) cannot reach cluster b's subnet 10.1.1.0/24, where its east-west gateway and API server are; attach both VPCs to the transit gateway and route between them",
		"s.yaml:28:5: istio.clusters: cluster b (VPC vpc-b) cannot reach cluster a's subnet 10.0.1.0/24, where its east-west gateway and API server are; attach both VPCs to the transit gateway and route between them",
	}},
	{"Istio replies do not come back", replace(base, "    podCIDR: 10.0.64.0/18\n    metallb: {}\n", "    podCIDR: 10.100.0.0/16\n    metallb: {}\n    cni: {crossClusterSource: preserve}\n") + "istio:\n  clusters:\n    - {cluster: a}\n    - {cluster: b}\n", []string{
		"s.yaml:13:14: clusters[0].podCIDR: warning: 10.100.0.0/16 lies outside VPC vpc-a's CIDR, so propagation does not carry it and no static route sends it to \"att-a\"; other VPCs cannot reach these Pods",
		"s.yaml:26:5: istio.clusters: cluster a (VPC vpc-a) reaches cluster b's subnet 10.1.1.0/24, but the replies to 10.100.0.0/16 do not come back (return: 10.100.0.0/16: no VPC route in VPC vpc-b's route table); route 10.100.0.0/16 from VPC vpc-b through the transit gateway to VPC vpc-a",
	}},
	{"Istio on one network, Pods routed", base + "istio:\n  clusters:\n    - {cluster: a, network: n1}\n    - {cluster: b, network: n1}\n", nil},
	{"Istio on one network, Pods not routed", replace(base, "    podCIDR: 10.1.64.0/18\n", "    podCIDR: 10.101.0.0/16\n") + "istio:\n  clusters:\n    - {cluster: a, network: n1}\n    - {cluster: b, network: n1}\n", []string{
		"s.yaml:17:14: clusters[1].podCIDR: warning: 10.101.0.0/16 lies outside VPC vpc-b's CIDR, so propagation does not carry it and no static route sends it to \"att-b\"; other VPCs cannot reach these Pods",
		"s.yaml:25:5: istio.clusters: clusters a and b are on one mesh network, so a's Pods must reach b's Pods (10.101.0.0/16), but they do not (forward: 10.101.0.0/16: no VPC route in VPC vpc-a's route table); route both Pod CIDRs through the transit gateway (as tgw-two-vpc does), or give the clusters networks of their own (east-west gateways)",
	}},
	{"Istio on one network in one VPC", replace(base, "    vpc: vpc-b\n    podCIDR: 10.1.64.0/18\n", "    vpc: vpc-a\n    podCIDR: 10.0.128.0/18\n") + "istio:\n  clusters:\n    - {cluster: a, network: n1}\n    - {cluster: b, network: n1}\n", []string{
		"s.yaml:25:5: istio.clusters: clusters a and b share VPC vpc-a and one mesh network, but netlab routes Pods between clusters only through the transit gateway; put them in VPCs of their own, or on different networks (east-west gateways)",
	}},
	{"Istio on one network needs no MetalLB", replace(base, "    podCIDR: 10.1.64.0/18\n    metallb: {}\n", "    podCIDR: 10.1.64.0/18\n") + "istio:\n  clusters:\n    - {cluster: a, network: n1}\n    - {cluster: b, network: n1}\n", nil},
	{"unknown check path", base + "checks:\n  paths: [service/clusterp]\n", []string{
		"s.yaml:24:11: checks.paths[0]: \"service/clusterp\" matches no packet path (did you mean \"service/clusterip\"?); see 'netlab plan' or docs/paths/ for the ids",
	}},
	{"Pod CIDR too small for its nodes", replace(base, "podCIDR: 10.0.64.0/18", "podCIDR: 10.0.64.0/24\n    workers: 3"), []string{
		"s.yaml:13:14: clusters[0].podCIDR: 10.0.64.0/24 is too small for 4 nodes with a /24 per node; use a /22 or larger",
	}},
	{"Service CIDR too large", replace(base, "    podCIDR: 10.1.64.0/18\n", "    podCIDR: 10.1.64.0/18\n    serviceCIDR: 100.64.0.0/10\n"), []string{
		"s.yaml:18:18: clusters[1].serviceCIDR: 100.64.0.0/10 is too large; Kubernetes allows at most a /12 for Services",
	}},
	{"subnet outside its VPC", replace(base, "    cidr: 10.1.0.0/16\n", "    cidr: 10.1.0.0/16\n    subnets:\n      - {name: s, cidr: 10.2.1.0/24}\n"), []string{
		"s.yaml:11:25: vpcs[1].subnets[0].cidr: 10.2.1.0/24 is outside its VPC vpc-b (10.1.0.0/16); a subnet must lie inside its VPC's cidr",
	}},
	{"subnets overlap across VPCs", replace(replace(base, "    cidr: 10.0.0.0/16\n", "    cidr: 10.0.0.0/16\n    subnets: [{name: s, cidr: 10.0.1.0/24}]\n  - name: vpc-c\n    cidr: 10.0.0.0/16\n    subnets: [{name: s, cidr: 10.0.1.0/25}]\n"), "transitGateway:\n  attachments:\n    - {name: att-a, vpc: vpc-a}\n    - {name: att-b, vpc: vpc-b}\n", ""), []string{
		"s.yaml:11:31: vpcs[1].subnets[0].cidr: 10.0.1.0/25 (subnet s of VPC vpc-c) overlaps 10.0.1.0/24 (subnet s of VPC vpc-a, vpcs[0].subnets[0].cidr); each subnet is a Docker network, and Docker networks on one host must not overlap",
	}},
	{"MTU out of range", replace(base, "    cidr: 10.0.0.0/16\n", "    cidr: 10.0.0.0/16\n    mtu: 100\n"), []string{
		"s.yaml:8:10: vpcs[0].mtu: 100 is out of range; use 1280 to 9000 (the default is 1500)",
	}},
	{"NetworkPolicy under Flannel is a warning", replace(base, "    podCIDR: 10.0.64.0/18\n", "    podCIDR: 10.0.64.0/18\n    networkPolicies:\n      - name: p\n        egressAllow: [{cidr: 10.0.1.0/24, ports: [80]}]\n"), []string{
		"s.yaml:15:7: clusters[0].networkPolicies: warning: flannel does not enforce NetworkPolicy; the policies are applied but have no effect, and netpol checks report that",
	}},
	{"ingress-nginx is a warning naming its retirement", replace(base, "    podCIDR: 10.0.64.0/18\n", "    podCIDR: 10.0.64.0/18\n    ingress: {controller: ingress-nginx}\n"), []string{
		"s.yaml:14:27: clusters[0].ingress.controller: warning: ingress-nginx was retired upstream in 2026 and cannot be built without a registry (it needs OpenResty); it runs only from upstream's images on a connected host; controller: traefik (the default) serves the same Ingress rules",
	}},
	{"a global load balancer over an unknown cluster", replace(replace(base, "    podCIDR: 10.0.64.0/18\n", "    podCIDR: 10.0.64.0/18\n    ingress: {}\n"), "transitGateway:\n", "globalLoadBalancer:\n  clusters: [a, nope]\ntransitGateway:\n"), []string{
		"s.yaml:21:17: globalLoadBalancer.clusters[1]: cluster \"nope\" is not defined; the scenario's clusters are: a, b",
	}},
	{"a global load balancer over a cluster without ingress", replace(replace(base, "    podCIDR: 10.0.64.0/18\n", "    podCIDR: 10.0.64.0/18\n    ingress: {}\n"), "transitGateway:\n", "globalLoadBalancer:\n  clusters: [a, b]\ntransitGateway:\n"), []string{
		"s.yaml:21:17: globalLoadBalancer.clusters[1]: cluster b has no ingress controller, and the global load balancer sends requests to the clusters' ingress; add ingress: {} to cluster b",
	}},
	{"a global load balancer over one cluster", replace(replace(base, "    podCIDR: 10.0.64.0/18\n", "    podCIDR: 10.0.64.0/18\n    ingress: {}\n"), "transitGateway:\n", "globalLoadBalancer:\n  clusters: [a]\ntransitGateway:\n"), []string{
		"s.yaml:21:13: globalLoadBalancer.clusters: a global load balancer spreads requests over at least two clusters; list two or more, each with ingress: {} and metallb: {}",
	}},
	{"a DMZ over an unknown cluster", dmzCase("clusters: [a, nope]"), []string{
		"s.yaml:27:17: dmz.clusters[1]: cluster \"nope\" is not defined; the scenario's clusters are: a, b",
	}},
	{"a DMZ over a cluster without ingress", dmzCase("clusters: [b]"), []string{
		"s.yaml:27:14: dmz.clusters[0]: cluster b has no ingress controller, and the DMZ load balancer sends requests to the clusters' ingress; add ingress: {} to cluster b",
	}},
	{"a DMZ over a cluster of another VPC", replace(dmzCase("clusters: [b]"), "    podCIDR: 10.1.64.0/18\n", "    podCIDR: 10.1.64.0/18\n    ingress: {}\n"), []string{
		"s.yaml:28:14: dmz.clusters[0]: cluster b is in VPC vpc-b; the DMZ load balancer reaches the clusters of its own VPC (vpc-a), with a leg in each of their subnets",
	}},
	{"a DMZ in a subnet that is not there", replace(dmzCase("clusters: [a]"), "  subnet: dmz\n", "  subnet: edge\n"), []string{
		"s.yaml:26:11: dmz.subnet: subnet \"edge\" is not in VPC vpc-a (its subnets: dmz, apps); add a subnet of its own for the DMZ to VPC vpc-a's subnets and name it here",
	}},
	{"a DMZ in a cluster's subnet", replace(dmzCase("clusters: [a]"), "  subnet: dmz\n", "  subnet: apps\n"), []string{
		"s.yaml:26:11: dmz.subnet: cluster a's nodes are in subnet apps; the DMZ is a subnet of its own: add one to VPC vpc-a that no cluster uses",
	}},
	{"a DMZ with no cluster", dmzCase("clusters: []"), []string{
		"s.yaml:27:13: dmz.clusters: the DMZ load balancer needs at least one cluster to send requests to; list the clusters (with ingress: {} and metallb: {}) that serve the outside",
	}},
	{"a chain that starts outside the DMZ", replace(dmzCase("clusters: [a]"), "  clusters: [a]\n", "  clusters: [a]\n  chain: [b, a]\n"), []string{
		"s.yaml:28:11: dmz.chain[0]: the chain starts where the DMZ load balancer sends; cluster b is not in dmz.clusters: add it there, or start the chain with one of them",
	}},
	{"a chain of one", replace(dmzCase("clusters: [a]"), "  clusters: [a]\n", "  clusters: [a]\n  chain: [a]\n"), []string{
		"s.yaml:28:10: dmz.chain: a chain is the clusters a request passes through after the DMZ, two or more in order (for example [web, was, gpu]); list them, or drop chain",
	}},
	{"a chain through an unknown cluster", replace(dmzCase("clusters: [a]"), "  clusters: [a]\n", "  clusters: [a]\n  chain: [a, c]\n"), []string{
		"s.yaml:28:14: dmz.chain[1]: cluster \"c\" is not defined; the scenario's clusters are: a, b",
	}},
	{"the Gateway API needs Traefik", replace(base, "    podCIDR: 10.0.64.0/18\n", "    podCIDR: 10.0.64.0/18\n    ingress: {controller: ingress-nginx, gatewayAPI: true}\n"), []string{
		"s.yaml:14:27: clusters[0].ingress.controller: warning: ingress-nginx was retired upstream in 2026 and cannot be built without a registry (it needs OpenResty); it runs only from upstream's images on a connected host; controller: traefik (the default) serves the same Ingress rules",
		"s.yaml:14:54: clusters[0].ingress.gatewayAPI: ingress-nginx does not implement the Gateway API; use controller: traefik, or drop gatewayAPI",
	}},
	{"an unknown ingress controller", replace(base, "    podCIDR: 10.0.64.0/18\n", "    podCIDR: 10.0.64.0/18\n    ingress: {controller: haproxy}\n"), []string{
		"s.yaml:14:27: clusters[0].ingress.controller: \"haproxy\" is not allowed; use one of: traefik, ingress-nginx",
	}},
}

// dmzCase is base with VPC vpc-a split into a DMZ subnet and cluster a's subnet (a with ingress),
// and a dmz section whose clusters line is members.
func dmzCase(members string) string {
	s := replace(base, "    cidr: 10.0.0.0/16\n", "    cidr: 10.0.0.0/16\n    subnets:\n      - {name: dmz, cidr: 10.0.0.0/24}\n      - {name: apps, cidr: 10.0.1.0/24}\n")
	s = replace(s, "    vpc: vpc-a\n    podCIDR: 10.0.64.0/18\n", "    vpc: vpc-a\n    subnet: apps\n    podCIDR: 10.0.64.0/18\n    ingress: {}\n")
	return replace(s, "transitGateway:\n", "dmz:\n  vpc: vpc-a\n  subnet: dmz\n  "+members+"\ntransitGateway:\n")
}

func replace(s, old, new string) string {
	out := ""
	i := indexOf(s, old)
	if i < 0 {
		panic("test case: " + old + " not in base")
	}
	out = s[:i] + new + s[i+len(old):]
	return out
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

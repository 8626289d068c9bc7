package catalog

import (
	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
)

// The paths whose machinery 'netlab up' does not install yet, or that need scenarios this version
// does not build. A scenario that asks for them gets a skip that names what is missing, never a
// pass. Their pages in docs/paths/ describe the paths.

func chainUserToLLM() checks.Definition {
	return checks.Definition{ID: "chain/user-to-llm", Targets: nowhere("needs a pattern-4 scenario with a live DMZ, ingress controllers and an inference service; this version of netlab builds none"), Hops: chainUserToLLMHops, Run: nil}
}

func chainUserToLLMHops(x *hop.Context) []string {
	return []string{
		"user -> WAF -> DMZ load balancer -> the Web cluster's LB and ingress -> a Web Pod",
		"Web Pod -> the WAS cluster's LB in the same VPC (routed between subnets) -> ingress -> a WAS Pod",
		"WAS Pod -> the GPU cluster's internal LB across the transit gateway -> an inference Pod",
		"the inference Pod answers as a stream (Server-Sent Events), chunk after chunk back along the chain",
	}
}

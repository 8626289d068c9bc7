package tgw

import (
	"crypto/rand"
	"fmt"
	"sort"

	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/tgw/client"
)

// Node is a Kubernetes node as the TGW needs to know it: its address on its VPC network and a Pod
// range behind it (Node.spec.podCIDR, or one of the CNI's own ranges for the node, such as a Calico
// IPAM block; a node with several ranges is several Nodes).
type Node struct {
	Cluster string
	Name    string
	IP      string
	PodCIDR string
}

// SpecFor maps the plan's transit gateway, and the nodes found in its clusters, onto the API calls'
// desired state: one VPC and attachment per plan attachment (legs at the plan's addresses), the
// route tables with their associations, propagations and static and blackhole routes, each VPC's
// routes to the TGW (what its nodes send to the TGW), and one VPC route per node for its Pod range
// to the node's network interface.
func SpecFor(p *plan.Plan, nodes []Node) (client.Spec, error) {
	t := p.TransitGateway
	if t == nil {
		return client.Spec{}, fmt.Errorf("the plan has no transit gateway")
	}
	s := client.Spec{Name: t.Name, ASN: t.ASN}
	attOfVPC := map[string]string{}
	for _, a := range t.Attachments {
		v, ok := p.VPC(a.VPC)
		if !ok {
			return client.Spec{}, fmt.Errorf("attachment %s: VPC %s is not in the plan", a.Name, a.VPC)
		}
		as := client.AttachmentSpec{Name: a.Name, CIDRs: []string{a.VPCCIDR.String()}}
		for _, leg := range a.Legs {
			sn, ok := p.Subnet(v.Name, leg.Subnet)
			if !ok {
				return client.Spec{}, fmt.Errorf("attachment %s: subnet %s is not in VPC %s", a.Name, leg.Subnet, v.Name)
			}
			as.Subnets = append(as.Subnets, client.SubnetSpec{CIDR: sn.CIDR.String(), TGWAddress: leg.Address.String()})
		}
		seen := map[string]bool{}
		for _, c := range p.Clusters {
			if c.VPC != a.VPC {
				continue
			}
			for _, r := range c.VPCRoutes {
				if r.Target == "tgw" && !seen[r.CIDR.String()] {
					seen[r.CIDR.String()] = true
					as.TGWRoutes = append(as.TGWRoutes, r.CIDR.String())
				}
			}
		}
		sort.Strings(as.TGWRoutes)
		attOfVPC[a.VPC] = a.Name
		s.Attachments = append(s.Attachments, as)
	}
	for _, rt := range t.RouteTables {
		rs := client.RouteTableSpec{Name: rt.Name, Associations: rt.Associations, Propagations: rt.Propagations}
		for _, r := range rt.Routes {
			switch {
			case r.Type == "propagated":
			case r.Blackhole:
				rs.Blackholes = append(rs.Blackholes, r.CIDR.String())
			default:
				rs.Routes = append(rs.Routes, client.StaticRoute{CIDR: r.CIDR.String(), Attachment: r.Attachment})
			}
		}
		s.RouteTables = append(s.RouteTables, rs)
	}
	clusterVPC := map[string]string{}
	for _, c := range p.Clusters {
		clusterVPC[c.Name] = c.VPC
	}
	for _, n := range nodes {
		att, ok := attOfVPC[clusterVPC[n.Cluster]]
		if !ok || n.PodCIDR == "" || n.IP == "" {
			continue // a cluster in a VPC the TGW does not attach, or a node without a Pod range yet
		}
		s.NodeRoutes = append(s.NodeRoutes, client.NodeRoute{Attachment: att, CIDR: n.PodCIDR, Via: n.IP, Node: n.Name})
	}
	sort.Slice(s.NodeRoutes, func(i, j int) bool { return s.NodeRoutes[i].CIDR < s.NodeRoutes[j].CIDR })
	return s, s.Validate()
}

// ContainerFor is the TGW container of the plan, with netlab's image, the lab's labels and the lab's
// API credentials (EnsureCredentials).
func ContainerFor(p *plan.Plan, image string, labels map[string]string, creds labstate.Credentials) ContainerSpec {
	cs := ContainerSpec{Lab: p.Lab, Name: p.TransitGateway.Container, Image: image, Labels: labels, Credentials: creds}
	for _, a := range p.TransitGateway.Attachments {
		for _, l := range a.Legs {
			leg := Leg{Network: l.Network, Address: l.Address.String()}
			if sn, ok := p.Subnet(a.VPC, l.Subnet); ok && sn.Gateway.IsValid() {
				leg.Host = sn.Gateway.String()
			}
			cs.Legs = append(cs.Legs, leg)
		}
	}
	return cs
}

// The environment through which the TGW container's server gets the lab's credentials ('netlab tgw
// serve' reads them).
const (
	EnvAccessKeyID     = "NETLAB_TGW_ACCESS_KEY_ID"
	EnvSecretAccessKey = "NETLAB_TGW_SECRET_ACCESS_KEY"
)

// Env is the TGW container's environment: the lab's credentials for its API.
func (s ContainerSpec) Env() map[string]string {
	return map[string]string{EnvAccessKeyID: s.Credentials.AccessKeyID, EnvSecretAccessKey: s.Credentials.SecretAccessKey}
}

// EnsureCredentials returns the lab's TGW API credentials, generating them (random, AWS-shaped: a
// 20-character access key id starting AKIA and a 40-character secret) the first time. The caller saves
// the state.
func EnsureCredentials(st *labstate.State) labstate.Credentials {
	if st.TGWCredentials.AccessKeyID == "" || st.TGWCredentials.SecretAccessKey == "" {
		st.TGWCredentials = labstate.Credentials{AccessKeyID: "AKIA" + randomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
			SecretAccessKey: randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
	}
	return st.TGWCredentials
}

// ClientCredentials are a lab's TGW credentials (labstate.State.TGWCredentials) as client.NewEC2
// takes them.
func ClientCredentials(c labstate.Credentials) client.Credentials {
	return client.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on Linux (Go 1.24+ crashes instead)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Package crossdns is the step of 'up' that makes Service names of one cluster resolve in the
// others (path dns/cross-cluster).
//
// Each cluster of an attached VPC with MetalLB exposes its CoreDNS on an internal LoadBalancer
// address of its VPC (Service kube-system/netlab-dns, names.DNSServiceName), which the transit
// gateway routes; every other attached cluster's CoreDNS gets a server block for the zone
// <cluster>.netlab (names.DNSZone) that rewrites names to cluster.local and forwards them there.
// So echo.ns.svc.b.netlab asked in cluster a is answered by cluster b's CoreDNS.
package crossdns

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/steps"
)

const (
	dnsBegin = "# netlab:cross-cluster-dns:begin"
	dnsEnd   = "# netlab:cross-cluster-dns:end"
)

// Step exposes every attached cluster's DNS and wires the other clusters' CoreDNS to it.
func Step() steps.Step {
	return steps.Step{
		Name:    "crossdns",
		Title:   "Forwarding DNS between the clusters (zones <cluster>.netlab through the transit gateway)",
		Applies: steps.WithTGW,
		Run:     run,
	}
}

func run(ctx context.Context, sc *steps.StepContext) error {
	var mu sync.Mutex
	attached := func(vpc string) bool { _, ok := sc.Plan.AttachmentOf(vpc); return ok }
	ips := map[string]string{}
	err := sc.EachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
		if c.MetalLB == nil || !attached(c.VPC) {
			return nil
		}
		ip, err := exposeDNS(ctx, kc)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
		mu.Lock()
		ips[c.Name] = ip
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	return sc.EachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
		if !attached(c.VPC) {
			return nil
		}
		zones := map[string]string{}
		for _, o := range sc.Plan.Clusters {
			if o.Name != c.Name && o.VPC != c.VPC && ips[o.Name] != "" {
				zones[o.Name] = ips[o.Name]
			}
		}
		changed, err := patchCorefile(ctx, kc, zones)
		if err != nil {
			return fmt.Errorf("cluster %s: CoreDNS: %w", c.Name, err)
		}
		if changed {
			var zs []string
			for z, ip := range zones {
				zs = append(zs, names.DNSZone(z)+" -> "+ip)
			}
			sort.Strings(zs)
			sc.Status.Printf("   [%s] CoreDNS forwards %s", c.Name, strings.Join(zs, ", "))
		}
		return nil
	})
}

func exposeDNS(ctx context.Context, kc *kube.Client) (string, error) {
	svcs := kc.Clientset.CoreV1().Services("kube-system")
	want := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: names.DNSServiceName, Labels: map[string]string{"app.kubernetes.io/part-of": "netlab"}},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{"k8s-app": "kube-dns"},
			Ports: []corev1.ServicePort{
				{Name: "dns", Protocol: corev1.ProtocolUDP, Port: 53, TargetPort: intstr.FromInt32(53)},
				{Name: "dns-tcp", Protocol: corev1.ProtocolTCP, Port: 53, TargetPort: intstr.FromInt32(53)},
			}},
	}
	if _, err := svcs.Get(ctx, names.DNSServiceName, metav1.GetOptions{}); err != nil {
		if _, err := svcs.Create(ctx, want, metav1.CreateOptions{}); err != nil {
			return "", fmt.Errorf("create Service kube-system/%s: %w", names.DNSServiceName, err)
		}
	}
	var ip string
	err := kube.Poll(ctx, 2*time.Minute, func(ctx context.Context) (bool, string, error) {
		s, err := svcs.Get(ctx, names.DNSServiceName, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		for _, in := range s.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				ip = in.IP
				return true, "", nil
			}
		}
		return false, "Service kube-system/" + names.DNSServiceName + " has no LoadBalancer address from MetalLB yet", nil
	})
	return ip, err
}

// CorefileWith returns corefile with netlab's cross-cluster block replaced by one server block per
// zone (cluster name -> DNS address); no zones removes the block.
func CorefileWith(corefile string, zones map[string]string) string {
	if i := strings.Index(corefile, dnsBegin); i >= 0 {
		if j := strings.Index(corefile, dnsEnd); j > i {
			corefile = corefile[:i] + corefile[j+len(dnsEnd):]
		}
	}
	corefile = strings.TrimRight(corefile, "\n") + "\n"
	if len(zones) == 0 {
		return corefile
	}
	clusters := make([]string, 0, len(zones))
	for n := range zones {
		clusters = append(clusters, n)
	}
	sort.Strings(clusters)
	var b strings.Builder
	b.WriteString(corefile + dnsBegin + "\n")
	for _, n := range clusters {
		z := names.DNSZone(n)
		fmt.Fprintf(&b, "%s:53 {\n    errors\n    cache 30\n    rewrite name suffix .%s. .cluster.local. answer auto\n    forward . %s\n}\n", z, z, zones[n])
	}
	b.WriteString(dnsEnd + "\n")
	return b.String()
}

func patchCorefile(ctx context.Context, kc *kube.Client, zones map[string]string) (bool, error) {
	_, changed, err := kc.EditCorefile(ctx, func(cur string) (string, error) { return CorefileWith(cur, zones), nil })
	return changed, err
}

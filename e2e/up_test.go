package e2e

import (
	"context"
	"fmt"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/provision/steps/guard"
	tgwstep "github.com/netlab-dev/netlab/provision/steps/tgw"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/scenarios"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func builtinPlan(t *testing.T, name string) []byte {
	data, ok := scenarios.Lookup(name)
	if !ok {
		t.Fatalf("no built-in %s", name)
	}
	return data
}

// nodeExec runs a command in a kind node container.
func nodeExec(t *testing.T, node string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("docker", append([]string{"exec", node}, args...)...).CombinedOutput()
	return string(out), err
}

// kube-proxy-modes: each cluster's nodes hold the rules of its own mode and none of the other's,
// and nothing routes to the other cluster's ranges (no TGW). Full matrix only: the e2e stage
// asserts the same rules on flannel-basic (iptables) and on tgw-isolated-spokes' spoke-b
// (nftables), one lab fewer in CI.
func TestE2EKubeProxyModesRules(t *testing.T) {
	testenv.RequireFullMatrix(t)
	p := planFor(t, "builtin/kube-proxy-modes.yaml", builtinPlan(t, "kube-proxy-modes"))
	up(t, p)
	assertKubeProxyRules(t, p)
	// The guard step: no route to the other cluster's Pod and Service ranges (this lab has no TGW),
	// so nothing addressed there follows the node's default route off the machine; the cluster's
	// own API server ClusterIP stays routable for the node's own connections.
	for _, c := range p.Clusters {
		node := c.Nodes[0].Name
		for _, o := range p.Clusters {
			if o.Name == c.Name {
				continue
			}
			for _, cidr := range []string{o.PodCIDR.String(), o.ServiceCIDR.String()} {
				dst := netip.MustParsePrefix(cidr).Addr().Next().Next().String()
				out, err := nodeExec(t, node, "ip", "route", "get", dst)
				if err == nil || !strings.Contains(out, "No route to host") {
					t.Errorf("%s: ip route get %s (cluster %s's %s): %v %s; want no route to host", node, dst, o.Name, cidr, err, out)
				}
			}
		}
		api := c.ServiceCIDR.Addr().Next().String()
		if out, err := nodeExec(t, node, "ip", "route", "get", api); err != nil {
			t.Errorf("%s: ip route get %s (own API server ClusterIP): %v %s", node, api, err, out)
		}
	}
	loadProbe(t, p)
	assertUnservedPortRefused(t, p)
	runChecks(t, p, "service/clusterip", "lab/hermetic")
}

// assertKubeProxyRules: each cluster's last node holds the rules of its kube-proxy mode and none of
// the other mode's. The kubernetes Service in default always exists, so both modes have rules for it.
func assertKubeProxyRules(t *testing.T, p *plan.Plan) {
	t.Helper()
	for _, c := range p.Clusters {
		node := c.Nodes[len(c.Nodes)-1].Name
		var iptCount, nftOK string
		deadline := time.Now().Add(2 * time.Minute)
		for {
			out, _ := nodeExec(t, node, "sh", "-c", "iptables-save | grep -c '^:KUBE-SVC-' || true")
			iptCount = strings.TrimSpace(out)
			_, nftErr := nodeExec(t, node, "nft", "list", "table", "ip", "kube-proxy")
			nftOK = map[bool]string{true: "present", false: "absent"}[nftErr == nil]
			ready := (c.KubeProxyMode == "iptables" && iptCount != "0") || (c.KubeProxyMode == "nftables" && nftOK == "present")
			if ready || time.Now().After(deadline) {
				break
			}
			time.Sleep(3 * time.Second)
		}
		t.Logf("cluster %s (%s): KUBE-SVC chains %s, nft table ip kube-proxy %s", c.Name, c.KubeProxyMode, iptCount, nftOK)
		switch c.KubeProxyMode {
		case "iptables":
			if iptCount == "0" || nftOK == "present" {
				t.Errorf("iptables mode on %s: want KUBE-SVC chains and no kube-proxy nft table; got %s chains, table %s", node, iptCount, nftOK)
			}
		case "nftables":
			if iptCount != "0" || nftOK != "present" {
				t.Errorf("nftables mode on %s: want the kube-proxy nft table and no KUBE-SVC chains; got %s chains, table %s", node, iptCount, nftOK)
			}
		default:
			t.Errorf("cluster %s: kube-proxy mode %q has no rule assertion here", c.Name, c.KubeProxyMode)
		}
	}
}

// assertUnservedPortRefused: a port that no Service serves on the cluster's own API server
// ClusterIP is not translated by kube-proxy. In iptables mode nothing of kube-proxy refuses it and
// it would follow the node's default route off the machine; the guard's nftables table rejects it
// on the node (in nftables mode kube-proxy refuses it first). Either way the caller learns at once,
// and the leak meter (up) sees nothing leave. Needs loadProbe.
func assertUnservedPortRefused(t *testing.T, p *plan.Plan) {
	t.Helper()
	for _, c := range p.Clusters {
		api := c.ServiceCIDR.Addr().Next().String()
		start := time.Now()
		r, _ := probeResult(t, client(t, p, c.Name), "unserved-port-"+c.Name, c.Nodes[len(c.Nodes)-1].Name,
			"--allow", c.ServiceCIDR.String(), "--timeout", "5s", "tcp", api+":9")
		t.Logf("cluster %s (%s): TCP to %s:9 (no Service port): ok=%v error=%q (Pod ran %s)", c.Name, c.KubeProxyMode, api, r.OK, r.Error, time.Since(start).Round(time.Second))
		if r.OK || !(strings.Contains(r.Error, "no route to host") || strings.Contains(r.Error, "connection refused") || strings.Contains(r.Error, "unreachable")) {
			t.Errorf("cluster %s (%s): TCP to %s:9 must be refused at once, got ok=%v error=%q", c.Name, c.KubeProxyMode, api, r.OK, r.Error)
		}
	}
}

// kube-proxy-ipvs on a kernel without ip_vs: preflight refuses at once, naming the feature, and
// creates nothing.
func TestE2EIPVSRefusedByPreflight(t *testing.T) {
	testenv.RequireDocker(t)
	if out, _ := exec.Command("sh", "-c", "test -e /proc/net/ip_vs && echo yes").Output(); strings.TrimSpace(string(out)) == "yes" {
		t.Skip("this kernel has ip_vs; the refusal cannot be shown here")
	}
	p := planFor(t, "builtin/kube-proxy-ipvs.yaml", builtinPlan(t, "kube-proxy-ipvs"))
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	start := time.Now()
	err := provision.Up(context.Background(), p, p.Source, provision.Options{Offline: true, Status: status.New(testLog{t}, 1, false)})
	if err == nil || !strings.Contains(err.Error(), "kernel feature ip_vs") || !strings.Contains(err.Error(), "kubeProxy.mode") {
		t.Fatalf("want a preflight refusal naming ip_vs and the fix, got %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("preflight took %s; it must fail at once", d)
	}
	assertNothingLeft(t, p)
}

// tgw-two-vpc without the transit gateway: two clusters on two VPC networks, each with a MetalLB
// pool, and a LoadBalancer Service answering a client that stands on its VPC network.
func TestE2ETwoVPCsWithMetalLB(t *testing.T) {
	testenv.RequireDocker(t)
	p := planFor(t, "builtin/tgw-two-vpc.yaml", builtinPlan(t, "tgw-two-vpc"))
	assertTGWGoneAfterDown(t, p) // registered first, so it runs after up's cleanup (down)
	kubeconfig := up(t, p)
	loadProbe(t, p)
	ctx := context.Background()
	eng, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, c := range p.Clusters {
		kc := client(t, p, c.Name)
		// Each cluster's nodes stand on its own VPC network.
		for _, n := range c.Nodes {
			out, err := exec.Command("docker", "inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}", n.Name).Output()
			if err != nil || !strings.Contains(string(out), c.Network+"=") {
				t.Fatalf("node %s is not on network %s: %s %v", n.Name, c.Network, out, err)
			}
		}
		labels := map[string]string{"app": "echo"}
		replicas := int32(1)
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "echo"},
			Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: probePod("echo", "", "probe", "serve").Spec}},
		}
		dep.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		if _, err := kc.Clientset.AppsV1().Deployments("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "echo"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Selector: labels,
				Ports: []corev1.ServicePort{{Name: "tcp", Port: 7001, TargetPort: intstr.FromInt32(7001)}}},
		}
		if _, err := kc.Clientset.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := kc.WaitDeployment(ctx, "default", "echo", 3*time.Minute); err != nil {
			t.Fatal(err)
		}
		var lbIP string
		if err := waitFor(ctx, 2*time.Minute, func() bool {
			s, err := kc.Clientset.CoreV1().Services("default").Get(ctx, "echo", metav1.GetOptions{})
			if err == nil && len(s.Status.LoadBalancer.Ingress) > 0 {
				lbIP = s.Status.LoadBalancer.Ingress[0].IP
			}
			return lbIP != ""
		}); err != nil {
			t.Fatalf("cluster %s: the LoadBalancer Service got no address from MetalLB", c.Name)
		}
		if !inPool(lbIP, c.MetalLB.Addresses) {
			t.Fatalf("cluster %s: LoadBalancer IP %s is not from the scenario's pool %v", c.Name, lbIP, c.MetalLB.Addresses)
		}
		// A client container on the VPC network, at the address the plan reserves for it.
		v, _ := p.VPC(c.VPC)
		sub := v.Subnets[0]
		out, err := exec.Command("docker", "run", "--rm", "--network", sub.Network, "--ip", sub.ClientAddress.String(), "--label", "netlab.dev/lab="+p.Lab,
			images.Self(), "probe", "--allow", v.CIDR.String(), "tcp", lbIP+":7001").CombinedOutput()
		if err != nil || !strings.Contains(string(out), `"ok":true`) {
			t.Fatalf("cluster %s: a client on %s (%s) did not reach the LoadBalancer %s: %v\n%s", c.Name, sub.Network, sub.ClientAddress, lbIP, err, out)
		}
		t.Logf("cluster %s: LoadBalancer %s (pool %v) answered a client at %s on %s", c.Name, lbIP, c.MetalLB.Addresses, sub.ClientAddress, sub.Network)
	}
	// The whole catalogue, across the transit gateway too: both pairs, their blackhole controls.
	rep := runChecks(t, p, "service/clusterip", "cross-cluster/tgw-pod", "cross-cluster/tgw-internal-lb", "lab/hermetic")
	assertTGWEvidence(t, rep)
	// The TGW container, the node side, status, and a second 'up' that changes nothing (after the
	// checks' negative controls: their repairs must have put back exactly what up made).
	assertTGWLab(t, p, kubeconfig)
	// Every node of cluster a restarted: the node unit applies netlab's routes, guard and
	// preserve rules again (at boot, and every 30 s once Flannel and kube-proxy have put theirs
	// back), with no 'up'; the cross-cluster paths pass again, the client Pod IP preserved.
	restartClusterNodes(t, p, "a")
	runChecksOn(t, p, []string{"cross-cluster/*"}, "cross-cluster/tgw-pod", "cross-cluster/tgw-internal-lb")
}

// restartClusterNodes restarts every node container of a cluster and waits (bounded) until each
// node routes the other clusters' Pod ranges through its VPC route table again, keeps the
// preserve jump first where the plan preserves the source, has its guard routes, and until every
// Pod on those nodes runs again since the restart and is Ready.
func restartClusterNodes(t *testing.T, p *plan.Plan, cluster string) {
	t.Helper()
	c, _ := p.Cluster(cluster)
	nodes := nodeNames(t, p, cluster)
	since := time.Now().Add(-time.Second)
	if out, err := exec.Command("docker", append([]string{"restart"}, nodes...)...).CombinedOutput(); err != nil {
		t.Fatalf("docker restart %v: %v: %s", nodes, err, out)
	}
	ctx := context.Background()
	var other plan.ClusterPlan
	for _, o := range p.Clusters {
		if o.Name != cluster {
			other = o
		}
	}
	dst := other.PodCIDR.Addr().Next().Next().String()
	guards := strings.Count(guard.Script(p, *c), "ip route replace unreachable ")
	var state string
	restored := func() bool {
		for _, n := range nodes {
			route, _ := nodeExec(t, n, "ip", "route", "get", dst)
			if len(c.VPCRoutes) > 0 && !strings.Contains(route, "via "+c.VPCRoutes[0].Via.String()) {
				state = n + ": " + route
				return false
			}
			rules, _ := nodeExec(t, n, "sh", "-c", "iptables -t nat -S POSTROUTING | sed -n 2p")
			if c.CNI.CrossClusterSource == "preserve" && !strings.Contains(rules, "-j "+tgwstep.PreserveChain) {
				state = n + ": POSTROUTING starts with " + rules
				return false
			}
			all, _ := nodeExec(t, n, "ip", "route")
			if got := strings.Count(all, "unreachable"); got != guards {
				state = fmt.Sprintf("%s: %d guard routes, want %d", n, got, guards)
				return false
			}
		}
		return true
	}
	if err := waitFor(ctx, 3*time.Minute, restored); err != nil {
		t.Fatalf("cluster %s after a restart of its nodes: netlab's node routes and rules did not come back: %s", cluster, state)
	}
	t.Logf("cluster %s: node routes, guard and preserve rules back %.0fs after the restart", cluster, time.Since(since).Seconds())
	kc := client(t, p, cluster)
	if err := waitFor(ctx, 4*time.Minute, func() bool {
		pods, err := kc.Clientset.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		if err != nil {
			state = err.Error()
			return false
		}
		for _, pod := range pods.Items {
			// Bare test Pods (restartPolicy Never) end with the restart; controllers' Pods must return.
			if len(pod.OwnerReferences) == 0 || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
				continue
			}
			ready := false
			for _, cond := range pod.Status.Conditions {
				ready = ready || (cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue)
			}
			started := len(pod.Status.ContainerStatuses) > 0
			for _, cs := range pod.Status.ContainerStatuses {
				started = started && cs.State.Running != nil && cs.State.Running.StartedAt.After(since)
			}
			if !ready || !started {
				state = pod.Namespace + "/" + pod.Name + " not running again and Ready"
				return false
			}
		}
		return true
	}); err != nil {
		t.Fatalf("cluster %s after a restart of its nodes: %s", cluster, state)
	}
	t.Logf("cluster %s: every Pod running again and Ready %.0fs after the restart", cluster, time.Since(since).Seconds())
	// Let the node unit's timer run once more after the Pods' own rules came back.
	time.Sleep(35 * time.Second)
	if !restored() {
		t.Fatalf("cluster %s: after the Pods came back, %s", cluster, state)
	}
}

func inPool(ip string, pool []string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, block := range pool {
		if from, to, ok := strings.Cut(block, "-"); ok {
			f, t := netip.MustParseAddr(from), netip.MustParseAddr(to)
			if f.Compare(a) <= 0 && a.Compare(t) <= 0 {
				return true
			}
		} else if pf, err := netip.ParsePrefix(block); err == nil && pf.Contains(a) {
			return true
		}
	}
	return false
}

func waitFor(ctx context.Context, d time.Duration, ok func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for !ok() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return nil
}

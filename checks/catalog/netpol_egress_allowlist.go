package catalog

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// netpolName is the NetworkPolicy the check applies to the netpol-client Pod.
const netpolName = "netlab-egress-allowlist"

// netpol/egress-allowlist: a NetworkPolicy lets the netpol-client Pod reach only the VPC client's
// TCP port 7001. The allowed port must connect and the VPC client's other port must not; with the
// policy deleted (the negative control) the denied port connects. On a CNI that does not enforce
// NetworkPolicy (Flannel alone) the check reports that, with what it observed, and does not pass.
func init() {
	registerCluster("netpol/egress-allowlist", func(ctx context.Context, env *checks.Env, l *live.Lab, c *live.Cluster, b *builder) report.Result {
		cl, err := l.ClientFor(c.Plan)
		if err != nil {
			return b.errorf("%v", err)
		}
		pods, err := podsOf(ctx, c, live.PodNetpol)
		if err != nil || len(pods) == 0 {
			return b.errorf("no running %s Pod: %v", live.PodNetpol, err)
		}
		w := c.InPod(pods[0])
		np := c.Kube.Clientset.NetworkingV1().NetworkPolicies(live.Namespace)
		tcp := ptrProto()
		pol := &networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Name: netpolName, Namespace: live.Namespace},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": live.PodNetpol}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Egress: []networkingv1.NetworkPolicyEgressRule{{
					To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: cl.IP + "/32"}}},
					Ports: []networkingv1.NetworkPolicyPort{{Protocol: tcp, Port: ptrPort(live.PortTCP)}},
				}},
			},
		}
		np.Delete(ctx, netpolName, metav1.DeleteOptions{})
		if _, err := np.Create(ctx, pol, metav1.CreateOptions{}); err != nil {
			return b.errorf("create the NetworkPolicy: %v", err)
		}
		defer np.Delete(context.WithoutCancel(ctx), netpolName, metav1.DeleteOptions{})
		time.Sleep(3 * time.Second) // let the CNI's agent program it, where there is one
		allowed := hostPort(cl.IP, live.PortTCP)
		denied := fmt.Sprintf("http://%s:%d/", cl.IP, live.PortDenied)
		ra, erra := l.TCP(ctx, w, allowed)
		b.add("allowed "+allowed, seen(ra, erra), "an answer", answered(ra, erra))
		rd, errd := l.HTTP(ctx, w, denied)
		deniedGotThrough := answered(rd, errd)
		enforced, why := checks.NetworkPolicyEnforced(c.Plan)
		if !enforced {
			b.add("denied "+denied, seen(rd, errd), "refused or timed out, if the policy were enforced", !deniedGotThrough)
			if deniedGotThrough {
				return b.skip(why + "; observed: the denied port answered with the policy in place")
			}
			b.res.Summary = "the CNI was expected not to enforce NetworkPolicy, yet the denied port did not answer"
			return b.done(b.res.Summary)
		}
		b.add("denied "+denied, seen(rd, errd), "refused or timed out", !deniedGotThrough)
		if err := np.Delete(ctx, netpolName, metav1.DeleteOptions{}); err != nil {
			return b.errorf("delete the NetworkPolicy: %v", err)
		}
		var rn = rd
		var errn = errd
		poll(ctx, 20*time.Second, 2*time.Second, func() bool { rn, errn = l.HTTP(ctx, w, denied); return answered(rn, errn) })
		b.negative("NetworkPolicy deleted", answered(rn, errn), seen(rn, errn), "the denied port connects")
		return b.done(fmt.Sprintf("egress from %s allowed only to %s", pods[0].Name, allowed))
	})
}

func ptrProto() *corev1.Protocol { p := corev1.Protocol("TCP"); return &p }

func ptrPort(p int) *intstr.IntOrString { v := intstr.FromInt32(int32(p)); return &v }

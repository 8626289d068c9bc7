package e2e

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/provision/gatewayapi"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/traefik"
)

// Issue 15: ingress-two-clusters comes up with Traefik built here as each cluster's ingress
// controller (the default of ingress: {}), on a MetalLB address, and a global load balancer (a
// Traefik container with a leg in each VPC) in front of both; ingress/host-path passes in both
// clusters with its negative control (an unknown Host gets the controller's 404, no backend) and
// its TLS evidence (the lab CA's certificate), ingress/gateway-api in east (its Traefik also
// implements the Gateway API, CRDs from ci/gateway-api-crds.sh) with its (an unknown hostname gets
// 404), and gateway/global-lb with its (one cluster's ingress scaled to 0: every request lands on
// the other).
// Full matrix only: Traefik's compile (ci/images/build.sh traefik) is minutes on two cores.
func TestE2EIngressTwoClusters(t *testing.T) {
	testenv.RequireFullMatrix(t)
	requireImages(t, "ci/images/build.sh traefik", images.Traefik)
	if _, err := gatewayapi.CRDs(gatewayapi.DefaultDir()); err != nil {
		t.Fatalf("east serves the Gateway API: %v", err)
	}
	p := planFor(t, "builtin/ingress-two-clusters.yaml", builtinPlan(t, "ingress-two-clusters"))
	up(t, p)
	loadProbe(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, c := range p.Clusters {
		kc := client(t, p, c.Name)
		d, err := kc.Clientset.AppsV1().Deployments(traefik.Namespace).Get(ctx, traefik.Name, metav1.GetOptions{})
		if err != nil || d.Status.ReadyReplicas < 1 || d.Spec.Template.Spec.Containers[0].Image != images.Traefik {
			t.Fatalf("%s: Traefik not ready from %s: %v", c.Name, images.Traefik, err)
		}
		ic, err := kc.Clientset.NetworkingV1().IngressClasses().Get(ctx, traefik.IngressClass, metav1.GetOptions{})
		if err != nil || ic.Spec.Controller != traefik.ControllerID {
			t.Fatalf("%s: IngressClass %s: %v", c.Name, traefik.IngressClass, err)
		}
	}
	runChecks(t, p, "ingress/host-path", "ingress/gateway-api", "gateway/global-lb")
}

// Issue 15, seed pattern 4: enterprise-hub-spoke comes up with its DMZ (the WAF from netlab's own
// image and the DMZ load balancer, Traefik) in front of web's ingress, Traefik in web, was and ai,
// and the transit gateway to gpu. dmz/waf passes with its negative control (the WAF's rules-off
// listener lets the attack reach the backend), chain/user-to-llm with its (the GPU cluster's
// LoadBalancer address blackholed on the TGW: the report names the WAS Pod where the chain
// stopped), and so do the ingress and TGW paths.
// Full matrix only: eight nodes and the Traefik image.
func TestE2EEnterpriseHubSpoke(t *testing.T) {
	testenv.RequireFullMatrix(t)
	requireImages(t, "ci/images/build.sh traefik", images.Traefik)
	p := planFor(t, "builtin/enterprise-hub-spoke.yaml", builtinPlan(t, "enterprise-hub-spoke"))
	up(t, p)
	loadProbe(t, p)
	runChecks(t, p, "dmz/waf", "chain/user-to-llm", "ingress/host-path", "cross-cluster/tgw-pod", "cross-cluster/tgw-internal-lb")
}

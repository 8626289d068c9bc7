package live

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/traefik"
)

// The ingress/gateway-api workload: one HTTPRoute, attached to the cluster's Gateway (package
// traefik), whose host and two path prefixes send requests to the echo Pods and to the pinned Pod,
// as the check Ingress does for its own hosts.
const HTTPRouteName = "netlab-checks"

// GatewayHost is the HTTPRoute's hostname in cluster c.
func GatewayHost(c plan.ClusterPlan) string { return "gw." + c.Name + ".netlab.test" }

var httpRouteGVR = schema.GroupVersionResource{Group: gatewayv1.GroupName, Version: "v1", Resource: "httproutes"}

func httpRouteObjects(c plan.ClusterPlan) []runtime.Object {
	if c.Ingress == nil || !c.Ingress.GatewayAPI {
		return nil
	}
	prefix := gatewayv1.PathMatchPathPrefix
	port := gatewayv1.PortNumber(80)
	ns := gatewayv1.Namespace(traefik.Namespace)
	section := gatewayv1.SectionName(traefik.GatewayListener)
	rule := func(path, svc string) gatewayv1.HTTPRouteRule {
		p := path
		return gatewayv1.HTTPRouteRule{
			Matches:     []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{Type: &prefix, Value: &p}}},
			BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{Name: gatewayv1.ObjectName(svc), Port: &port}}}},
		}
	}
	return []runtime.Object{&gatewayv1.HTTPRoute{
		TypeMeta:   metav1.TypeMeta{APIVersion: gatewayv1.GroupVersion.String(), Kind: "HTTPRoute"},
		ObjectMeta: metav1.ObjectMeta{Name: HTTPRouteName, Namespace: Namespace, Labels: labels},
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{{Namespace: &ns, Name: traefik.GatewayName, SectionName: &section}}},
			Hostnames:       []gatewayv1.Hostname{gatewayv1.Hostname(GatewayHost(c))},
			// Gateway API picks the longest matching prefix, whatever the order of the rules.
			Rules: []gatewayv1.HTTPRouteRule{rule("/", SvcEcho), rule(IngressPathPinned, SvcPinnedHTTP)},
		},
	}}
}

// RouteStatus reads the status of the checks' HTTPRoute name in cluster: per parent Gateway, the
// controller that wrote it and its Accepted and ResolvedRefs conditions.
func (l *Lab) RouteStatus(ctx context.Context, cluster, name string) (checks.RouteStatus, error) {
	c, err := l.kube(cluster)
	if err != nil {
		return checks.RouteStatus{}, err
	}
	u, err := c.Kube.Dynamic.Resource(httpRouteGVR).Namespace(Namespace).Get(ctx, name, metav1.GetOptions{})
	checks.Record(ctx, "cluster "+cluster, "get httproute "+Namespace+"/"+name, "", err)
	if err != nil {
		return checks.RouteStatus{}, fmt.Errorf("cluster %s: the HTTPRoute %s/%s: %w", cluster, Namespace, name, err)
	}
	var r gatewayv1.HTTPRoute
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &r); err != nil {
		return checks.RouteStatus{}, fmt.Errorf("cluster %s: the HTTPRoute %s/%s: %w", cluster, Namespace, name, err)
	}
	var st checks.RouteStatus
	for _, p := range r.Status.Parents {
		ps := checks.RouteParent{Gateway: string(p.ParentRef.Name), Controller: string(p.ControllerName)}
		if p.ParentRef.Namespace != nil {
			ps.Gateway = string(*p.ParentRef.Namespace) + "/" + ps.Gateway
		}
		for _, cond := range p.Conditions {
			seen := checks.Condition{Status: string(cond.Status), Reason: cond.Reason}
			switch cond.Type {
			case string(gatewayv1.RouteConditionAccepted):
				ps.Accepted = seen
			case string(gatewayv1.RouteConditionResolvedRefs):
				ps.ResolvedRefs = seen
			}
		}
		st.Parents = append(st.Parents, ps)
	}
	return st, nil
}

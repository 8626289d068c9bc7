package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/provision/traefik"
)

// routeCase is one request through an ingress controller or a Gateway: its Host and path, and the
// Pods of backend that may answer it.
type routeCase struct {
	host, path string
	want       []checks.Pod
	backend    string
}

// assertRoutes sends each case through get and adds its evidence: answered by one of its Pods,
// and the backend saw the Host and path sent. The first case is retried for up to a minute: the
// controller learns its rules from the API server.
func assertRoutes(ctx context.Context, b *builder, get func(host, path string) (probe.Result, error), cases []routeCase) {
	for i, k := range cases {
		var r probe.Result
		var err error
		if i == 0 {
			poll(ctx, 60*time.Second, 2*time.Second, func() bool { r, err = get(k.host, k.path); return answered(r, err) })
		} else {
			r, err = get(k.host, k.path)
		}
		b.add(fmt.Sprintf("Host %s, path %s -> a Pod of %s", k.host, k.path, k.backend), ingressSeen(r, err), "one of "+podNames(k.want), answeredBy(r, err, k.want))
		if answered(r, err) {
			h := r.Server.HTTP
			got := "no HTTP report"
			if h != nil {
				got = h.Host + " " + h.Path
			}
			b.add("the backend saw the Host and path sent", got, k.host+" "+k.path, h != nil && h.Host == k.host && h.Path == k.path)
		}
	}
}

// answeredBy says whether the call was answered by one of pods (its probe report names the Pod).
func answeredBy(r probe.Result, err error, pods []checks.Pod) bool {
	return answered(r, err) && slices.ContainsFunc(pods, func(p checks.Pod) bool { return p.Name == r.Server.Server.PodName })
}

// ingressEntry is what a check through cluster c's ingress controller starts from: the
// controller's LoadBalancer address, the VPC client to call it from, the echo and pinned Pods, and
// get, a plain-HTTP GET of a path at that address with a Host.
type ingressEntry struct {
	ip           string
	from         checks.Where
	echo, pinned []checks.Pod
	get          func(host, path string) (probe.Result, error)
	unlock       func()
}

// enterIngress finds it, with the evidence that the controller's address is from the MetalLB pool,
// and holds the locks that keep other checks' negative controls (service/clusterip scales the echo
// Pods to 0, gateway/global-lb the controller) from running meanwhile. A non-nil Result ends the
// check (skipped, or not reachable); otherwise the caller defers unlock.
func enterIngress(ctx context.Context, l checks.Lab, c *checks.Cluster, b *builder) (ingressEntry, *report.Result) {
	end := func(r report.Result) (ingressEntry, *report.Result) { return ingressEntry{}, &r }
	if c.Plan.Ingress.Controller != traefik.Controller {
		return end(b.skip(fmt.Sprintf("not run here: controller %s is not installed by this version of netlab (only from upstream's images on a connected host); controller: traefik is", c.Plan.Ingress.Controller)))
	}
	if c.Plan.MetalLB == nil {
		return end(b.skip("the ingress controller's Service is a NodePort without MetalLB; this check calls its LoadBalancer address (add metallb: {} to the cluster)"))
	}
	unlockEcho := l.Lock(c.Plan.Name+"/"+live.DeployEcho, false)
	unlockIngress := l.Lock("ingress/"+c.Plan.Name, false)
	e := ingressEntry{unlock: func() { unlockIngress(); unlockEcho() }}
	fail := func(r report.Result) (ingressEntry, *report.Result) { e.unlock(); return end(r) }
	var svc checks.Service
	var err error
	poll(ctx, 60*time.Second, 2*time.Second, func() bool {
		svc, err = l.Service(ctx, c.Plan.Name, traefik.Namespace, traefik.Name)
		return err == nil && svc.LoadBalancerIP() != ""
	})
	if err != nil {
		return fail(b.errorf("the ingress controller's Service: %v", err))
	}
	e.ip = svc.LoadBalancerIP()
	b.add("the controller's Service has an address from the MetalLB pool", orText(e.ip, "none"), strings.Join(c.Plan.MetalLB.Addresses, ","), e.ip != "" && InPool(e.ip, c.Plan.MetalLB.Addresses))
	if e.ip == "" {
		return fail(b.done("no LoadBalancer address for the ingress controller"))
	}
	client, err := l.ClientOn(c.Plan.Network)
	if err != nil {
		return fail(b.errorf("%v", err))
	}
	if e.echo, err = runningPods(ctx, l, c, live.DeployEcho); err != nil {
		return fail(b.errorf("%v", err))
	}
	if e.pinned, err = runningPods(ctx, l, c, live.DeployPinned); err != nil {
		return fail(b.errorf("%v", err))
	}
	e.from = checks.InClient(client)
	e.get = func(host, path string) (probe.Result, error) {
		return l.HTTP(ctx, e.from, "http://"+e.ip+path, host)
	}
	return e, nil
}

package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/labca"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/probe/node"
	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/waf"
)

// fakeLab is a checks.Lab with canned answers: call answers every probe call (TCP, HTTP, UDP with
// DF) from what the test says the network does; the rest are plain values.
type fakeLab struct {
	p        *plan.Plan
	clusters map[string]*checks.Cluster
	clients  map[string]*checks.Client // by network
	call     func(w checks.Where, proto, target string) (probe.Result, error)
	// httpHost answers HTTP calls with a Host header (ingress checks); nil: call answers them
	httpHost func(w checks.Where, url, host string) (probe.Result, error)
	// ca is the lab's CA (nil: none); serveCert, when set, is the certificate the fake ingress
	// controller presents for its hosts instead of the lab's leaf
	ca        *labca.CA
	serveCert string
	// ingressReplicas are the ingress controllers' replicas as ScaleIngressController set them
	ingressReplicas map[string]int32
	// routes are the HTTPRoutes' statuses, by cluster/name
	httpRoutes map[string]checks.RouteStatus
	dns        func(server, name string) (probe.DNSResult, error)
	fit        int                       // the largest DF payload that crosses (0: any)
	services   map[string]checks.Service // cluster/namespace/name
	pods       map[string][]checks.Pod   // cluster/app
	links      map[string][]node.Interface
	routes     []node.Route
	rules      node.KubeProxyRules
	// cilium is the Cilium agent's service map (ciliumErr: asking the agent fails)
	cilium    []node.CiliumService
	ciliumErr error
	conn      []node.ConntrackEntry
	capture   node.CaptureResult
	captured  []node.InnerFlow // the flows Capture was asked about

	onScale func(replicas int32)
	// the TGW: its routes (nil: none), their packet counter, the blackholed route
	tgwRoutes  []string
	tgwPackets int
	blackholed string
	// static blackhole routes of every table, their drop counter, and the routes RouteTo opened
	// (cidr -> attachment)
	tgwBlackholes []string
	tgwDropped    int
	opened        map[string]string
	routeBack     error // the repair of RouteTo fails with it

	// applied are the scenario's NetworkPolicies found in the cluster (namespace/name); appliedErr
	// is the error reading them
	applied    []string
	appliedErr error
	// baseline is the host baseline (nil: it fails, as without root); bulkFor is the duration
	// of the last bulk stream asked for
	baseline *probe.BaselineResult
	bulkFor  time.Duration
	// httpPerf are the HTTP measurements asked for ("bulk|rr URL HOST")
	httpPerf []string

	// chain answers chain calls (nil: nothing answers)
	chain func(w checks.Where, url, host string, legs []probe.RelayLeg) (probe.Result, error)
	// waf is the DMZ's WAF's counters (wafErr: reading them fails)
	waf    waf.Snapshot
	wafErr error

	// guard is the host's egress guard; canary is what the network does with the canary
	// datagram (nil: the guard refuses it)
	guard    egress.Counters
	guardErr error
	canary   func(f *fakeLab) error

	// mesh is each istiod's endpoint shards of the echo Service (cluster -> registry -> addresses);
	// removed are the remote secrets taken out (cluster/remote); meshStale keeps a removed
	// cluster's shard (an istiod that does not notice); restoreErr fails the repair
	mesh map[string]map[string][]string
	// grpc answers the mesh probe's calls (nil: nothing answers)
	grpc       func(w checks.Where, target string) (probe.GRPCResult, error)
	removed    map[string]bool
	meshStale  bool
	restoreErr error
	// mtls is each cluster's mTLS mode as set by SetMeshMTLS (absent: the scenario's)
	mtls map[string]string

	mu       sync.Mutex
	scaled   []int32
	policies []checks.EgressPolicy
	deleted  []string
}

var _ checks.Lab = (*fakeLab)(nil)

// newFake is a lab for the first cluster of built-in scenario name: node i at 10.0.1.(10+i), its
// probe Pod at 10.244.i.5, the VPC client at the plan's client address. By default nothing answers.
func newFake(t *testing.T, name string) *fakeLab {
	p := builtin(t, name)
	f := &fakeLab{p: p, clusters: map[string]*checks.Cluster{}, clients: map[string]*checks.Client{},
		services: map[string]checks.Service{}, pods: map[string][]checks.Pod{}, links: map[string][]node.Interface{}}
	for _, cp := range p.Clusters {
		c := &checks.Cluster{Plan: cp, Probe: map[string]checks.Pod{}, Host: map[string]checks.Pod{}}
		for i, n := range cp.Nodes {
			nd := checks.Node{Name: n.Name, IP: fmt.Sprintf("10.0.1.%d", 10+i), PodCIDR: fmt.Sprintf("10.244.%d.0/24", i)}
			c.Nodes = append(c.Nodes, nd)
			c.Probe[n.Name] = checks.Pod{Name: "probe-" + fmt.Sprint(i), Node: n.Name, IP: fmt.Sprintf("10.244.%d.5", i)}
			c.Host[n.Name] = checks.Pod{Name: "probe-host-" + fmt.Sprint(i), Node: n.Name, IP: nd.IP}
		}
		f.clusters[cp.Name] = c
		f.clients[cp.Network] = &checks.Client{Name: cp.Network + "-client", Network: cp.Network, IP: "10.0.1.250", CIDR: "10.0.1.0/24"}
	}
	if d := p.DMZ; d != nil {
		f.clients[d.Network] = &checks.Client{Name: d.Network + "-client", Network: d.Network, IP: d.Client.String(), CIDR: d.CIDR.String()}
	}
	f.call = func(checks.Where, string, string) (probe.Result, error) { return timedOut("tcp") }
	return f
}

func (f *fakeLab) env() *checks.Env { return &checks.Env{Plan: f.p, Lab: f} }

// The canned probe outcomes.
func answer(pod, nodeName, ip, remote string, ttl int) (probe.Result, error) {
	return probe.Result{Proto: "tcp", OK: true, Server: &probe.Report{RemoteIP: remote, TTL: ttl, LocalIP: ip,
		Server: probe.Identity{PodName: pod, NodeName: nodeName, PodIP: ip, ClusterName: "c1"}}}, nil
}

func refused(proto string) (probe.Result, error) {
	err := errors.New("dial tcp: connect: connection refused")
	return probe.Result{Proto: proto, Error: err.Error()}, err
}

func timedOut(proto string) (probe.Result, error) {
	err := errors.New("dial tcp: i/o timeout")
	return probe.Result{Proto: proto, Error: err.Error()}, err
}

// crashed is a probe that printed nothing: the exec failed.
func crashed(string) (probe.Result, error) {
	return probe.Result{}, errors.New("exec: container not found")
}

func (f *fakeLab) Cluster(name string) (*checks.Cluster, error) {
	c, ok := f.clusters[name]
	if !ok {
		return nil, fmt.Errorf("cluster %s is not in the lab", name)
	}
	return c, nil
}

func (f *fakeLab) ClientOn(network string) (*checks.Client, error) {
	cl, ok := f.clients[network]
	if !ok {
		return nil, fmt.Errorf("no VPC client on network %s", network)
	}
	return cl, nil
}

func (f *fakeLab) Chain(ctx context.Context, w checks.Where, url, host string, legs []probe.RelayLeg) (probe.Result, error) {
	checks.Record(ctx, w.String(), "chain "+url, "", nil)
	if f.chain == nil {
		return timedOut("http")
	}
	return f.chain(w, url, host, legs)
}

func (f *fakeLab) WAFCounters(ctx context.Context, w checks.Where, addr string) (waf.Snapshot, error) {
	checks.Record(ctx, w.String(), "waf counters "+addr, "", f.wafErr)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waf, f.wafErr
}

func (f *fakeLab) TCP(ctx context.Context, w checks.Where, target string) (probe.Result, error) {
	checks.Record(ctx, w.String(), "tcp "+target, "", nil)
	return f.call(w, "tcp", target)
}

func (f *fakeLab) UDPDF(ctx context.Context, w checks.Where, target string, size int) (probe.Result, error) {
	if f.fit > 0 && size > f.fit {
		err := errors.New("write udp: sendmsg: message too long")
		return probe.Result{Proto: "udp", Error: err.Error()}, err
	}
	return f.call(w, "udp", target)
}

func (f *fakeLab) HTTP(ctx context.Context, w checks.Where, url, host string) (probe.Result, error) {
	if host != "" && f.httpHost != nil {
		return f.httpHost(w, url, host)
	}
	return f.call(w, "http", url)
}

func (f *fakeLab) DNS(ctx context.Context, w checks.Where, server, name string) (probe.DNSResult, error) {
	if f.dns == nil {
		return probe.DNSResult{}, errors.New("no DNS in the fake")
	}
	return f.dns(server, name)
}

func (f *fakeLab) Bulk(ctx context.Context, w checks.Where, target string, d time.Duration) (probe.BulkResult, error) {
	f.mu.Lock()
	f.bulkFor = d
	f.mu.Unlock()
	return probe.BulkResult{Gbps: 10}, nil
}

func (f *fakeLab) RR(ctx context.Context, w checks.Where, target string, count int) (probe.RRResult, error) {
	r := probe.RRResult{}
	r.P50Us, r.P99Us = 50, 90
	return r, nil
}

func (f *fakeLab) HTTPBulk(ctx context.Context, w checks.Where, url, host string, d time.Duration) (probe.BulkResult, error) {
	f.mu.Lock()
	f.bulkFor = d
	f.httpPerf = append(f.httpPerf, "bulk "+url+" "+host)
	f.mu.Unlock()
	return probe.BulkResult{Gbps: 2}, nil
}

func (f *fakeLab) HTTPRR(ctx context.Context, w checks.Where, url, host string, count int) (probe.RRResult, error) {
	f.mu.Lock()
	f.httpPerf = append(f.httpPerf, "rr "+url+" "+host)
	f.mu.Unlock()
	r := probe.RRResult{}
	r.P50Us, r.P99Us = 400, 900
	return r, nil
}

func (f *fakeLab) Baseline(ctx context.Context) (probe.BaselineResult, error) {
	if f.baseline != nil {
		return *f.baseline, nil
	}
	return probe.BaselineResult{}, errors.New("needs root")
}

func (f *fakeLab) Links(ctx context.Context, w checks.Where) ([]node.Interface, error) {
	return f.links[w.String()], nil
}

func (f *fakeLab) Routes(ctx context.Context, w checks.Where) ([]node.Route, error) {
	return f.routes, nil
}

func (f *fakeLab) KubeProxy(ctx context.Context, w checks.Where) (node.KubeProxyRules, error) {
	return f.rules, nil
}

func (f *fakeLab) CiliumServices(ctx context.Context, cluster, nodeName string) ([]node.CiliumService, error) {
	return f.cilium, f.ciliumErr
}

func (f *fakeLab) Conntrack(ctx context.Context, w checks.Where, dst string, port int, proto string) ([]node.ConntrackEntry, error) {
	return f.conn, nil
}

func (f *fakeLab) Capture(ctx context.Context, w checks.Where, ifname string, ports []int, flow node.InnerFlow, d time.Duration) (node.CaptureResult, error) {
	f.mu.Lock()
	f.captured = append(f.captured, flow)
	f.mu.Unlock()
	return f.capture, nil
}

func (f *fakeLab) Service(ctx context.Context, cluster, namespace, name string) (checks.Service, error) {
	s, ok := f.services[cluster+"/"+namespace+"/"+name]
	if !ok {
		return checks.Service{}, fmt.Errorf("no Service %s/%s", namespace, name)
	}
	return s, nil
}

func (f *fakeLab) Pods(ctx context.Context, cluster, app string) ([]checks.Pod, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.scaled); n > 0 && f.scaled[n-1] == 0 && app == "echo" {
		return nil, nil
	}
	return f.pods[cluster+"/"+app], nil
}

func (f *fakeLab) Scale(ctx context.Context, cluster, deployment string, replicas int32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	f.scaled = append(f.scaled, replicas)
	f.mu.Unlock()
	if f.onScale != nil {
		f.onScale(replicas)
	}
	return nil
}

func (f *fakeLab) WaitDeployment(ctx context.Context, cluster, deployment string, d time.Duration) error {
	return nil
}

func (f *fakeLab) ApplyEgressPolicy(ctx context.Context, cluster string, p checks.EgressPolicy) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.policies = append(f.policies, p)
	return nil
}

func (f *fakeLab) DeleteNetworkPolicy(ctx context.Context, cluster, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, name)
	return nil
}

func (f *fakeLab) NetworkPolicies(ctx context.Context, cluster string) ([]string, error) {
	return f.applied, f.appliedErr
}

// policyOn says whether the NetworkPolicy is in place (applied and not deleted since).
func (f *fakeLab) policyOn() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.policies) > len(f.deleted)
}

func (f *fakeLab) scaledTo() int32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.scaled) == 0 {
		return -1
	}
	return f.scaled[len(f.scaled)-1]
}

// TGWTable is one route table whose routes are tgwRoutes, each counting tgwPackets.
func (f *fakeLab) TGWTable(ctx context.Context, name string) (api.TableView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tgwRoutes == nil {
		return api.TableView{}, errors.New("no TGW in the fake")
	}
	tv := api.TableView{RouteTableID: "tgw-rtb-" + name, Name: name}
	for _, dst := range f.tgwRoutes {
		tv.Routes = append(tv.Routes, api.RouteView{Dst: dst, Type: "static", AttachmentID: "tgw-attach-1", Packets: uint64(f.tgwPackets)})
	}
	for _, dst := range f.tgwBlackholes {
		tv.Routes = append(tv.Routes, api.RouteView{Dst: dst, Type: "static", Blackhole: true, Packets: uint64(f.tgwDropped)})
	}
	for dst, att := range f.opened {
		tv.Routes = append(tv.Routes, api.RouteView{Dst: dst, Type: "static", AttachmentID: "tgw-attach-" + att})
	}
	return tv, nil
}

func (f *fakeLab) Blackhole(ctx context.Context, t api.TableView, cidr string) (func() error, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blackholed = cidr
	return func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.blackholed = ""
		return nil
	}, nil
}

// throughTGW is a call across the fake TGW: counted, and dropped while a route is blackholed.
func (f *fakeLab) throughTGW(g func() (probe.Result, error)) (probe.Result, error) {
	f.mu.Lock()
	bh := f.blackholed
	if bh == "" {
		f.tgwPackets++
	}
	f.mu.Unlock()
	if bh != "" {
		return timedOut("tcp")
	}
	return g()
}

func (f *fakeLab) Lock(name string, exclusive bool) func() { return func() {} }

func (f *fakeLab) GRPC(ctx context.Context, w checks.Where, target string) (probe.GRPCResult, error) {
	checks.Record(ctx, w.String(), "grpc "+target, "", nil)
	if f.grpc == nil {
		return probe.GRPCResult{Target: target, Error: "context deadline exceeded"}, errors.New("context deadline exceeded")
	}
	return f.grpc(w, target)
}

func (f *fakeLab) MeshEndpoints(ctx context.Context, cluster, host string) (map[string][]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	shards, ok := f.mesh[cluster]
	if !ok {
		return nil, fmt.Errorf("cluster %s: no running istiod Pod", cluster)
	}
	out := map[string][]string{}
	for reg, addrs := range shards {
		if f.removed[cluster+"/"+strings.TrimPrefix(reg, "Kubernetes/")] && !f.meshStale {
			continue
		}
		out[reg] = addrs
	}
	return out, nil
}

func (f *fakeLab) RemoveRemoteSecret(ctx context.Context, cluster, remote string) (func() error, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.removed == nil {
		f.removed = map[string]bool{}
	}
	f.removed[cluster+"/"+remote] = true
	return func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.restoreErr != nil {
			return f.restoreErr
		}
		delete(f.removed, cluster+"/"+remote)
		return nil
	}, nil
}

func (f *fakeLab) SetMeshMTLS(ctx context.Context, cluster, mode string) (func() error, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mtls == nil {
		f.mtls = map[string]string{}
	}
	f.mtls[cluster] = mode
	return func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.mtls, cluster)
		return nil
	}, nil
}

// mtlsOf is cluster's mTLS mode: as set, or the scenario's.
func (f *fakeLab) mtlsOf(cluster string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.mtls[cluster]; ok {
		return m
	}
	return f.p.Istio.MTLS
}

// runDef runs the definition of id at the first target, like the runner does, with the fake.
func runDef(t *testing.T, f *fakeLab, id string, ctx context.Context) report.Result {
	t.Helper()
	return runDefOn(t, f, id, "", ctx)
}

// runDefOn runs the definition of id at its target in cluster (empty: the first target).
func runDefOn(t *testing.T, f *fakeLab, id, cluster string, ctx context.Context) report.Result {
	t.Helper()
	d, ok := checks.Lookup(All(), id)
	if !ok {
		t.Fatalf("no definition of %s", id)
	}
	ts, why := d.Targets(f.p)
	if len(ts) == 0 {
		t.Fatalf("%s does not apply: %s", id, why)
	}
	for _, tg := range ts {
		if cluster == "" || tg.Cluster == cluster {
			return d.Run(ctx, f.env(), tg)
		}
	}
	t.Fatalf("%s has no target in cluster %s: %v", id, cluster, ts)
	return report.Result{}
}

// hasEvidence finds the evidence item whose name starts with prefix.
func hasEvidence(r report.Result, prefix string) (report.Evidence, bool) {
	for _, e := range r.Evidence {
		if strings.HasPrefix(e.Name, prefix) {
			return e, true
		}
	}
	return report.Evidence{}, false
}

// expired is a context that has already run out.
func expired() context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	cancel()
	return ctx
}

// TestMain shortens tcpSettled's wait: the fake answers at once or never.
func TestMain(m *testing.M) {
	settle, programDelay = 30*time.Millisecond, time.Millisecond
	globalLBWarmUp, globalLBFailover, globalLBBack, globalLBEvery = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond, 10*time.Millisecond
	gatewayAccepted, gatewayEvery = 200*time.Millisecond, 10*time.Millisecond
	dmzWarmUp, dmzEvery = 200*time.Millisecond, 10*time.Millisecond
	chainWarmUp, chainEvery = 200*time.Millisecond, 10*time.Millisecond
	os.Exit(m.Run())
}

func (f *fakeLab) ScaleIngressController(ctx context.Context, cluster string, replicas int32, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ingressReplicas == nil {
		f.ingressReplicas = map[string]int32{}
	}
	f.ingressReplicas[cluster] = replicas
	return nil
}

// ingressUp says whether cluster's ingress controller runs (it does unless scaled to 0).
func (f *fakeLab) ingressUp(cluster string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.ingressReplicas[cluster]
	return !ok || n > 0
}

func (f *fakeLab) RouteStatus(_ context.Context, cluster, name string) (checks.RouteStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.httpRoutes[cluster+"/"+name]
	if !ok {
		return checks.RouteStatus{}, fmt.Errorf("httproutes %q not found", name)
	}
	return st, nil
}

func (f *fakeLab) LabCA() (*labca.CA, error) {
	if f.ca == nil {
		return nil, errors.New("the lab has no CA")
	}
	return f.ca, nil
}

func (f *fakeLab) EgressGuard(context.Context) (egress.Counters, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.guard, f.guardErr
}

func (f *fakeLab) Canary(context.Context, checks.Where) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.canary != nil {
		return f.canary(f)
	}
	f.guard.Canary.Packets++
	f.guard.Refused.Packets++
	return nil
}

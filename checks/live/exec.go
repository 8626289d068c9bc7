package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/probe/node"
	"github.com/netlab-dev/netlab/waf"
)

// Exec runs the netlab binary with args where w says, bounded by ctx, and returns its standard
// output. A non-zero exit is returned as an error along with the output (the probe prints its JSON
// result before exiting 1 on a failed probe).
func (l *Lab) Exec(ctx context.Context, w Where, args ...string) ([]byte, error) {
	if w.Client != "" {
		r, err := l.eng.Exec(ctx, w.Client, append([]string{"/netlab"}, args...), nil)
		if err == nil && r.ExitCode != 0 {
			err = fmt.Errorf("exit status %d", r.ExitCode)
		}
		if err != nil {
			return r.Stdout, fmt.Errorf("%s: netlab %s: %v: %s", w, strings.Join(args, " "), err, strings.TrimSpace(string(r.Stderr)))
		}
		return r.Stdout, nil
	}
	c, ok := l.Clusters[w.Cluster]
	if !ok {
		return nil, fmt.Errorf("%s: cluster %s is not in the lab", w, w.Cluster)
	}
	stdout, stderr, err := c.Kube.Exec(ctx, Namespace, w.Pod, w.Container, append([]string{"/netlab"}, args...))
	if err != nil {
		return stdout, fmt.Errorf("%s: netlab %s: %v: %s", w, strings.Join(args, " "), err, strings.TrimSpace(string(stderr)))
	}
	return stdout, nil
}

// probeJSON runs a probe command and decodes its JSON output into v. A probe that failed but
// printed its result returns the decoded result and the error.
func (l *Lab) probeJSON(ctx context.Context, w Where, v any, args ...string) error {
	out, err := l.Exec(ctx, w, args...)
	checks.Record(ctx, w.String(), "netlab "+strings.Join(args, " "), string(out), err)
	if jerr := json.Unmarshal(bytes.TrimSpace(out), v); jerr != nil {
		if err != nil {
			return err
		}
		return fmt.Errorf("%s: netlab %s: output is not JSON: %v: %q", w, strings.Join(args, " "), jerr, truncate(string(out), 200))
	}
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

const callTimeout = "5s"

// TCP connects from w to target (ip:port) and returns the server's report.
func (l *Lab) TCP(ctx context.Context, w Where, target string) (probe.Result, error) {
	if err := l.CheckTarget(target); err != nil {
		return probe.Result{Target: target}, err
	}
	var r probe.Result
	err := l.probeJSON(ctx, w, &r, "probe", "--timeout", callTimeout, "tcp", target)
	return r, err
}

// UDP sends one echo datagram from w to target.
func (l *Lab) UDP(ctx context.Context, w Where, target string) (probe.Result, error) {
	if err := l.CheckTarget(target); err != nil {
		return probe.Result{Target: target}, err
	}
	var r probe.Result
	err := l.probeJSON(ctx, w, &r, "probe", "--timeout", callTimeout, "udp", target)
	return r, err
}

// UDPDF sends one Don't-Fragment datagram of size payload bytes from w to target.
func (l *Lab) UDPDF(ctx context.Context, w Where, target string, size int) (probe.Result, error) {
	if err := l.CheckTarget(target); err != nil {
		return probe.Result{Target: target}, err
	}
	var r probe.Result
	err := l.probeJSON(ctx, w, &r, "probe", "--timeout", callTimeout, "udp", "--df-size", strconv.Itoa(size), target)
	return r, err
}

// HTTP fetches url from w, with host as the Host header when set.
func (l *Lab) HTTP(ctx context.Context, w Where, url, host string) (probe.Result, error) {
	if err := l.CheckTarget(url); err != nil {
		return probe.Result{Target: url}, err
	}
	args := []string{"probe", "--timeout", callTimeout, "http", url}
	if host != "" {
		args = append(args, "--host", host)
	}
	var r probe.Result
	err := l.probeJSON(ctx, w, &r, args...)
	return r, err
}

// chainTimeout bounds one chain call: every hop's connect and the streamed answer.
const chainTimeout = "30s"

// Chain sends from w a streamed request for url that the echo there relays along legs.
func (l *Lab) Chain(ctx context.Context, w Where, url, host string, legs []probe.RelayLeg) (probe.Result, error) {
	if err := l.CheckTarget(url); err != nil {
		return probe.Result{Target: url}, err
	}
	args := []string{"probe", "--timeout", chainTimeout, "http", url, "--stream"}
	if host != "" {
		args = append(args, "--host", host)
	}
	for _, leg := range legs {
		if err := l.CheckTarget(leg.URL); err != nil {
			return probe.Result{Target: url}, err
		}
		args = append(args, "--relay", leg.String())
	}
	var r probe.Result
	err := l.probeJSON(ctx, w, &r, args...)
	return r, err
}

// WAFCounters reads from w the counters the WAF serves at addr (ip:port).
func (l *Lab) WAFCounters(ctx context.Context, w Where, addr string) (waf.Snapshot, error) {
	if err := l.CheckTarget(addr); err != nil {
		return waf.Snapshot{}, err
	}
	var s waf.Snapshot
	err := l.probeJSON(ctx, w, &s, "waf", "counters", "http://"+addr+"/")
	return s, err
}

// DNS asks server (ip) for name from w.
func (l *Lab) DNS(ctx context.Context, w Where, server, name string) (probe.DNSResult, error) {
	if err := l.CheckTarget(server); err != nil {
		return probe.DNSResult{Name: name}, err
	}
	var r probe.DNSResult
	err := l.probeJSON(ctx, w, &r, "probe", "--timeout", callTimeout, "dns", name, "--server", server)
	return r, err
}

// Bulk streams from w to target for d.
func (l *Lab) Bulk(ctx context.Context, w Where, target string, d time.Duration) (probe.BulkResult, error) {
	if err := l.CheckTarget(target); err != nil {
		return probe.BulkResult{}, err
	}
	var r probe.BulkResult
	// bounded by time only, as the host baseline is (checks.PerfBytes cannot end it earlier)
	err := l.probeJSON(ctx, w, &r, "probe", "--timeout", "10s", "bulk", "--duration", d.String(), "--bytes", strconv.FormatInt(checks.PerfBytes, 10), target)
	return r, err
}

// HTTPBulk reads the HTTP echo's bulk answer at url (with host) from w for d.
func (l *Lab) HTTPBulk(ctx context.Context, w Where, url, host string, d time.Duration) (probe.BulkResult, error) {
	if err := l.CheckTarget(url); err != nil {
		return probe.BulkResult{}, err
	}
	var r probe.BulkResult
	err := l.probeJSON(ctx, w, &r, "probe", "--timeout", "10s", "bulk", url, "--host", host, "--duration", d.String())
	return r, err
}

// HTTPRR measures GET round trips from w to url (with host) over one kept-alive connection.
func (l *Lab) HTTPRR(ctx context.Context, w Where, url, host string, count int) (probe.RRResult, error) {
	if err := l.CheckTarget(url); err != nil {
		return probe.RRResult{}, err
	}
	var r probe.RRResult
	err := l.probeJSON(ctx, w, &r, "probe", "--timeout", "10s", "rr", url, "--host", host, "--count", strconv.Itoa(count), "--duration", checks.PerfRRDuration.String())
	return r, err
}

// RR measures request/response latency from w to target.
func (l *Lab) RR(ctx context.Context, w Where, target string, count int) (probe.RRResult, error) {
	if err := l.CheckTarget(target); err != nil {
		return probe.RRResult{}, err
	}
	var r probe.RRResult
	err := l.probeJSON(ctx, w, &r, "probe", "--timeout", "10s", "rr", "--count", strconv.Itoa(count), "--duration", checks.PerfRRDuration.String(), target)
	return r, err
}

// Links reads the interfaces (and MTUs) where w runs: a node's with OnNode, a Pod's with InPod.
func (l *Lab) Links(ctx context.Context, w Where) ([]node.Interface, error) {
	var r struct {
		Links []node.Interface `json:"links"`
	}
	err := l.probeJSON(ctx, w, &r, "probe", "node", "links")
	return r.Links, err
}

// Routes reads the main routing table where w runs.
func (l *Lab) Routes(ctx context.Context, w Where) ([]node.Route, error) {
	var r struct {
		Routes []node.Route `json:"routes"`
	}
	err := l.probeJSON(ctx, w, &r, "probe", "node", "routes")
	return r.Routes, err
}

// KubeProxy reads kube-proxy's rules on a node.
func (l *Lab) KubeProxy(ctx context.Context, w Where) (node.KubeProxyRules, error) {
	var r node.KubeProxyRules
	err := l.probeJSON(ctx, w, &r, "probe", "node", "kube-proxy")
	return r, err
}

// Conntrack reads the DNATed entries towards dst:port on a node.
func (l *Lab) Conntrack(ctx context.Context, w Where, dst string, port int, proto string) ([]node.ConntrackEntry, error) {
	var r struct {
		Entries []node.ConntrackEntry `json:"entries"`
	}
	err := l.probeJSON(ctx, w, &r, "probe", "node", "conntrack", "--dst", dst, "--dport", strconv.Itoa(port), "--proto", proto, "--dnat")
	return r.Entries, err
}

// Capture counts the VXLAN datagrams of flow to ports on interface ifname of a node for d, while
// traffic runs.
func (l *Lab) Capture(ctx context.Context, w Where, ifname string, ports []int, flow node.InnerFlow, d time.Duration) (node.CaptureResult, error) {
	var ps []string
	for _, p := range ports {
		ps = append(ps, strconv.Itoa(p))
	}
	args := []string{"probe", "node", "capture", "--interface", ifname, "--ports", strings.Join(ps, ","), "--duration", d.String()}
	if !flow.IsZero() {
		args = append(args, "--inner-src", flow.Src.String(), "--inner-dst", flow.Dst.String(), "--inner-port", strconv.Itoa(int(flow.Port)))
	}
	var r node.CaptureResult
	err := l.probeJSON(ctx, w, &r, args...)
	return r, err
}

package probe

import (
	"context"
	"encoding/json"
	"math"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/probe/nslab"
)

// TestBulkAgreesWithIperf3OnAShapedPair is the issue's "the probe's figure and iperf3's agree
// within 10 %", asserted where it is a property of the measurement and not of the machine's load:
// on a veth pair shaped to 1 Gbit/s (tbf on the client's side), both tools must report the link's
// capacity. Three interleaved rounds, the same congestion control, write length, omitted start
// and length for both; the median of the per-round ratios must be within 10 %, and each tool's
// median within 10 % of what the shaper lets through (payload ≈ 0.94–0.97 of the rate). Unshaped
// figures measure each tool's CPU cost per byte instead; BenchmarkProbeVsIperf3 reports those
// without asserting (docs/probe.md).
func TestBulkAgreesWithIperf3OnAShapedPair(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "ip")
	testenv.RequireCommand(t, "tc")
	testenv.RequireCommand(t, "iperf3")
	const rateGbps = 1.0
	l, err := nslab.NewPair()
	must(t, err)
	defer l.Close()
	if out, err := l.Exec("client", "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf",
		"rate", "1gbit", "burst", "256kb", "latency", "50ms"); err != nil {
		t.Fatalf("tbf: %v: %s", err, out)
	}
	var srv *Server
	must(t, l.Do("server", func() error {
		var err error
		srv, err = Start(context.Background(), ServerConfig{TCPAddr: nslab.PairServerIP + ":7004", Identity: testID})
		return err
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	iperfSrv := l.Command(ctx, "server", "iperf3", "-s", "-B", nslab.PairServerIP, "-p", "5204")
	must(t, iperfSrv.Start())
	defer func() { cancel(); _ = iperfSrv.Wait() }()

	g, _ := NewGuard(nslab.PairCIDR)
	c := &Client{Guard: g, Timeout: 5 * time.Second}
	probe := func() float64 {
		var b BulkResult
		must(t, l.Do("client", func() error {
			var err error
			b, err = c.Bulk(ctx, srv.TCPAddr(), BulkOptions{Duration: 2 * time.Second, Omit: time.Second,
				Bytes: 1 << 40, WriteSize: 128 << 10, Congestion: "cubic"})
			return err
		}))
		return b.Gbps
	}
	iperf := func() float64 {
		var out []byte
		var err error
		for i := 0; i < 30; i++ { // the server needs a moment to listen
			out, err = l.Command(ctx, "client", "iperf3", "-c", nslab.PairServerIP, "-p", "5204",
				"-t", "2", "-O", "1", "-l", strconv.Itoa(128<<10), "-C", "cubic", "-J").Output()
			if err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		var rep iperf3Report
		if jerr := json.Unmarshal(out, &rep); err != nil || jerr != nil || rep.Error != "" || rep.End.SumReceived.BitsPerSecond <= 0 {
			t.Fatalf("iperf3: %v %v %q: %s", err, jerr, rep.Error, exitStderr(err))
		}
		return rep.End.SumReceived.BitsPerSecond / 1e9
	}
	var ps, is, ratios []float64
	for i := 0; i < 3; i++ {
		var p, q float64
		if i%2 == 0 {
			p, q = probe(), iperf()
		} else {
			q, p = iperf(), probe()
		}
		t.Logf("round %d: probe %.3f Gbit/s, iperf3 %.3f Gbit/s, ratio %.3f", i+1, p, q, p/q)
		ps, is, ratios = append(ps, p), append(is, q), append(ratios, p/q)
	}
	if r := median(ratios); math.Abs(r-1) > 0.1 {
		t.Errorf("probe/iperf3 median ratio %.3f on a %g Gbit/s link; want within 10 %% (rounds %v)", r, rateGbps, ratios)
	}
	for name, v := range map[string][]float64{"probe": ps, "iperf3": is} {
		if m := median(v); m < 0.9*0.95*rateGbps || m > 1.1*rateGbps {
			t.Errorf("%s median %.3f Gbit/s on a link shaped to %g Gbit/s", name, m, rateGbps)
		}
	}
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

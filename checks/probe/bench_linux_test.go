package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks/probe/nslab"
	"github.com/netlab-dev/netlab/internal/testenv"
)

// benchDuration is each stream's length: NETLAB_BENCH_SECONDS, default 2.
func benchDuration() time.Duration {
	if s, err := strconv.ParseFloat(os.Getenv("NETLAB_BENCH_SECONDS"), 64); err == nil && s > 0 && s <= 30 {
		return time.Duration(s * float64(time.Second))
	}
	return 2 * time.Second
}

// benchCongestion is the TCP congestion control both tools use: NETLAB_BENCH_CC, default cubic.
// With the host's default here (bbr) iperf3 3.12 leaves its socket idle about half the time
// (ss shows it app-limited, busy 500ms of 1s) and reads about half the probe's rate, while the
// kernel's veth counters confirm the probe's bytes; with cubic or reno iperf3 fills the pipe.
// Comparing the tools needs the same algorithm on both.
func benchCongestion() string {
	if cc := os.Getenv("NETLAB_BENCH_CC"); cc != "" {
		return cc
	}
	return "cubic"
}

// iperf3Gbps runs one iperf3 test on the pair (server in "server", client in "client") and
// returns the receiver's Gbit/s.
func iperf3Gbps(l *nslab.Lab, d time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d+20*time.Second)
	defer cancel()
	srv := l.Command(ctx, "server", "iperf3", "-s", "-1", "-B", nslab.PairServerIP, "-p", "5201")
	if err := srv.Start(); err != nil {
		return 0, err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	type report struct {
		End struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
		Error string `json:"error"`
	}
	var rep report
	var lastErr error
	for i := 0; i < 30; i++ { // the server needs a moment to listen
		if i > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		out, err := l.Exec("client", "iperf3", "-c", nslab.PairServerIP, "-p", "5201", "-t", fmt.Sprint(d.Seconds()), "-J", "-C", benchCongestion())
		rep = report{}
		if jerr := json.Unmarshal(out, &rep); jerr != nil {
			lastErr = fmt.Errorf("iperf3 client: %v (JSON: %v)", err, jerr)
			continue
		}
		if rep.Error != "" || rep.End.SumReceived.BitsPerSecond <= 0 {
			lastErr = fmt.Errorf("iperf3: %q (%v)", rep.Error, err)
			continue
		}
		lastErr = nil
		break
	}
	if lastErr != nil {
		return 0, lastErr
	}
	return rep.End.SumReceived.BitsPerSecond / 1e9, nil
}

// buildNetlab builds the netlab binary once for the benchmark (the probe as Pods run it).
func buildNetlab(b *testing.B) string {
	b.Helper()
	goBin := testenv.RequireCommand(b, "go")
	out := filepath.Join(b.TempDir(), "netlab")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "../../cmd/netlab")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}

// BenchmarkProbeVsIperf3 compares, on one veth pair between two namespaces, one TCP stream of
// the same length from three senders: the probe as two processes (`netlab probe serve` and
// `netlab probe bulk`, as in the lab's Pods), iperf3 (two processes), and the probe with both
// ends in this process (probe.Baseline's way). The order rotates every iteration so that drift
// in the machine's load favours no one. Run it with -benchtime=Nx.
func BenchmarkProbeVsIperf3(b *testing.B) {
	testenv.RequireRoot(b)
	testenv.RequireCommand(b, "ip")
	testenv.RequireCommand(b, "iperf3")
	bin := buildNetlab(b)
	l, err := nslab.NewPair()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	d := benchDuration()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := l.Command(ctx, "server", bin, "probe", "serve", "--tcp", nslab.PairServerIP+":7101", "--http", "", "--udp", "", "--for", "10m")
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cancel(); srv.Wait() }()

	rxBytes := func() int64 {
		out, err := l.Exec("server", "cat", "/sys/class/net/eth0/statistics/rx_bytes")
		if err != nil {
			b.Fatal(err)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	var kernelRatios []float64
	runProc := func() float64 {
		var last error
		for i := 0; i < 20; i++ { // the server needs a moment to listen
			before := rxBytes()
			out, err := l.Exec("client", bin, "probe", "bulk", nslab.PairServerIP+":7101", "--allow", nslab.PairCIDR, "--duration", d.String(), "--bytes", "1T", "--congestion", benchCongestion())
			var r BulkResult
			if err == nil {
				if err = json.Unmarshal(out, &r); err == nil {
					// The kernel's own count of what crossed the veth (payload plus headers of
					// GSO-sized frames) against the payload the probe's server counted.
					kernelRatios = append(kernelRatios, float64(r.Server.Bytes)/float64(rxBytes()-before))
					return r.Gbps
				}
			}
			last = err
			time.Sleep(100 * time.Millisecond)
		}
		b.Fatalf("netlab probe bulk: %v", last)
		return 0
	}
	runInProc := func() float64 {
		var res BaselineResult
		if err := RunPair(context.Background(), l, &res, BulkOptions{Duration: d, Bytes: 1 << 40, Congestion: benchCongestion()}, RROptions{}); err != nil {
			b.Fatal(err)
		}
		return res.Bulk.Gbps
	}
	runIperf := func() float64 {
		g, err := iperf3Gbps(l, d)
		if err != nil {
			b.Fatal(err)
		}
		return g
	}
	var procs, iperfs, inprocs, ratios []float64
	for i := 0; i < b.N; i++ {
		var pg, ig, ng float64
		switch i % 3 {
		case 0:
			pg, ig, ng = runProc(), runIperf(), runInProc()
		case 1:
			ig, ng, pg = runIperf(), runInProc(), runProc()
		default:
			ng, pg, ig = runInProc(), runProc(), runIperf()
		}
		b.Logf("round %d: probe (processes) %.2f Gbit/s, iperf3 %.2f Gbit/s, ratio %.3f; probe in-process %.2f Gbit/s", i+1, pg, ig, pg/ig, ng)
		procs, iperfs, inprocs, ratios = append(procs, pg), append(iperfs, ig), append(inprocs, ng), append(ratios, pg/ig)
	}
	b.ReportMetric(median(procs), "probe-Gbit/s")
	b.ReportMetric(median(iperfs), "iperf3-Gbit/s")
	b.ReportMetric(median(ratios), "probe/iperf3")
	b.ReportMetric(median(inprocs), "inprocess-Gbit/s")
	b.ReportMetric(median(inprocs)/median(iperfs), "inprocess/iperf3")
	b.ReportMetric(median(kernelRatios), "probe-bytes/veth-rx-bytes")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

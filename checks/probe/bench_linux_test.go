package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
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
		out, err := l.Exec("client", "iperf3", "-c", nslab.PairServerIP, "-p", "5201", "-t", fmt.Sprint(d.Seconds()), "-J")
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

// BenchmarkProbeVsIperf3 runs the probe's bulk stream and iperf3 (one TCP stream each, same
// length) alternately on the same veth pair between two namespaces, and reports both receiver
// rates and their ratio. Run it with -benchtime=1x; each iteration takes about 2×NETLAB_BENCH_SECONDS.
func BenchmarkProbeVsIperf3(b *testing.B) {
	testenv.RequireRoot(b)
	testenv.RequireCommand(b, "ip")
	testenv.RequireCommand(b, "iperf3")
	l, err := nslab.NewPair()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	d := benchDuration()
	var probeSum, iperfSum float64
	for i := 0; i < b.N; i++ {
		var res BaselineResult
		if err := RunPair(context.Background(), l, &res, BulkOptions{Duration: d}, RROptions{}); err != nil {
			b.Fatal(err)
		}
		ig, err := iperf3Gbps(l, d)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("run %d: probe %.2f Gbit/s (sender %.2f), iperf3 %.2f Gbit/s, ratio %.3f", i+1, res.Bulk.Gbps, res.Bulk.SenderGbps, ig, res.Bulk.Gbps/ig)
		probeSum += res.Bulk.Gbps
		iperfSum += ig
	}
	b.ReportMetric(probeSum/float64(b.N), "probe-Gbit/s")
	b.ReportMetric(iperfSum/float64(b.N), "iperf3-Gbit/s")
	b.ReportMetric(probeSum/iperfSum, "probe/iperf3")
}

package probe

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/probe/nslab"
)

// benchConfig is what BenchmarkProbeVsIperf3 gives both tools alike. Everything comes from the
// environment, so that ci/bench-probe.sh can vary it without editing code.
type benchConfig struct {
	Seconds    float64 `json:"seconds"`     // measured part of each stream: NETLAB_BENCH_SECONDS (default 3)
	Omit       float64 `json:"omitSeconds"` // start left out of the rate (iperf3 -O, probe --omit): NETLAB_BENCH_OMIT (default 1)
	Congestion string  `json:"congestion"`  // both senders' TCP_CONGESTION: NETLAB_BENCH_CC (default cubic)
	Length     int     `json:"length"`      // bytes per write and per read (iperf3 -l, probe --write-size; the probe server reads 128 KiB)
	// Pin: "" (none), "same" (every process of both tools on CPU 0) or "split" (clients on CPU 0,
	// servers on CPU 1), with taskset: NETLAB_BENCH_PIN.
	Pin string `json:"pin"`
	// Socket buffers are left to the kernel's autotuning on both sides (neither tool sets
	// SO_SNDBUF or SO_RCVBUF; iperf3 would with -w, which also turns autotuning off).
	TCPWmem string `json:"tcpWmem"`
	TCPRmem string `json:"tcpRmem"`
	// RRSeconds is the baseline request/response test after each pair of streams (1 byte each
	// way over one connection to the probe server): NETLAB_BENCH_RR_SECONDS (default 1).
	RRSeconds float64 `json:"rrSeconds"`
	// Rate, when set, gives the pair a capacity of its own: a tbf qdisc at that rate on the
	// client's veth, the direction the streams flow (NETLAB_BENCH_RATE, tc's syntax: 5gbit).
	// Unshaped, a stream on a veth pair is bound by the CPU work per byte of the two processes,
	// so the tools' figures measure their own cost; shaped below both tools' CPU bound, they
	// measure the path, as on a link with a real bottleneck.
	Rate string `json:"rate,omitempty"`
}

func envSeconds(name string, def, lo, hi float64) float64 {
	if s, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && s >= lo && s <= hi {
		return s
	}
	return def
}

func benchConfigFromEnv(b *testing.B) benchConfig {
	c := benchConfig{
		Seconds:    envSeconds("NETLAB_BENCH_SECONDS", 3, 0.5, 30),
		Omit:       envSeconds("NETLAB_BENCH_OMIT", 1, 0, 10),
		Congestion: cmpOr(os.Getenv("NETLAB_BENCH_CC"), "cubic"),
		Length:     128 << 10,
		Pin:        os.Getenv("NETLAB_BENCH_PIN"),
		RRSeconds:  envSeconds("NETLAB_BENCH_RR_SECONDS", 1, 0, 10),
	}
	if r := os.Getenv("NETLAB_BENCH_RATE"); r != "" {
		if !benchRateRE.MatchString(r) {
			b.Fatalf("NETLAB_BENCH_RATE=%q: want a tc rate such as 500mbit or 5gbit", r)
		}
		c.Rate = r
	}
	switch c.Pin {
	case "", "same", "split":
	default:
		b.Fatalf("NETLAB_BENCH_PIN=%q: want empty, same or split", c.Pin)
	}
	return c
}

var benchRateRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?[kmg]bit$`)

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// cpus returns the taskset CPU list for a client or a server process ("" when not pinned).
func (c benchConfig) cpus(server bool) string {
	switch {
	case c.Pin == "same":
		return "0"
	case c.Pin == "split" && server:
		return "1"
	case c.Pin == "split":
		return "0"
	}
	return ""
}

// argv prefixes taskset when the process is pinned.
func (c benchConfig) argv(server bool, argv ...string) []string {
	if cpu := c.cpus(server); cpu != "" {
		return append([]string{"taskset", "-c", cpu}, argv...)
	}
	return argv
}

// benchRun is one stream of one tool: the receiver's Gbit/s and the CPU both ends used (per cent
// of one CPU over the stream's wall time; the client's from its rusage, the server's from
// /proc/PID/stat, so the two tools are measured the same way).
type benchRun struct {
	Gbps       float64 `json:"gbps"`
	ClientCPU  float64 `json:"clientCPU"`
	ServerCPU  float64 `json:"serverCPU"`
	Congestion string  `json:"congestion"`
	// VethGbps is the tool-independent view: the server veth's rx_bytes over the client
	// process's whole run (omitted start, connection setup and teardown included), so it is
	// lower than Gbps but measured the same way for both tools.
	VethGbps float64 `json:"vethGbps"`
}

type benchRound struct {
	Round   int      `json:"round"`
	First   string   `json:"first"` // which tool ran first in this round
	Probe   benchRun `json:"probe"`
	Iperf3  benchRun `json:"iperf3"`
	Ratio   float64  `json:"ratio"` // probe/iperf3
	RRP50Us float64  `json:"rrP50Us,omitempty"`
	RRP99Us float64  `json:"rrP99Us,omitempty"`
	// KernelRatio is the probe server's byte count over the server veth's rx_bytes delta.
	KernelRatio float64 `json:"kernelRatio"`
}

type benchSummary struct {
	Config        benchConfig  `json:"config"`
	Rounds        []benchRound `json:"rounds"`
	ProbeMedian   float64      `json:"probeMedianGbps"`
	Iperf3Median  float64      `json:"iperf3MedianGbps"`
	RatioOfMedian float64      `json:"ratioOfMedians"`
	PairedMedian  float64      `json:"pairedRatioMedian"`
	PairedMin     float64      `json:"pairedRatioMin"`
	PairedMax     float64      `json:"pairedRatioMax"`
	Within10      int          `json:"roundsWithin10Percent"`
	Agree         bool         `json:"agreeWithin10Percent"` // the paired ratio median is within 0.9..1.1
	RRP50Us       float64      `json:"rrP50UsMedian"`
	RRP99Us       float64      `json:"rrP99UsMedian"`
	VethRatio     float64      `json:"vethRatioMedian"` // median of the per-round probe/iperf3 veth rates
	KernelRatio   float64      `json:"kernelRatioMedian"`
	LoadBefore    string       `json:"loadavgBefore"`
	LoadAfter     string       `json:"loadavgAfter"`
}

// procCPU is a process's user+system time so far (all threads), from /proc/PID/stat.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state); utime and stime are fields 14 and 15
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// runCPU runs a command to completion and returns its standard output and its CPU time
// (`ip netns exec` and taskset exec the command, so the rusage is the tool's own).
func runCPU(cmd *exec.Cmd) ([]byte, time.Duration, error) {
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, 0, fmt.Errorf("%s: %v: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// iperf3Report is the part of `iperf3 -J` the benchmark reads.
type iperf3Report struct {
	End struct {
		SumReceived struct {
			Seconds       float64 `json:"seconds"`
			BitsPerSecond float64 `json:"bits_per_second"`
		} `json:"sum_received"`
		SenderCongestion string `json:"sender_tcp_congestion"`
	} `json:"end"`
	Error string `json:"error"`
}

// buildNetlab builds the netlab binary once for the benchmark (the probe as Pods run it).
func buildNetlab(b *testing.B) string {
	b.Helper()
	goBin := testenv.RequireCommand(b, "go")
	out := filepath.Join(b.TempDir(), "netlab")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "../cmd/netlab")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// BenchmarkProbeVsIperf3 compares the probe's bulk figure with iperf3's on one veth pair between
// two network namespaces, and measures the baseline's request/response latency. Each round runs
// one stream of each tool, both as two processes (`netlab probe serve` / `netlab probe bulk`, as
// in the lab's Pods; `iperf3 -s` / `iperf3 -c`), one after the other, the first tool alternating
// from round to round so both see the same drift in the machine's load; then a request/response
// test against the probe server. Both tools get the same congestion control, write and read
// length, stream length and omitted start, the kernel's default socket buffers, and the same
// CPU pinning (see benchConfig). It reports the medians, the median of the per-round ratios, and
// the per-round figures in the log; NETLAB_BENCH_JSON names a file for all of it. Run it with
// -benchtime=Nx (N rounds); ci/bench-probe.sh does.
//
// It asserts nothing about the agreement: on a shared machine a timed pass/fail would flake.
// It fails only when a tool does not run or does not use the congestion control asked for.
func BenchmarkProbeVsIperf3(b *testing.B) {
	testenv.RequireRoot(b)
	testenv.RequireCommand(b, "ip")
	testenv.RequireCommand(b, "iperf3")
	if b.N == 1 && roundsAsked() > 1 {
		// The testing package calls a benchmark once with N=1 before the N rounds asked for;
		// that first call would build, set up and measure a whole round for nothing.
		return
	}
	cfg := benchConfigFromEnv(b)
	if cfg.Pin != "" {
		testenv.RequireCommand(b, "taskset")
	}
	bin := buildNetlab(b)
	l, err := nslab.NewPair()
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	if cfg.Rate != "" {
		// tbf with a burst well above one GSO frame (64 KiB) and a queue of 50 ms; the kernel's
		// hrtimer paces it, so the burst need not cover a scheduler tick.
		if out, err := l.Exec("client", "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf",
			"rate", cfg.Rate, "burst", "1mb", "latency", "50ms"); err != nil {
			b.Fatalf("tc qdisc tbf rate %s: %v: %s", cfg.Rate, err, out)
		}
	}
	for _, k := range []struct {
		dst *string
		key string
	}{{&cfg.TCPWmem, "net.ipv4.tcp_wmem"}, {&cfg.TCPRmem, "net.ipv4.tcp_rmem"}} {
		out, _ := l.Exec("client", "sysctl", "-n", k.key)
		*k.dst = strings.Join(strings.Fields(string(out)), " ")
	}
	measured := time.Duration(cfg.Seconds * float64(time.Second))
	omit := time.Duration(cfg.Omit * float64(time.Second))
	b.Logf("config: %+v", cfg)

	// Both servers live for the whole benchmark, pinned like the clients.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	probeAddr := nslab.PairServerIP + ":7101"
	probeSrv := l.Command(ctx, "server", cfg.argv(true, bin, "probe", "serve", "--tcp", probeAddr, "--http", "", "--udp", "", "--for", "30m")...)
	iperfSrv := l.Command(ctx, "server", cfg.argv(true, "iperf3", "-s", "-B", nslab.PairServerIP, "-p", "5201")...)
	for _, c := range []*exec.Cmd{probeSrv, iperfSrv} {
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
	}
	defer func() { cancel(); _ = probeSrv.Wait(); _ = iperfSrv.Wait() }()

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
	// retry runs f until it succeeds, for at most 3s: a server needs a moment to listen.
	retry := func(what string, f func() error) {
		var err error
		for i := 0; i < 30; i++ {
			if err = f(); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		b.Fatalf("%s: %v", what, err)
	}
	timeout := omit + measured + 30*time.Second
	var kernelRatio float64
	runProbe := func() (r benchRun) {
		retry("netlab probe bulk", func() error {
			cctx, ccancel := context.WithTimeout(ctx, timeout)
			defer ccancel()
			before, srvBefore, t0 := rxBytes(), procCPU(probeSrv.Process.Pid), time.Now()
			out, cpu, err := runCPU(l.Command(cctx, "client", cfg.argv(false, bin, "probe", "bulk", probeAddr,
				"--allow", nslab.PairCIDR, "--duration", measured.String(), "--omit", omit.String(), "--bytes", "1T",
				"--write-size", strconv.Itoa(cfg.Length), "--congestion", cfg.Congestion)...))
			wall := time.Since(t0)
			if err != nil {
				return err
			}
			var res BulkResult
			if err := json.Unmarshal(out, &res); err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			if res.Server == nil || res.Gbps <= 0 {
				return fmt.Errorf("no figure: %s", out)
			}
			// The kernel's own count of what crossed the veth (payload plus the headers of
			// GSO-sized frames) against the payload the probe's server counted.
			rx := rxBytes() - before
			kernelRatio = float64(res.Server.Bytes) / float64(rx)
			r = benchRun{Gbps: res.Gbps, Congestion: res.Congestion, VethGbps: float64(rx) * 8 / wall.Seconds() / 1e9,
				ClientCPU: 100 * cpu.Seconds() / wall.Seconds(),
				ServerCPU: 100 * (procCPU(probeSrv.Process.Pid) - srvBefore).Seconds() / wall.Seconds()}
			return nil
		})
		return r
	}
	runIperf3 := func() (r benchRun) {
		retry("iperf3 -c", func() error {
			cctx, ccancel := context.WithTimeout(ctx, timeout)
			defer ccancel()
			before, srvBefore, t0 := rxBytes(), procCPU(iperfSrv.Process.Pid), time.Now()
			out, cpu, err := runCPU(l.Command(cctx, "client", cfg.argv(false, "iperf3", "-c", nslab.PairServerIP, "-p", "5201",
				"-t", strconv.FormatFloat(cfg.Seconds, 'f', -1, 64), "-O", strconv.FormatFloat(cfg.Omit, 'f', -1, 64),
				"-l", strconv.Itoa(cfg.Length), "-C", cfg.Congestion, "-J")...))
			wall := time.Since(t0)
			var rep iperf3Report
			if jerr := json.Unmarshal(out, &rep); jerr != nil || rep.Error != "" || rep.End.SumReceived.BitsPerSecond <= 0 {
				return fmt.Errorf("%v; %q; JSON: %v", err, rep.Error, jerr)
			}
			r = benchRun{Gbps: rep.End.SumReceived.BitsPerSecond / 1e9, Congestion: rep.End.SenderCongestion,
				VethGbps:  float64(rxBytes()-before) * 8 / wall.Seconds() / 1e9,
				ClientCPU: 100 * cpu.Seconds() / wall.Seconds(),
				ServerCPU: 100 * (procCPU(iperfSrv.Process.Pid) - srvBefore).Seconds() / wall.Seconds()}
			return nil
		})
		return r
	}
	runRR := func() (p50, p99 float64) {
		if cfg.RRSeconds <= 0 {
			return 0, 0
		}
		retry("netlab probe rr", func() error {
			out, err := l.Exec("client", cfg.argv(false, bin, "probe", "rr", probeAddr, "--allow", nslab.PairCIDR,
				"--count", "10000000", "--duration", time.Duration(cfg.RRSeconds*float64(time.Second)).String())...)
			if err != nil {
				return err
			}
			var res RRResult
			if err := json.Unmarshal(out, &res); err != nil {
				return err
			}
			p50, p99 = res.P50Us, res.P99Us
			return nil
		})
		return p50, p99
	}

	sum := benchSummary{Config: cfg, LoadBefore: loadavg()}
	for i := 0; i < b.N; i++ {
		rd := benchRound{Round: i + 1}
		if i%2 == 0 {
			rd.First = "probe"
			rd.Probe, rd.Iperf3 = runProbe(), runIperf3()
		} else {
			rd.First = "iperf3"
			rd.Iperf3 = runIperf3()
			rd.Probe = runProbe()
		}
		for _, r := range []benchRun{rd.Probe, rd.Iperf3} {
			if r.Congestion != cfg.Congestion {
				b.Fatalf("round %d: a sender used congestion control %q, not %q", i+1, r.Congestion, cfg.Congestion)
			}
		}
		rd.KernelRatio = kernelRatio
		rd.Ratio = rd.Probe.Gbps / rd.Iperf3.Gbps
		rd.RRP50Us, rd.RRP99Us = runRR()
		b.Logf("round %2d (%-6s first): probe %5.2f Gbit/s (cpu client %3.0f%% server %3.0f%%), iperf3 %5.2f Gbit/s (cpu client %3.0f%% server %3.0f%%), ratio %.3f (veth %.1f/%.1f); rr p50 %.1f µs p99 %.1f µs",
			rd.Round, rd.First, rd.Probe.Gbps, rd.Probe.ClientCPU, rd.Probe.ServerCPU, rd.Iperf3.Gbps, rd.Iperf3.ClientCPU, rd.Iperf3.ServerCPU, rd.Ratio, rd.Probe.VethGbps, rd.Iperf3.VethGbps, rd.RRP50Us, rd.RRP99Us)
		sum.Rounds = append(sum.Rounds, rd)
	}
	sum.LoadAfter = loadavg()
	col := func(f func(benchRound) float64) []float64 {
		var v []float64
		for _, r := range sum.Rounds {
			v = append(v, f(r))
		}
		return v
	}
	ratios := col(func(r benchRound) float64 { return r.Ratio })
	sum.ProbeMedian = median(col(func(r benchRound) float64 { return r.Probe.Gbps }))
	sum.Iperf3Median = median(col(func(r benchRound) float64 { return r.Iperf3.Gbps }))
	sum.RatioOfMedian = sum.ProbeMedian / sum.Iperf3Median
	sum.PairedMedian = median(ratios)
	sum.PairedMin, sum.PairedMax = slices.Min(ratios), slices.Max(ratios)
	for _, r := range ratios {
		if math.Abs(r-1) <= 0.1 {
			sum.Within10++
		}
	}
	sum.Agree = math.Abs(sum.PairedMedian-1) <= 0.1
	sum.RRP50Us = median(col(func(r benchRound) float64 { return r.RRP50Us }))
	sum.RRP99Us = median(col(func(r benchRound) float64 { return r.RRP99Us }))
	sum.KernelRatio = median(col(func(r benchRound) float64 { return r.KernelRatio }))
	sum.VethRatio = median(col(func(r benchRound) float64 { return r.Probe.VethGbps / r.Iperf3.VethGbps }))
	b.Logf("%d rounds, %s, pin %q, load %s -> %s: probe median %.2f Gbit/s, iperf3 median %.2f Gbit/s, ratio of medians %.3f, paired ratio median %.3f (%.3f-%.3f, %d of %d rounds within 10%%), veth-rate ratio median %.3f; baseline rr p50 %.1f µs, p99 %.1f µs",
		len(sum.Rounds), cfg.Congestion, cfg.Pin, sum.LoadBefore, sum.LoadAfter, sum.ProbeMedian, sum.Iperf3Median, sum.RatioOfMedian,
		sum.PairedMedian, sum.PairedMin, sum.PairedMax, sum.Within10, len(sum.Rounds), sum.VethRatio, sum.RRP50Us, sum.RRP99Us)
	if p := os.Getenv("NETLAB_BENCH_JSON"); p != "" {
		js, _ := json.MarshalIndent(sum, "", "  ")
		if err := os.WriteFile(p, append(js, '\n'), 0o644); err != nil {
			b.Error(err)
		}
	}
	b.ReportMetric(sum.ProbeMedian, "probe-Gbit/s")
	b.ReportMetric(sum.Iperf3Median, "iperf3-Gbit/s")
	b.ReportMetric(sum.PairedMedian, "probe/iperf3")
	b.ReportMetric(sum.RRP50Us, "rr-p50-µs")
	b.ReportMetric(sum.RRP99Us, "rr-p99-µs")
	b.ReportMetric(sum.KernelRatio, "probe-bytes/veth-rx-bytes")
}

// roundsAsked is N of -test.benchtime=Nx, or 0.
func roundsAsked() int {
	f := flag.Lookup("test.benchtime")
	if f == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSuffix(f.Value.String(), "x"))
	if err != nil || !strings.HasSuffix(f.Value.String(), "x") {
		return 0
	}
	return n
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

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/probe/node"
	"github.com/spf13/cobra"
)

// probeAllowEnv lists allowed target CIDRs for the probe clients (comma-separated), in addition
// to --allow; the Pods netlab deploys set it to the lab's own ranges.
const probeAllowEnv = "NETLAB_PROBE_ALLOW"

type probeFlags struct {
	allow   []string
	timeout time.Duration
	pretty  bool
}

func newProbeCmd() *cobra.Command {
	pf := &probeFlags{}
	cmd := &cobra.Command{
		Use:    "probe",
		Hidden: true, // runs inside the labs; not a command for people
		Short:  "The network probe: echo servers, guarded clients, throughput, and node evidence",
		Long: `probe is what netlab runs inside the lab: in Pods (a FROM scratch image of this binary) and as a
hostNetwork DaemonSet that reads node evidence. Every command prints JSON on standard output.

Servers report what they saw: the client's address and port, the TTL of the arriving packets
(TCP: the saved SYN; UDP: IP_RECVTTL), the local address the request arrived on, and the server's
identity (POD_NAME, POD_NAMESPACE, POD_IP, NODE_NAME, CLUSTER_NAME, or the hostname).

Clients only reach targets inside the allowed ranges: --allow and $` + probeAllowEnv + `, plus loopback.
Anything else is refused before a packet is sent.

Exit codes: 0 success; 1 the probe failed (timeout, refused connection, no answer);
2 usage, or a target outside the allowed ranges.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringSliceVar(&pf.allow, "allow", nil, "allowed target CIDRs (repeatable or comma-separated; loopback is always allowed)")
	cmd.PersistentFlags().DurationVar(&pf.timeout, "timeout", probe.DefaultTimeout, "bound on each client call (connect and reply)")
	cmd.PersistentFlags().BoolVar(&pf.pretty, "pretty", false, "indent the JSON output")
	cmd.AddCommand(
		newProbeServeCmd(pf),
		newProbeTCPCmd(pf), newProbeUDPCmd(pf), newProbeHTTPCmd(pf), newProbeDNSCmd(pf),
		newProbeBulkCmd(pf), newProbeRRCmd(pf), newProbeBaselineCmd(pf),
		newProbeNodeCmd(pf), newProbeRoutesCmd(), newProbeCanaryCmd(pf), newProbeResultsCmd(),
		newProbeGRPCServeCmd(pf), newProbeGRPCCmd(pf),
	)
	return cmd
}

func (pf *probeFlags) client() (*probe.Client, error) {
	g, err := allowedGuard(pf.allow)
	if err != nil {
		return nil, err
	}
	if pf.timeout <= 0 || pf.timeout > 5*time.Minute {
		return nil, failf(exitUsage, "--timeout %v: want more than 0 and at most 5m", pf.timeout)
	}
	return &probe.Client{Guard: g, Timeout: pf.timeout}, nil
}

// allowedGuard is the guard of a client command: the ranges of --allow and $NETLAB_PROBE_ALLOW,
// and loopback.
func allowedGuard(allow []string) (*probe.Guard, error) {
	ranges := append([]string(nil), allow...)
	if env := os.Getenv(probeAllowEnv); env != "" {
		ranges = append(ranges, env)
	}
	g, err := probe.NewGuard(ranges...)
	if err != nil {
		return nil, failf(exitUsage, "%v", err)
	}
	return g, nil
}

func (pf *probeFlags) print(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	if pf.pretty {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

// finish prints v and maps err to an exit code: 2 for a refused target, 1 for a failed probe.
func (pf *probeFlags) finish(cmd *cobra.Command, v any, err error) error {
	if perr := pf.print(cmd.OutOrStdout(), v); perr != nil {
		return perr
	}
	if err == nil {
		return nil
	}
	if probe.IsRefused(err) {
		return failf(exitUsage, "%v", err)
	}
	return failf(exitFailed, "%v", err)
}

func newProbeServeCmd(pf *probeFlags) *cobra.Command {
	cfg := probe.ServerConfig{}
	var forDur time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve TCP, HTTP and UDP echo (and the bulk and request/response sessions on the TCP port)",
		Long: `serve answers every request with a JSON report of what it saw. The TCP port also takes the bulk
stream and the request/response test of 'netlab probe bulk' and 'netlab probe rr'. An empty address
disables that server. The HTTP echo also relays a request that carries ` + probe.RelayHeader + ` (see
'netlab probe http --relay') to its next leg, when that leg's address lies in --allow or $` + probeAllowEnv + `. It runs until SIGINT or SIGTERM, or for --for when set. It first prints one
JSON line naming the addresses it listens on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.TCPAddr == "" && cfg.HTTPAddr == "" && cfg.UDPAddr == "" && cfg.UDP6Addr == "" {
				return failf(exitUsage, "nothing to serve: every address is empty")
			}
			if forDur < 0 {
				return failf(exitUsage, "--for %v: must not be negative", forDur)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if forDur > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, forDur)
				defer cancel()
			}
			cfg.Logf = func(format string, args ...any) { fmt.Fprintf(cmd.ErrOrStderr(), "probe: "+format+"\n", args...) }
			// The HTTP echo relays (a hop of a chain) only within the allowed ranges, and only
			// when some are given: the lab's Pods and clients have them in their environment.
			if len(pf.allow) > 0 || os.Getenv(probeAllowEnv) != "" {
				c, err := pf.client()
				if err != nil {
					return err
				}
				cfg.Relay = c.Guard
			}
			s, err := probe.Start(ctx, cfg)
			if err != nil {
				return failf(exitFailed, "%v", err)
			}
			defer s.Close()
			id := cfg.Identity
			if id == (probe.Identity{}) {
				id = probe.IdentityFromEnv()
			}
			// The serving line is how a caller learns the addresses: a probe that cannot print it is of no use.
			if err := pf.print(cmd.OutOrStdout(), map[string]any{"serving": map[string]string{"tcp": s.TCPAddr(), "http": s.HTTPAddr(), "udp": s.UDPAddr()}, "identity": id}); err != nil {
				return failf(exitFailed, "writing the serving addresses: %v", err)
			}
			<-ctx.Done()
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.TCPAddr, "tcp", ":7001", "TCP echo address (also bulk and rr)")
	f.StringVar(&cfg.HTTPAddr, "http", ":8080", "HTTP echo address")
	f.StringVar(&cfg.UDPAddr, "udp", "0.0.0.0:7002", "UDP echo address (IPv4)")
	f.StringVar(&cfg.UDP6Addr, "udp6", "", "UDP echo address (IPv6), e.g. [::]:7002")
	f.DurationVar(&cfg.MaxSession, "max-session", 2*time.Minute, "bound on one bulk or rr session")
	f.DurationVar(&forDur, "for", 0, "stop after this long (0: until a signal)")
	return cmd
}

func newProbeTCPCmd(pf *probeFlags) *cobra.Command {
	var msg string
	cmd := &cobra.Command{
		Use:   "tcp HOST:PORT",
		Short: "Connect over TCP and print the server's report and the source address used",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := pf.client()
			if err != nil {
				return err
			}
			res, err := c.TCP(context.Background(), args[0], msg)
			return pf.finish(cmd, res, err)
		},
	}
	cmd.Flags().StringVar(&msg, "message", "netlab", "one line to send (echoed back)")
	return cmd
}

func newProbeUDPCmd(pf *probeFlags) *cobra.Command {
	var msg string
	var size int
	cmd := &cobra.Command{
		Use:   "udp HOST:PORT",
		Short: "Send a UDP datagram and print the server's report (up to three tries within --timeout)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := pf.client()
			if err != nil {
				return err
			}
			if size > 0 {
				res, err := c.UDPDF(context.Background(), args[0], size)
				return pf.finish(cmd, res, err)
			}
			res, err := c.UDP(context.Background(), args[0], msg)
			return pf.finish(cmd, res, err)
		},
	}
	cmd.Flags().StringVar(&msg, "message", "netlab", "payload to send (echoed back)")
	cmd.Flags().IntVar(&size, "df-size", 0, "send one datagram of this many payload bytes with Don't Fragment set instead (IPv4 packet = size+28); too big for the path fails with 'message too long'")
	return cmd
}

func newProbeHTTPCmd(pf *probeFlags) *cobra.Command {
	var host string
	var stream bool
	var relay []string
	cmd := &cobra.Command{
		Use:   "http URL",
		Short: "GET an http:// or https:// URL and print the echo's report (Host and path included; for https, the server's certificate, unverified)",
		Long: `http GETs URL and prints the echo's report. With --relay the echo at URL does not answer but
sends the request on to the first relay leg, which sends it to the next, and so on; the last
answers. Each echo appends "<cluster>/<pod>@<source it saw>" to the hop header, which the last
one reports; a hop that cannot reach its next leg answers 502 naming itself ("relayStop").`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := pf.client()
			if err != nil {
				return err
			}
			legs, err := relayLegs(c.Guard, relay)
			if err != nil {
				return err
			}
			res, err := c.Chain(context.Background(), args[0], host, legs, stream)
			return pf.finish(cmd, res, err)
		},
	}
	cmd.Flags().StringArrayVar(&relay, "relay", nil, "a leg the request is relayed along after URL: \"http://IP:PORT/PATH [HOST]\" (repeatable, in order)")
	cmd.Flags().StringVar(&host, "host", "", "Host header to send, and for https the TLS server name (default: from the URL)")
	cmd.Flags().BoolVar(&stream, "stream", false, "ask for a streamed answer (Server-Sent Events; the probe server sends ?chunks=N chunks ?intervalMs=M apart, 5 and 200 by default) and report when each chunk arrived")
	return cmd
}

// relayLegs parses --relay values, each leg's address checked against g as the first URL is.
func relayLegs(g *probe.Guard, values []string) ([]probe.RelayLeg, error) {
	if len(values) == 0 {
		return nil, nil
	}
	legs, err := probe.ParseRelay(strings.Join(values, ","))
	if err != nil {
		return nil, failf(exitUsage, "--relay: %v", err)
	}
	for _, l := range legs {
		if _, err := g.CheckURL(l.URL); err != nil {
			return nil, failf(exitUsage, "--relay: %v", err)
		}
	}
	return legs, nil
}

func newProbeDNSCmd(pf *probeFlags) *cobra.Command {
	var server, qtype string
	var search bool
	cmd := &cobra.Command{
		Use:   "dns NAME --server IP[:PORT]",
		Short: "Look a name up against one DNS server and print the answers or NXDOMAIN",
		Long: `dns asks exactly one server (port 53 unless given). The name is absolute unless --search is set,
in which case the search domains of /etc/resolv.conf apply. A missing name is a successful probe
with "nxdomain": true.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if server == "" {
				return failf(exitUsage, "--server is required")
			}
			c, err := pf.client()
			if err != nil {
				return err
			}
			res, err := c.DNS(context.Background(), server, args[0], qtype, search)
			if err != nil && !probe.IsRefused(err) && strings.HasPrefix(err.Error(), "DNS type") {
				return failf(exitUsage, "%v", err)
			}
			return pf.finish(cmd, res, err)
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "DNS server IP[:PORT]")
	cmd.Flags().StringVar(&qtype, "type", "A", "A, AAAA, or empty for both")
	cmd.Flags().BoolVar(&search, "search", false, "apply the search domains of /etc/resolv.conf")
	return cmd
}

// parseProbeBytes parses a byte count: 1000, 64K, 512M, 4G (binary multiples).
func parseProbeBytes(s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(s), "B"), "I"))
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K':
			mult, s = 1<<10, s[:n-1]
		case 'M':
			mult, s = 1<<20, s[:n-1]
		case 'G':
			mult, s = 1<<30, s[:n-1]
		case 'T':
			mult, s = 1<<40, s[:n-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || v > (1<<50)/mult {
		return 0, fmt.Errorf("byte count %q: want a positive number with an optional K, M, G or T", s)
	}
	return v * mult, nil
}

func newProbeBulkCmd(pf *probeFlags) *cobra.Command {
	var o probe.BulkOptions
	var bytesStr, writeStr, host string
	cmd := &cobra.Command{
		Use:   "bulk HOST:PORT | http://IP[:PORT]/PATH",
		Short: "Stream TCP to a probe server until --duration or --bytes, whichever comes first; print Gbit/s",
		Long: `bulk streams TCP to a probe server's TCP port until --duration or --bytes. Given an http:// URL
instead (a path through HTTP proxies, such as an ingress controller, with --host), it asks the HTTP
echo there for a bulk answer and reads it for --duration: the rate is the server's sending direction.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Bytes, err = parseProbeBytes(bytesStr); err != nil {
				return failf(exitUsage, "--bytes: %v", err)
			}
			ws, err := parseProbeBytes(writeStr)
			if err != nil || ws > 16<<20 {
				return failf(exitUsage, "--write-size %q: want 1 to 16M", writeStr)
			}
			o.WriteSize = int(ws)
			if o.Duration <= 0 || o.Duration > 5*time.Minute {
				return failf(exitUsage, "--duration %v: want more than 0 and at most 5m", o.Duration)
			}
			if o.Omit < 0 || o.Omit > time.Minute {
				return failf(exitUsage, "--omit %v: want 0 to 1m", o.Omit)
			}
			c, err := pf.client()
			if err != nil {
				return err
			}
			if strings.HasPrefix(args[0], "http://") {
				res, err := c.HTTPBulk(context.Background(), args[0], host, o.Duration)
				return pf.finish(cmd, res, err)
			}
			res, err := c.Bulk(context.Background(), args[0], o)
			return pf.finish(cmd, res, err)
		},
	}
	cmd.Flags().StringVar(&host, "host", "", "with an http:// URL: the Host header to send")
	cmd.Flags().DurationVar(&o.Duration, "duration", 3*time.Second, "stream at most this long")
	cmd.Flags().StringVar(&bytesStr, "bytes", "4G", "stream at most this many bytes")
	cmd.Flags().StringVar(&writeStr, "write-size", "128K", "bytes per write")
	cmd.Flags().StringVar(&o.Congestion, "congestion", "", "sender's TCP congestion control (cubic, bbr, ...); default: the system's")
	cmd.Flags().DurationVar(&o.Omit, "omit", 0, "leave the stream's first D out of the rate, as iperf3 -O (the stream lasts --omit plus --duration)")
	return cmd
}

func newProbeRRCmd(pf *probeFlags) *cobra.Command {
	var o probe.RROptions
	var host string
	cmd := &cobra.Command{
		Use:   "rr HOST:PORT | http://IP[:PORT]/PATH",
		Short: "Request/response round trips over one TCP connection; print p50, p99 and mean latency",
		Long: `rr makes request/response round trips of --size bytes over one TCP connection to a probe server's
TCP port. Given an http:// URL instead (with --host), each round trip is a GET answered by the HTTP
echo there, over one kept-alive connection: the latency of a request through HTTP proxies.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Count <= 0 || o.Count > 10_000_000 || o.Duration <= 0 || o.Duration > 5*time.Minute || o.Size <= 0 || o.Size > 1<<20 {
				return failf(exitUsage, "want 0 < --count ≤ 10000000, 0 < --duration ≤ 5m, 0 < --size ≤ 1048576")
			}
			c, err := pf.client()
			if err != nil {
				return err
			}
			if strings.HasPrefix(args[0], "http://") {
				res, err := c.HTTPRR(context.Background(), args[0], host, o.Count, o.Duration)
				return pf.finish(cmd, res, err)
			}
			res, err := c.RR(context.Background(), args[0], o)
			return pf.finish(cmd, res, err)
		},
	}
	cmd.Flags().StringVar(&host, "host", "", "with an http:// URL: the Host header to send")
	cmd.Flags().IntVar(&o.Count, "count", 1000, "at most this many round trips")
	cmd.Flags().DurationVar(&o.Duration, "duration", 3*time.Second, "for at most this long")
	cmd.Flags().IntVar(&o.Size, "size", 1, "request and response size in bytes")
	return cmd
}

func newProbeBaselineCmd(pf *probeFlags) *cobra.Command {
	var cfg probe.BaselineConfig
	var inProcess bool
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Measure bulk Gbit/s and rr latency between two fresh network namespaces on this host (root)",
		Long: `baseline builds two network namespaces joined by a veth pair (198.18.0.0/30, never routed), runs
this binary's 'probe serve' in one and the bulk stream and request/response test from the other,
and deletes them. It is the ceiling every path's figures are compared with. Needs root and
iproute2. --in-process serves from this process instead (it measures higher; see docs/probe.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Bulk.Duration <= 0 || cfg.Bulk.Duration > 5*time.Minute || cfg.RR.Count <= 0 || cfg.RR.Duration <= 0 || cfg.RR.Duration > 5*time.Minute || cfg.Bulk.Omit < 0 || cfg.Bulk.Omit > time.Minute {
				return failf(exitUsage, "want 0 < --duration ≤ 5m, 0 ≤ --omit ≤ 1m, --count > 0, 0 < --rr-duration ≤ 5m")
			}
			cfg.Bulk.Bytes = 1 << 40 // bounded by --duration
			if !inProcess {
				self, err := os.Executable()
				if err != nil {
					return failf(exitFailed, "locating this binary for the server process: %v", err)
				}
				cfg.ServerBinary = self
			}
			res, err := probe.BaselineWith(context.Background(), cfg)
			return pf.finish(cmd, res, err)
		},
	}
	cmd.Flags().DurationVar(&cfg.Bulk.Duration, "duration", 3*time.Second, "bulk stream length")
	cmd.Flags().StringVar(&cfg.Bulk.Congestion, "congestion", "", "sender's TCP congestion control; default: the system's")
	cmd.Flags().DurationVar(&cfg.Bulk.Omit, "omit", 0, "leave the bulk stream's first D out of the rate, as iperf3 -O")
	cmd.Flags().IntVar(&cfg.RR.Count, "count", 1000, "rr round trips")
	cmd.Flags().DurationVar(&cfg.RR.Duration, "rr-duration", 3*time.Second, "rr time bound")
	cmd.Flags().BoolVar(&inProcess, "in-process", false, "serve from this process instead of a separate 'probe serve'")
	return cmd
}

func newProbeNodeCmd(pf *probeFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Read node evidence: routes, links (MTUs), conntrack, kube-proxy rules, VXLAN capture",
		Long: `node reads evidence from the network namespace it runs in (the node's own, in the hostNetwork
DaemonSet) through netlink and AF_PACKET; it needs CAP_NET_ADMIN (conntrack, nftables) and
CAP_NET_RAW (capture).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var table string
	routes := &cobra.Command{
		Use:   "routes",
		Short: "Print the routes of a table (main by default, or all)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t := 254
			switch table {
			case "main":
			case "all":
				t = node.AllTables
			case "local":
				t = 255
			default:
				n, err := strconv.Atoi(table)
				if err != nil || n <= 0 {
					return failf(exitUsage, "--table %q: want main, local, all or a number", table)
				}
				t = n
			}
			rs, err := node.Routes(t)
			return pf.finish(cmd, map[string]any{"routes": nonNil(rs)}, err)
		},
	}
	routes.Flags().StringVar(&table, "table", "main", "main, local, all, or a table number")

	links := &cobra.Command{
		Use:   "links",
		Short: "Print the interfaces with their MTUs, addresses and VXLAN details",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ls, err := node.Interfaces()
			return pf.finish(cmd, map[string]any{"links": nonNil(ls)}, err)
		},
	}

	var ctDst, ctProto string
	var ctPort int
	var ctDNAT bool
	conntrack := &cobra.Command{
		Use:   "conntrack",
		Short: "Print conntrack entries (netlink); dnat is set where the original destination ≠ the reply source",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := node.ConntrackFilter{OrigDport: ctPort, Proto: ctProto, OnlyDNAT: ctDNAT}
			if ctDst != "" {
				a, err := netip.ParseAddr(ctDst)
				if err != nil {
					return failf(exitUsage, "--dst %q is not an address", ctDst)
				}
				f.OrigDst = a
			}
			es, err := node.Conntrack(f)
			return pf.finish(cmd, map[string]any{"entries": nonNil(es)}, err)
		},
	}
	conntrack.Flags().StringVar(&ctDst, "dst", "", "only entries whose original destination is this address (a ClusterIP)")
	conntrack.Flags().IntVar(&ctPort, "dport", 0, "only entries with this original destination port")
	conntrack.Flags().StringVar(&ctProto, "proto", "", "only tcp, udp, ...")
	conntrack.Flags().BoolVar(&ctDNAT, "dnat", false, "only DNATed entries")

	kp := &cobra.Command{
		Use:   "kube-proxy",
		Short: "Print kube-proxy's rules: KUBE-SVC-* chains, the nftables kube-proxy table, and the mode they imply",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			k, err := node.ReadKubeProxyRules(ctx)
			return pf.finish(cmd, k, err)
		},
	}

	var co node.CaptureOptions
	var ports []uint
	var innerSrc, innerDst string
	var innerPort uint
	capture := &cobra.Command{
		Use:   "capture --interface IF",
		Short: "Count the VXLAN (UDP 8472/4789) datagrams of an inner flow on an interface for a bounded time (AF_PACKET + BPF)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if co.Interface == "" {
				return failf(exitUsage, "--interface is required")
			}
			if co.Duration <= 0 || co.Duration > 5*time.Minute || co.MaxPackets < 0 {
				return failf(exitUsage, "want 0 < --duration ≤ 5m and --max-packets ≥ 0")
			}
			co.Ports = nil
			for _, p := range ports {
				if p == 0 || p > 65535 {
					return failf(exitUsage, "--ports: %d is not a port", p)
				}
				co.Ports = append(co.Ports, uint16(p))
			}
			flow, err := innerFlow(innerSrc, innerDst, innerPort)
			if err != nil {
				return err
			}
			co.Flow = flow
			res, err := node.CaptureUDP(context.Background(), co)
			return pf.finish(cmd, res, err)
		},
	}
	capture.Flags().StringVar(&co.Interface, "interface", "", "interface to watch (the node's uplink, e.g. eth0)")
	capture.Flags().UintSliceVar(&ports, "ports", []uint{8472, 4789}, "UDP destination ports to count")
	capture.Flags().DurationVar(&co.Duration, "duration", 2*time.Second, "capture this long")
	capture.Flags().IntVar(&co.MaxPackets, "max-packets", 1_000_000, "stop after this many packets")
	capture.Flags().StringVar(&innerSrc, "inner-src", "", "count only VXLAN datagrams whose inner packet is between this client address...")
	capture.Flags().StringVar(&innerDst, "inner-dst", "", "...and this server address (forward and reply counted apart); both or neither")
	capture.Flags().UintVar(&innerPort, "inner-port", 0, "and, when set, the server's TCP/UDP port")

	cmd.AddCommand(routes, links, conntrack, kp, capture)
	return cmd
}

// innerFlow parses the capture's --inner-src, --inner-dst and --inner-port.
func innerFlow(src, dst string, port uint) (node.InnerFlow, error) {
	if src == "" && dst == "" && port == 0 {
		return node.InnerFlow{}, nil
	}
	s, serr := netip.ParseAddr(src)
	d, derr := netip.ParseAddr(dst)
	if serr != nil || derr != nil || port > 65535 {
		return node.InnerFlow{}, failf(exitUsage, "--inner-src %q, --inner-dst %q, --inner-port %d: want two addresses and a port up to 65535", src, dst, port)
	}
	return node.InnerFlow{Src: s, Dst: d, Port: uint16(port)}, nil
}

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

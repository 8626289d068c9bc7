package probe

import (
	"net"
	"net/netip"
	"os"
	"strconv"
)

// Identity is who a probe is: filled from the Downward-API environment a Pod gets
// (POD_NAME, POD_NAMESPACE, POD_IP, NODE_NAME, CLUSTER_NAME), with the hostname as fallback.
type Identity struct {
	PodName      string `json:"podName,omitempty"`
	PodNamespace string `json:"podNamespace,omitempty"`
	PodIP        string `json:"podIP,omitempty"`
	NodeName     string `json:"nodeName,omitempty"`
	ClusterName  string `json:"clusterName,omitempty"`
	Hostname     string `json:"hostname"`
}

// IdentityFromEnv reads the probe's identity from the environment.
func IdentityFromEnv() Identity {
	h, _ := os.Hostname()
	id := Identity{
		PodName:      os.Getenv("POD_NAME"),
		PodNamespace: os.Getenv("POD_NAMESPACE"),
		PodIP:        os.Getenv("POD_IP"),
		NodeName:     os.Getenv("NODE_NAME"),
		ClusterName:  os.Getenv("CLUSTER_NAME"),
		Hostname:     h,
	}
	if id.PodName == "" {
		id.PodName = h
	}
	return id
}

// TTL sources, recorded in Report.TTLSource.
const (
	TTLFromSYN     = "tcp-saved-syn" // the IP header of the connection's SYN (TCP_SAVE_SYN/TCP_SAVED_SYN)
	TTLFromRecvTTL = "ip-recvttl"    // the IP_TTL / IPV6_HOPLIMIT control message of the datagram
)

// Report is what a server saw, sent back to the client as JSON. It is the evidence most checks
// assert: RemoteIP tells NAT from no NAT, TTL tells bridged from routed, Server names the backend.
type Report struct {
	Proto      string `json:"proto"`  // tcp, udp or http
	Remote     string `json:"remote"` // ip:port the server saw the packets come from
	RemoteIP   string `json:"remoteIP"`
	RemotePort int    `json:"remotePort"`
	Local      string `json:"local"` // ip:port the connection or datagram arrived on
	LocalIP    string `json:"localIP"`
	LocalPort  int    `json:"localPort"`
	// TTL of the arriving packets (IPv6: hop limit); 0 when it could not be read, then TTLError says why.
	TTL       int    `json:"ttl"`
	TTLSource string `json:"ttlSource,omitempty"`
	TTLError  string `json:"ttlError,omitempty"`
	// Echo is the client's message, returned unchanged.
	Echo   string    `json:"echo,omitempty"`
	HTTP   *HTTPSeen `json:"http,omitempty"`
	Server Identity  `json:"server"`
	// Seq and Of number the chunks of a streamed answer (Server-Sent Events): chunk Seq of Of.
	Seq int `json:"seq,omitempty"`
	Of  int `json:"of,omitempty"`
}

// HTTPSeen is what the HTTP echo saw of the request (the ingress checks assert Host and Path).
type HTTPSeen struct {
	Method string `json:"method"`
	Host   string `json:"host"`
	Path   string `json:"path"`
	// Query is the request's query string, as it arrived (an attack a WAF let through shows here).
	Query string `json:"query,omitempty"`
	// XForwardedFor is set when a proxy (an ingress controller) added it.
	XForwardedFor string `json:"xForwardedFor,omitempty"`
	// Hops is the hop header (X-Netlab-Hops) as it arrived: "name@source,..." from each proxy of
	// a chain that appends to it (the DMZ's WAF).
	Hops string `json:"hops,omitempty"`
	// Served is how many requests for this Host and path this server has answered since it
	// started, this one included: a backend's request counter, which the DMZ check reads before
	// and after an attack to see whether the attack reached it. 0 when the server no longer
	// counts new Host and path pairs (it keeps at most maxServedKeys).
	Served int64 `json:"served,omitempty"`
}

// Result is what a client prints: the server's report plus the client-side facts.
type Result struct {
	Proto  string `json:"proto"`
	Target string `json:"target"`           // as given
	Addr   string `json:"addr,omitempty"`   // the address actually dialed, after the guard
	OK     bool   `json:"ok"`               // the server answered with a report
	Error  string `json:"error,omitempty"`  // why not
	Source string `json:"source,omitempty"` // local ip:port the client used
	// RTTMillis is the time from sending the request to the complete reply (TCP: excluding connect).
	RTTMillis     float64  `json:"rttMillis"`
	ConnectMillis float64  `json:"connectMillis,omitempty"`
	Client        Identity `json:"client"`
	Server        *Report  `json:"server,omitempty"`
	HTTPStatus    int      `json:"httpStatus,omitempty"`
	// TLS is the server's side of an https:// call's handshake, as the client saw it.
	TLS *TLSSeen `json:"tls,omitempty"`
	// Stream is what a streamed answer (Server-Sent Events) looked like when it arrived.
	Stream *StreamSeen `json:"stream,omitempty"`
	// RelayStop names the hop of a chain (Client.Chain) that could not reach its next leg.
	RelayStop *RelayStop `json:"relayStop,omitempty"`
}

// StreamSeen is a streamed answer as the client received it: how many chunks, and when each
// arrived, in milliseconds after the request was sent. Chunks that arrive together (buffered by a
// proxy on the way) have the same or close offsets; a stream that really streams spreads them.
type StreamSeen struct {
	Chunks    int       `json:"chunks"`
	Of        int       `json:"of"` // how many the server said it would send
	AtMillis  []float64 `json:"atMillis"`
	Completed bool      `json:"completed"` // the server's closing event arrived
}

// SpreadMillis is the time between the first and the last chunk.
func (s *StreamSeen) SpreadMillis() float64 {
	if s == nil || len(s.AtMillis) < 2 {
		return 0
	}
	return s.AtMillis[len(s.AtMillis)-1] - s.AtMillis[0]
}

// TLSSeen is what an https:// client saw of the server's certificate. The probe does not verify
// it (it has no roots to trust): it reports the leaf, and the check verifies it against the lab's
// CA (package labca).
type TLSSeen struct {
	Version    string   `json:"version"`
	ServerName string   `json:"serverName"` // the SNI sent
	Subject    string   `json:"subject"`
	Issuer     string   `json:"issuer"`
	DNSNames   []string `json:"dnsNames,omitempty"`
	LeafPEM    string   `json:"leafPEM"`
}

// DNSResult is the outcome of one DNS look-up.
type DNSResult struct {
	Name      string   `json:"name"`
	Server    string   `json:"server"` // ip:port asked
	Type      string   `json:"type"`   // A, AAAA or ip (both)
	Answers   []string `json:"answers"`
	NXDomain  bool     `json:"nxdomain"`
	OK        bool     `json:"ok"` // an answer or an authoritative NXDOMAIN came back
	Error     string   `json:"error,omitempty"`
	RTTMillis float64  `json:"rttMillis"`
}

func splitAddr(a net.Addr) (ip string, port int) {
	if a == nil {
		return "", 0
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap().String(), int(ap.Port())
	}
	h, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String(), 0
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

func fillAddrs(r *Report, remote, local net.Addr) {
	r.RemoteIP, r.RemotePort = splitAddr(remote)
	r.LocalIP, r.LocalPort = splitAddr(local)
	r.Remote = net.JoinHostPort(r.RemoteIP, strconv.Itoa(r.RemotePort))
	r.Local = net.JoinHostPort(r.LocalIP, strconv.Itoa(r.LocalPort))
}

// Package probe is netlab's network probe: echo servers that report what they saw (the remote
// address, the TTL of the arriving packets, the local address the connection arrived on and the
// server's own identity), clients for TCP, HTTP, UDP and DNS, a bounded bulk TCP stream and a
// request/response latency test, and a Guard that refuses any target outside the lab's own CIDRs.
//
// The same code runs as `netlab probe ...` inside Pods (a FROM scratch image) and in-process, in
// network namespaces, for the baseline measurement. Every client call and every server-side
// session is bounded in time (and, for streams, in bytes) and stops by itself.
//
// See docs/probe.md for how the TTL is read (TCP_SAVE_SYN for TCP, IP_RECVTTL for UDP) and for
// the measured agreement of the bulk stream with iperf3.
package probe

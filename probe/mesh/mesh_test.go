package mesh

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/netlab-dev/netlab/probe"
)

// Plain gRPC over loopback: the call answers, the server names itself and sees the caller's
// address, and reports no mTLS (there was none).
func TestCallPlain(t *testing.T) {
	id := probe.Identity{PodName: "echo-1", ClusterName: "west"}
	s, err := NewServer(id, false)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(lis) }()
	defer s.Stop()
	g, err := probe.NewGuard()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Call(context.Background(), g, lis.Addr().String(), 5*time.Second)
	if err != nil || !res.OK || res.Reply == nil {
		t.Fatalf("%+v %v", res, err)
	}
	if res.Reply.Server.ClusterName != "west" || res.Reply.MTLS || res.Reply.PeerSPIFFE != "" || !strings.HasPrefix(res.Reply.PeerAddr, "127.0.0.1:") {
		t.Errorf("reply %+v", res.Reply)
	}
}

// Nothing listens: the call fails, bounded, and says so.
func TestCallRefused(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	g, _ := probe.NewGuard()
	start := time.Now()
	res, err := Call(context.Background(), g, addr, 3*time.Second)
	if err == nil || res.OK || res.Error == "" || time.Since(start) > 4*time.Second {
		t.Fatalf("%+v %v after %s", res, err, time.Since(start))
	}
}

// A target outside the allowed ranges is refused before any packet.
func TestCallGuarded(t *testing.T) {
	g, _ := probe.NewGuard("10.0.0.0/16")
	res, err := Call(context.Background(), g, "192.0.2.1:7070", 2*time.Second)
	if err == nil || res.OK || !strings.Contains(res.Error, "192.0.2.1") {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestPeerIdentity(t *testing.T) {
	u, _ := url.Parse("spiffe://cluster.local/ns/netlab-checks/sa/default")
	cert := &x509.Certificate{URIs: []*url.URL{u}}
	info := credentials.TLSInfo{State: tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}}
	if ok, id := peerIdentity(info); !ok || id != u.String() {
		t.Errorf("%v %q", ok, id)
	}
	if ok, id := peerIdentity(credentials.TLSInfo{}); ok || id != "" {
		t.Errorf("TLS without a client certificate: %v %q", ok, id)
	}
	if ok, _ := peerIdentity(nil); ok {
		t.Error("no TLS read as mTLS")
	}
}

// Package mesh is the probe as a proxyless gRPC workload of an Istio mesh: a server that answers
// one call with what it saw of its caller (the caller's SPIFFE identity when the call came over
// mTLS), and a client that makes that call. Under Istio's grpc-agent injection template the Pod
// runs pilot-agent beside the probe, without Envoy: pilot-agent writes gRPC's xDS bootstrap
// (GRPC_XDS_BOOTSTRAP) and serves the workload's certificates, and gRPC's xDS resolver and
// credentials take listeners, routes, endpoints and the mTLS configuration from istiod.
//
// Without the xDS bootstrap (outside the mesh, and in tests) the same server and client speak
// plain gRPC: that is the negative control's plaintext client.
//
// The call is a hand-written service (netlab.probe.Mesh/Who) whose messages are protobuf's
// StringValue holding JSON, so that no generated code is needed.
package mesh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	xdscreds "google.golang.org/grpc/credentials/xds"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/xds"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/netlab-dev/netlab/probe"
)

// Method is the gRPC method the server answers.
const Method = "/netlab.probe.Mesh/Who"

// Reply and Result are the probe's report types (package probe), shared with the checks, which
// do not link gRPC's xDS client.
type (
	Reply  = probe.GRPCReply
	Result = probe.GRPCResult
)

// whoServer is the service's handler type.
type whoServer interface {
	Who(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
}

var serviceDesc = grpc.ServiceDesc{
	ServiceName: "netlab.probe.Mesh",
	HandlerType: (*whoServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Who",
		Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			if icpt == nil {
				return srv.(whoServer).Who(ctx, in)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: Method}
			return icpt(ctx, in, info, func(ctx context.Context, req any) (any, error) {
				return srv.(whoServer).Who(ctx, req.(*wrapperspb.StringValue))
			})
		},
	}},
	Metadata: "netlab/probe/mesh",
}

type server struct{ id probe.Identity }

func (s server) Who(ctx context.Context, _ *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	r := Reply{Server: s.id}
	if p, ok := peer.FromContext(ctx); ok {
		if p.Addr != nil {
			r.PeerAddr = p.Addr.String()
		}
		r.MTLS, r.PeerSPIFFE = peerIdentity(p.AuthInfo)
	}
	data, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return wrapperspb.String(string(data)), nil
}

// peerIdentity reads a TLS peer's first certificate: whether the client presented one, and its
// SPIFFE URI.
func peerIdentity(ai credentials.AuthInfo) (bool, string) {
	tls, ok := ai.(credentials.TLSInfo)
	if !ok || len(tls.State.PeerCertificates) == 0 {
		return false, ""
	}
	if tls.SPIFFEID != nil {
		return true, tls.SPIFFEID.String()
	}
	for _, u := range tls.State.PeerCertificates[0].URIs {
		if u.Scheme == "spiffe" {
			return true, u.String()
		}
	}
	return true, ""
}

// Server serves the call on a listener.
type Server interface {
	Serve(lis net.Listener) error
	Stop()
}

// NewServer is the server. With useXDS, an xDS-enabled gRPC server with xDS credentials (plain
// gRPC when istiod sends no security configuration); otherwise plain gRPC.
func NewServer(id probe.Identity, useXDS bool) (Server, error) {
	if !useXDS {
		s := grpc.NewServer()
		s.RegisterService(&serviceDesc, server{id: id})
		return s, nil
	}
	creds, err := xdscreds.NewServerCredentials(xdscreds.ServerOptions{FallbackCreds: insecure.NewCredentials()})
	if err != nil {
		return nil, err
	}
	s, err := xds.NewGRPCServer(grpc.Creds(creds))
	if err != nil {
		return nil, fmt.Errorf("xDS gRPC server (is GRPC_XDS_BOOTSTRAP set, and pilot-agent up?): %w", err)
	}
	s.RegisterService(&serviceDesc, server{id: id})
	return s, nil
}

// Call makes one call to target: "xds:///name.namespace.svc.cluster.local:port" through the mesh
// (resolved by istiod, with xDS credentials), or "host:port" in plain gRPC. Every connection the
// client opens goes through guard, which refuses addresses outside the lab. The call is bounded
// by timeout.
func Call(ctx context.Context, guard *probe.Guard, target string, timeout time.Duration) (Result, error) {
	res := Result{Target: target}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	creds := insecure.NewCredentials()
	if isXDS(target) {
		c, err := xdscreds.NewClientCredentials(xdscreds.ClientOptions{FallbackCreds: insecure.NewCredentials()})
		if err != nil {
			return fail(res, err)
		}
		creds = c
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(creds),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return guard.DialContext(ctx, "tcp", addr)
		}))
	if err != nil {
		return fail(res, err)
	}
	defer conn.Close()
	start := time.Now()
	out := new(wrapperspb.StringValue)
	// Through the mesh, wait for istiod's answers; in plain gRPC a refused handshake is the answer.
	if err := conn.Invoke(ctx, Method, wrapperspb.String(""), out, grpc.WaitForReady(isXDS(target))); err != nil {
		return fail(res, err)
	}
	res.RTTMs = float64(time.Since(start).Microseconds()) / 1000
	var r Reply
	if err := json.Unmarshal([]byte(out.GetValue()), &r); err != nil {
		return fail(res, fmt.Errorf("the server's reply: %w", err))
	}
	res.OK, res.Reply = true, &r
	return res, nil
}

func isXDS(target string) bool { return len(target) > 7 && target[:7] == "xds:///" }

func fail(r Result, err error) (Result, error) {
	if err == nil {
		err = errors.New("no reply")
	}
	r.Error = err.Error()
	return r, err
}

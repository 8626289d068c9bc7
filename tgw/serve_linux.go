//go:build linux

package tgw

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"

	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/datapath"
)

// ServeOptions configure Serve.
type ServeOptions struct {
	Listen string // address of the EC2 API, e.g. 0.0.0.0:4566
	// APIFrom says who may connect to the API: APIFromHost ("" too) or APIFromAny.
	APIFrom string
	// APIHosts are the Docker host's addresses on the container's networks: under APIFromHost they
	// may connect too, besides loopback and the default gateways (a published port can reach the
	// container through another network than the one of its default route).
	APIHosts []netip.Addr
	// Credentials are the only access key the API accepts (SigV4-verified); nil accepts any signed
	// request (a TGW run by hand).
	Credentials *api.Credentials
	StateFile   string // the state file (a volume path in the container); "" keeps state in memory
	// NetNS is the path of the network namespace whose kernel the TGW programs; "" is the current one
	// (the container's).
	NetNS string
	// NoDatapath serves the API and keeps the state without touching the kernel.
	NoDatapath bool
	// Resync is how often the kernel is reconciled again (interfaces joined after start, state
	// changed behind the server's back); 0 means every 5 s.
	Resync time.Duration
	Logf   func(format string, args ...any)
	// Ready, if set, receives the API's listening address once it accepts connections.
	Ready func(addr string)
}

// Serve loads the state, reconciles the kernel to it, serves the EC2 API until ctx ends, then shuts
// down (in-flight requests get 5 s).
func Serve(ctx context.Context, o ServeOptions) error {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Resync == 0 {
		o.Resync = 5 * time.Second
	}
	var dp api.Datapath
	if !o.NoDatapath {
		k := &datapath.Kernel{Sysctls: true}
		if o.NetNS != "" {
			n, err := ns.GetNS(o.NetNS)
			if err != nil {
				return fmt.Errorf("network namespace %s: %w", o.NetNS, err)
			}
			defer n.Close()
			k.NS = n
		}
		dp = k
	}
	srv, err := api.New(api.Options{StateFile: o.StateFile, Datapath: dp, Logf: o.Logf, Credentials: o.Credentials})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", o.Listen, err)
	}
	hosts := func() []netip.Addr { return append(defaultGateways(), o.APIHosts...) }
	switch o.APIFrom {
	case "", APIFromHost:
		if !o.NoDatapath { // --no-datapath touches no kernel state: the accept-time check alone
			if err := refuseOthers(l, hosts(), o.Logf); err != nil {
				l.Close()
				return err
			}
			defer func() {
				if err := removeAPIFilter(nil); err != nil {
					o.Logf("tgw: %v", err)
				}
			}()
		}
		l = fromHost{Listener: l, gateways: hosts, logf: o.Logf}
	case APIFromAny:
	default:
		l.Close()
		return fmt.Errorf("api-from %q: use %s or %s", o.APIFrom, APIFromHost, APIFromAny)
	}
	if o.Credentials == nil {
		o.Logf("tgw: no credentials given: the API accepts any signed request")
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	o.Logf("tgw: EC2 API on http://%s (state %s)", l.Addr(), or(o.StateFile, "in memory"))
	if o.Ready != nil {
		o.Ready(l.Addr().String())
	}
	tick := time.NewTicker(o.Resync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := hs.Shutdown(sctx)
			o.Logf("tgw: stopped")
			return err
		case err := <-errc:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		case <-tick.C:
			if dp != nil {
				// Idempotent. The server logs a problem once and keeps it for GET /netlab/routes
				// (datapathError); the next tick tries again, so there is nothing more to do here.
				_ = srv.Reconcile()
			}
		}
	}
}

// refuseOthers installs APIFilterTable in the server's own network namespace for l's port and the
// host's addresses gws, so that connections from elsewhere are refused before they are accepted.
func refuseOthers(l net.Listener, gws []netip.Addr, logf func(format string, args ...any)) error {
	a, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("api-from %s: the API listens on %s, not a TCP address", APIFromHost, l.Addr())
	}
	n, err := installAPIFilter(nil, uint16(a.Port), gws)
	if err != nil {
		return err
	}
	logf("tgw: API port %d refused at the packet level except from loopback and %v (nftables table %s, %d rules)", a.Port, gws, APIFilterTable, n)
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

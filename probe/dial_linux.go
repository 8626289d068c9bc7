package probe

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"

	"github.com/containernetworking/plugins/pkg/ns"
	"golang.org/x/sys/unix"
)

// procNetNS is the process's network namespace, read at start-up, before any thread switches.
// (/proc/self/ns/net is the main thread's, and ns.Do may run on the main thread.)
var procNetNS, procNetNSErr = func() (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Stat("/proc/self/ns/net", &st)
	return st, err
}()

// dialFunc dials one address.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// hereDialer returns a dial function that creates its sockets in the network namespace of the
// calling thread, whichever goroutine later calls it, and a release function.
//
// Go's HTTP transport and DNS resolver dial from goroutines of their own, which may run on any
// thread of the process, and those threads are in the process's namespace. A client called
// inside ns.Do (the baseline, the datapath tests) would otherwise send its HTTP and DNS traffic
// out of the host's namespace instead of the one it was called in.
func hereDialer() (dialFunc, func(), error) {
	var d net.Dialer
	plain := func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var here unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid()), &here); err != nil {
		return nil, nil, fmt.Errorf("current network namespace: %w", err)
	}
	if procNetNSErr == nil && here.Ino == procNetNS.Ino && here.Dev == procNetNS.Dev {
		return plain, func() {}, nil // the process's own namespace: every thread is in it
	}
	cur, err := ns.GetCurrentNS()
	if err != nil {
		return nil, nil, fmt.Errorf("current network namespace: %w", err)
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		err := cur.Do(func(ns.NetNS) error {
			var err error
			c, err = d.DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}
	return dial, func() { cur.Close() }, nil
}

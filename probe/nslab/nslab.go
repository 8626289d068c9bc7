//go:build linux

// Package nslab builds small throwaway network topologies out of network namespaces, veth pairs,
// bridges and VXLAN devices, for the probe's datapath tests and for the baseline measurement
// (two plain namespaces joined by a veth pair: the figure no CNI can beat).
//
// It needs root and iproute2 (`ip`). Every namespace it creates is deleted by Close. Nothing it
// builds touches the host's own interfaces or routes: all links live inside its namespaces.
package nslab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
)

// Lab is a set of named network namespaces.
type Lab struct {
	mu    sync.Mutex
	nss   map[string]ns.NetNS
	order []string
}

// New returns an empty lab.
func New() *Lab { return &Lab{nss: map[string]ns.NetNS{}} }

// Add creates namespaces with the given logical names, with loopback up.
func (l *Lab) Add(names ...string) error {
	for _, name := range names {
		b := make([]byte, 5)
		rand.Read(b)
		real := "netlab-" + name + "-" + hex.EncodeToString(b)
		if len(real) > 60 {
			real = "netlab-" + hex.EncodeToString(b)
		}
		if _, err := run("ip", "netns", "add", real); err != nil {
			return fmt.Errorf("netns %s: %w", name, err)
		}
		n, err := ns.GetNS("/var/run/netns/" + real)
		if err != nil {
			_, _ = run("ip", "netns", "del", real) // best effort; the error below says what failed
			return fmt.Errorf("netns %s: %w", name, err)
		}
		l.mu.Lock()
		l.nss[name] = n
		l.order = append(l.order, name)
		l.mu.Unlock()
		if err := l.IP(name, "link", "set", "lo", "up"); err != nil {
			return err
		}
	}
	return nil
}

// NS returns the namespace with a logical name (nil when unknown).
func (l *Lab) NS(name string) ns.NetNS {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nss[name]
}

// Name is the namespace's name under /var/run/netns (for `ip -n` and `ip netns exec`).
func (l *Lab) Name(name string) string {
	n := l.NS(name)
	if n == nil {
		return "unknown-netns-" + name
	}
	return filepath.Base(n.Path())
}

// Do runs f inside the namespace.
func (l *Lab) Do(name string, f func() error) error {
	n := l.NS(name)
	if n == nil {
		return fmt.Errorf("no namespace %q in this lab", name)
	}
	return n.Do(func(ns.NetNS) error { return f() })
}

// IP runs `ip -n NS args...`.
func (l *Lab) IP(name string, args ...string) error {
	_, err := run(append([]string{"ip", "-n", l.Name(name)}, args...)...)
	return err
}

// Exec runs a command inside the namespace (`ip netns exec`) and returns its standard output.
func (l *Lab) Exec(name string, argv ...string) ([]byte, error) {
	return run(append([]string{"ip", "netns", "exec", l.Name(name)}, argv...)...)
}

// Command returns an unstarted command that runs inside the namespace.
func (l *Lab) Command(ctx context.Context, name string, argv ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", l.Name(name)}, argv...)...)
}

func run(argv ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// Veth joins namespace a (interface ifA, address addrA as CIDR, "" for none) and b with a veth
// pair and brings both ends up.
func (l *Lab) Veth(a, ifA, addrA, b, ifB, addrB string) error {
	tmp := fmt.Sprintf("nlv%d", time.Now().UnixNano()%1_000_000_000)
	steps := [][]string{
		{"link", "add", ifA, "type", "veth", "peer", "name", tmp},
		{"link", "set", tmp, "netns", l.Name(b)},
	}
	for _, s := range steps {
		if err := l.IP(a, s...); err != nil {
			return err
		}
	}
	if err := l.IP(b, "link", "set", tmp, "name", ifB); err != nil {
		return err
	}
	for _, e := range []struct{ ns, dev, addr string }{{a, ifA, addrA}, {b, ifB, addrB}} {
		if e.addr != "" {
			if err := l.IP(e.ns, "addr", "add", e.addr, "dev", e.dev); err != nil {
				return err
			}
		}
		if err := l.IP(e.ns, "link", "set", e.dev, "up"); err != nil {
			return err
		}
	}
	return nil
}

// Sysctl sets a sysctl inside the namespace (net.* sysctls are per namespace).
func (l *Lab) Sysctl(name, key, value string) error {
	_, err := l.Exec(name, "sysctl", "-q", "-w", key+"="+value)
	return err
}

// Close deletes every namespace of the lab.
func (l *Lab) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []string
	for i := len(l.order) - 1; i >= 0; i-- {
		n := l.nss[l.order[i]]
		real := filepath.Base(n.Path())
		n.Close()
		if _, err := run("ip", "netns", "del", real); err != nil {
			errs = append(errs, err.Error())
		}
	}
	l.nss, l.order = map[string]ns.NetNS{}, nil
	if len(errs) > 0 {
		return fmt.Errorf("nslab close: %s", strings.Join(errs, "; "))
	}
	return nil
}

// Addresses of the pair built by NewPair: RFC 2544's benchmarking range, never routed.
const (
	PairClientIP = "198.18.0.1"
	PairServerIP = "198.18.0.2"
	PairCIDR     = "198.18.0.0/30"
)

// NewPair builds the baseline topology: namespaces "client" and "server" joined by a veth pair
// (eth0 on both sides) with the addresses PairClientIP and PairServerIP.
func NewPair() (*Lab, error) {
	l := New()
	if err := l.Add("client", "server"); err != nil {
		l.Close()
		return nil, err
	}
	if err := l.Veth("client", "eth0", PairClientIP+"/30", "server", "eth0", PairServerIP+"/30"); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Package preflight checks, before anything is created, that this host can run a plan: kernel
// features for each cluster's datapath, a reachable Docker engine, enough memory and disk.
// A missing feature is reported by name, at once; nothing waits or hangs on it.
package preflight

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"unsafe"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Feature is the result of probing one kernel feature.
type Feature struct {
	Name    string `json:"name"`
	Present bool   `json:"present"`
	// How says how presence was decided (a real probe, or a weaker file check).
	How    string `json:"how"`
	Detail string `json:"detail,omitempty"`
}

// Known lists the features ProbeKernel understands; the planner's KernelFeatures use these names.
var Known = []string{"bpf", "bridge", "cgroup2", "ip_vs", "ipip", "iptables", "linux-5.10", "nf_tables", "veth", "vxlan"}

// ProbeKernel probes each named feature. Where it can, it asks the kernel for the real thing in a
// throwaway network namespace (create a vxlan, ipip, bridge or veth link; resolve the IPVS netlink
// family), which also triggers module autoloading on hosts that allow it. Without root it falls
// back to /sys/module, which is weaker, and says so in How.
func ProbeKernel(names []string) []Feature {
	var out []Feature
	root := os.Geteuid() == 0
	var h *netlink.Handle
	var cleanup func()
	if root {
		var err error
		h, cleanup, err = throwawayNS()
		if err != nil {
			root = false
		} else {
			defer cleanup()
		}
	}
	for _, name := range names {
		f := Feature{Name: name}
		switch {
		case !contains(Known, name):
			f.How, f.Detail = "unknown", "netlab does not know how to probe this feature"
		case name == "bpf":
			f.Present, f.Detail = probeBPF()
			f.How = "bpf(BPF_MAP_CREATE)"
		case name == "cgroup2":
			f.Present, f.Detail = probeCgroup2("/sys/fs/cgroup")
			f.How = "statfs(/sys/fs/cgroup)"
		case name == "linux-5.10":
			f.Present, f.Detail = probeRelease(5, 10)
			f.How = "uname"
		case name == "nf_tables" || name == "iptables":
			f.Present, f.How, f.Detail = probeNFTables(name)
		case root:
			f.Present, f.How, f.Detail = probeNetlink(h, name)
		default:
			f.Present = moduleLoaded(name)
			f.How = "/sys/module (not root: no real probe)"
		}
		out = append(out, f)
	}
	return out
}

// throwawayNS creates a network namespace that no process lives in, and a netlink handle inside it.
func throwawayNS() (*netlink.Handle, func(), error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		return nil, nil, err
	}
	defer orig.Close()
	ns, err := netns.New() // switches this thread into the new namespace
	if setErr := netns.Set(orig); setErr != nil {
		// The thread is stuck in the new namespace; keep it locked so Go retires it.
		runtime.LockOSThread()
		return nil, nil, fmt.Errorf("cannot return to the original namespace: %w", setErr)
	}
	if err != nil {
		return nil, nil, err
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		ns.Close()
		return nil, nil, err
	}
	return h, func() { h.Close(); ns.Close() }, nil
}

func probeNetlink(h *netlink.Handle, name string) (bool, string, string) {
	var link netlink.Link
	attrs := netlink.LinkAttrs{Name: "nlprobe0"}
	switch name {
	case "vxlan":
		link = &netlink.Vxlan{LinkAttrs: attrs, VxlanId: 42, Port: 4789}
	case "ipip":
		link = &netlink.Iptun{LinkAttrs: attrs}
	case "bridge":
		link = &netlink.Bridge{LinkAttrs: attrs}
	case "veth":
		link = &netlink.Veth{LinkAttrs: attrs, PeerName: "nlprobe1"}
	case "ip_vs":
		if _, err := h.GenlFamilyGet("IPVS"); err != nil {
			return false, "netlink family IPVS", err.Error()
		}
		return true, "netlink family IPVS", ""
	}
	how := "create a " + name + " link in a throwaway netns"
	if err := h.LinkAdd(link); err != nil {
		return false, how, err.Error()
	}
	_ = h.LinkDel(link)
	return true, how, ""
}

// probeNFTables asks the nf_tables netlink subsystem for its generation id (NFT_MSG_GETGEN). It
// answers exactly when the kernel has nf_tables, built in or as a module; no tool is needed.
// iptables is satisfied by nf_tables (iptables-nft, what kind nodes use) or by legacy ip_tables.
func probeNFTables(name string) (bool, string, string) {
	ok, detail := nftGetGen()
	if name == "iptables" && !ok && moduleLoaded("ip_tables") {
		return true, "/sys/module/ip_tables (legacy iptables)", ""
	}
	return ok, "netlink NFT_MSG_GETGEN", detail
}

func nftGetGen() (bool, string) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
	if err != nil {
		return false, "netlink netfilter socket: " + err.Error()
	}
	defer unix.Close(fd)
	tv := unix.Timeval{Sec: 2}
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	const nfnlSubsysNFTables, nftMsgGetGen = 10, 16
	msg := make([]byte, unix.NLMSG_HDRLEN+4)
	hdr := (*unix.NlMsghdr)(unsafe.Pointer(&msg[0]))
	hdr.Len = uint32(len(msg))
	hdr.Type = nfnlSubsysNFTables<<8 | nftMsgGetGen
	hdr.Flags = unix.NLM_F_REQUEST | unix.NLM_F_ACK
	hdr.Seq = 1
	// nfgenmsg: family AF_UNSPEC, version 0, res_id 0
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return false, "send: " + err.Error()
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return false, "receive: " + err.Error()
	}
	if n < unix.NLMSG_HDRLEN {
		return false, "short reply"
	}
	reply := (*unix.NlMsghdr)(unsafe.Pointer(&buf[0]))
	if reply.Type == unix.NLMSG_ERROR && n >= unix.NLMSG_HDRLEN+4 {
		if code := *(*int32)(unsafe.Pointer(&buf[unix.NLMSG_HDRLEN])); code != 0 {
			return false, unix.Errno(-code).Error()
		}
	}
	return true, ""
}

// probeCgroup2 says whether dir is the unified cgroup v2 hierarchy.
func probeCgroup2(dir string) (bool, string) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false, err.Error()
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		return false, fmt.Sprintf("%s is not cgroup2fs (filesystem magic %#x): the host runs cgroup v1 or the hybrid hierarchy", dir, st.Type)
	}
	return true, ""
}

// probeRelease says whether the running kernel is at least major.minor.
func probeRelease(major, minor int) (bool, string) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return false, err.Error()
	}
	return releaseAtLeast(unix.ByteSliceToString(u.Release[:]), major, minor)
}

func releaseAtLeast(release string, major, minor int) (bool, string) {
	var maj, min int
	if _, err := fmt.Sscanf(release, "%d.%d", &maj, &min); err != nil {
		return false, fmt.Sprintf("kernel release %q does not parse", release)
	}
	if maj > major || (maj == major && min >= minor) {
		return true, ""
	}
	return false, fmt.Sprintf("kernel %s is older than %d.%d", release, major, minor)
}

// probeBPF creates (and closes) a one-entry BPF array map.
func probeBPF() (bool, string) {
	attr := struct {
		mapType, keySize, valueSize, maxEntries, flags uint32
	}{2 /* BPF_MAP_TYPE_ARRAY */, 4, 4, 1, 0}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, 0 /* BPF_MAP_CREATE */, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	if errno != 0 {
		return false, errno.Error()
	}
	unix.Close(int(fd))
	return true, ""
}

func moduleLoaded(name string) bool {
	_, err := os.Stat("/sys/module/" + name)
	return err == nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// why tells which scenario choice needs a feature, for the error message.
var why = map[string]string{
	"ip_vs":      "kube-proxy mode ipvs",
	"ipip":       "Calico IPIP encapsulation",
	"vxlan":      "VXLAN encapsulation",
	"bpf":        "Cilium's eBPF datapath",
	"linux-5.10": "Cilium 1.18 and later (their minimum kernel)",
	"cgroup2":    "Cilium's socket load balancing, which its kube-proxy replacement uses; on kind nodes it needs the unified cgroup v2 hierarchy, per Cilium's kind guide",
	"nf_tables":  "kube-proxy mode nftables",
	"iptables":   "kube-proxy mode iptables",
	"bridge":     "the node bridge of the CNI",
	"veth":       "Pod network interfaces",
}

// fix tells the user what to do instead.
var fix = map[string]string{
	"ip_vs":      "set kubeProxy.mode to iptables or nftables, or run on a host whose kernel has the ip_vs module",
	"ipip":       "set cni.mode to vxlan (the mode that works on this kernel), or run on a host whose kernel has the ipip module",
	"vxlan":      "choose a native-routing CNI mode (flannel host-gw, calico bgp, cilium native)",
	"bpf":        "choose flannel or calico, or run on a host that allows the bpf() system call",
	"linux-5.10": "choose flannel or calico, or run on a host with Linux 5.10 or later",
	"cgroup2":    "set kubeProxy.mode to iptables or nftables (Cilium beside kube-proxy), or run on a host booted with the unified cgroup v2 hierarchy",
	"nf_tables":  "set kubeProxy.mode to iptables",
	"iptables":   "run on a host with iptables or nf_tables support",
}

// MissingKernelFeature is a preflight failure: a cluster needs a feature this kernel lacks.
type MissingKernelFeature struct {
	Cluster string
	Feature Feature
}

func (m MissingKernelFeature) Error() string {
	s := fmt.Sprintf("cluster %s needs the kernel feature %s (for %s), which this host's kernel does not provide (probe: %s",
		m.Cluster, m.Feature.Name, why[m.Feature.Name], m.Feature.How)
	if m.Feature.Detail != "" {
		s += ": " + m.Feature.Detail
	}
	s += ")"
	if f := fix[m.Feature.Name]; f != "" {
		s += "; " + f
	}
	return s
}

// CheckKernel probes the union of the clusters' features once and returns one error per cluster and
// missing feature, joined; nil when every cluster can run.
func CheckKernel(needs map[string][]string) error {
	set := map[string]bool{}
	for _, fs := range needs {
		for _, f := range fs {
			set[f] = true
		}
	}
	var names []string
	for f := range set {
		names = append(names, f)
	}
	sort.Strings(names)
	results := map[string]Feature{}
	for _, f := range ProbeKernel(names) {
		results[f.Name] = f
	}
	var clusters []string
	for c := range needs {
		clusters = append(clusters, c)
	}
	sort.Strings(clusters)
	var errs []error
	for _, c := range clusters {
		for _, f := range needs[c] {
			if r := results[f]; !r.Present {
				errs = append(errs, MissingKernelFeature{Cluster: c, Feature: r})
			}
		}
	}
	return errors.Join(errs...)
}

package preflight

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/testenv"
)

// The netlink probes must agree with an independent oracle: iproute2 creating the same link type in
// a fresh network namespace. This holds on any host, whichever features it has.
func TestLinkProbesAgreeWithIproute2(t *testing.T) {
	testenv.RequireRoot(t)
	unshare := testenv.RequireCommand(t, "unshare")
	ip := testenv.RequireCommand(t, "ip")
	args := map[string][]string{
		"vxlan":  {"link", "add", "p0", "type", "vxlan", "id", "42", "dstport", "4789"},
		"ipip":   {"link", "add", "p0", "type", "ipip"},
		"bridge": {"link", "add", "p0", "type", "bridge"},
		"veth":   {"link", "add", "p0", "type", "veth", "peer", "name", "p1"},
	}
	for _, f := range ProbeKernel([]string{"vxlan", "ipip", "bridge", "veth"}) {
		err := exec.Command(unshare, append([]string{"--net", ip}, args[f.Name]...)...).Run()
		if f.Present != (err == nil) {
			t.Errorf("%s: probe says present=%v (%s: %s), iproute2 says err=%v", f.Name, f.Present, f.How, f.Detail, err)
		}
		if !strings.Contains(f.How, "throwaway netns") {
			t.Errorf("%s: as root the probe must be a real one, got %q", f.Name, f.How)
		}
	}
}

// IPVS: the netlink family exists exactly when /proc/net/ip_vs does (the module registers both).
func TestIPVSProbeAgreesWithProc(t *testing.T) {
	testenv.RequireRoot(t)
	f := ProbeKernel([]string{"ip_vs"})[0]
	_, err := exec.Command("test", "-e", "/proc/net/ip_vs").CombinedOutput()
	if f.Present != (err == nil) {
		t.Fatalf("ip_vs probe present=%v (%s), /proc/net/ip_vs exists=%v", f.Present, f.Detail, err == nil)
	}
}

func TestUnknownFeatureIsNotPresent(t *testing.T) {
	f := ProbeKernel([]string{"warp_drive"})[0]
	if f.Present || f.How != "unknown" {
		t.Fatalf("unknown feature: %+v", f)
	}
}

func TestMissingFeatureMessageNamesFeatureAndFix(t *testing.T) {
	err := MissingKernelFeature{Cluster: "ipvs", Feature: Feature{Name: "ip_vs", How: "netlink family IPVS", Detail: "no such file or directory"}}
	want := "cluster ipvs needs the kernel feature ip_vs (for kube-proxy mode ipvs), which this host's kernel does not provide (probe: netlink family IPVS: no such file or directory); set kubeProxy.mode to iptables or nftables, or run on a host whose kernel has the ip_vs module"
	if err.Error() != want {
		t.Fatalf("got  %s\nwant %s", err.Error(), want)
	}
}

// CheckKernel reports each cluster that needs a missing feature, and nothing for present ones.
func TestCheckKernel(t *testing.T) {
	testenv.RequireRoot(t)
	present := map[string]bool{}
	for _, f := range ProbeKernel(Known) {
		present[f.Name] = f.Present
	}
	err := CheckKernel(map[string][]string{"a": {"veth", "bridge"}, "b": {"ip_vs"}, "c": {"ipip"}})
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if present["veth"] && strings.Contains(msg, "cluster a") {
		t.Errorf("cluster a needs only present features but was reported: %s", msg)
	}
	if present["ip_vs"] == strings.Contains(msg, "cluster b needs the kernel feature ip_vs") {
		t.Errorf("ip_vs present=%v but message: %q", present["ip_vs"], msg)
	}
	if present["ipip"] == strings.Contains(msg, "cluster c needs the kernel feature ipip") {
		t.Errorf("ipip present=%v but message: %q", present["ipip"], msg)
	}
	t.Logf("this host: %v", present)
}

// nf_tables: the netlink probe must agree with the nft tool creating a table in a fresh netns.
func TestNFTablesProbeAgreesWithNft(t *testing.T) {
	testenv.RequireRoot(t)
	nft := testenv.RequireCommand(t, "nft")
	unshare := testenv.RequireCommand(t, "unshare")
	f := ProbeKernel([]string{"nf_tables"})[0]
	err := exec.Command(unshare, "--net", nft, "add", "table", "inet", "probe").Run()
	if f.Present != (err == nil) {
		t.Fatalf("nf_tables probe present=%v (%s), nft says err=%v", f.Present, f.Detail, err)
	}
}

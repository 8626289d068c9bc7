//go:build linux

package tgw

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"

	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// InstallAPIFilter is installAPIFilter, for the namespace test of package tgw_test.
var InstallAPIFilter = installAPIFilter

// verdict runs the chain's rules on a packet (IPv4 source, L4 protocol, destination port) the way
// nftables does for the expressions apiFilterRules uses: the first rule whose matches all hold
// decides; none holding leaves the chain's policy, accept.
func verdict(t *testing.T, rules []apiFilterRule, src netip.Addr, proto byte, dport uint16) string {
	t.Helper()
	for _, r := range rules {
		var reg []byte
		matched := true
		for _, e := range r.exprs {
			if !matched {
				break
			}
			switch e := e.(type) {
			case *expr.Meta:
				if e.Key != expr.MetaKeyL4PROTO {
					t.Fatalf("rule %s: unexpected meta key %v", r.tag, e.Key)
				}
				reg = []byte{proto}
			case *expr.Payload:
				switch {
				case e.Base == expr.PayloadBaseNetworkHeader && e.Offset == 12 && e.Len == 4:
					reg = src.AsSlice()
				case e.Base == expr.PayloadBaseTransportHeader && e.Offset == 2 && e.Len == 2:
					reg = binary.BigEndian.AppendUint16(nil, dport)
				default:
					t.Fatalf("rule %s: unexpected payload %+v", r.tag, e)
				}
			case *expr.Bitwise:
				out := make([]byte, len(reg))
				for i := range reg {
					out[i] = reg[i]&e.Mask[i] ^ e.Xor[i]
				}
				reg = out
			case *expr.Cmp:
				if e.Op != expr.CmpOpEq {
					t.Fatalf("rule %s: unexpected comparison %v", r.tag, e.Op)
				}
				matched = bytes.Equal(reg, e.Data)
			case *expr.Verdict:
				if e.Kind != expr.VerdictAccept {
					t.Fatalf("rule %s: unexpected verdict %v", r.tag, e.Kind)
				}
				return "accept " + r.tag
			case *expr.Reject:
				if e.Type != unix.NFT_REJECT_TCP_RST {
					t.Fatalf("rule %s: reject type %d, want TCP reset", r.tag, e.Type)
				}
				return "reset " + r.tag
			default:
				t.Fatalf("rule %s: unexpected expression %T", r.tag, e)
			}
		}
	}
	return "policy accept"
}

func TestAPIFilterRules(t *testing.T) {
	gw := netip.MustParseAddr("172.18.0.1")
	rules := apiFilterRules(4566, []netip.Addr{netip.MustParseAddr("::ffff:172.18.0.1"), gw,
		netip.MustParseAddr("10.9.0.1"), netip.MustParseAddr("fe80::1"), netip.MustParseAddr("127.0.0.1")})
	var tags []string
	for _, r := range rules {
		tags = append(tags, r.tag)
	}
	// IPv4 gateways only, sorted, once each; loopback has its own rule; the reset comes last
	if want := []string{"loopback", "gateway|10.9.0.1", "gateway|172.18.0.1", "others"}; !slices.Equal(tags, want) {
		t.Fatalf("rules %v, want %v", tags, want)
	}
	const tcp, udp = unix.IPPROTO_TCP, unix.IPPROTO_UDP
	for _, c := range []struct {
		src   string
		proto byte
		port  uint16
		want  string
	}{
		{"127.0.0.1", tcp, 4566, "accept loopback"},
		{"127.45.6.7", tcp, 4566, "accept loopback"},
		{"172.18.0.1", tcp, 4566, "accept gateway|172.18.0.1"},
		{"10.9.0.1", tcp, 4566, "accept gateway|10.9.0.1"},
		{"172.18.0.2", tcp, 4566, "reset others"},  // a neighbour of the gateway
		{"10.244.1.5", tcp, 4566, "reset others"},  // a Pod
		{"128.0.0.1", tcp, 4566, "reset others"},   // just outside 127/8
		{"10.244.1.5", tcp, 4567, "policy accept"}, // another port: not the filter's business
		{"10.244.1.5", udp, 4566, "policy accept"}, // not TCP
	} {
		if got := verdict(t, rules, netip.MustParseAddr(c.src), c.proto, c.port); got != c.want {
			t.Errorf("%s proto %d port %d: %s, want %s", c.src, c.proto, c.port, got, c.want)
		}
	}
	// no gateway known (no default route): only loopback passes
	rules = apiFilterRules(80, nil)
	if got := verdict(t, rules, gw, tcp, 80); got != "reset others" {
		t.Errorf("without gateways, %s: %s, want reset others", gw, got)
	}
	if got := verdict(t, rules, netip.MustParseAddr("127.0.0.1"), tcp, 80); got != "accept loopback" {
		t.Errorf("without gateways, loopback: %s", got)
	}
}

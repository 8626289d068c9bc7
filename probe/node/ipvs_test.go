package node

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// attr encodes one netlink attribute (native-endian header, padded to 4 bytes).
func attr(typ uint16, v []byte) []byte {
	b := make([]byte, 4, 4+len(v)+3)
	binary.NativeEndian.PutUint16(b, uint16(4+len(v)))
	binary.NativeEndian.PutUint16(b[2:], typ)
	b = append(b, v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func ne16(v uint16) []byte { b := make([]byte, 2); binary.NativeEndian.PutUint16(b, v); return b }
func ne32(v uint32) []byte { b := make([]byte, 4); binary.NativeEndian.PutUint32(b, v); return b }
func be16(v uint16) []byte { b := make([]byte, 2); binary.BigEndian.PutUint16(b, v); return b }

// in6 is an address as IPVS carries it: 16 bytes, an IPv4 address in the first four.
func in6(a string) []byte {
	ip := netip.MustParseAddr(a)
	b := make([]byte, 16)
	if ip.Is4() {
		v := ip.As4()
		copy(b, v[:])
	} else {
		v := ip.As16()
		copy(b, v[:])
	}
	return b
}

// genl is a generic netlink message body: genlmsghdr (cmd, version, reserved), then attrs.
func genl(cmd uint8, attrs ...[]byte) []byte {
	b := []byte{cmd, ipvsGenlVersion, 0, 0}
	for _, a := range attrs {
		b = append(b, a...)
	}
	return b
}

func nested(typ uint16, attrs ...[]byte) []byte {
	var in []byte
	for _, a := range attrs {
		in = append(in, a...)
	}
	return attr(typ|0x8000, in) // NLA_F_NESTED, as the kernel sets it
}

func svcMsg(af uint16, proto uint16, addr string, port uint16, sched string) []byte {
	return genl(ipvsCmdGetService, nested(ipvsCmdAttrService,
		attr(ipvsSvcAttrAF, ne16(af)),
		attr(ipvsSvcAttrProtocol, ne16(proto)),
		attr(ipvsSvcAttrAddr, in6(addr)),
		attr(ipvsSvcAttrPort, be16(port)),
		attr(ipvsSvcAttrSchedName, append([]byte(sched), 0)),
		attr(7, make([]byte, 8)), // flags
		attr(8, ne32(0)),
		attr(9, ne32(0xffffffff)),
		nested(10, attr(1, ne32(3))), // IPVS_SVC_ATTR_STATS, ignored
	))
}

func destMsg(addr string, port uint16, weight uint32, af uint16) []byte {
	as := [][]byte{
		attr(ipvsDestAttrAddr, in6(addr)),
		attr(ipvsDestAttrPort, be16(port)),
		attr(3, ne32(0)), // forwarding method: masquerade
		attr(ipvsDestAttrWeight, ne32(weight)),
		attr(7, ne32(2)), // active connections
	}
	if af != 0 {
		as = append(as, attr(ipvsDestAttrAF, ne16(af)))
	}
	return genl(ipvsCmdGetDest, nested(ipvsCmdAttrDest, as...))
}

// The messages kube-proxy's ipvs mode leaves for a ClusterIP Service with two backends, as the
// kernel answers IPVS_CMD_GET_SERVICE and IPVS_CMD_GET_DEST dumps.
func TestParseIPVS(t *testing.T) {
	s, raw, err := parseIPVSService(svcMsg(afInet, 6, "10.96.12.34", 7001, "rr"))
	if err != nil {
		t.Fatal(err)
	}
	want := IPVSService{Proto: "tcp", Addr: "10.96.12.34", Port: 7001, Scheduler: "rr", Reals: []IPVSReal{}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("service %+v, want %+v", s, want)
	}
	// The attributes that name the service in the real-server dump are kept as the kernel gave them.
	if u16(raw[ipvsSvcAttrAF]) != afInet || len(raw[ipvsSvcAttrAddr]) != 16 || nbPort(raw[ipvsSvcAttrPort]) != 7001 {
		t.Errorf("raw attributes %v", raw)
	}
	for _, d := range []struct {
		msg  []byte
		want IPVSReal
	}{
		{destMsg("10.244.1.7", 8080, 1, afInet), IPVSReal{Addr: "10.244.1.7", Port: 8080, Weight: 1}},
		{destMsg("10.244.2.9", 8080, 1, 0), IPVSReal{Addr: "10.244.2.9", Port: 8080, Weight: 1}}, // older kernels: no family, the service's
	} {
		r, err := parseIPVSDest(d.msg, afInet)
		if err != nil || r != d.want {
			t.Errorf("dest %+v %v, want %+v", r, err, d.want)
		}
		s.Reals = append(s.Reals, r)
	}
	if got, ok := FindIPVSService([]IPVSService{s}, "tcp", "10.96.12.34", 7001); !ok || len(got.Reals) != 2 {
		t.Errorf("FindIPVSService: %+v %v", got, ok)
	}
	if _, ok := FindIPVSService([]IPVSService{s}, "udp", "10.96.12.34", 7001); ok {
		t.Error("found a tcp service as udp")
	}
	if str := s.String(); str != "tcp 10.96.12.34:7001 -> [10.244.1.7:8080 10.244.2.9:8080]" {
		t.Errorf("String() = %q", str)
	}

	v6, _, err := parseIPVSService(svcMsg(afInet6, 17, "fd00::a", 53, "rr"))
	if err != nil || v6.Addr != "fd00::a" || v6.Proto != "udp" || v6.Port != 53 {
		t.Errorf("ipv6 service %+v %v", v6, err)
	}
	fw, _, err := parseIPVSService(genl(ipvsCmdGetService, nested(ipvsCmdAttrService,
		attr(ipvsSvcAttrAF, ne16(afInet)), attr(ipvsSvcAttrFWMark, ne32(0x4000)))))
	if err != nil || fw.FWMark != 0x4000 || fw.Addr != "" {
		t.Errorf("fwmark service %+v %v", fw, err)
	}
}

func TestParseIPVSRejects(t *testing.T) {
	for name, msg := range map[string][]byte{
		"short":                 {4, 1},
		"no service attribute":  genl(ipvsCmdGetService, attr(ipvsCmdAttrDest, nil)),
		"attribute overruns":    append(genl(ipvsCmdGetService), 0xff, 0, 1, 0),
		"address of 3 bytes":    genl(ipvsCmdGetService, nested(ipvsCmdAttrService, attr(ipvsSvcAttrAF, ne16(afInet)), attr(ipvsSvcAttrAddr, []byte{1, 2, 3}))),
		"unknown family":        genl(ipvsCmdGetService, nested(ipvsCmdAttrService, attr(ipvsSvcAttrAF, ne16(7)), attr(ipvsSvcAttrAddr, in6("10.0.0.1")))),
		"dest without its nest": genl(ipvsCmdGetDest, attr(ipvsDestAttrAddr, in6("10.0.0.1"))),
	} {
		if _, _, err := parseIPVSService(msg); err == nil {
			if _, err := parseIPVSDest(msg, afInet); err == nil {
				t.Errorf("%s: parsed", name)
			}
		}
	}
}

func TestIPVSUnavailableSaysWhy(t *testing.T) {
	err := error(ErrIPVSUnavailable)
	if !strings.Contains(err.Error(), "IPVS not available in this kernel") || !errors.Is(err, ErrIPVSUnavailable) {
		t.Errorf("%v", err)
	}
}

package probe

import (
	"net"
	"net/netip"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// startFakeDNS serves A records from answers on a loopback UDP port; other names get NXDOMAIN.
func startFakeDNS(t *testing.T, answers map[string][]netip.Addr) string {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionAvailable: true}
			addrs, known := answers[q.Name.String()]
			if !known {
				rh.RCode = dnsmessage.RCodeNameError
			}
			b := dnsmessage.NewBuilder(nil, rh)
			b.EnableCompression()
			err = b.StartQuestions()
			if err == nil {
				err = b.Question(q)
			}
			if err == nil {
				err = b.StartAnswers()
			}
			for _, a := range addrs {
				if err == nil && q.Type == dnsmessage.TypeA && a.Is4() {
					err = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 5}, dnsmessage.AResource{A: a.As4()})
				}
			}
			if err != nil {
				continue // no answer: the resolver under test times out, which the test would show
			}
			if out, err := b.Finish(); err == nil {
				_, _ = pc.WriteTo(out, from) // a lost reply shows as the test's lookup failing
			}
		}
	}()
	return pc.LocalAddr().String()
}

package probe

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/netlab-dev/netlab/internal/nstest"
)

// A DF datagram that fits the link MTU crosses; one byte more fails with "message too long" and
// is not fragmented: what mtu/path asserts of a Pod's eth0.
func TestUDPDFFitsTheMTUAndOneByteMoreFails(t *testing.T) {
	l := nstest.Lab(t, "dfa", "dfb")
	must(t, l.Veth("dfa", "eth0", "10.77.0.1/24", "dfb", "eth0", "10.77.0.2/24"))
	must(t, l.IP("dfa", "link", "set", "eth0", "mtu", "1450"))
	must(t, l.IP("dfb", "link", "set", "eth0", "mtu", "1450"))
	s := serveIn(t, l, "dfb", "10.77.0.2")
	g, err := NewGuard("10.77.0.0/24")
	must(t, err)
	c := NewClient(g)
	must(t, l.Do("dfa", func() error {
		fit, err := c.UDPDF(context.Background(), s.UDPAddr(), 1450-28)
		if err != nil || !fit.OK || fit.Server.RemoteIP != "10.77.0.1" {
			t.Errorf("a DF datagram of exactly the MTU: %+v %v", fit, err)
		}
		if fit.Server != nil && !strings.HasPrefix(fit.Server.Echo, "netlab") {
			t.Errorf("echo %q", fit.Server.Echo)
		}
		big, err := c.UDPDF(context.Background(), s.UDPAddr(), 1450-28+1)
		if err == nil || big.OK || !errors.Is(err, syscall.EMSGSIZE) {
			t.Errorf("one byte over the MTU with DF: want EMSGSIZE, got %+v %v", big, err)
		}
		return nil
	}))
}

package probe

import (
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

var errMsgSize = syscall.EMSGSIZE

// setDontFragment sets IP_MTU_DISCOVER to IP_PMTUDISC_DO: every datagram leaves with DF set and
// one larger than the known path MTU fails with EMSGSIZE.
func setDontFragment(c net.Conn) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return fmt.Errorf("%T has no file descriptor", c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("setsockopt IP_MTU_DISCOVER: %w", serr)
	}
	return nil
}

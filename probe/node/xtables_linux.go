package node

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ipTablesNames lists the legacy IPv4 tables that exist in the calling thread's network namespace.
const ipTablesNames = "/proc/thread-self/net/ip_tables_names"

// LegacyIPTablesChains reads the chain names of a legacy (x_tables) IPv4 table, as
// iptables-legacy-save would list them, without any program: getsockopt on a raw socket in the
// calling thread's network namespace. exists is false when the namespace has no such legacy table
// (or the kernel no ip_tables at all): then there are no legacy rules, and nothing is read, so
// that the read does not create the table. It needs CAP_NET_ADMIN (CAP_NET_RAW for the socket).
func LegacyIPTablesChains(table string) (chains []string, exists bool, err error) {
	if len(table) >= xtTableMaxNameLen {
		return nil, false, fmt.Errorf("table name %q is too long", table)
	}
	names, err := os.ReadFile(ipTablesNames)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, false, nil // ip_tables is not loaded: no legacy table anywhere
	case err != nil:
		return nil, false, fmt.Errorf("legacy iptables: %w", err)
	}
	found := false
	sc := bufio.NewScanner(bytes.NewReader(names))
	for sc.Scan() {
		found = found || strings.TrimSpace(sc.Text()) == table
	}
	if !found {
		return nil, false, nil
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		return nil, true, fmt.Errorf("legacy iptables: raw socket: %w (needs CAP_NET_RAW)", err)
	}
	defer unix.Close(fd)
	// The table can change between the two calls (EAGAIN: its size changed): take it again.
	for try := 0; try < 3; try++ {
		gi := make([]byte, iptGetinfoSize)
		copy(gi, table)
		if err := getsockopt(fd, iptSoGetInfo, gi); err != nil {
			return nil, true, fmt.Errorf("legacy iptables: IPT_SO_GET_INFO %s: %w (needs CAP_NET_ADMIN)", table, err)
		}
		info, err := parseIPTGetinfo(gi)
		if err != nil {
			return nil, true, err
		}
		ge := make([]byte, iptGetEntriesHeader+int(info.Size))
		copy(ge, table)
		binary.NativeEndian.PutUint32(ge[xtTableMaxNameLen:], info.Size)
		err = getsockopt(fd, iptSoGetEntries, ge)
		if errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil {
			return nil, true, fmt.Errorf("legacy iptables: IPT_SO_GET_ENTRIES %s: %w", table, err)
		}
		chains, err := parseIPTChains(info, ge[iptGetEntriesHeader:])
		if err != nil {
			return nil, true, fmt.Errorf("legacy iptables table %s: %w", table, err)
		}
		return chains, true, nil
	}
	return nil, true, fmt.Errorf("legacy iptables table %s kept changing while it was read", table)
}

// getsockopt calls getsockopt(fd, SOL_IP, opt) with b as the in/out buffer.
func getsockopt(fd, opt int, b []byte) error {
	l := uint32(len(b))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_IP, uintptr(opt),
		uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return e
	}
	return nil
}

package node

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"unsafe"
)

// Legacy iptables (x_tables) keeps each table as one blob of struct ipt_entry records, read with
// getsockopt(IPT_SO_GET_INFO) and getsockopt(IPT_SO_GET_ENTRIES)
// (include/uapi/linux/netfilter_ipv4/ip_tables.h). A built-in chain starts at the entry its hook
// points to; a user chain starts with an entry whose target is "ERROR" and whose data is the
// chain's name; the table ends with an "ERROR" target named "ERROR".
const (
	iptSoGetInfo    = 64 // IPT_BASE_CTL
	iptSoGetEntries = 65

	xtTableMaxNameLen = 32
	// struct ipt_getinfo: name[32], valid_hooks, hook_entry[5], underflow[5], num_entries, size.
	iptGetinfoSize = xtTableMaxNameLen + 4 + 5*4 + 5*4 + 4 + 4
	// struct ipt_entry: struct ipt_ip (84 bytes), nfcache, target_offset, next_offset, comefrom,
	// struct xt_counters (two u64).
	iptEntryTargetOffset = 88
	iptEntryNextOffset   = 90
	iptEntrySize         = 112
	// struct xt_entry_target: target_size (u16), name[29], revision; then the target's data.
	xtTargetHeader  = 32
	xtTargetNameOff = 2
	xtTargetNameLen = 29
	xtErrorNameLen  = 30 // XT_FUNCTION_MAXNAMELEN
)

// iptGetEntriesHeader is sizeof(struct ipt_get_entries) without its entries: name[32] and size,
// padded to the alignment of struct ipt_entry (8 where u64 is 8-aligned).
var iptGetEntriesHeader = int((uintptr(xtTableMaxNameLen+4) + unsafe.Alignof(uint64(0)) - 1) &^ (unsafe.Alignof(uint64(0)) - 1))

// builtinChains are the hooks of NF_INET_*, in order.
var builtinChains = [5]string{"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}

// iptInfo is the part of struct ipt_getinfo the reader uses.
type iptInfo struct {
	ValidHooks uint32
	NumEntries uint32
	Size       uint32
}

func parseIPTGetinfo(b []byte) (iptInfo, error) {
	if len(b) < iptGetinfoSize {
		return iptInfo{}, fmt.Errorf("ipt_getinfo of %d bytes, want %d", len(b), iptGetinfoSize)
	}
	ne := binary.NativeEndian
	return iptInfo{
		ValidHooks: ne.Uint32(b[32:]),
		NumEntries: ne.Uint32(b[iptGetinfoSize-8:]),
		Size:       ne.Uint32(b[iptGetinfoSize-4:]),
	}, nil
}

// parseIPTChains returns the chain names of a legacy table, sorted: the built-in chains of its
// valid hooks and the user chains named by its ERROR entries. blob is the entry table (what
// follows the ipt_get_entries header).
func parseIPTChains(info iptInfo, blob []byte) ([]string, error) {
	var chains []string
	for i, name := range builtinChains {
		if info.ValidHooks&(1<<i) != 0 {
			chains = append(chains, name)
		}
	}
	ne := binary.NativeEndian
	n := 0
	for off := 0; off < len(blob); n++ {
		if len(blob)-off < iptEntrySize {
			return nil, fmt.Errorf("ipt_entry at %d: %d bytes left, want %d", off, len(blob)-off, iptEntrySize)
		}
		e := blob[off:]
		tOff, next := int(ne.Uint16(e[iptEntryTargetOffset:])), int(ne.Uint16(e[iptEntryNextOffset:]))
		if tOff < iptEntrySize || next < tOff+xtTargetHeader || next > len(e) {
			return nil, fmt.Errorf("ipt_entry at %d: target offset %d, next offset %d in %d bytes", off, tOff, next, len(e))
		}
		t := e[tOff:next]
		if cstr(t[xtTargetNameOff:xtTargetNameOff+xtTargetNameLen]) == "ERROR" && len(t) >= xtTargetHeader+xtErrorNameLen {
			if name := cstr(t[xtTargetHeader : xtTargetHeader+xtErrorNameLen]); name != "ERROR" && name != "" {
				chains = append(chains, name)
			}
		}
		off += next
	}
	if info.NumEntries != 0 && uint32(n) != info.NumEntries {
		return nil, fmt.Errorf("read %d entries, the table has %d", n, info.NumEntries)
	}
	sort.Strings(chains)
	return chains, nil
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

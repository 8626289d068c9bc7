package node

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// iptEntry builds one struct ipt_entry with a target of the given name and data.
func iptEntry(target string, data []byte) []byte {
	tsize := (xtTargetHeader + len(data) + 7) &^ 7
	e := make([]byte, iptEntrySize+tsize)
	binary.NativeEndian.PutUint16(e[iptEntryTargetOffset:], iptEntrySize)
	binary.NativeEndian.PutUint16(e[iptEntryNextOffset:], uint16(len(e)))
	t := e[iptEntrySize:]
	binary.NativeEndian.PutUint16(t, uint16(tsize))
	copy(t[xtTargetNameOff:], target)
	copy(t[xtTargetHeader:], data)
	return e
}

func errorName(name string) []byte {
	b := make([]byte, xtErrorNameLen)
	copy(b, name)
	return b
}

// A legacy nat table as iptables-legacy leaves it after `-N KUBE-SERVICES`, `-N KUBE-SVC-...` and
// `-A PREROUTING -j KUBE-SERVICES`: the four built-in chains' policies, a user chain head (ERROR
// target named after the chain) with its RETURN, and the table's final ERROR entry.
func TestParseIPTChains(t *testing.T) {
	var blob []byte
	for _, e := range [][]byte{
		iptEntry("", make([]byte, 8)), // PREROUTING: jump (standard target, verdict = offset)
		iptEntry("", make([]byte, 8)), // PREROUTING policy
		iptEntry("", make([]byte, 8)), // INPUT policy
		iptEntry("", make([]byte, 8)), // OUTPUT policy
		iptEntry("", make([]byte, 8)), // POSTROUTING policy
		iptEntry("ERROR", errorName("KUBE-SERVICES")),
		iptEntry("", make([]byte, 8)), // its RETURN
		iptEntry("ERROR", errorName("KUBE-SVC-NPX46M4PTMTKRN6Y")),
		iptEntry("", make([]byte, 8)),
		iptEntry("ERROR", errorName("ERROR")), // the end of the table
	} {
		blob = append(blob, e...)
	}
	info := iptInfo{ValidHooks: 1<<0 | 1<<1 | 1<<3 | 1<<4, NumEntries: 10, Size: uint32(len(blob))}
	got, err := parseIPTChains(info, blob)
	want := []string{"INPUT", "KUBE-SERVICES", "KUBE-SVC-NPX46M4PTMTKRN6Y", "OUTPUT", "POSTROUTING", "PREROUTING"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("chains %v %v, want %v", got, err, want)
	}

	// ipt_getinfo: name, valid hooks, hook entries, underflows, number of entries, size.
	gi := make([]byte, iptGetinfoSize)
	copy(gi, "nat")
	binary.NativeEndian.PutUint32(gi[32:], info.ValidHooks)
	binary.NativeEndian.PutUint32(gi[iptGetinfoSize-8:], 10)
	binary.NativeEndian.PutUint32(gi[iptGetinfoSize-4:], uint32(len(blob)))
	if pi, err := parseIPTGetinfo(gi); err != nil || pi != info {
		t.Errorf("getinfo %+v %v, want %+v", pi, err, info)
	}
	if iptGetinfoSize != 84 || (iptGetEntriesHeader != 40 && iptGetEntriesHeader != 36) {
		t.Errorf("struct sizes: ipt_getinfo %d, ipt_get_entries %d", iptGetinfoSize, iptGetEntriesHeader)
	}

	for name, bad := range map[string][]byte{
		"truncated entry":     blob[:len(blob)-10],
		"one entry of ten":    append(append([]byte{}, blob[:iptEntrySize]...), make([]byte, 40)...),
		"entry count differs": blob[:len(iptEntry("", make([]byte, 8)))*5],
	} {
		if chains, err := parseIPTChains(info, bad); err == nil {
			t.Errorf("%s: parsed %v", name, chains)
		}
	}
}

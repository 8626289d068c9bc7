package node

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// IPVSServices dumps the IPVS virtual servers of the calling thread's network namespace and the
// real servers of each, through generic netlink (what `ipvsadm -Ln` shows). It returns
// ErrIPVSUnavailable when the kernel has no IPVS. It needs CAP_NET_ADMIN.
func IPVSServices() ([]IPVSService, error) {
	fam, err := netlink.GenlFamilyGet(ipvsGenlName)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, ErrIPVSUnavailable
		}
		return nil, fmt.Errorf("generic netlink: looking up family %q: %w", ipvsGenlName, err)
	}
	msgs, err := genlDump(fam.ID, ipvsCmdGetService, nil)
	if err != nil {
		return nil, fmt.Errorf("IPVS service dump: %w (needs CAP_NET_ADMIN)", err)
	}
	out := []IPVSService{}
	for _, m := range msgs {
		s, attrs, err := parseIPVSService(m)
		if err != nil {
			return nil, fmt.Errorf("IPVS service dump: %w", err)
		}
		// The real servers are asked per service, named by the attributes the kernel gave.
		sel := nl.NewRtAttr(ipvsCmdAttrService, nil)
		for _, t := range []uint16{ipvsSvcAttrAF, ipvsSvcAttrProtocol, ipvsSvcAttrAddr, ipvsSvcAttrPort, ipvsSvcAttrFWMark} {
			if v, ok := attrs[t]; ok {
				sel.AddRtAttr(int(t), v)
			}
		}
		dms, err := genlDump(fam.ID, ipvsCmdGetDest, sel)
		if err != nil {
			return nil, fmt.Errorf("IPVS real servers of %s: %w", s, err)
		}
		for _, d := range dms {
			r, err := parseIPVSDest(d, u16(attrs[ipvsSvcAttrAF]))
			if err != nil {
				return nil, fmt.Errorf("IPVS real servers of %s: %w", s, err)
			}
			s.Reals = append(s.Reals, r)
		}
		out = append(out, s)
	}
	sortIPVS(out)
	return out, nil
}

// genlDump sends a dump request of a generic netlink family and returns the reply bodies
// (genlmsghdr and attributes), taking it again when the kernel says the dump was interrupted.
func genlDump(family uint16, cmd uint8, attr *nl.RtAttr) ([][]byte, error) {
	var err error
	for try := 0; try < 3; try++ {
		req := nl.NewNetlinkRequest(int(family), unix.NLM_F_DUMP)
		req.AddData(&nl.Genlmsg{Command: cmd, Version: ipvsGenlVersion})
		if attr != nil {
			req.AddData(attr)
		}
		var msgs [][]byte
		msgs, err = req.Execute(unix.NETLINK_GENERIC, 0)
		if !errors.Is(err, nl.ErrDumpInterrupted) {
			return msgs, err
		}
	}
	return nil, err
}

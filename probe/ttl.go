package probe

import "fmt"

// TTLFromIPHeader returns the TTL (IPv4) or hop limit (IPv6) of a raw IP header, as saved by
// TCP_SAVED_SYN. The version nibble picks the family.
func TTLFromIPHeader(h []byte) (int, error) {
	if len(h) < 1 {
		return 0, fmt.Errorf("empty IP header")
	}
	switch h[0] >> 4 {
	case 4:
		if len(h) < 20 {
			return 0, fmt.Errorf("IPv4 header too short (%d bytes)", len(h))
		}
		return int(h[8]), nil
	case 6:
		if len(h) < 40 {
			return 0, fmt.Errorf("IPv6 header too short (%d bytes)", len(h))
		}
		return int(h[7]), nil
	}
	return 0, fmt.Errorf("not an IP header (version %d)", h[0]>>4)
}

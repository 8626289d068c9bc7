package nft

// Count is a rule's counter.
type Count struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// Add is the sum of two counts.
func (c Count) Add(o Count) Count {
	return Count{Packets: c.Packets + o.Packets, Bytes: c.Bytes + o.Bytes}
}

// Since is what c counted after an earlier reading of the same counter.
func (c Count) Since(before Count) Count {
	return Count{Packets: c.Packets - min(before.Packets, c.Packets), Bytes: c.Bytes - min(before.Bytes, c.Bytes)}
}

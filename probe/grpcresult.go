package probe

// GRPCReply is what the mesh probe's gRPC server (package probe/mesh) saw of a call.
type GRPCReply struct {
	// Server is the answering Pod (from the Downward API environment).
	Server Identity `json:"server"`
	// PeerAddr is the TCP peer of the call as the server saw it.
	PeerAddr string `json:"peerAddr"`
	// MTLS says the call came over TLS with a client certificate; PeerSPIFFE is that
	// certificate's SPIFFE identity (spiffe://<trust domain>/ns/<ns>/sa/<account>).
	MTLS       bool   `json:"mtls"`
	PeerSPIFFE string `json:"peerSpiffe,omitempty"`
}

// GRPCResult is what the mesh probe's gRPC client reports ('netlab probe grpc').
type GRPCResult struct {
	Target string     `json:"target"`
	OK     bool       `json:"ok"`
	Error  string     `json:"error,omitempty"`
	RTTMs  float64    `json:"rttMs"`
	Reply  *GRPCReply `json:"reply,omitempty"`
}

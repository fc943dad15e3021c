package evidence

import "time"

// FlowReport is what was seen on the wire.
type FlowReport struct {
	Header
	Input string    `json:"input,omitempty"` // the capture file or interface
	Flows []Flow    `json:"flows"`
	Stats FlowStats `json:"stats"`
	// Errors says what could not be read (a truncated or corrupt file, an
	// unsupported link type); the flows before it are still reported.
	Errors []string `json:"errors,omitempty"`
}

// Flow is one transport connection.
type Flow struct {
	Client    string    `json:"client"` // "ip:port"
	Server    string    `json:"server"`
	Transport string    `json:"transport"` // "tcp", "udp"
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	Packets   int64     `json:"packets"`
	Bytes     int64     `json:"bytes"`
	// Encrypted is true only with evidence (a TLS handshake or TLS records
	// seen); Classification says what the evidence was.
	Encrypted      bool           `json:"encrypted"`
	Classification string         `json:"classification,omitempty"` // e.g. "tls", "tls-no-handshake", "plaintext", "unknown"
	TLS            *FlowTLS       `json:"tls,omitempty"`
	Plaintext      *FlowPlaintext `json:"plaintext,omitempty"`
	Mesh           string         `json:"mesh"` // "", "istio", "istio-hbone", "linkerd"
	Source         *FlowEndpoint  `json:"source,omitempty"`
	Destination    *FlowEndpoint  `json:"destination,omitempty"`
	PathID         string         `json:"pathId,omitempty"`
}

// FlowTLS is what the handshake showed.
type FlowTLS struct {
	Version           string   `json:"version"`
	CipherSuite       string   `json:"cipherSuite"`
	ServerName        string   `json:"serverName"`
	ALPN              []string `json:"alpn"`
	ClientCertificate string   `json:"clientCertificate"` // "sent", "not-sent", "unknown"
	JA3               string   `json:"ja3"`
	JA4               string   `json:"ja4"`
	STARTTLS          string   `json:"starttls,omitempty"`
	// JA3S fingerprints the ServerHello; ServerALPN is the protocol the
	// server chose when it is visible (TLS 1.2 and older).
	JA3S              string `json:"ja3s,omitempty"`
	ServerALPN        string `json:"serverAlpn,omitempty"`
	HelloRetryRequest bool   `json:"helloRetryRequest,omitempty"`
	// ServerCertificates and ClientCertificates are the chains sent in
	// cleartext (TLS 1.2 and older; TLS 1.3 encrypts them).
	ServerCertificates []Certificate `json:"serverCertificates,omitempty"`
	ClientCertificates []Certificate `json:"clientCertificates,omitempty"`
}

// FlowPlaintext names the cleartext protocol seen.
type FlowPlaintext struct {
	Protocol string `json:"protocol"`
}

// FlowEndpoint maps a flow end onto the inventory.
type FlowEndpoint struct {
	Namespace string `json:"namespace,omitempty"`
	Pod       string `json:"pod,omitempty"`
	Workload  string `json:"workload,omitempty"` // Kind/name
	Service   string `json:"service,omitempty"`
	// Port is the Service port the flow was mapped to (destination only).
	Port int `json:"port,omitempty"`
}

// FlowStats counts what was read and what was given up.
type FlowStats struct {
	Packets   int64 `json:"packets"`
	Flows     int64 `json:"flows"`
	Dropped   int64 `json:"dropped"`
	Truncated int64 `json:"truncated"`
	Malformed int64 `json:"malformed,omitempty"`
	Evicted   int64 `json:"evicted,omitempty"`
}

// Merge adds o's flows and counters to r (the reports of several capture
// files, interfaces or nodes read as one) and names both inputs.
func (r *FlowReport) Merge(o *FlowReport) {
	r.Input += ", " + o.Input
	r.Flows = append(r.Flows, o.Flows...)
	r.Stats.Packets += o.Stats.Packets
	r.Stats.Flows += o.Stats.Flows
	r.Stats.Dropped += o.Stats.Dropped
	r.Stats.Truncated += o.Stats.Truncated
	r.Stats.Malformed += o.Stats.Malformed
	r.Stats.Evicted += o.Stats.Evicted
}

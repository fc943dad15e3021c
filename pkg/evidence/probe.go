package evidence

import "time"

// ProbeReport is what active probes found on each target.
type ProbeReport struct {
	Header
	Results []ProbeResult `json:"results"`
}

// ProbeResult is everything learned about one target port.
type ProbeResult struct {
	Target  Target `json:"target"`
	Vantage string `json:"vantage"`
	// InMesh is "sidecar" or "ambient" when the probe ran inside the mesh:
	// its connections went through the mesh's proxies, so it says what a
	// mesh client gets, not what the port accepts from outside.
	InMesh    string         `json:"inMesh,omitempty"`
	Plaintext PlaintextProbe `json:"plaintext"`
	TLS       TLSProbe       `json:"tls"`
	// STARTTLS names the protocol used to upgrade to TLS, "" when TLS was
	// spoken from the first byte or not at all.
	STARTTLS string    `json:"starttls"`
	SSH      *SSHProbe `json:"ssh,omitempty"`
	// Errors are per-target failures, in words; an empty list does not mean
	// every check ran (see the Tested fields).
	Errors []string `json:"errors"`
	// ResetAll is true when the port accepted TCP connections and reset or
	// closed every one before answering, the ClientHello and each
	// cleartext request alike: what a mesh proxy does to a client from
	// outside the mesh under STRICT. The Tested fields stay false; whether
	// this is a refusal or a fault is for evaluate to say with the policy.
	ResetAll bool      `json:"resetAll,omitempty"`
	Started  time.Time `json:"started"`
	Duration string    `json:"duration"`
}

// Target is the port probed. Service is set when the target stands for a
// Kubernetes Service port (the scan pipeline plans it so).
type Target struct {
	Host       string       `json:"host"`
	Port       int          `json:"port"`
	ServerName string       `json:"serverName,omitempty"`
	Scheme     string       `json:"scheme,omitempty"` // e.g. "postgres" from postgres://host:port
	Service    *ServicePort `json:"service,omitempty"`
}

// ServicePort names the Kubernetes Service port a target stands for.
type ServicePort struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Port      int    `json:"port"`
}

// PlaintextProbe says whether the port answered a cleartext request.
type PlaintextProbe struct {
	// Tested is true when a cleartext exchange was attempted to the end;
	// Accepted without Tested means nothing.
	Tested   bool   `json:"tested"`
	Accepted bool   `json:"accepted"`
	Protocol string `json:"protocol"` // "http/1.1", "h2c", "grpc", "postgres", "mysql", "redis", "smtp", "ldap", ""
	// Evidence is a short, payload-free description of what was seen, e.g.
	// "HTTP/1.1 200 status line".
	Evidence string `json:"evidence,omitempty"`
}

// TLSProbe is what the port offers over TLS.
type TLSProbe struct {
	Tested  bool `json:"tested"`
	Offered bool `json:"offered"`
	// Enumerated is true when every version, suite and group was tried;
	// otherwise Versions holds only what one handshake negotiated.
	Enumerated         bool         `json:"enumerated"`
	Versions           []TLSVersion `json:"versions"`
	Groups             []string     `json:"groups"`
	ClientAuth         string       `json:"clientAuth"` // "none", "optional", "required", "unknown"
	ClientAuthEvidence string       `json:"clientAuthEvidence,omitempty"`
	// AcceptableCAs are the CA names the server hinted in its
	// CertificateRequest.
	AcceptableCAs []string      `json:"acceptableCAs,omitempty"`
	Certificates  []Certificate `json:"certificates"`
	Verification  *Verification `json:"verification,omitempty"`
	// Profiles says, per compliance profile, which offered versions, suites
	// and groups pass or fail it.
	Profiles []ProfileResult `json:"profiles,omitempty"`
	// SignatureAlgorithms are the TLS 1.2 signature schemes (IANA names)
	// the server signs its (EC)DHE key exchange with, in its order of
	// preference; null when they were not enumerated (no TLS 1.2 (EC)DHE
	// suite, or no enumeration). TLS 1.3 signatures are encrypted and not
	// listed.
	SignatureAlgorithms []string `json:"signatureAlgorithms"`
	// Extensions are the TLS extension checks of SP 800-52r2 section 3.4
	// (and compression, 3.7), one per name in a fixed order; omitted when
	// they did not run (no enumeration, or no version accepted).
	Extensions []TLSExtension `json:"extensions,omitempty"`
}

// TLSExtension is what the server's answers showed about one extension,
// or one extension-borne feature, from raw ClientHellos.
type TLSExtension struct {
	// Name is the extension's RFC name ("renegotiation_info",
	// "extended_master_secret", "status_request", "signature_algorithms",
	// "supported_groups", "key_share", "supported_versions",
	// "encrypt_then_mac", "truncated_hmac", "client_certificate_url") or
	// the feature's ("fallback_scsv", "compression",
	// "insecure_renegotiation").
	Name string `json:"name"`
	// Result is "supported" (echoed, honoured, accepted), "not-supported",
	// "not-applicable" (e.g. a TLS 1.0-1.2 extension on a TLS 1.3-only
	// server) or "not-tested" (Evidence says why). For truncated_hmac,
	// client_certificate_url, compression and insecure_renegotiation,
	// "supported" is the finding.
	Result string `json:"result"`
	// Version is the protocol version the deciding ClientHello offered.
	Version string `json:"version,omitempty"`
	// Evidence is the handshake evidence in words: the extension echoed
	// or not, the alert received.
	Evidence string `json:"evidence"`
	// OCSP is the stapled OCSP response (status_request only).
	OCSP *OCSPStaple `json:"ocsp,omitempty"`
}

// OCSPStaple is what a stapled OCSP response says about the leaf.
type OCSPStaple struct {
	Status string `json:"status"` // "good", "revoked", "unknown", "unparsed"
	// Verified is true when the response names the leaf and is signed by
	// its issuer in the presented chain (or a responder the issuer
	// delegated to).
	Verified   bool       `json:"verified"`
	ProducedAt *time.Time `json:"producedAt,omitempty"`
	ThisUpdate *time.Time `json:"thisUpdate,omitempty"`
	NextUpdate *time.Time `json:"nextUpdate,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// TLSVersion is one protocol version the server accepted, with the suites
// it accepted under it in the server's order of preference.
type TLSVersion struct {
	Version      string   `json:"version"` // "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"
	CipherSuites []string `json:"cipherSuites"`
	// ServerPreference is true when the server picks by its own order.
	ServerPreference *bool `json:"serverPreference,omitempty"`
}

// Certificate describes one certificate of the presented chain. Only public
// facts are kept; never a key.
type Certificate struct {
	Subject            string    `json:"subject"`
	Issuer             string    `json:"issuer"`
	SANs               []string  `json:"sans"`
	SPIFFEID           string    `json:"spiffeID,omitempty"`
	NotBefore          time.Time `json:"notBefore"`
	NotAfter           time.Time `json:"notAfter"`
	KeyType            string    `json:"keyType"`
	KeyBits            int       `json:"keyBits"`
	SignatureAlgorithm string    `json:"signatureAlgorithm"`
	SHA256             string    `json:"sha256"`
	Serial             string    `json:"serial,omitempty"`
}

// Verification is the outcome of checking the chain against a CA bundle
// and the expected name.
type Verification struct {
	// Checked is false when no CA bundle was given; Trusted is then
	// meaningless.
	Checked       bool   `json:"checked"`
	Trusted       bool   `json:"trusted"`
	HostnameMatch bool   `json:"hostnameMatch"`
	Name          string `json:"name,omitempty"` // the name matched against
	Error         string `json:"error,omitempty"`
}

// ProfileResult is how the offered parameters fare against one profile.
type ProfileResult struct {
	Profile string        `json:"profile"` // e.g. "sp800-52r2", "fips140-3-go"
	Pass    bool          `json:"pass"`
	Items   []ProfileItem `json:"items,omitempty"`
}

// ProfileItem is one offered value judged by a profile.
type ProfileItem struct {
	Kind    string `json:"kind"` // "version", "cipherSuite", "group"
	Value   string `json:"value"`
	Allowed bool   `json:"allowed"`
	Note    string `json:"note,omitempty"` // e.g. "Appendix D transitional"
	Source  string `json:"source,omitempty"`
}

// SSHProbe lists what an SSH server offers.
type SSHProbe struct {
	Banner   string   `json:"banner,omitempty"`
	Kex      []string `json:"kex"`
	HostKeys []string `json:"hostKeys"`
	Ciphers  []string `json:"ciphers"`
	MACs     []string `json:"macs"`
}

package matrix

// Check ids.
const (
	CheckPlaintextRefused  = "plaintext-refused"
	CheckTLSMinVersion     = "tls-min-version"
	CheckCipherSuites      = "cipher-suites-approved"
	CheckServerCertificate = "server-certificate"
	CheckClientCertificate = "client-certificate-required"
	CheckMeshPolicy        = "mesh-policy-enforcing"
	CheckEncryptedOnWire   = "encrypted-on-wire"
	CheckFIPSCrypto        = "fips-validated-crypto"
	CheckPolicyObservation = "policy-observation-agree"
)

// Control objectives the checks map to (OSCAL objective ids).
const (
	SC8  = "sc-8"
	SC81 = "sc-8.1"
	SC13 = "sc-13"
	SC23 = "sc-23"
	IA3  = "ia-3"
	IA52 = "ia-5.2"
)

// Control describes one control objective.
type Control struct {
	ID          string `json:"id"`
	Objective   string `json:"objective"` // OSCAL objective id, e.g. "sc-8.1_obj"
	Title       string `json:"title"`
	Requirement string `json:"requirement"`
}

// Controls lists the control objectives of the matrix in report order.
var Controls = []Control{
	{SC8, "sc-8_obj", "SC-8 Transmission Confidentiality and Integrity", "Protect the confidentiality and integrity of transmitted information (FedRAMP: both)."},
	{SC81, "sc-8.1_obj", "SC-8(1) Cryptographic Protection", "Implement cryptographic mechanisms to prevent unauthorized disclosure and detect changes during transmission."},
	{SC13, "sc-13_obj.b", "SC-13 Cryptographic Protection", "FIPS-validated or NSA-approved cryptography (FedRAMP parameter)."},
	{SC23, "sc-23_obj", "SC-23 Session Authenticity", "Protect the authenticity of communications sessions."},
	{IA3, "ia-3_obj", "IA-3 Device Identification and Authentication", "Uniquely identify and authenticate devices before establishing a network connection."},
	{IA52, "ia-5.2_obj.b.1", "IA-5(2) Public Key-Based Authentication", "Validate certificates by constructing a certification path to an accepted trust anchor."},
}

// Check is one column of the matrix.
type Check struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Controls    []string `json:"controls"`
	Description string   `json:"description"`
	// Evidence names the kinds of evidence that can decide the check.
	Evidence []string `json:"evidence"`
	// Level says where the check is decided: LevelDestination once per
	// row (it depends only on the server), LevelSource once per source
	// class.
	Level string `json:"level"`
}

// Levels of a check.
const (
	LevelDestination = "destination"
	LevelSource      = "source"
)

// Catalog is the check catalog, in column order.
var Catalog = []Check{
	{CheckPlaintextRefused, "Plaintext refused", []string{SC8, SC81},
		"An out-of-mesh client sending cleartext is refused on the port.", []string{"probe", "policy"}, LevelDestination},
	{CheckTLSMinVersion, "Minimum TLS version", []string{SC81, SC13},
		"No protocol version below the profile's minimum (TLS 1.2 under SP 800-52r2) is accepted.", []string{"probe", "capture", "policy"}, LevelDestination},
	{CheckCipherSuites, "Approved cipher suites", []string{SC13},
		"Every accepted cipher suite, and every signature algorithm the server signs with, is approved by the profile (SP 800-52r2, or the FIPS 140-3 module profile).", []string{"probe", "capture", "policy"}, LevelDestination},
	{CheckServerCertificate, "Server certificate valid and matching", []string{IA52, SC23},
		"The server's chain leads to an accepted trust anchor, is within its validity period, names the service, and its signatures and keys meet the profile.", []string{"probe"}, LevelDestination},
	{CheckClientCertificate, "Client certificate required (mTLS)", []string{IA3, SC23},
		"The server refuses a TLS client that presents no certificate.", []string{"probe", "policy", "capture"}, LevelDestination},
	{CheckMeshPolicy, "Mesh policy enforcing", []string{SC81},
		"The declared mesh policy makes the path mutual TLS and refuses plaintext (STRICT, no permissive fallback).", []string{"policy"}, LevelSource},
	{CheckEncryptedOnWire, "Encrypted on the wire", []string{SC8, SC81},
		"Traffic observed on the path was TLS from its first byte or after STARTTLS.", []string{"capture"}, LevelSource},
	{CheckFIPSCrypto, "FIPS-validated crypto at both ends", []string{SC13},
		"Every binary that does crypto in the client and server images uses a module with an active CMVP certificate.", []string{"images"}, LevelSource},
	{CheckPolicyObservation, "Policy and observation agree", []string{SC8},
		"What the policy predicts for the path matches what probes and captures saw.", []string{"policy", "probe", "capture"}, LevelSource},
}

// CheckByID returns the catalog entry for id, or false.
func CheckByID(id string) (Check, bool) {
	for _, c := range Catalog {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// DestinationChecks and SourceChecks are the catalog split by level, in
// column order.
var DestinationChecks, SourceChecks = byLevel()

func byLevel() (dst, src []Check) {
	for _, c := range Catalog {
		if c.Level == LevelDestination {
			dst = append(dst, c)
		} else {
			src = append(src, c)
		}
	}
	return dst, src
}

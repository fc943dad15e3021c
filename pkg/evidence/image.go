package evidence

// ImageReport says which crypto modules each image's binaries use and
// whether they are FIPS-validated.
type ImageReport struct {
	Header
	Images []Image `json:"images"`
}

// Image is one inspected image.
type Image struct {
	Ref    string `json:"ref"`
	Digest string `json:"digest"`
	// ReadFrom is where the image's content was read when it is not Ref
	// itself (an OCI layout or tarball standing in for a registry image).
	ReadFrom string   `json:"readFrom,omitempty"`
	Binaries []Binary `json:"binaries"`
	// Verdict is the weakest verdict of the binaries that use crypto:
	// "validated", "not-validated", "no-crypto" or "unknown".
	Verdict string   `json:"verdict"`
	Errors  []string `json:"errors,omitempty"`
	// Platform is the platform inspected ("linux/amd64"), Distro the
	// distribution its os-release names ("debian12", "rhel9").
	Platform string `json:"platform,omitempty"`
	Distro   string `json:"distro,omitempty"`
	// Layers, Entries and Bytes say how much was read: layers, tar
	// entries and decompressed bytes.
	Layers  int   `json:"layers,omitempty"`
	Entries int   `json:"entries,omitempty"`
	Bytes   int64 `json:"bytes,omitempty"`
	// Env is the pod environment the verdicts assumed (GODEBUG,
	// OPENSSL_CONF, OPENSSL_MODULES), over the image config's.
	Env []string `json:"env,omitempty"`
	// Warnings are problems that did not stop the inspection (entries
	// skipped as unsafe, for example).
	Warnings []string `json:"warnings,omitempty"`
}

// Binary is one executable or library inside an image.
type Binary struct {
	Path      string   `json:"path"`
	Format    string   `json:"format"`   // "elf", ...
	Language  string   `json:"language"` // "go", "c", ...
	GoVersion string   `json:"goVersion,omitempty"`
	Backend   string   `json:"backend"` // "go-std", "go-fips140", "boringcrypto", "openssl", "openssl-fips-provider", "none", ...
	Modules   []Module `json:"modules"`
	Verdict   string   `json:"verdict"`
	Evidence  []string `json:"evidence"`
}

// Module is a crypto module a binary links or loads.
type Module struct {
	Name            string `json:"name"`
	Version         string `json:"version"`
	CMVPCertificate string `json:"cmvpCertificate,omitempty"`
	Standard        string `json:"standard,omitempty"` // "140-2", "140-3"
	Status          string `json:"status"`             // "active", "historical", "revoked", "in-process", "none"
}

package cryptoref

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCMVPLoads(t *testing.T) {
	c, err := CMVP()
	if err != nil {
		t.Fatal(err)
	}
	if CMVPVersion() != c.Version || c.Version == "" {
		t.Errorf("version %q", CMVPVersion())
	}
	for _, m := range c.Modules {
		if m.Source == "" {
			t.Errorf("#%s has no source", m.Certificate)
		}
	}
}

func TestCMVPStatusByDate(t *testing.T) {
	c, err := CMVP()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cert, on, want string
	}{
		{"4407", "2026-09-20", CMVPActive},     // BoringCrypto 140-2, day before the sunset
		{"4407", "2026-09-21", CMVPHistorical}, // the sunset itself
		{"4282", "2027-01-01", CMVPHistorical}, // OpenSSL 3.0.9 provider
		{"4735", "2026-11-27", CMVPActive},     // BoringCrypto 140-3
		{"4735", "2029-07-22", CMVPHistorical}, // its own sunset
		{"5247", "2026-11-27", CMVPActive},     // Go Cryptographic Module v1.0.0
		{"3678", "2020-01-01", CMVPHistorical}, // recorded historical stays historical
		{"4746", "2026-11-27", CMVPHistorical}, // 140-3 row past its 2026-07-30 sunset
	}
	for _, tt := range tests {
		m, ok := c.Certificate("#" + tt.cert)
		if !ok {
			t.Fatalf("#%s missing", tt.cert)
		}
		if got := c.StatusAt(m, day(tt.on)); got != tt.want {
			t.Errorf("#%s on %s: %s, want %s", tt.cert, tt.on, got, tt.want)
		}
	}
}

func TestCMVPLookup(t *testing.T) {
	c, err := CMVP()
	if err != nil {
		t.Fatal(err)
	}
	now := day("2026-11-27")
	certs := func(ms []CMVPModule) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Certificate+":"+c.StatusAt(m, now))
		}
		return out
	}
	tests := []struct {
		kind, version, distro string
		want                  []string
	}{
		{KindGoFIPS140, "v1.0.0", "", []string{"5247:active"}},
		{KindGoFIPS140, "v1.26.0", "", []string{":in-process"}},
		{KindGoFIPS140, "v1.1.0", "", nil},
		{KindBoringCrypto, "fips-20220613", "", []string{"4735:active"}},
		{KindBoringCrypto, "fips-20210429", "", []string{"4407:historical"}},
		{KindOpenSSLFIPSProvider, "3.0.9", "", []string{"4282:historical"}},
		{KindOpenSSLFIPSProvider, "3.0.22", "", nil},
		{KindOpenSSLFIPSProvider, "3.0.7", "rhel9", []string{"4857:active"}},
		{KindOpenSSLFIPSProvider, "3.0.7", "", nil},
		{KindBCFIPS, "1.0.2", "", []string{"4616:historical", "3514:historical"}},
		{KindAWSLC, "2.0", "", []string{"5429:active", "4816:active"}},
	}
	for _, tt := range tests {
		got := certs(c.Lookup(tt.kind, tt.version, tt.distro, now))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s %s %s (-want +got):\n%s", tt.kind, tt.version, tt.distro, diff)
		}
	}
}

func TestCMVPRejectsBadData(t *testing.T) {
	good := `{"version":"x","snapshot":"2026-04-15","source":"s","fips140_2Sunset":{"date":"2026-09-21","source":"s"},"modules":[%s]}`
	tests := []struct{ name, row, want string }{
		{"no source", `{"certificate":"1","name":"n","kind":"k","versions":[],"standard":"140-3","status":"active"}`, "source"},
		{"bad standard", `{"certificate":"1","name":"n","kind":"k","versions":[],"standard":"140-1","status":"active","source":"s"}`, "standard"},
		{"bad status", `{"certificate":"1","name":"n","kind":"k","versions":[],"standard":"140-3","status":"gone","source":"s"}`, "status"},
		{"mip with cert", `{"certificate":"1","name":"n","kind":"k","versions":[],"standard":"140-3","status":"in-process","source":"s"}`, "in-process"},
		{"140-2 without sunset", `{"certificate":"1","name":"n","kind":"k","versions":[],"standard":"140-2","status":"active","source":"s"}`, "sunset"},
		{"bad date", `{"certificate":"1","name":"n","kind":"k","versions":[],"standard":"140-3","status":"active","sunset":"2026-13-01","source":"s"}`, "date"},
		{"unknown field", `{"certificate":"1","name":"n","kind":"k","versions":[],"standard":"140-3","status":"active","source":"s","x":1}`, "unknown field"},
		{"dup", `{"certificate":"1","name":"n","kind":"k","versions":[],"standard":"140-3","status":"active","source":"s"},{"certificate":"1","name":"n","kind":"k","versions":[],"standard":"140-3","status":"active","source":"s"}`, "twice"},
	}
	for _, tt := range tests {
		_, err := ParseCMVP([]byte(strings.Replace(good, "%s", tt.row, 1)))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

// FuzzParseCMVP: any catalog document is decoded and validated or refused,
// never a panic; what is accepted answers lookups.
func FuzzParseCMVP(f *testing.F) {
	f.Add(cmvpJSON)
	f.Add([]byte(`{"version":"x","snapshot":"2026-04-15","source":"s","fips140_2Sunset":{"date":"2026-09-21","source":"s"},"modules":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCMVP(data)
		if err != nil {
			return
		}
		for _, m := range c.Modules {
			c.StatusAt(m, day("2027-01-01"))
			for _, v := range m.Versions {
				if len(c.Lookup(m.Kind, v, m.Distro, day("2026-01-01"))) == 0 {
					t.Fatalf("row #%s not found by its own version %q", m.Certificate, v)
				}
			}
		}
	})
}

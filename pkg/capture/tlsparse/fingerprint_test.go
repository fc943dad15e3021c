package tlsparse

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFingerprintVectors(t *testing.T) {
	tests := []struct {
		name          string
		hello         ClientHello
		ja3String     string
		ja3, ja4      string
		ja4Raw        string
		skipJA3String bool
	}{
		{
			// salesforce/ja3 README: the example JA3 string and its MD5.
			name: "ja3 readme",
			hello: ClientHello{
				LegacyVersion:   769,
				CipherSuites:    []uint16{47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
				Extensions:      []uint16{0, 10, 11},
				SupportedGroups: []uint16{23, 24, 25},
				ECPointFormats:  []uint8{0},
			},
			ja3String: "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0",
			ja3:       "ada70206e40642a3e4461f35503241d5",
		},
		{
			// FoxIO-LLC/ja4 technical_details/JA4.md: the worked example
			// (GREASE added here; it must not change anything).
			name: "ja4 spec example",
			hello: ClientHello{
				LegacyVersion:       0x0303,
				CipherSuites:        []uint16{0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
				Extensions:          []uint16{0x1a1a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0x2a2a},
				ALPN:                []string{"h2", "http/1.1"},
				SupportedVersions:   []uint16{0x3a3a, 0x0304, 0x0303},
				SignatureAlgorithms: []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
			},
			ja4:           "t13d1516h2_8daaf6152771_e5627efa2ab1",
			ja4Raw:        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
			skipJA3String: true,
		},
		{
			// A Chrome 143 ClientHello as fingerprinted by a public TLS echo
			// service (ja3_text, ja3_hash, ja4, ja4_ro), in wire order.
			name: "chrome 143 echo service",
			hello: ClientHello{
				LegacyVersion:       771,
				CipherSuites:        []uint16{0x4a4a, 4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172, 156, 157, 47, 53},
				Extensions:          []uint16{0x5a5a, 45, 51, 16, 65037, 23, 17613, 0, 11, 10, 43, 65281, 35, 18, 5, 13, 27, 0x6a6a},
				SupportedGroups:     []uint16{0x7a7a, 4588, 29, 23, 24},
				ECPointFormats:      []uint8{0},
				ALPN:                []string{"h2", "http/1.1"},
				SupportedVersions:   []uint16{0x8a8a, 0x0304, 0x0303},
				SignatureAlgorithms: []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
			},
			ja3String: "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0",
			ja3:       "98487aa16281980e7d1120d399efb6a4",
			ja4:       "t13d1516h2_8daaf6152771_d8a2da3f94cd",
			ja4Raw:    "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.hello
			if !tt.skipJA3String {
				if diff := cmp.Diff(tt.ja3String, h.JA3String()); diff != "" {
					t.Errorf("JA3 string (-want +got):\n%s", diff)
				}
				if got := h.JA3(); got != tt.ja3 {
					t.Errorf("JA3 = %s, want %s", got, tt.ja3)
				}
			}
			if got := h.JA4(); tt.ja4 != "" && got != tt.ja4 {
				t.Errorf("JA4 = %s, want %s", got, tt.ja4)
			}
			if tt.ja4Raw != "" {
				if diff := cmp.Diff(tt.ja4Raw, h.JA4Raw()); diff != "" {
					t.Errorf("JA4_r (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestJA4ALPN holds the ALPN rule of FoxIO-LLC/ja4 technical_details
// (JA4.md, "ALPN Extension Value"): the first and last characters of the
// first ALPN value; when either is not 0-9, A-Z or a-z, the first and last
// characters of the hex of the whole first value; "00" without ALPN.
func TestJA4ALPN(t *testing.T) {
	tests := []struct {
		name string
		alpn []string
		want string
	}{
		{"none", nil, "00"},
		{"empty list", []string{}, "00"},
		{"h2", []string{"h2", "http/1.1"}, "h2"},
		{"http/1.1 first", []string{"http/1.1", "h2"}, "h1"},
		{"h3-29", []string{"h3-29"}, "h9"},
		{"one character", []string{"h"}, "hh"},
		{"istio, ends alphanumeric", []string{"istio-http/1.1", "istio"}, "i1"},
		{"spec: 0xAB", []string{"\xab"}, "ab"},
		{"spec: 0xAB 0xCD", []string{"\xab\xcd"}, "ad"},
		{"non-alphanumeric first byte", []string{"/x"}, "28"}, // 2f78
		{"non-alphanumeric last byte", []string{"x/"}, "7f"},  // 782f
		{"both ends odd, middle ignored", []string{"\x00h2\xff"}, "0f"},
		{"UTF-8 letter is not alphanumeric", []string{"é"}, "c9"}, // c3a9
	}
	for _, tt := range tests {
		if got := ja4ALPN(tt.alpn); got != tt.want {
			t.Errorf("%s: ja4ALPN(%q) = %q, want %q", tt.name, tt.alpn, got, tt.want)
		}
		ch := &ClientHello{LegacyVersion: VersionTLS12, CipherSuites: []uint16{0x1301}, ALPN: tt.alpn}
		if got := ch.JA4()[8:10]; got != tt.want {
			t.Errorf("%s: JA4 %q carries ALPN %q, want %q", tt.name, ch.JA4(), got, tt.want)
		}
	}
}

package cryptoref

import "testing"

func TestIANATables(t *testing.T) {
	tab, err := LoadIANA()
	if err != nil {
		t.Fatal(err)
	}
	if tab.Version == "" {
		t.Error("no version")
	}
	var n13, nScsv int
	for _, s := range tab.Suites {
		if s.TLS13 {
			n13++
		}
		if s.SCSV {
			nScsv++
		}
	}
	if len(tab.Suites) < 340 {
		t.Errorf("only %d suites, want the whole registry (>= 340)", len(tab.Suites))
	}
	if n13 != 7 || nScsv != 2 {
		t.Errorf("TLS 1.3 suites %d (want 7), SCSVs %d (want 2)", n13, nScsv)
	}
	for _, c := range []struct {
		id   uint16
		name string
	}{
		{0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"},
		{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
		{0x1301, "TLS_AES_128_GCM_SHA256"},
		{0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
		{0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"},
	} {
		if got := tab.SuiteName(c.id); got != c.name {
			t.Errorf("SuiteName(%#04x) = %s, want %s", c.id, got, c.name)
		}
		if s, ok := tab.SuiteByName(c.name); !ok || s.ID != c.id {
			t.Errorf("SuiteByName(%s) = %v %v", c.name, s, ok)
		}
	}
	for _, c := range []struct {
		id   uint16
		name string
	}{{0x001D, "x25519"}, {0x0017, "secp256r1"}, {0x11EC, "X25519MLKEM768"}, {0x0100, "ffdhe2048"}} {
		if got := tab.GroupName(c.id); got != c.name {
			t.Errorf("GroupName(%#04x) = %s, want %s", c.id, got, c.name)
		}
	}
	if got := tab.SuiteName(0x0A0A); got != "0x0A0A" {
		t.Errorf("unassigned suite named %s", got)
	}
	if got := tab.SignatureSchemeName(0x0804); got != "rsa_pss_rsae_sha256" {
		t.Errorf("sig 0x0804 = %s", got)
	}
}

func TestIANAProfilesNameKnownValues(t *testing.T) {
	tab := MustIANA()
	for _, name := range ProfileNames() {
		p, err := LookupProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.CipherSuites {
			if _, ok := tab.SuiteByName(e.Value); !ok {
				t.Errorf("profile %s names suite %s, not in the IANA table", name, e.Value)
			}
		}
		for _, e := range p.Groups {
			if _, ok := tab.GroupByName(e.Value); !ok {
				t.Errorf("profile %s names group %s, not in the IANA table", name, e.Value)
			}
		}
	}
}

func TestParseIANARejectsBadTables(t *testing.T) {
	for name, doc := range map[string]string{
		"not json":     `{`,
		"no version":   `{"source":"x","cipherSuites":[{"id":"0x0001","name":"TLS_A","source":"r"}],"groups":[{"id":"0x0001","name":"g","source":"r"}],"signatureSchemes":[{"id":"0x0001","name":"s","source":"r"}]}`,
		"no source":    `{"version":"1","source":"x","cipherSuites":[{"id":"0x0001","name":"TLS_A"}],"groups":[],"signatureSchemes":[]}`,
		"bad id":       `{"version":"1","source":"x","cipherSuites":[{"id":"1","name":"TLS_A","source":"r"}],"groups":[],"signatureSchemes":[]}`,
		"duplicate":    `{"version":"1","source":"x","cipherSuites":[{"id":"0x0001","name":"TLS_A","source":"r"},{"id":"0x0001","name":"TLS_B","source":"r"}],"groups":[],"signatureSchemes":[]}`,
		"tls13 flag":   `{"version":"1","source":"x","cipherSuites":[{"id":"0x1301","name":"TLS_A","source":"r"}],"groups":[],"signatureSchemes":[]}`,
		"empty tables": `{"version":"1","source":"x","cipherSuites":[],"groups":[],"signatureSchemes":[]}`,
	} {
		if _, err := parseIANA([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

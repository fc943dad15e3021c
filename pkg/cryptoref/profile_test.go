package cryptoref

import "testing"

func TestProfilesLoad(t *testing.T) {
	for _, name := range []string{"sp800-52r2", "fips140-3-go"} {
		p, err := LookupProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.CipherSuites) == 0 || len(p.Groups) == 0 {
			t.Errorf("%s: empty tables", name)
		}
	}
	if _, err := LookupProfile("nope"); err == nil {
		t.Error("unknown profile accepted")
	}
}

func TestJudgements(t *testing.T) {
	nist, _ := LookupProfile("sp800-52r2")
	fips, _ := LookupProfile("fips140-3-go")
	tests := []struct {
		p            *Profile
		suite        string
		allowed, tra bool
	}{
		{nist, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", true, false},
		{nist, "TLS_RSA_WITH_AES_128_GCM_SHA256", true, true},
		{nist, "TLS_CHACHA20_POLY1305_SHA256", false, false},
		{nist, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, false},
		{fips, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", false, false},
		{fips, "TLS_AES_128_GCM_SHA256", true, false},
	}
	for _, tt := range tests {
		v := tt.p.CipherSuite(tt.suite)
		if v.Allowed != tt.allowed || v.Transitional != tt.tra {
			t.Errorf("%s %s: got %+v", tt.p.Name, tt.suite, v)
		}
	}
	if nist.Version("TLSv1.1").Allowed || !nist.Version("TLSv1.3").Allowed {
		t.Error("version judgement wrong")
	}
	if nist.Group("x25519").Allowed || !fips.Group("X25519MLKEM768").Allowed {
		t.Error("group judgement wrong")
	}
}

package signature

import (
	"testing"
)

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte("0000000000000000000000000000000000000000000000000000000000000000  matrix.json\n"))
	f.Add([]byte("zz  ../etc/passwd\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseManifest(b)
		if err != nil {
			return
		}
		for p, sum := range m {
			if len(sum) != 64 || p == "" || p[0] == '/' {
				t.Fatalf("accepted %q %q", sum, p)
			}
		}
	})
}

func FuzzParsePrivateKey(f *testing.F) {
	f.Add([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBAA==\n-----END ENCRYPTED PRIVATE KEY-----\n"), []byte("pw"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"), []byte(""))
	f.Fuzz(func(t *testing.T, pemBytes, pass []byte) {
		k, err := ParsePrivateKey(pemBytes, pass)
		if err == nil && Allowed(k.Public()) != nil {
			t.Fatal("a key the bundle does not take was returned")
		}
	})
}

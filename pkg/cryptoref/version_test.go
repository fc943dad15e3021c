package cryptoref

import "testing"

func TestVersionName(t *testing.T) {
	for v, want := range map[uint16]string{0x0300: "SSLv3", 0x0301: "TLSv1.0", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3", 0x7f1c: "0x7f1c", 0x0a0a: "0x0a0a"} {
		if got := VersionName(v); got != want {
			t.Errorf("VersionName(%#x) = %q, want %q", v, got, want)
		}
		if r := VersionRank(VersionName(v)); (r >= 0) != (v >= 0x0300 && v <= 0x0304) {
			t.Errorf("rank of %s = %d", VersionName(v), r)
		}
	}
}

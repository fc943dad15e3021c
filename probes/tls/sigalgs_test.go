package tls

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/cryptoref"
)

// ecdheSKE builds an ECDHE ServerKeyExchange signed with scheme.
func ecdheSKE(scheme uint16, sig []byte) []byte {
	b := []byte{3, 0, 0x17, 4, 0x04, 1, 2, 3}
	b = append(b, byte(scheme>>8), byte(scheme), byte(len(sig)>>8), byte(len(sig)))
	return append(b, sig...)
}

// dheSKE builds a DHE ServerKeyExchange signed with scheme.
func dheSKE(scheme uint16, sig []byte) []byte {
	b := []byte{0, 2, 0xff, 0xfb, 0, 1, 2, 0, 2, 0x12, 0x34}
	b = append(b, byte(scheme>>8), byte(scheme), byte(len(sig)>>8), byte(len(sig)))
	return append(b, sig...)
}

func TestServerKeyExchangeSignature(t *testing.T) {
	tests := []struct {
		name   string
		kind   kxKind
		body   []byte
		want   uint16
		errHas string
	}{
		{"ecdhe rsa_pss_rsae_sha256", kxECDHESigned, ecdheSKE(0x0804, []byte{9, 9}), 0x0804, ""},
		{"dhe rsa_pkcs1_sha384", kxDHESigned, dheSKE(0x0501, []byte{7}), 0x0501, ""},
		{"ecdhe explicit curve", kxECDHESigned, append([]byte{1}, ecdheSKE(0x0403, []byte{1})[1:]...), 0, "parameters"},
		{"ecdhe empty point", kxECDHESigned, []byte{3, 0, 0x17, 0, 4, 3, 0, 1, 1}, 0, "parameters"},
		{"ecdhe unsigned", kxECDHESigned, ecdheSKE(0x0403, nil)[:8], 0, "signature"},
		{"empty signature", kxECDHESigned, ecdheSKE(0x0403, nil), 0, "signature"},
		{"trailing bytes", kxECDHESigned, append(ecdheSKE(0x0403, []byte{1}), 0), 0, "signature"},
		{"signature longer than the message", kxECDHESigned, ecdheSKE(0x0403, []byte{1, 2, 3})[:12], 0, "signature"},
		{"dhe missing Ys", kxDHESigned, dheSKE(0x0401, []byte{1})[:7], 0, "Ys"},
		{"dhe empty prime", kxDHESigned, []byte{0, 0}, 0, "DHE ServerKeyExchange p"},
		{"unsigned suite", kxOther, ecdheSKE(0x0403, []byte{1}), 0, "signs none"},
	}
	for _, tt := range tests {
		got, err := serverKeyExchangeSignature(tt.kind, tt.body)
		switch {
		case tt.errHas == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.errHas)
		case got != tt.want:
			t.Errorf("%s: scheme 0x%04x, want 0x%04x", tt.name, got, tt.want)
		}
	}
}

func TestSuiteKeyExchangeAndNames(t *testing.T) {
	kinds := map[uint16]kxKind{
		0xc02f: kxECDHESigned, // ECDHE_RSA_WITH_AES_128_GCM_SHA256
		0xc02b: kxECDHESigned, // ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
		0x009e: kxDHESigned,   // DHE_RSA_WITH_AES_128_GCM_SHA256
		0x00a2: kxDHESigned,   // DHE_DSS_WITH_AES_128_GCM_SHA256
		0x009c: kxOther,       // RSA_WITH_AES_128_GCM_SHA256
		0xc018: kxOther,       // ECDH_anon_WITH_AES_128_CBC_SHA
		0xc037: kxOther,       // ECDHE_PSK_WITH_AES_128_CBC_SHA256
		0x1301: kxOther,       // TLS_AES_128_GCM_SHA256
	}
	got := map[uint16]kxKind{}
	for s := range kinds {
		got[s] = suiteKeyExchange(s)
	}
	if diff := cmp.Diff(kinds, got); diff != "" {
		t.Errorf("key exchange kinds (-want +got):\n%s", diff)
	}
	names := map[uint16]string{0x0804: "rsa_pss_rsae_sha256", 0x0402: "dsa_sha256", 0x0303: "ecdsa_sha224", 0x0101: "rsa_pkcs1_md5", 0xfe01: "0xFE01"}
	gotNames := map[uint16]string{}
	for id := range names {
		gotNames[id] = SignatureSchemeName(id)
	}
	if diff := cmp.Diff(names, gotNames, cmp.Comparer(strings.EqualFold)); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

func FuzzServerKeyExchange(f *testing.F) {
	f.Add(ecdheSKE(0x0804, []byte{9, 9}), true)
	f.Add(dheSKE(0x0501, []byte{7}), false)
	f.Fuzz(func(t *testing.T, b []byte, ecdhe bool) {
		kind := kxDHESigned
		if ecdhe {
			kind = kxECDHESigned
		}
		scheme, err := serverKeyExchangeSignature(kind, b)
		if err == nil && len(b) < 2+2+1 {
			t.Errorf("scheme 0x%04x read from %d bytes", scheme, len(b))
		}
		keyExchangeGroup(0xc02f, b)
		keyExchangeGroup(0x009e, b)
	})
}

// A server that signs with the same scheme whatever the offer: the second
// ClientHello no longer offers it, so enumeration stops after two.
func TestSigAlgsStopOutsideTheOffer(t *testing.T) {
	flight := append(record(recordHandshake, handshake(typeServerHello, serverHello(VersionTLS12, 0xc02f, nil, nil))),
		record(recordHandshake, handshake(typeServerKeyExchange, ecdheSKE(0x0201, []byte{1, 2, 3})))...)
	flight = append(flight, record(recordHandshake, handshake(typeServerHelloDone, nil))...)
	dial := peer(t, func(c net.Conn) {
		readHello(c)
		c.Write(flight)
	})
	tab, err := cryptoref.LoadIANA()
	if err != nil {
		t.Fatal(err)
	}
	e := &enumerator{c: newCandidates(tab), dial: dial, o: EnumerateOptions{ConnTimeout: 2 * time.Second}}
	e.sigAlgs(context.Background(), []uint16{0xc02f})
	if diff := cmp.Diff([]uint16{0x0201}, e.sigSchemes); diff != "" {
		t.Errorf("schemes (-want +got):\n%s", diff)
	}
	if e.sigOutside != 0x0201 || e.handshakes.Load() != 2 || len(e.errs) != 0 {
		t.Errorf("outside 0x%04x, %d handshakes, errors %v", e.sigOutside, e.handshakes.Load(), e.errs)
	}
}

// A signed suite whose ServerKeyExchange signature does not parse ends the
// enumeration with an error, never a guess.
func TestSigAlgsMalformedSignature(t *testing.T) {
	flight := append(record(recordHandshake, handshake(typeServerHello, serverHello(VersionTLS12, 0xc02f, nil, nil))),
		record(recordHandshake, handshake(typeServerKeyExchange, ecdheSKE(0x0804, nil)))...)
	flight = append(flight, record(recordHandshake, handshake(typeServerHelloDone, nil))...)
	dial := peer(t, func(c net.Conn) {
		readHello(c)
		c.Write(flight)
	})
	tab, err := cryptoref.LoadIANA()
	if err != nil {
		t.Fatal(err)
	}
	e := &enumerator{c: newCandidates(tab), dial: dial, o: EnumerateOptions{ConnTimeout: 2 * time.Second}}
	e.sigAlgs(context.Background(), []uint16{0xc02f})
	if len(e.sigSchemes) != 0 || len(e.errs) != 1 || !strings.Contains(e.errs[0], "ServerKeyExchange signature") {
		t.Errorf("schemes %v, errors %v", e.sigSchemes, e.errs)
	}
}

package tls

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/cryptobyte"
)

// clientHello is what the fake server reads of a ClientHello.
type clientHello struct {
	version     uint16
	suites      []uint16
	compression []uint8
	exts        []uint16
}

func readClientHello(c net.Conn) (*clientHello, bool) {
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	var hdr [5]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, false
	}
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(c, body); err != nil {
		return nil, false
	}
	s := cryptobyte.String(body[4:])
	ch := &clientHello{}
	var random, sid, suites, comp, exts cryptobyte.String
	if !s.ReadUint16(&ch.version) || !s.ReadBytes((*[]byte)(&random), 32) || !s.ReadUint8LengthPrefixed(&sid) ||
		!s.ReadUint16LengthPrefixed(&suites) || !s.ReadUint8LengthPrefixed(&comp) || !s.ReadUint16LengthPrefixed(&exts) {
		return nil, false
	}
	for !suites.Empty() {
		var v uint16
		suites.ReadUint16(&v)
		ch.suites = append(ch.suites, v)
	}
	ch.compression = comp
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, false
		}
		ch.exts = append(ch.exts, typ)
	}
	return ch, true
}

// legacyServer is a TLS 1.0-1.2 server that does what modern stacks do
// not: it echoes the extensions in echo, picks DEFLATE when offered and
// allowed, and ignores TLS_FALLBACK_SCSV.
type legacyServer struct {
	max     uint16
	echo    []uint16
	deflate bool
}

func (l legacyServer) handle(c net.Conn) {
	ch, ok := readClientHello(c)
	if !ok {
		return
	}
	v := min(ch.version, l.max)
	comp := uint8(0)
	if l.deflate && len(ch.compression) > 0 && ch.compression[0] == compressionDeflate {
		comp = compressionDeflate
	}
	var b cryptobyte.Builder
	b.AddUint16(v)
	b.AddBytes(make([]byte, 32))
	b.AddUint8(0)
	b.AddUint16(ch.suites[0])
	b.AddUint8(comp)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, e := range ch.exts {
			if !contains(l.echo, e) {
				continue
			}
			b.AddUint16(e)
			if e == extRenegotiationInfo {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
			} else {
				b.AddUint16(0)
			}
		}
	})
	msg := append(handshake(typeServerHello, b.BytesOrPanic()), handshake(typeServerHelloDone, nil)...)
	c.Write(record(recordHandshake, msg))
}

// TestExtensionsLegacyServer covers the answers no real server at hand
// gives: truncated_hmac and client_certificate_url echoed, DEFLATE
// chosen, no renegotiation_info, no EMS, TLS_FALLBACK_SCSV ignored.
func TestExtensionsLegacyServer(t *testing.T) {
	const cbc = 0xc013 // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
	dial := peer(t, legacyServer{max: VersionTLS12, echo: []uint16{extTruncatedHMAC, extClientCertURL}, deflate: true}.handle)
	got := map[string]string{}
	for _, c := range Extensions(context.Background(), dial, ExtensionsOptions{ConnTimeout: 2 * time.Second,
		Versions: []VersionResult{{Version: VersionTLS12, Suites: []uint16{cbc}}, {Version: VersionTLS11, Suites: []uint16{cbc}}}}) {
		got[c.Name] = c.Result
		if c.Evidence == "" {
			t.Errorf("%s: no evidence", c.Name)
		}
		t.Logf("%s: %s %s", c.Name, c.Result, c.Evidence)
	}
	want := map[string]string{
		CheckRenegotiationInfo:     ExtNotSupported,
		CheckExtendedMasterSecret:  ExtNotSupported,
		CheckStatusRequest:         ExtNotSupported,
		CheckSignatureAlgorithms:   ExtNotTested,
		CheckSupportedGroups:       ExtNotApplicable,
		CheckKeyShare:              ExtNotApplicable,
		CheckSupportedVersions:     ExtNotApplicable,
		CheckEncryptThenMAC:        ExtNotSupported,
		CheckFallbackSCSV:          ExtNotSupported,
		CheckTruncatedHMAC:         ExtSupported,
		CheckClientCertificateURL:  ExtSupported,
		CheckCompression:           ExtSupported,
		CheckInsecureRenegotiation: ExtNotTested,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestRenegotiationInfoSCSVOnly: a server that echoes renegotiation_info
// only for the extension, not for the SCSV, does not support RFC 5746.
func TestRenegotiationInfoSCSVOnly(t *testing.T) {
	dial := peer(t, legacyServer{max: VersionTLS12, echo: []uint16{extRenegotiationInfo, extExtendedMasterSec, extEncryptThenMAC}}.handle)
	for _, c := range Extensions(context.Background(), dial, ExtensionsOptions{ConnTimeout: 2 * time.Second,
		Versions: []VersionResult{{Version: VersionTLS12, Suites: []uint16{0xc013}}}}) {
		switch c.Name {
		case CheckRenegotiationInfo:
			if c.Result != ExtNotSupported {
				t.Errorf("renegotiation_info %s (%s), want not-supported: the SCSV got no answer", c.Result, c.Evidence)
			}
		case CheckExtendedMasterSecret, CheckEncryptThenMAC:
			if c.Result != ExtSupported {
				t.Errorf("%s %s (%s), want supported", c.Name, c.Result, c.Evidence)
			}
		}
	}
}

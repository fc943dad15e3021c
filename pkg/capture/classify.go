package capture

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/capture/tlsparse"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// Classifications a flow can end with.
const (
	ClassTLS            = "tls"              // a handshake the server accepted
	ClassTLSNoHandshake = "tls-no-handshake" // TLS records, start of the stream not captured
	ClassTLSFailed      = "tls-failed"       // ClientHello answered by an alert or nothing
	ClassTLSIncomplete  = "tls-incomplete"   // ClientHello seen, capture ended before an answer
	ClassPlaintext      = "plaintext"
	ClassQUIC           = "quic"
	ClassWireGuard      = "wireguard"
	ClassIPsec          = "ipsec"
	ClassUnknown        = "unknown"    // payload nothing recognises
	ClassNoPayload      = "no-payload" // no payload, or closed before any
	ClassMalformed      = "malformed"  // looked like TLS, then broke the format
)

// Client-certificate values of FlowTLS.
const (
	CertSent    = "sent"
	CertNotSent = "not-sent"
	CertUnknown = "unknown"
)

// analysis is what the bytes of a flow showed so far.
type analysis struct {
	class     string
	encrypted bool
	tls       *evidence.FlowTLS
	plaintext string
	mesh      string
	// done means more bytes cannot change the answer.
	done bool
	// swap means the guessed roles are backwards (the "server" sent the
	// ClientHello or the request).
	swap bool
}

// plainLimit is how many bytes of unrecognised or plaintext preamble are
// read before giving up on finding a TLS upgrade in them.
const plainLimit = 8 << 10

func classify(f *flow, final bool) analysis {
	switch f.proto {
	case protoUDP:
		return classifyUDP(f, final)
	case protoESP:
		return analysis{class: ClassIPsec, encrypted: true, done: true}
	}
	c, s := f.dirs[0].buf, f.dirs[1].buf
	if len(c) == 0 && len(s) == 0 {
		return analysis{class: ClassNoPayload}
	}
	if f.guessed && len(s) > 0 && startsClientSide(s) && !startsClientSide(c) {
		return analysis{swap: true}
	}
	// TLS from the first byte (possibly mid-stream).
	if tlsparse.IsRecordStart(c) || len(c) == 0 && tlsparse.IsRecordStart(s) {
		return classifyTLS(f, 0, 0, "", nil, final)
	}
	if tlsparse.IsSSLv2ClientHelloStart(c) {
		// An SSL 2.0-compatible ClientHello; the server answers, and the
		// client carries on, in SSL 3.0/TLS records.
		ch, n, err := tlsparse.ParseSSLv2ClientHello(c)
		if err != nil {
			a := analysis{class: ClassTLSIncomplete, tls: &evidence.FlowTLS{ClientCertificate: CertUnknown, ALPN: []string{}}}
			a.done = f.dirs[0].full
			return a
		}
		return classifyTLS(f, n, 0, "", ch, final)
	}
	if !f.synSeen {
		// The capture began inside the connection, perhaps inside a
		// record: find where whole records start again.
		ci, si := resyncRecords(c), resyncRecords(s)
		if ci >= 0 || si >= 0 {
			return classifyTLS(f, ci, si, "", nil, final)
		}
	}
	proto, upgradable := detectPlain(c, s, f.server.Port())
	if upgradable || proto == "" {
		// TLS after a cleartext prelude: a STARTTLS exchange, a proxy's
		// CONNECT or SOCKS request, or something this package does not
		// name.
		if ci := findHello(c, plausibleClientHello); ci >= 0 {
			si := findHello(s, tlsparse.IsServerHelloStart)
			name := starttlsName(proto)
			if proto == "" {
				name = "unknown"
			}
			return classifyTLS(f, ci, si, name, nil, final)
		}
	}
	if proto != "" {
		a := analysis{class: ClassPlaintext, plaintext: plainName(proto)}
		a.done = !upgradable || len(c) >= plainLimit || upgradeRefused(proto, c, s)
		return a
	}
	a := analysis{class: ClassUnknown}
	a.done = len(c)+len(s) >= plainLimit
	return a
}

// startsClientSide reports whether b opens like a client: a ClientHello or
// a plaintext request.
func startsClientSide(b []byte) bool {
	if tlsparse.IsClientHelloStart(b) {
		return true
	}
	return httpMethod(b) != ""
}

// plausibleClientHello is IsClientHelloStart made strict enough to trust
// in the middle of other bytes: the hello's own version is 3.x and its
// length leaves room for the fixed fields.
func plausibleClientHello(b []byte) bool {
	if !tlsparse.IsClientHelloStart(b) || len(b) < 11 {
		return false
	}
	n := int(b[6])<<16 | int(b[7])<<8 | int(b[8])
	return b[9] == 3 && b[10] <= 4 && n >= 38 && n <= 1<<16
}

func findHello(b []byte, is func([]byte) bool) int {
	for i := 0; i+6 <= len(b); i++ {
		j := bytes.IndexByte(b[i:], tlsparse.RecordHandshake)
		if j < 0 {
			return -1
		}
		i += j
		if is(b[i:]) {
			return i
		}
	}
	return -1
}

// parse reads the TLS records direction dir holds from offset start on
// (none when start is negative), carrying on from the previous call when
// start is the same.
func (f *flow) parse(dir, start int, tls13 bool) ([]byte, *tlsparse.Direction) {
	p := &f.tp[dir]
	if f.tpStart[dir] != start {
		p.Reset()
		f.tpStart[dir] = start
	}
	var b []byte
	if start >= 0 && start <= len(f.dirs[dir].buf) {
		b = f.dirs[dir].buf[start:]
	}
	return b, p.Parse(b, tls13)
}

// classifyTLS reads the handshake from the TLS records at offset ci of the
// client's bytes and si of the server's (negative: none). pre is a
// ClientHello read before ci (SSL 2.0-compatible), or nil.
func classifyTLS(f *flow, ci, si int, starttls string, pre *tlsparse.ClientHello, final bool) analysis {
	tls13 := f.tp[1].TLS13()
	s, sd := f.parse(1, si, tls13)
	if v := serverVersion(sd); tlsparse.IsTLS13(v) != tls13 {
		tls13 = !tls13
		s, sd = f.parse(1, si, tls13)
	}
	c, cd := f.parse(0, ci, tls13)
	a := analysis{}
	var ch *tlsparse.ClientHello
	if len(cd.ClientHellos) > 0 {
		ch = cd.ClientHellos[0]
	}
	if pre != nil {
		ch = pre
	}
	sh := sd.ServerHello
	if ch == nil && sh == nil && sd.HelloRetryRequest == nil {
		// No handshake in sight: the capture began mid-stream, or this is
		// not TLS after all.
		if cd.Err != nil || sd.Err != nil {
			return analysis{class: ClassMalformed, done: true}
		}
		if cd.ApplicationData > 0 && sd.ApplicationData > 0 ||
			cd.ApplicationData > 0 && len(s) == 0 && final || sd.ApplicationData > 0 && len(c) == 0 && final {
			return analysis{class: ClassTLSNoHandshake, encrypted: true, done: cd.ApplicationData > 0 && sd.ApplicationData > 0,
				tls: &evidence.FlowTLS{ClientCertificate: CertUnknown, STARTTLS: starttls, ALPN: []string{}}}
		}
		if tlsparse.IsClientHelloStart(c) {
			// A hello whose bytes never all arrived (snaplen, loss, cap).
			a.class = ClassTLSIncomplete
			a.tls = &evidence.FlowTLS{ClientCertificate: CertUnknown, STARTTLS: starttls, ALPN: []string{}}
			return a
		}
		a.class = ClassTLSNoHandshake
		if final {
			a.class = ClassUnknown
		}
		return a
	}
	t := &evidence.FlowTLS{ClientCertificate: CertUnknown, STARTTLS: starttls, ALPN: []string{}}
	a.tls = t
	if ch != nil {
		t.ServerName = ch.ServerName
		if ch.ALPN != nil {
			t.ALPN = ch.ALPN
		}
	}
	t.HelloRetryRequest = sd.HelloRetryRequest != nil
	if sh != nil {
		v := sh.Version()
		t.Version = tlsparse.VersionName(v)
		t.CipherSuite = suiteName(sh.CipherSuite)
		t.JA3S = f.cache.ja3s(sh)
		t.ServerALPN = sh.ALPN
		if !tlsparse.IsTLS13(v) {
			t.ClientCertificate = clientCert(sd, cd)
		}
	}
	a.mesh = meshOf(t, f.server.Port(), sh)
	alert := sd.Alert != nil && sd.Alert.Fatal() || cd.Alert != nil && cd.Alert.Fatal() && sh == nil
	switch {
	case sh != nil && !(sd.Alert != nil && sd.Alert.Fatal()) && !(cd.Alert != nil && cd.Alert.Level == 2):
		a.class, a.encrypted = ClassTLS, true
	case alert || sh != nil:
		a.class = ClassTLSFailed
	case cd.Err != nil || sd.Err != nil:
		a.class = ClassMalformed
	case final && (f.rst || f.fins != 0):
		a.class = ClassTLSFailed
	default:
		a.class = ClassTLSIncomplete
	}
	switch {
	case cd.Err != nil || sd.Err != nil || alert:
		a.done = true
	case tls13 && sh != nil:
		a.done = true
	case sh != nil && cd.ChangeCipherSpec && sd.ChangeCipherSpec:
		a.done = true
	case cd.ApplicationData > 0 && sd.ApplicationData > 0:
		a.done = true
	}
	if a.done || final {
		// Fingerprints and certificates are computed once, when the
		// answer is settled.
		if ch != nil && !ch.SSLv2 {
			// JA3 and JA4 are defined on the TLS ClientHello only (no
			// extensions here; tshark computes no JA3 for it either).
			t.JA3, t.JA4 = f.cache.fingerprints(ch, 't')
		}
		if sh != nil && !tlsparse.IsTLS13(sh.Version()) {
			t.ServerCertificates = f.cache.certificates(sd.Certificates)
			t.ClientCertificates = f.cache.certificates(cd.Certificates)
		}
	}
	return a
}

func serverVersion(d *tlsparse.Direction) uint16 {
	if d.ServerHello != nil {
		return d.ServerHello.Version()
	}
	if d.HelloRetryRequest != nil {
		return d.HelloRetryRequest.Version()
	}
	return 0
}

// clientCert decides, for TLS 1.2 and older, whether the client sent a
// certificate. A server that never asked (ServerHelloDone without a
// CertificateRequest) gets none; a resumed session shows neither.
func clientCert(sd, cd *tlsparse.Direction) string {
	if sd.CertificateRequest {
		if cd.CertificateMessage {
			if len(cd.Certificates) > 0 {
				return CertSent
			}
			return CertNotSent
		}
		if cd.ChangeCipherSpec {
			return CertNotSent // SSL 3.0 clients may send no Certificate at all
		}
		return CertUnknown
	}
	for _, t := range sd.Types {
		if t == tlsparse.TypeServerHelloDone {
			return CertNotSent
		}
	}
	return CertUnknown
}

func certificates(ders [][]byte) []evidence.Certificate {
	var out []evidence.Certificate
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			out = append(out, evidence.Certificate{Subject: "unparseable certificate"})
			continue
		}
		ec := evidence.Certificate{
			Subject:            c.Subject.String(),
			Issuer:             c.Issuer.String(),
			SANs:               []string{},
			NotBefore:          c.NotBefore.UTC(),
			NotAfter:           c.NotAfter.UTC(),
			KeyType:            c.PublicKeyAlgorithm.String(),
			SignatureAlgorithm: c.SignatureAlgorithm.String(),
			SHA256:             sha256Hex(der),
			Serial:             c.SerialNumber.Text(16),
		}
		ec.SANs = append(ec.SANs, c.DNSNames...)
		for _, ip := range c.IPAddresses {
			ec.SANs = append(ec.SANs, ip.String())
		}
		for _, u := range c.URIs {
			ec.SANs = append(ec.SANs, u.String())
			if u.Scheme == "spiffe" && ec.SPIFFEID == "" {
				ec.SPIFFEID = u.String()
			}
		}
		ec.KeyBits = keyBits(c)
		out = append(out, ec)
	}
	return out
}

// meshOf names the mesh whose markers the handshake carries.
func meshOf(t *evidence.FlowTLS, port uint16, sh *tlsparse.ServerHello) string {
	for _, p := range t.ALPN {
		if p == "transport.l5d.io/v1" {
			return "linkerd"
		}
	}
	if strings.Contains(t.ServerName, ".serviceaccount.identity.linkerd.") {
		return "linkerd"
	}
	if port == 15008 && t.ServerName == "" && len(t.ALPN) == 1 && t.ALPN[0] == "h2" &&
		(sh == nil || tlsparse.IsTLS13(sh.Version())) {
		return "istio-hbone"
	}
	if strings.HasPrefix(t.ServerName, "outbound_.") {
		return "istio"
	}
	for _, p := range t.ALPN {
		if p == "istio" || strings.HasPrefix(p, "istio-") {
			return "istio"
		}
	}
	return ""
}

func classifyUDP(f *flow, final bool) analysis {
	cd, sd := datagrams(f.dirs[0].buf), datagrams(f.dirs[1].buf)
	var b []byte
	switch {
	case len(cd) > 0:
		b = cd[0]
	case len(sd) > 0:
		b = sd[0]
	}
	sp, cp := f.server.Port(), f.client.Port()
	switch {
	case isQUIC(b):
		return classifyQUIC(f, cd, sd, final)
	case isWireGuard(b):
		return analysis{class: ClassWireGuard, encrypted: true, done: true}
	case (sp == 53 || sp == 5353 || cp == 53 || cp == 5353) && isDNS(b):
		return analysis{class: ClassPlaintext, plaintext: "dns", done: true}
	}
	return analysis{class: ClassUnknown, done: len(cd) > 0 && len(sd) > 0}
}

// classifyQUIC reads the hellos out of the Initial packets. QUIC is always
// TLS 1.3 (RFC 9001 section 4.2); the flow is encrypted from its first
// packet, readable hellos or not.
func classifyQUIC(f *flow, cd, sd [][]byte, final bool) analysis {
	a := analysis{class: ClassQUIC, encrypted: true}
	ch, sh := quicHandshake(cd, sd)
	if ch == nil && f.guessed && len(sd) > 0 {
		// Roles are guessed from the ports for UDP: the lower port may
		// well be the client's. The side whose Initials hold a
		// ClientHello is the client.
		if rch, _ := quicHandshake(sd, cd); rch != nil {
			return analysis{swap: true}
		}
	}
	if ch == nil && sh == nil {
		a.done = len(cd) >= maxDatagrams || f.dirs[0].full
		return a
	}
	t := &evidence.FlowTLS{Version: "TLSv1.3", ClientCertificate: CertUnknown, ALPN: []string{}}
	if ch != nil {
		t.ServerName = ch.ServerName
		if ch.ALPN != nil {
			t.ALPN = ch.ALPN
		}
	}
	if sh != nil {
		t.CipherSuite = suiteName(sh.CipherSuite)
		t.JA3S = f.cache.ja3s(sh)
	}
	a.done = ch != nil && sh != nil || f.dirs[0].full && f.dirs[1].full
	if (a.done || final) && ch != nil {
		t.JA3, t.JA4 = f.cache.fingerprints(ch, 'q')
	}
	a.tls = t
	a.mesh = meshOf(t, f.server.Port(), nil)
	return a
}

// isQUIC matches a QUIC long-header packet of version 1 or 2 (RFC 9000,
// RFC 9369).
func isQUIC(b []byte) bool {
	if len(b) < 7 || b[0]&0xc0 != 0xc0 {
		return false
	}
	v := binary.BigEndian.Uint32(b[1:5])
	return v == 1 || v == 0x6b3343cf
}

// isWireGuard matches a WireGuard message: type 1 to 4, three zero bytes,
// and the fixed sizes of the handshake messages.
func isWireGuard(b []byte) bool {
	if len(b) < 32 || b[1] != 0 || b[2] != 0 || b[3] != 0 {
		return false
	}
	switch b[0] {
	case 1:
		return len(b) == 148
	case 2:
		return len(b) == 92
	case 3:
		return len(b) == 64
	case 4:
		return len(b) >= 32 && len(b)%16 == 0
	}
	return false
}

// isDNS checks a DNS header for sane counts.
func isDNS(b []byte) bool {
	if len(b) < 12 {
		return false
	}
	op := b[2] >> 3 & 0x0f
	qd := binary.BigEndian.Uint16(b[4:6])
	an := binary.BigEndian.Uint16(b[6:8])
	return op <= 6 && qd <= 4 && an < 256
}

// resyncRecords returns the offset of the first TLS record header in b that
// is followed by another one exactly where its length says (two chained
// headers by chance are about a 2^-40 event in ciphertext), or -1.
func resyncRecords(b []byte) int {
	for i := 0; i+5 <= len(b) && i <= tlsparse.MaxRecordLength+5; i++ {
		if b[i+1] != 3 || !tlsparse.IsRecordStart(b[i:]) || b[i] == tlsparse.RecordHandshake {
			continue
		}
		next := i + 5 + int(binary.BigEndian.Uint16(b[i+3:i+5]))
		if next+5 <= len(b) && tlsparse.IsRecordStart(b[next:]) {
			return i
		}
	}
	return -1
}

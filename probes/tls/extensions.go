package tls

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
)

// Extension check names (the extension's RFC name, or the feature's).
const (
	CheckRenegotiationInfo     = "renegotiation_info"
	CheckExtendedMasterSecret  = "extended_master_secret"
	CheckStatusRequest         = "status_request"
	CheckSignatureAlgorithms   = "signature_algorithms"
	CheckSupportedGroups       = "supported_groups"
	CheckKeyShare              = "key_share"
	CheckSupportedVersions     = "supported_versions"
	CheckEncryptThenMAC        = "encrypt_then_mac"
	CheckFallbackSCSV          = "fallback_scsv"
	CheckTruncatedHMAC         = "truncated_hmac"
	CheckClientCertificateURL  = "client_certificate_url"
	CheckCompression           = "compression"
	CheckInsecureRenegotiation = "insecure_renegotiation"
)

// ExtensionChecks are the checks Extensions runs, in report order.
var ExtensionChecks = []string{
	CheckRenegotiationInfo, CheckExtendedMasterSecret, CheckStatusRequest, CheckSignatureAlgorithms,
	CheckSupportedGroups, CheckKeyShare, CheckSupportedVersions, CheckEncryptThenMAC, CheckFallbackSCSV,
	CheckTruncatedHMAC, CheckClientCertificateURL, CheckCompression, CheckInsecureRenegotiation,
}

// Results of an extension check. For the features a server should not
// have (truncated_hmac, client_certificate_url, compression,
// insecure_renegotiation) Supported is the finding.
const (
	ExtSupported     = "supported"
	ExtNotSupported  = "not-supported"
	ExtNotApplicable = "not-applicable"
	ExtNotTested     = "not-tested"
)

// Code points the extension checks send.
const (
	suiteRenegotiationSCSV uint16 = 0x00ff // RFC 5746 3.3
	suiteFallbackSCSV      uint16 = 0x5600 // RFC 7507
	compressionDeflate     uint8  = 1      // RFC 3749
	alertInappropriateFB   uint8  = 86
	alertMissingExtension  uint8  = 109
)

// ExtensionCheck is one extension, or extension-borne feature, and what
// the server's answers showed about it.
type ExtensionCheck struct {
	Name string
	// Version is the version the deciding ClientHello offered (0 when none
	// was sent).
	Version uint16
	// Result is ExtSupported, ExtNotSupported, ExtNotApplicable or
	// ExtNotTested.
	Result string
	// Evidence is what the server answered, in words.
	Evidence string
	// OCSP is the stapled response of status_request, when one came.
	OCSP *OCSPStaple
}

// ExtensionsOptions say what the server accepts, so each check offers
// only what gets a ServerHello.
type ExtensionsOptions struct {
	ServerName  string
	ConnTimeout time.Duration // default 5s
	ALPN        []string
	// Versions are the accepted versions and suites (Enumerate), newest
	// first.
	Versions []VersionResult
	// SignatureSchemes are the TLS 1.2 schemes Enumerate saw the server
	// sign with, in its order.
	SignatureSchemes []uint16
	// Handshake is the crypto/tls handshake's result: for a server that
	// speaks only TLS 1.3 its Certificate message, where a staple would
	// be, is encrypted.
	Handshake *HandshakeResult
}

// Extensions runs one check per ExtensionChecks entry; each costs one to
// three ClientHellos. A check that could not conclude says why in its
// Evidence with ExtNotTested.
func Extensions(ctx context.Context, dial Dialer, o ExtensionsOptions) []ExtensionCheck {
	if o.ConnTimeout <= 0 {
		o.ConnTimeout = 5 * time.Second
	}
	x := &extProbe{dial: dial, o: o, c: newCandidates(cryptoref.MustIANA())}
	for i := range o.Versions {
		v := o.Versions[i]
		if v.Version == VersionTLS13 {
			x.v13 = &o.Versions[i]
		} else if x.legacy == nil && v.Version >= VersionTLS10 {
			x.legacy = &o.Versions[i]
		}
	}
	checks := map[string]func(context.Context) ExtensionCheck{
		CheckRenegotiationInfo:    x.renegotiationInfo,
		CheckExtendedMasterSecret: x.ems,
		CheckStatusRequest:        x.statusRequest,
		CheckSignatureAlgorithms:  x.signatureAlgorithms,
		CheckSupportedGroups:      x.supportedGroups,
		CheckKeyShare:             x.keyShare,
		CheckSupportedVersions:    x.supportedVersions,
		CheckEncryptThenMAC:       x.encryptThenMAC,
		CheckFallbackSCSV:         x.fallbackSCSV,
		CheckTruncatedHMAC: func(ctx context.Context) ExtensionCheck {
			return x.echo(ctx, CheckTruncatedHMAC, extTruncatedHMAC, true)
		},
		CheckClientCertificateURL: func(ctx context.Context) ExtensionCheck {
			return x.echo(ctx, CheckClientCertificateURL, extClientCertURL, false)
		},
		CheckCompression:           x.compression,
		CheckInsecureRenegotiation: x.insecureRenegotiation,
	}
	out := make([]ExtensionCheck, len(ExtensionChecks))
	var wg sync.WaitGroup
	for i, name := range ExtensionChecks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := checks[name](ctx)
			c.Name = name
			out[i] = c
		}()
	}
	wg.Wait()
	return out
}

type extProbe struct {
	dial   Dialer
	o      ExtensionsOptions
	c      *candidates
	v13    *VersionResult
	legacy *VersionResult // the newest accepted version from TLS 1.0 to 1.2
}

func (x *extProbe) hello(v uint16, suites []uint16) Hello {
	h := Hello{Version: v, Suites: suites, Groups: x.c.groups, SigSchemes: x.c.sigSchemes, ServerName: x.o.ServerName, ALPN: x.o.ALPN}
	if v >= VersionTLS13 {
		h.KeyShares = []uint16{groupX25519, groupSecp256r1}
	}
	return h
}

func (x *extProbe) send(ctx context.Context, h Hello, full bool) (*Flight, error) {
	return exchange(ctx, x.dial, h, x.o.ConnTimeout, full)
}

// answer describes a failed exchange: the alert, or the error.
func answer(err error) string {
	var ae *AlertError
	if errors.As(err, &ae) {
		return fmt.Sprintf("alert %s (%d)", AlertName(ae.Description), ae.Description)
	}
	return err.Error()
}

func notTested(v uint16, format string, a ...any) ExtensionCheck {
	return ExtensionCheck{Version: v, Result: ExtNotTested, Evidence: fmt.Sprintf(format, a...)}
}

// legacyOnly is the verdict of a TLS 1.0-1.2 extension on a server that
// accepts none of those versions.
func (x *extProbe) legacyOnly(what string) (ExtensionCheck, bool) {
	if x.legacy != nil {
		return ExtensionCheck{}, false
	}
	if x.v13 != nil {
		return ExtensionCheck{Result: ExtNotApplicable, Evidence: "only TLSv1.3 accepted: " + what}, true
	}
	return notTested(0, "no accepted TLS version from the enumeration to offer"), true
}

// chosen checks that the server answered h with a ServerHello of the
// offered version.
func chosen(f *Flight, v uint16) error {
	if f.Hello.Version != v {
		return fmt.Errorf("server negotiated %s instead of the offered %s", VersionName(f.Hello.Version), VersionName(v))
	}
	return nil
}

func (x *extProbe) renegotiationInfo(ctx context.Context) ExtensionCheck {
	if c, done := x.legacyOnly("TLS 1.3 has no renegotiation, so no renegotiation_info (RFC 8446 4.1.2)"); done {
		return c
	}
	v := x.legacy.Version
	f, err := x.send(ctx, x.hello(v, x.legacy.Suites), false)
	if err != nil {
		return notTested(v, "ClientHello with an empty renegotiation_info: %s", answer(err))
	}
	if err := chosen(f, v); err != nil {
		return notTested(v, "%v", err)
	}
	ext := "ServerHello carried no renegotiation_info in answer to an empty one"
	extOK := false
	switch ri := f.Hello.RenegotiationInfo; {
	case ri == nil:
	case len(ri) > 0:
		ext = fmt.Sprintf("ServerHello's renegotiation_info holds %d bytes on an initial handshake (RFC 5746 3.6 wants it empty)", len(ri))
	default:
		ext, extOK = "ServerHello echoed an empty renegotiation_info", true
	}
	h := x.hello(v, append(append([]uint16{}, x.legacy.Suites...), suiteRenegotiationSCSV))
	h.OmitRenegotiationInfo = true
	f, err = x.send(ctx, h, false)
	var scsv string
	scsvOK := false
	switch {
	case err != nil:
		scsv = "the ClientHello with TLS_EMPTY_RENEGOTIATION_INFO_SCSV instead got " + answer(err)
	case f.Hello.RenegotiationInfo != nil && len(f.Hello.RenegotiationInfo) == 0:
		scsv, scsvOK = "and answered TLS_EMPTY_RENEGOTIATION_INFO_SCSV with one too", true
	default:
		scsv = "but did not answer TLS_EMPTY_RENEGOTIATION_INFO_SCSV with one (RFC 5746 3.6)"
	}
	c := ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: ext + "; " + scsv}
	if extOK && scsvOK {
		c.Result = ExtSupported
	}
	return c
}

func (x *extProbe) ems(ctx context.Context) ExtensionCheck {
	if c, done := x.legacyOnly("TLS 1.3 always binds its secrets to the handshake transcript (RFC 8446 7.1)"); done {
		return c
	}
	v := x.legacy.Version
	f, err := x.send(ctx, x.hello(v, x.legacy.Suites), false)
	if err != nil {
		return notTested(v, "ClientHello with extended_master_secret: %s", answer(err))
	}
	if err := chosen(f, v); err != nil {
		return notTested(v, "%v", err)
	}
	if f.Hello.HasExtension(extExtendedMasterSec) {
		return ExtensionCheck{Version: v, Result: ExtSupported, Evidence: "ServerHello echoed extended_master_secret"}
	}
	return ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: "ServerHello did not echo the offered extended_master_secret (RFC 7627 5.2)"}
}

// statusRequestData asks for OCSP with no responder ids and no request
// extensions (RFC 6066 8).
var statusRequestData = []byte{1, 0, 0, 0, 0}

func (x *extProbe) statusRequest(ctx context.Context) ExtensionCheck {
	if x.legacy == nil {
		hs := x.o.Handshake
		switch {
		case x.v13 == nil:
			return notTested(0, "no accepted TLS version from the enumeration to offer")
		case hs == nil || hs.Err != nil && len(hs.Chain) == 0:
			return notTested(VersionTLS13, "only TLSv1.3 accepted, where a staple travels in the encrypted Certificate message, and the full handshake did not get that far")
		case hs.Version != VersionTLS13:
			return notTested(VersionTLS13, "only TLSv1.3 accepted, but the full handshake negotiated %s", VersionName(hs.Version))
		case len(hs.OCSPStaple) == 0:
			return ExtensionCheck{Version: VersionTLS13, Result: ExtNotSupported,
				Evidence: "TLSv1.3 handshake offering status_request: no OCSP response in the server's Certificate entry (no stapling)"}
		}
		st := ParseOCSPStaple(hs.OCSPStaple, hs.Chain)
		return ExtensionCheck{Version: VersionTLS13, Result: ExtSupported, OCSP: &st,
			Evidence: "TLSv1.3 handshake offering status_request: the server's Certificate entry carried an OCSP response, status " + st.Status}
	}
	v := x.legacy.Version
	h := x.hello(v, x.legacy.Suites)
	h.Extensions = []Extension{{Type: extStatusRequest, Data: statusRequestData}}
	f, err := x.send(ctx, h, true)
	if err != nil && (f == nil || !f.Hello.HasExtension(extStatusRequest)) {
		return notTested(v, "ClientHello with status_request: %s", answer(err))
	}
	if err := chosen(f, v); err != nil {
		return notTested(v, "%v", err)
	}
	switch {
	case !f.Hello.HasExtension(extStatusRequest):
		return ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: "ServerHello did not echo status_request: no OCSP stapling"}
	case f.OCSPStaple == nil && err != nil:
		return notTested(v, "ServerHello echoed status_request, then reading the flight failed: %s", answer(err))
	case f.OCSPStaple == nil:
		return ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: "ServerHello echoed status_request but the flight held no CertificateStatus message (RFC 6066 8)"}
	}
	chain, _ := ParseChain(f.Certificates)
	st := ParseOCSPStaple(f.OCSPStaple, chain)
	return ExtensionCheck{Version: v, Result: ExtSupported, OCSP: &st,
		Evidence: "ServerHello echoed status_request and a CertificateStatus message stapled an OCSP response, status " + st.Status}
}

func (x *extProbe) signatureAlgorithms(ctx context.Context) ExtensionCheck {
	var tls12 string
	if n := len(x.o.SignatureSchemes); n > 0 {
		tls12 = fmt.Sprintf("TLSv1.2 ServerKeyExchange signed with %d offered schemes in turn as each was withdrawn from signature_algorithms", n)
	}
	if x.v13 == nil {
		if tls12 != "" {
			return ExtensionCheck{Version: VersionTLS12, Result: ExtSupported, Evidence: tls12}
		}
		return notTested(0, "no TLSv1.3, and no signed TLSv1.2 key exchange whose scheme would show the extension read")
	}
	h := x.hello(VersionTLS13, x.v13.Suites)
	h.SigSchemes = nil
	f, err := x.send(ctx, h, false)
	var ae *AlertError
	switch {
	case errors.As(err, &ae) && ae.Description == alertMissingExtension:
		ev := "TLSv1.3 ClientHello without signature_algorithms refused with alert missing_extension (RFC 8446 9.2)"
		if tls12 != "" {
			ev += "; " + tls12
		}
		return ExtensionCheck{Version: VersionTLS13, Result: ExtSupported, Evidence: ev}
	case err != nil:
		if tls12 != "" {
			return ExtensionCheck{Version: VersionTLS12, Result: ExtSupported, Evidence: tls12 + "; a TLSv1.3 ClientHello without it got " + answer(err)}
		}
		return notTested(VersionTLS13, "a TLSv1.3 ClientHello without signature_algorithms got %s, not missing_extension", answer(err))
	case f.Hello.Version == VersionTLS13:
		if tls12 != "" {
			return ExtensionCheck{Version: VersionTLS12, Result: ExtSupported, Evidence: tls12 + "; but a TLSv1.3 ClientHello without signature_algorithms got a ServerHello"}
		}
		return notTested(VersionTLS13, "a TLSv1.3 ClientHello without signature_algorithms got a ServerHello; the scheme used is in the encrypted CertificateVerify")
	}
	return notTested(VersionTLS13, "a TLSv1.3 ClientHello without signature_algorithms negotiated %s", VersionName(f.Hello.Version))
}

func (x *extProbe) tls13Only(what string) (ExtensionCheck, bool) {
	if x.v13 != nil {
		return ExtensionCheck{}, false
	}
	if x.legacy != nil {
		return ExtensionCheck{Result: ExtNotApplicable, Evidence: "TLSv1.3 not accepted: " + what + " is a TLSv1.3 requirement"}, true
	}
	return notTested(0, "no accepted TLS version from the enumeration to offer"), true
}

func (x *extProbe) supportedGroups(ctx context.Context) ExtensionCheck {
	if c, done := x.tls13Only("supported_groups"); done {
		return c
	}
	h := x.hello(VersionTLS13, x.v13.Suites)
	h.KeyShares = nil
	f, err := x.send(ctx, h, false)
	if err != nil {
		return notTested(VersionTLS13, "TLSv1.3 ClientHello with supported_groups and no key share: %s", answer(err))
	}
	g := x.c.iana.GroupName(f.Hello.Group)
	switch {
	case f.Hello.Version != VersionTLS13:
		return notTested(VersionTLS13, "server negotiated %s", VersionName(f.Hello.Version))
	case f.Hello.RetryRequest && contains(x.c.groups, f.Hello.Group):
		return ExtensionCheck{Version: VersionTLS13, Result: ExtSupported, Evidence: "TLSv1.3 ClientHello with no key share: HelloRetryRequest asked for " + g + ", taken from supported_groups"}
	case f.Hello.RetryRequest:
		return ExtensionCheck{Version: VersionTLS13, Result: ExtNotSupported, Evidence: "HelloRetryRequest asked for " + g + ", which supported_groups did not offer"}
	}
	return notTested(VersionTLS13, "TLSv1.3 ClientHello with no key share got a ServerHello without a HelloRetryRequest")
}

func (x *extProbe) keyShare(ctx context.Context) ExtensionCheck {
	if c, done := x.tls13Only("key_share"); done {
		return c
	}
	f, err := x.send(ctx, x.hello(VersionTLS13, x.v13.Suites), false)
	if err != nil {
		return notTested(VersionTLS13, "TLSv1.3 ClientHello with x25519 and secp256r1 key shares: %s", answer(err))
	}
	sh := f.Hello
	switch {
	case sh.Version != VersionTLS13:
		return notTested(VersionTLS13, "server negotiated %s", VersionName(sh.Version))
	case !sh.RetryRequest && sh.HasExtension(extKeyShare) && (sh.Group == groupX25519 || sh.Group == groupSecp256r1):
		return ExtensionCheck{Version: VersionTLS13, Result: ExtSupported, Evidence: "ServerHello key_share answered the offered " + x.c.iana.GroupName(sh.Group) + " share"}
	case sh.RetryRequest:
		return ExtensionCheck{Version: VersionTLS13, Result: ExtSupported, Evidence: "HelloRetryRequest key_share asked for a " + x.c.iana.GroupName(sh.Group) + " share instead of the offered x25519 and secp256r1"}
	}
	return ExtensionCheck{Version: VersionTLS13, Result: ExtNotSupported, Evidence: "TLSv1.3 ServerHello without a key_share for an offered group"}
}

func (x *extProbe) supportedVersions(ctx context.Context) ExtensionCheck {
	if c, done := x.tls13Only("supported_versions"); done {
		return c
	}
	f, err := x.send(ctx, x.hello(VersionTLS13, x.v13.Suites), false)
	if err != nil {
		return notTested(VersionTLS13, "TLSv1.3 ClientHello: %s", answer(err))
	}
	if f.Hello.HasExtension(extSupportedVersions) && f.Hello.Version == VersionTLS13 {
		return ExtensionCheck{Version: VersionTLS13, Result: ExtSupported, Evidence: fmt.Sprintf("ServerHello supported_versions selected TLSv1.3 (legacy_version %s)", VersionName(f.Hello.LegacyVersion))}
	}
	return ExtensionCheck{Version: VersionTLS13, Result: ExtNotSupported, Evidence: "ServerHello to a TLSv1.3 offer carried no supported_versions"}
}

func isCBC(iana *cryptoref.IANA, s uint16) bool { return strings.Contains(iana.SuiteName(s), "_CBC_") }

func (x *extProbe) cbcSuites() []uint16 {
	if x.legacy == nil {
		return nil
	}
	var out []uint16
	for _, s := range x.legacy.Suites {
		if isCBC(x.c.iana, s) {
			out = append(out, s)
		}
	}
	return out
}

func (x *extProbe) encryptThenMAC(ctx context.Context) ExtensionCheck {
	if c, done := x.legacyOnly("TLS 1.3 has only AEAD suites"); done {
		return c
	}
	v := x.legacy.Version
	cbc := x.cbcSuites()
	if len(cbc) == 0 {
		return ExtensionCheck{Version: v, Result: ExtNotApplicable, Evidence: "no CBC suite accepted under " + VersionName(v)}
	}
	h := x.hello(v, cbc)
	h.Extensions = []Extension{{Type: extEncryptThenMAC}}
	f, err := x.send(ctx, h, false)
	if err != nil {
		return notTested(v, "ClientHello offering only CBC suites and encrypt_then_mac: %s", answer(err))
	}
	if err := chosen(f, v); err != nil {
		return notTested(v, "%v", err)
	}
	suite := x.c.iana.SuiteName(f.Hello.CipherSuite)
	if !isCBC(x.c.iana, f.Hello.CipherSuite) {
		return notTested(v, "server chose %s, not a CBC suite", suite)
	}
	if f.Hello.HasExtension(extEncryptThenMAC) {
		return ExtensionCheck{Version: v, Result: ExtSupported, Evidence: "ServerHello chose " + suite + " and echoed encrypt_then_mac"}
	}
	return ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: "ServerHello chose " + suite + " without echoing the offered encrypt_then_mac: MAC-then-encrypt (RFC 7366)"}
}

// echo offers one empty extension the server should ignore and reports
// whether it was echoed; cbc prefers CBC suites, the only ones the
// extension could change.
func (x *extProbe) echo(ctx context.Context, name string, typ uint16, cbc bool) ExtensionCheck {
	if c, done := x.legacyOnly(name + " is a TLS 1.0-1.2 extension"); done {
		return c
	}
	v := x.legacy.Version
	suites := x.legacy.Suites
	if s := x.cbcSuites(); cbc && len(s) > 0 {
		suites = s
	}
	h := x.hello(v, suites)
	h.Extensions = []Extension{{Type: typ}}
	f, err := x.send(ctx, h, false)
	if err != nil {
		return notTested(v, "ClientHello with %s: %s", name, answer(err))
	}
	if err := chosen(f, v); err != nil {
		return notTested(v, "%v", err)
	}
	if f.Hello.HasExtension(typ) {
		return ExtensionCheck{Version: v, Result: ExtSupported, Evidence: "ServerHello echoed " + name + " with " + x.c.iana.SuiteName(f.Hello.CipherSuite)}
	}
	return ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: "ServerHello did not echo the offered " + name}
}

func (x *extProbe) compression(ctx context.Context) ExtensionCheck {
	if c, done := x.legacyOnly("TLS 1.3 has no compression (RFC 8446 4.1.2)"); done {
		return c
	}
	v := x.legacy.Version
	h := x.hello(v, x.legacy.Suites)
	h.Compression = []uint8{compressionDeflate}
	f, err := x.send(ctx, h, false)
	if err != nil {
		return notTested(v, "ClientHello offering DEFLATE and null compression: %s", answer(err))
	}
	if err := chosen(f, v); err != nil {
		return notTested(v, "%v", err)
	}
	switch f.Hello.Compression {
	case compressionDeflate:
		return ExtensionCheck{Version: v, Result: ExtSupported, Evidence: "ServerHello chose DEFLATE compression over null"}
	case 0:
		return ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: "ServerHello chose null compression over the offered DEFLATE"}
	}
	return notTested(v, "ServerHello chose compression method %d, which was not offered", f.Hello.Compression)
}

func (x *extProbe) fallbackSCSV(ctx context.Context) ExtensionCheck {
	if len(x.o.Versions) < 2 {
		if len(x.o.Versions) == 1 {
			return ExtensionCheck{Result: ExtNotApplicable, Evidence: "only " + VersionName(x.o.Versions[0].Version) + " accepted: there is no lower version to fall back to"}
		}
		return notTested(0, "no accepted TLS version from the enumeration to offer")
	}
	top, low := x.o.Versions[0], x.o.Versions[1]
	v := low.Version
	// Control: the lower version alone is accepted with these suites.
	f, err := x.send(ctx, x.hello(v, low.Suites), false)
	if err != nil {
		return notTested(v, "control ClientHello for %s without the SCSV: %s", VersionName(v), answer(err))
	}
	if err := chosen(f, v); err != nil {
		return notTested(v, "control ClientHello: %v", err)
	}
	f, err = x.send(ctx, x.hello(v, append(append([]uint16{}, low.Suites...), suiteFallbackSCSV)), false)
	var ae *AlertError
	switch {
	case errors.As(err, &ae) && ae.Description == alertInappropriateFB:
		return ExtensionCheck{Version: v, Result: ExtSupported, Evidence: fmt.Sprintf("%s ClientHello with TLS_FALLBACK_SCSV refused with alert inappropriate_fallback (the server's highest is %s); the same hello without the SCSV was accepted", VersionName(v), VersionName(top.Version))}
	case err != nil:
		return notTested(v, "%s ClientHello with TLS_FALLBACK_SCSV got %s, not inappropriate_fallback", VersionName(v), answer(err))
	}
	return ExtensionCheck{Version: v, Result: ExtNotSupported, Evidence: fmt.Sprintf("%s ClientHello with TLS_FALLBACK_SCSV was answered with a %s ServerHello although the server accepts %s (RFC 7507 3)", VersionName(v), VersionName(f.Hello.Version), VersionName(top.Version))}
}

package tls

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/ocsp"
)

// OCSP certificate statuses of a stapled response.
const (
	OCSPGood     = "good"
	OCSPRevoked  = "revoked"
	OCSPUnknown  = "unknown"
	OCSPUnparsed = "unparsed"
)

// maxOCSPStaple bounds a stapled OCSP response.
const maxOCSPStaple = 64 << 10

// OCSPStaple is what a stapled OCSP response says about the leaf.
type OCSPStaple struct {
	// Status is good, revoked or unknown, or unparsed when the response
	// does not parse (Err says why).
	Status     string
	ProducedAt time.Time
	ThisUpdate time.Time
	NextUpdate time.Time // zero when the response names none
	RevokedAt  time.Time
	// Verified is true when the response is for the leaf's serial and its
	// signature checks out against the leaf's issuer in the chain.
	Verified bool
	// Err says why the response was not parsed or not verified.
	Err string
}

// parseCertificateStatus reads a CertificateStatus message body (RFC 6066
// 8): status_type ocsp(1) and a DER OCSPResponse.
func parseCertificateStatus(body []byte) ([]byte, error) {
	s := cryptobyte.String(body)
	var typ uint8
	var resp cryptobyte.String
	if !s.ReadUint8(&typ) || !s.ReadUint24LengthPrefixed(&resp) || !s.Empty() {
		return nil, fmt.Errorf("%w: CertificateStatus message", ErrMalformed)
	}
	if typ != 1 {
		return nil, fmt.Errorf("%w: CertificateStatus of type %d, want ocsp (1)", ErrMalformed, typ)
	}
	if len(resp) == 0 || len(resp) > maxOCSPStaple {
		return nil, fmt.Errorf("%w: stapled OCSP response of %d bytes", ErrMalformed, len(resp))
	}
	return append([]byte(nil), resp...), nil
}

// ParseOCSPStaple reads a stapled OCSP response. chain, when given, is
// the presented chain: the response must then be for chain[0] and signed
// by chain[1] (or a responder it delegated to) to count as Verified.
func ParseOCSPStaple(der []byte, chain []*x509.Certificate) OCSPStaple {
	var leaf, issuer *x509.Certificate
	if len(chain) > 0 {
		leaf = chain[0]
	}
	if len(chain) > 1 {
		issuer = chain[1]
	}
	st := OCSPStaple{Status: OCSPUnparsed}
	var resp *ocsp.Response
	var err error
	if leaf != nil && issuer != nil {
		resp, err = ocsp.ParseResponseForCert(der, leaf, issuer)
		if err == nil {
			st.Verified = true
		}
	} else {
		err = errors.New("no issuer certificate in the chain to check the response against")
	}
	if resp == nil {
		first := err
		resp, err = ocsp.ParseResponse(der, nil)
		if err != nil {
			st.Err = err.Error()
			return st
		}
		st.Err = "not verified: " + first.Error()
	}
	switch resp.Status {
	case ocsp.Good:
		st.Status = OCSPGood
	case ocsp.Revoked:
		st.Status = OCSPRevoked
		st.RevokedAt = resp.RevokedAt.UTC()
	default:
		st.Status = OCSPUnknown
	}
	st.ProducedAt, st.ThisUpdate = resp.ProducedAt.UTC(), resp.ThisUpdate.UTC()
	if !resp.NextUpdate.IsZero() {
		st.NextUpdate = resp.NextUpdate.UTC()
	}
	return st
}

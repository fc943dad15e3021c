package signature

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Files of a signed bundle beside SHA256SUMS.
const (
	Manifest  = "SHA256SUMS"
	SigFile   = "SHA256SUMS.sig"
	ChainFile = "SHA256SUMS.pem"
)

// Sign signs dir/SHA256SUMS with key into dir/SHA256SUMS.sig and, when
// chain is given (the signer's certificate first), writes it to
// dir/SHA256SUMS.pem. The first certificate must hold key's public key.
func Sign(dir string, key crypto.Signer, chain []*x509.Certificate) error {
	if err := Allowed(key.Public()); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(dir, Manifest))
	if err != nil {
		return fmt.Errorf("reading the manifest: %w", err)
	}
	sig, err := sign(key, data)
	if err != nil {
		return fmt.Errorf("signing the manifest: %w", err)
	}
	if len(chain) > 0 {
		if err := checkVerify(chain[0].PublicKey, data, sig); err != nil {
			return errors.New("the signing certificate does not hold the signing key")
		}
		var b []byte
		for _, c := range chain {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		if err := os.WriteFile(filepath.Join(dir, ChainFile), b, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, SigFile), sig, 0o644)
}

// sign signs data as openssl dgst -sha256 -sign does (ECDSA: ASN.1 DER;
// RSA: PKCS #1 v1.5), or as Ed25519 signs a whole message.
func sign(key crypto.Signer, data []byte) ([]byte, error) {
	if _, ok := key.Public().(ed25519.PublicKey); ok {
		return key.Sign(rand.Reader, data, crypto.Hash(0))
	}
	d := sha256.Sum256(data)
	return key.Sign(rand.Reader, d[:], crypto.SHA256)
}

// checkVerify checks sig over data with pub, as sign made it.
func checkVerify(pub crypto.PublicKey, data, sig []byte) error {
	d := sha256.Sum256(data)
	var ok bool
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, d[:], sig)
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(k, crypto.SHA256, d[:], sig) == nil
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, data, sig)
	default:
		return fmt.Errorf("a %T key cannot verify", pub)
	}
	if !ok {
		return errors.New("the signature does not verify")
	}
	return nil
}

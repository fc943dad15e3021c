package signature

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/pbkdf2"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
)

// ErrPassphrase is returned for an encrypted key without a passphrase or
// with a wrong one.
var ErrPassphrase = errors.New("the key is encrypted: give its passphrase")

// ParsePrivateKey reads a PEM private key (PKCS #8, SEC 1 or PKCS #1,
// plain or PKCS #8-encrypted with PBES2) and checks it is one the bundle
// may be signed with: ECDSA P-256 or P-384, RSA of 3072 bits or more, or
// Ed25519. passphrase is used only for an encrypted key.
func ParsePrivateKey(pemBytes, passphrase []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block in the key file")
	}
	der := block.Bytes
	var key any
	var err error
	switch block.Type {
	case "ENCRYPTED PRIVATE KEY":
		if len(passphrase) == 0 {
			return nil, ErrPassphrase
		}
		if der, err = decryptPKCS8(der, passphrase); err != nil {
			return nil, err
		}
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(der)
	case "RSA PRIVATE KEY":
		if _, ok := block.Headers["Proc-Type"]; ok {
			return nil, errors.New("a key in the legacy PEM encryption: convert it with openssl pkcs8 -topk8 (PBES2)")
		}
		key, err = x509.ParsePKCS1PrivateKey(der)
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing the private key: %w", err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("a %T cannot sign", key)
	}
	return s, Allowed(s.Public())
}

// Allowed says whether a public key is one a bundle may be signed with.
func Allowed(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return fmt.Errorf("ECDSA on %s: want P-256 or P-384", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < 3072 {
			return fmt.Errorf("RSA of %d bits: want 3072 or more", k.N.BitLen())
		}
	case ed25519.PublicKey:
	default:
		return fmt.Errorf("a %T key: want ECDSA P-256/P-384, RSA >= 3072 or Ed25519", pub)
	}
	return nil
}

// ParsePublicKey reads a PEM public key (PKIX) or a certificate's key.
func ParsePublicKey(pemBytes []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block in the public key file")
	}
	var pub crypto.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing the public key: %w", err)
		}
		pub = k
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing the certificate: %w", err)
		}
		pub = c.PublicKey
	default:
		return nil, fmt.Errorf("PEM block %q is not a public key", block.Type)
	}
	return pub, Allowed(pub)
}

// PKCS #5 v2 (RFC 8018) identifiers, as openssl writes an encrypted PKCS #8
// key (openssl genpkey -aes256, openssl pkcs8 -topk8 -v2 aes256).
var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

type encryptedPKCS8 struct {
	Algo          algorithm
	EncryptedData []byte
}

type algorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type pbes2Params struct {
	KDF        algorithm
	Encryption algorithm
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int       `asn1:"optional"`
	PRF        algorithm `asn1:"optional"`
}

// maxIterations bounds the work a hostile key file can ask for.
const maxIterations = 10_000_000

func decryptPKCS8(der, passphrase []byte) ([]byte, error) {
	var ep encryptedPKCS8
	if rest, err := asn1.Unmarshal(der, &ep); err != nil || len(rest) > 0 {
		return nil, errors.New("the encrypted key is not PKCS #8")
	}
	if !ep.Algo.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("the key is encrypted with %v: only PBES2 is read (openssl pkcs8 -topk8 -v2 aes256)", ep.Algo.Algorithm)
	}
	var p pbes2Params
	if _, err := asn1.Unmarshal(ep.Algo.Parameters.FullBytes, &p); err != nil {
		return nil, fmt.Errorf("reading PBES2 parameters: %w", err)
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, errors.New("PBES2 with a key derivation other than PBKDF2")
	}
	var kp pbkdf2Params
	if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, fmt.Errorf("reading PBKDF2 parameters: %w", err)
	}
	if kp.Iterations < 1 || kp.Iterations > maxIterations {
		return nil, fmt.Errorf("PBKDF2 with %d iterations", kp.Iterations)
	}
	prf := func() hash.Hash { return sha1.New() }
	switch {
	case len(kp.PRF.Algorithm) == 0, kp.PRF.Algorithm.Equal(oidHMACSHA1):
	case kp.PRF.Algorithm.Equal(oidHMACSHA256):
		prf = sha256.New
	default:
		return nil, fmt.Errorf("PBKDF2 with PRF %v", kp.PRF.Algorithm)
	}
	var keyLen int
	switch {
	case p.Encryption.Algorithm.Equal(oidAES256CBC):
		keyLen = 32
	case p.Encryption.Algorithm.Equal(oidAES128CBC):
		keyLen = 16
	default:
		return nil, fmt.Errorf("the key is encrypted with %v: want AES-128-CBC or AES-256-CBC", p.Encryption.Algorithm)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.Encryption.Parameters.FullBytes, &iv); err != nil || len(iv) != aes.BlockSize {
		return nil, errors.New("reading the cipher's IV")
	}
	k, err := pbkdf2.Key(prf, string(passphrase), kp.Salt, kp.Iterations, keyLen)
	if err != nil {
		return nil, err
	}
	data := ep.EncryptedData
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, errors.New("the encrypted key is not a whole number of blocks")
	}
	b, _ := aes.NewCipher(k)
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad < 1 || pad > aes.BlockSize {
		return nil, ErrPassphrase
	}
	for _, c := range out[len(out)-pad:] {
		if int(c) != pad {
			return nil, ErrPassphrase
		}
	}
	return out[:len(out)-pad], nil
}

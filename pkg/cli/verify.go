package cli

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/signature"
	"github.com/spf13/cobra"
)

// signFlags are scan's bundle-signing flags.
type signFlags struct {
	key, cert, passFile string
}

// passphraseEnv names the environment variable that may hold the signing
// key's passphrase (never a flag value: flags show in process lists).
const passphraseEnv = "SC8SCAN_SIGN_PASSPHRASE"

func (f *signFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.key, "sign-key", "", "sign the bundle's SHA256SUMS with this PEM private key (ECDSA P-256/P-384, RSA >= 3072, Ed25519) into SHA256SUMS.sig")
	fl.StringVar(&f.cert, "sign-cert", "", "PEM certificate chain of the signing key (signer first), written to SHA256SUMS.pem for verify --ca")
	fl.StringVar(&f.passFile, "sign-passphrase-file", "", "file holding the passphrase of an encrypted --sign-key (or set "+passphraseEnv+")")
}

// load reads the signing key and chain, or returns nil without --sign-key.
func (f *signFlags) load() (crypto.Signer, []*x509.Certificate, error) {
	if f.key == "" {
		if f.cert != "" || f.passFile != "" {
			return nil, nil, errors.New("--sign-cert and --sign-passphrase-file need --sign-key")
		}
		return nil, nil, nil
	}
	pemKey, err := os.ReadFile(f.key)
	if err != nil {
		return nil, nil, fmt.Errorf("reading --sign-key: %w", err)
	}
	pass := []byte(os.Getenv(passphraseEnv))
	if f.passFile != "" {
		b, err := os.ReadFile(f.passFile)
		if err != nil {
			return nil, nil, fmt.Errorf("reading --sign-passphrase-file: %w", err)
		}
		pass = []byte(strings.TrimRight(string(b), "\r\n"))
	}
	key, err := signature.ParsePrivateKey(pemKey, pass)
	if errors.Is(err, signature.ErrPassphrase) {
		return nil, nil, fmt.Errorf("--sign-key %s: %w (--sign-passphrase-file FILE or %s)", f.key, err, passphraseEnv)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("--sign-key %s: %w", f.key, err)
	}
	var chain []*x509.Certificate
	if f.cert != "" {
		b, err := os.ReadFile(f.cert)
		if err != nil {
			return nil, nil, fmt.Errorf("reading --sign-cert: %w", err)
		}
		if chain, err = signature.ParseCertificates(b); err != nil {
			return nil, nil, fmt.Errorf("--sign-cert %s: %w", f.cert, err)
		}
	}
	return key, chain, nil
}

type verifyFlags struct {
	key, ca string
}

func newVerifyCmd(s Streams) *cobra.Command {
	f := &verifyFlags{}
	cmd := &cobra.Command{
		Use:   "verify BUNDLE (--key PUB.pem | --ca CA.pem)",
		Short: "Check a signed scan bundle: signature, every file's digest, nothing added or removed",
		Long: `verify checks a bundle written by sc8scan scan --out DIR --sign-key KEY:

  - SHA256SUMS.sig is a valid signature of SHA256SUMS by --key (a PEM public
    key or certificate), or by the certificate in SHA256SUMS.pem, which must
    lead to --ca;
  - every file SHA256SUMS lists is there with that SHA-256;
  - no file is there that SHA256SUMS does not list;
  - the evidence digests matrix.json records match the evidence files.

Every problem is listed, each naming its file. The same signature verifies
with openssl alone:
  openssl dgst -sha256 -verify signer.pub -signature SHA256SUMS.sig SHA256SUMS

Exit codes: 0 the bundle verifies; 6 it does not; 1 verify could not run
(bad flags, no SHA256SUMS, an unreadable key).`,
		Example: `  sc8scan verify ./sc8-bundle --key signer.pub
  sc8scan verify ./sc8-bundle --ca agency-ca.pem`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (f.key == "") == (f.ca == "") {
				return usageErr("give --key PUB.pem or --ca CA.pem")
			}
			var trust signature.Trust
			if f.key != "" {
				b, err := os.ReadFile(f.key)
				if err != nil {
					return usageErr("reading --key: %v", err)
				}
				if trust.Key, err = signature.ParsePublicKey(b); err != nil {
					return usageErr("--key %s: %v", f.key, err)
				}
			} else {
				b, err := os.ReadFile(f.ca)
				if err != nil {
					return usageErr("reading --ca: %v", err)
				}
				certs, err := signature.ParseCertificates(b)
				if err != nil {
					return usageErr("--ca %s: %v", f.ca, err)
				}
				trust.Roots = x509.NewCertPool()
				for _, c := range certs {
					trust.Roots.AddCert(c)
				}
			}
			res, err := signature.Verify(args[0], trust)
			if err != nil {
				return &ExitErr{Code: ExitError, Err: err}
			}
			if len(res.Problems) > 0 {
				for _, p := range res.Problems {
					fmt.Fprintln(s.Out, "FAIL", p)
				}
				return &ExitErr{Code: ExitUnverified, Err: fmt.Errorf("%s does not verify: %d problems", args[0], len(res.Problems))}
			}
			signer := ""
			if res.Signer != "" {
				signer = ", signed by " + res.Signer
			}
			fmt.Fprintf(s.Out, "OK %s: signature valid%s; %d files match SHA256SUMS; nothing added or removed; evidence digests match matrix.json\n", args[0], signer, res.Files)
			return nil
		},
	}
	cmd.Flags().StringVar(&f.key, "key", "", "PEM public key (or certificate) the bundle was signed with")
	cmd.Flags().StringVar(&f.ca, "ca", "", "PEM CA certificates the signer's certificate (SHA256SUMS.pem) must lead to")
	return cmd
}

package tlstest_test

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/internal/tlstest"
	ptls "github.com/sc8scan/sc8scan/probes/tls"
)

// extensions enumerates addr and runs the extension checks, by name.
func extensions(t *testing.T, addr string) map[string]ptls.ExtensionCheck {
	t.Helper()
	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	ctx := context.Background()
	enum, err := ptls.Enumerate(ctx, dial, ptls.EnumerateOptions{ServerName: "localhost", ConnTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hs := ptls.Handshake(ctx, dial, ptls.HandshakeOptions{ServerName: "localhost", Timeout: 5 * time.Second, AuthWait: time.Second})
	out := map[string]ptls.ExtensionCheck{}
	for _, c := range ptls.Extensions(ctx, dial, ptls.ExtensionsOptions{ServerName: "localhost", Versions: enum.Versions, SignatureSchemes: enum.SignatureSchemes, Handshake: &hs}) {
		out[c.Name] = c
	}
	return out
}

func TestExtensionsSmoke(t *testing.T) {
	ca := tlstest.NewCA(t)
	cert := ca.Issue(t, tlstest.CertOptions{CommonName: "localhost", DNSNames: []string{"localhost"}, KeyType: tlstest.RSA2048})
	_ = tls.VersionTLS12
	p := tlstest.OpenSSLWithCert(t, cert)
	for n, c := range extensions(t, p.Addr) {
		t.Logf("%s: %s (%s) %s %+v", n, c.Result, ptls.VersionName(c.Version), c.Evidence, c.OCSP)
	}
}

package tls

import "context"

func (x *extProbe) insecureRenegotiation(ctx context.Context) ExtensionCheck {
	if c, done := x.legacyOnly("TLS 1.3 has no renegotiation"); done {
		return c
	}
	return notTested(x.legacy.Version, "client-initiated renegotiation needs a completed TLS 1.2 handshake, which this probe does not make yet")
}

package runner

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/probes/plan"
	"github.com/sc8scan/sc8scan/probes/ssh"
	"github.com/sc8scan/sc8scan/probes/starttls"
	ptls "github.com/sc8scan/sc8scan/probes/tls"
)

func isSTARTTLS(proto string) bool { return starttls.Supported(proto) }

// ssh reads the server's algorithms. SSH encrypts after its key exchange,
// so cleartext is recorded as not accepted and TLS as not offered.
func (r *run) ssh(ctx context.Context, dial func(context.Context) (net.Conn, error), res *result) {
	o, err := ssh.Probe(ctx, dial, r.connTimeout())
	if err != nil {
		res.errorf("SSH: %v", describe(err, r.connTimeout()))
		return
	}
	res.SSH = &evidence.SSHProbe{Banner: o.Banner, Kex: o.Kex, HostKeys: o.HostKeys, Ciphers: o.Ciphers, MACs: o.MACs}
	res.Plaintext = evidence.PlaintextProbe{Tested: true, Accepted: false, Protocol: "ssh", Evidence: "SSH banner and KEXINIT: the transport is encrypted after key exchange"}
	res.TLS.Tested = true
}

// starttls upgrades with proto, then runs the TLS checks over the upgraded
// connections.
func (r *run) starttls(ctx context.Context, dial func(context.Context) (net.Conn, error), proto string, t plan.Target, res *result) {
	up := func(ctx context.Context) (net.Conn, error) {
		c, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		deadline := time.Now().Add(r.connTimeout())
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		c.SetDeadline(deadline)
		if err := starttls.Upgrade(c, proto); err != nil {
			c.Close()
			return nil, err
		}
		c.SetDeadline(time.Time{})
		return c, nil
	}
	cls, err := ptls.Classify(ctx, up, r.serverName(t), r.connTimeout())
	var refused *starttls.RefusedError
	switch {
	case errors.As(err, &refused):
		res.TLS.Tested, res.TLS.Offered = true, false
		res.errorf("STARTTLS: %v", refused)
		return
	case err != nil:
		res.errorf("STARTTLS (%s): %v", proto, describe(err, r.connTimeout()))
		return
	case !cls.TLS:
		res.errorf("STARTTLS (%s): the upgraded connection did not answer in TLS: %v", proto, cls.NotTLS)
		return
	}
	res.STARTTLS = proto
	res.TLS.Tested, res.TLS.Offered = true, true
	r.tlsDetails(ctx, up, t, cls, res)
}

package tlstest

import (
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHServer is a real SSH server (golang.org/x/crypto/ssh) on a loopback
// port. It completes key exchange with any client and refuses every
// authentication.
type SSHServer struct {
	Host string
	Port int
	Addr string
}

// NewSSHServer starts an SSH server offering the algorithms of alg (zero
// fields keep x/crypto/ssh's defaults) with an Ed25519 host key.
func NewSSHServer(t testing.TB, alg ssh.Config) *SSHServer {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{Config: alg, PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) {
		return nil, errRefused
	}}
	cfg.AddHostKey(signer)
	ln := listen(t)
	s := &SSHServer{Addr: ln.Addr().String()}
	h, p, _ := net.SplitHostPort(s.Addr)
	s.Host = h
	s.Port, _ = strconv.Atoi(p)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				if sc, _, _, err := ssh.NewServerConn(c, cfg); err == nil {
					sc.Close()
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return s
}

type refusedError struct{}

func (refusedError) Error() string { return "authentication refused" }

var errRefused = refusedError{}

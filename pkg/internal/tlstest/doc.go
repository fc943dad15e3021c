// Package tlstest runs real TLS servers for tests, like net/http/httptest:
// a throwaway certificate authority, Go crypto/tls servers with chosen
// versions, suites, groups and client-auth modes, and raw TCP servers that
// misbehave on purpose. It owns no probing logic; the probes test against it.
package tlstest

// Package lab stands up real local endpoints for the services of a demo
// cluster: Go TLS servers with chosen versions, suites, key types and
// client-auth modes, an Istio-PERMISSIVE-like port that speaks both TLS and
// cleartext, a Postgres-style STARTTLS port, plaintext HTTP, HTTP/2 and
// Redis-style ports, and a port that resets every connection as an ambient
// mesh does for out-of-mesh clients. Every endpoint listens on loopback.
// It owns a throwaway CA and the map from Service ports to addresses; it
// does not probe anything.
package lab

// Package capture turns packets into flows: it reads pcap and pcapng files
// (gzip-compressed too) or a live Linux interface, follows each TCP
// connection in both directions far enough to read the start of each side,
// and classifies every flow as TLS (version, cipher suite, SNI, offered
// ALPN, client certificate, JA3/JA4, mesh markers), plaintext (HTTP/1.x,
// h2c, gRPC, Postgres, MySQL, Redis, SMTP, DNS), another encryption (QUIC,
// WireGuard, IPsec) or unknown, and maps flows onto inventory paths.
//
// Encrypted is set only on evidence: a server accepting a TLS handshake, TLS
// records in both directions of a stream whose start was not captured, or a
// known encrypted transport. A flow with no payload, or payload nothing
// recognises, is never called plaintext or encrypted.
//
// It owns packet decoding, bounded TCP reassembly of the first kilobytes
// of each direction, and classification. It does not decide whether a flow
// complies (evaluate does), discover the cluster, or decrypt anything.
// Memory is bounded by the number of live flows: per-direction and total
// buffer caps, a flow-table cap and idle eviction, all counted in Stats.
package capture

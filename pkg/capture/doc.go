// Package capture turns packets into flows: it reads pcap and pcapng files
// (gzip-compressed too) or a live Linux interface, follows each TCP
// connection in both directions far enough to read the start of each side,
// and classifies every flow as TLS (version, cipher suite, SNI, offered
// ALPN, client certificate, JA3/JA4, mesh markers), plaintext (HTTP/1.x,
// h2c, gRPC, Postgres, MySQL, Redis, SMTP, DNS), another encryption (QUIC,
// WireGuard, IPsec) or unknown, and maps flows onto inventory paths. TLS is
// found by content on any port: from the first byte, after an SSL
// 2.0-compatible ClientHello, or after a cleartext prelude (STARTTLS in
// SMTP, IMAP, POP3, XMPP, FTP, LDAP, Postgres and MySQL, HTTP CONNECT or
// Upgrade, SOCKS 4, 4a and 5, or bytes nothing names), and in QUIC Initials.
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
//
// Each packet is decoded by hand, in place, with no allocation; a flow's
// records are parsed once, as its bytes arrive, and a flow stops being
// inspected (its buffers go back to a pool) as soon as its answer is
// settled: after the server's first flight, not after the whole stream.
// The flow table holds at most WithMaxFlows flows (default 262,144) of
// under 1 KiB each (about 760 bytes of state and 80 of map entry, plus
// the hellos parsed from its buffered bytes), and the bytes kept for
// them are at most WithTotalBytes (default 256 MiB) in stream buffers plus
// as much again in partial handshake messages; add up to 8 MiB of pooled
// buffers, a 1 MiB read buffer and at most 4 MiB of memoised certificates.
// With the defaults that is at most about 800 MiB however long the
// capture; finished flows are the report itself (about 1 KiB each, handed
// over every period by Live).
package capture

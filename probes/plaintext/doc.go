// Package plaintext decides whether a port accepts cleartext and which
// protocol it speaks: HTTP/1.x, h2c (prior knowledge), gRPC, PostgreSQL,
// MySQL, Redis, SMTP, IMAP, POP3, FTP, LDAP and SSH banners. It sends at
// most a few harmless requests (an HTTP GET, an HTTP/2 preface, a
// PostgreSQL startup message, an anonymous LDAP bind), never credentials,
// and keeps only payload-free evidence. It does not speak TLS (see
// probes/tls) nor upgrade connections (see probes/starttls).
package plaintext

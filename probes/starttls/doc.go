// Package starttls upgrades a cleartext connection to the point where a
// TLS ClientHello may be sent: PostgreSQL SSLRequest, MySQL SSL request,
// SMTP/IMAP/POP3/FTP STARTTLS commands and the LDAP StartTLS extended
// operation. It speaks no TLS itself (see probes/tls) and sends no
// credentials.
package starttls

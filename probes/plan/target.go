package plan

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// defaultPorts are the ports a URL scheme implies when it names none.
var defaultPorts = map[string]int{
	"https": 443, "tls": 443, "http": 80, "postgres": 5432, "postgresql": 5432, "mysql": 3306,
	"smtp": 25, "imap": 143, "pop3": 110, "ftp": 21, "ldap": 389, "ssh": 22,
}

// ParseTarget reads "HOST:PORT", "[IPv6]:PORT" or a URL such as
// "postgres://db:5432" (the scheme forces the protocol; a missing port is
// the scheme's default).
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Target{}, fmt.Errorf("empty target")
	}
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return Target{}, fmt.Errorf("target %q: %w", s, err)
		}
		scheme := strings.ToLower(u.Scheme)
		if scheme == "postgresql" {
			scheme = "postgres"
		}
		if _, ok := defaultPorts[scheme]; !ok {
			return Target{}, fmt.Errorf("target %q: unknown scheme %q", s, u.Scheme)
		}
		host := u.Hostname()
		if host == "" {
			return Target{}, fmt.Errorf("target %q has no host", s)
		}
		port := defaultPorts[scheme]
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return Target{}, fmt.Errorf("target %q: port %q is not 1-65535", s, p)
			}
			port = n
		}
		if scheme == "http" {
			scheme = "" // let the probes decide: cleartext is what is being checked
		}
		return Target{Host: host, Port: port, Scheme: scheme}, nil
	}
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: want HOST:PORT, [IPv6]:PORT or a URL: %w", s, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return Target{}, fmt.Errorf("target %q: port %q is not 1-65535", s, p)
	}
	if host == "" {
		return Target{}, fmt.Errorf("target %q has no host", s)
	}
	return Target{Host: host, Port: n}, nil
}

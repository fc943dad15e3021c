package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/cryptoref"
)

type ourFlow struct {
	Client, Server string
	TLS            *struct {
		Version, CipherSuite, ServerName, JA3 string
		ALPN                                  []string
	}
}

// readOurs indexes a FlowReport by "client>server"; a reused 4-tuple keeps
// its flows in order.
func readOurs(path string) (map[string][]*ourFlow, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r struct{ Flows []*ourFlow }
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", path, err)
	}
	m := map[string][]*ourFlow{}
	for _, f := range r.Flows {
		k := f.Client + ">" + f.Server
		m[k] = append(m[k], f)
	}
	return m, nil
}

// checkRow compares one tshark row (frame, ip.src, tcp.srcport, ip.dst,
// tcp.dstport, type, version, supported_version, ciphersuite, SNI, ALPN,
// JA3) with our flow; kind is 1 for a ClientHello row, 2 for a ServerHello.
func checkRow(line string, ours map[string][]*ourFlow) (mismatch string, kind int, err error) {
	c := strings.Split(line, "\t")
	if len(c) < 12 {
		return "", 0, fmt.Errorf("short tshark row %q", line)
	}
	ap := func(ip, port string) string {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return ""
		}
		p, _ := strconv.Atoi(port)
		return netip.AddrPortFrom(a, uint16(p)).String()
	}
	src, dst := ap(c[1], c[2]), ap(c[3], c[4])
	types := strings.Split(c[5], ",")
	for _, t := range types {
		switch t {
		case "1":
			fl := ours[src+">"+dst]
			if len(fl) == 0 || fl[0].TLS == nil {
				return fmt.Sprintf("%s>%s: ClientHello not reported", src, dst), 1, nil
			}
			t := fl[0].TLS
			alpn := strings.Join(t.ALPN, ",")
			if t.ServerName != c[9] || alpn != c[10] || t.JA3 != c[11] {
				return fmt.Sprintf("%s>%s: sni %q/%q alpn %q/%q ja3 %s/%s", src, dst, t.ServerName, c[9], alpn, c[10], t.JA3, c[11]), 1, nil
			}
			return "", 1, nil
		case "2":
			fl := ours[dst+">"+src]
			if len(fl) == 0 || fl[0].TLS == nil {
				return fmt.Sprintf("%s>%s: ServerHello not reported", dst, src), 2, nil
			}
			v := c[7]
			if v == "" {
				v = c[6]
			}
			n, _ := strconv.ParseUint(strings.TrimPrefix(strings.Split(v, ",")[0], "0x"), 16, 16)
			cs, _ := strconv.ParseUint(strings.TrimPrefix(c[8], "0x"), 16, 16)
			wantV := map[uint64]string{0x0300: "SSLv3", 0x0301: "TLSv1.0", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}[n]
			wantCS := fmt.Sprintf("0x%04X", cs)
			if iana, err := cryptoref.LoadIANA(); err == nil {
				wantCS = iana.SuiteName(uint16(cs))
			}
			t := fl[0].TLS
			if t.Version != wantV || t.CipherSuite != wantCS {
				return fmt.Sprintf("%s>%s: version %s/%s suite %s/%s", dst, src, t.Version, wantV, t.CipherSuite, wantCS), 2, nil
			}
			return "", 2, nil
		}
	}
	return "", 0, nil
}

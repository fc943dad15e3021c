package capture

import (
	"bufio"
	"bytes"
	"context"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/capture/tlsparse"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

// tsharkDecodeAs names the dissectors for the plaintext ports
// hack/gen-pcaps.sh uses: tshark picks dissectors by port, sc8scan by
// content.
var tsharkDecodeAs = []string{
	"tcp.port==18080,http", "tcp.port==18082,http", "tcp.port==18081,http2", "tcp.port==18083,http2",
	"tcp.port==15432,pgsql", "tcp.port==18025,smtp", "tcp.port==16379,resp", "tcp.port==13306,mysql",
}

var tsharkFields = []string{
	"tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
	"tcp.flags.syn", "tcp.flags.ack", "frame.protocols",
	"tls.handshake.type", "tls.handshake.version", "tls.handshake.extensions.supported_version",
	"tls.handshake.ciphersuite", "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
	"tls.handshake.certificate_length", "tls.handshake.ja3", "tls.handshake.ja3s", "http.request.version",
}

// tsharkFlow is what tshark's dissection says about one TCP stream, in the
// terms of FlowReport.
type tsharkFlow struct {
	Client, Server string
	TLS            bool
	Version        string
	CipherSuite    string
	ServerName     string
	ALPN           []string
	ClientCert     string
	JA3, JA3S      string
	Plaintext      string

	serverTypes, clientTypes map[string]bool
	clientCertLen            bool
	protocols                string
	httpVersion              string
}

func last(s string) string {
	if i := strings.LastIndexByte(s, '|'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func addrPort(ip4, ip6, port string) string {
	ip := last(ip4)
	if ip == "" {
		ip = last(ip6)
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	p, _ := strconv.Atoi(last(port))
	return netip.AddrPortFrom(a, uint16(p)).String()
}

func runTshark(t *testing.T, tshark, file string) []*tsharkFlow {
	t.Helper()
	args := []string{"-n", "-r", file, "-T", "fields", "-E", "aggregator=|", "-E", "separator=/t"}
	for _, d := range tsharkDecodeAs {
		args = append(args, "-d", d)
	}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command(tshark, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("tshark: %v: %s", err, stderr.String())
	}
	streams := map[string]*tsharkFlow{}
	var order []*tsharkFlow
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < len(tsharkFields) || c[0] == "" {
			continue
		}
		id := last(c[0])
		src := addrPort(c[1], c[2], c[3])
		dst := addrPort(c[4], c[5], c[6])
		f := streams[id]
		if f == nil {
			f = &tsharkFlow{serverTypes: map[string]bool{}, clientTypes: map[string]bool{}}
			streams[id] = f
			order = append(order, f)
		}
		if c[7] == "1" && c[8] == "0" {
			f.Client, f.Server = src, dst
		}
		f.protocols += c[9] + ";"
		if c[19] != "" {
			f.httpVersion = strings.Split(c[19], "|")[0]
		}
		types := strings.Split(c[10], "|")
		for _, ty := range types {
			if ty == "" {
				continue
			}
			f.TLS = true
			switch ty {
			case "1":
				if f.JA3 == "" {
					if f.Client == "" {
						f.Client, f.Server = src, dst
					}
					f.ServerName = c[14]
					if c[15] != "" {
						f.ALPN = strings.Split(c[15], "|")
					}
					f.JA3 = c[17]
				}
			case "2":
				v := strings.Split(c[12], "|")[0]
				if v == "" {
					v = strings.Split(c[11], "|")[0]
				}
				n, _ := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 16)
				f.Version = tlsparse.VersionName(uint16(n))
				cs, _ := strconv.ParseUint(strings.TrimPrefix(strings.Split(c[13], "|")[0], "0x"), 16, 16)
				f.CipherSuite = suiteName(uint16(cs))
				f.JA3S = c[18]
			}
		}
		fromClient := src == f.Client
		for _, ty := range types {
			if fromClient {
				f.clientTypes[ty] = true
			} else {
				f.serverTypes[ty] = true
			}
		}
		if fromClient && f.clientTypes["11"] && c[16] != "" {
			f.clientCertLen = true
		}
	}
	for _, f := range order {
		f.finish()
	}
	return order
}

func (f *tsharkFlow) finish() {
	switch {
	case f.TLS && f.Version == "TLSv1.3", f.TLS && f.Version == "":
		f.ClientCert = CertUnknown
	case f.TLS && f.serverTypes["13"]:
		switch {
		case f.clientTypes["11"] && f.clientCertLen:
			f.ClientCert = CertSent
		case f.clientTypes["11"]:
			f.ClientCert = CertNotSent
		default:
			f.ClientCert = CertUnknown
		}
	case f.TLS && f.serverTypes["14"]:
		f.ClientCert = CertNotSent
	case f.TLS:
		f.ClientCert = CertUnknown
	}
	p := f.protocols
	switch {
	case f.TLS:
	case strings.Contains(p, ":grpc"):
		f.Plaintext = ProtoGRPC
	case strings.Contains(p, ":http2"):
		f.Plaintext = ProtoH2C
	case strings.Contains(p, ":http"):
		f.Plaintext = strings.ToLower(f.httpVersion)
	case strings.Contains(p, ":pgsql"):
		f.Plaintext = ProtoPostgres
	case strings.Contains(p, ":resp"):
		f.Plaintext = ProtoRedis
	case strings.Contains(p, ":smtp"):
		f.Plaintext = ProtoSMTP
	case strings.Contains(p, ":mysql"):
		f.Plaintext = ProtoMySQL
	}
}

// ours renders our flow in the same terms.
func ours(f evidence.Flow) *tsharkFlow {
	o := &tsharkFlow{Client: f.Client, Server: f.Server}
	if t := f.TLS; t != nil && f.Classification != ClassTLSNoHandshake {
		o.TLS = true
		o.Version, o.CipherSuite, o.ServerName, o.ClientCert, o.JA3, o.JA3S = t.Version, t.CipherSuite, t.ServerName, t.ClientCertificate, t.JA3, t.JA3S
		if len(t.ALPN) > 0 {
			o.ALPN = t.ALPN
		}
	}
	if f.Plaintext != nil {
		o.Plaintext = f.Plaintext.Protocol
	}
	return o
}

// TestAgainstTshark compares, field for field, every TCP flow tshark
// dissects as TLS or a plaintext protocol in the captures of real traffic:
// TLS version, cipher suite, SNI, offered ALPN, client certificate, JA3,
// JA3S, and the plaintext protocol.
func TestAgainstTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	tshark := testenv.LookPath(t, "tshark")[0]
	var files []string
	for _, dir := range []string{pcapDir, ownPcapDir} {
		for _, pat := range []string{"*.pcap", "*.pcapng", "*.gz"} {
			m, _ := filepath.Glob(filepath.Join(dir, pat))
			files = append(files, m...)
		}
	}
	compared := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			want := runTshark(t, tshark, file)
			r, err := ReadFile(context.Background(), file)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			var mine []*tsharkFlow
			for _, f := range r.Flows {
				if f.Transport == "tcp" {
					mine = append(mine, ours(f))
				}
			}
			for _, w := range want {
				if !w.TLS && w.Plaintext == "" || w.Client == "" {
					continue // tshark decided nothing, or saw neither SYN nor hello
				}
				key := w.Client + ">" + w.Server
				n := seen[key]
				seen[key]++
				var got *tsharkFlow
				for _, m := range mine {
					if m.Client+">"+m.Server == key {
						if n == 0 {
							got = m
							break
						}
						n--
					}
				}
				if got == nil {
					t.Errorf("%s: tshark sees a flow sc8scan does not report", key)
					continue
				}
				compared++
				if diff := cmp.Diff(w, got, cmp.AllowUnexported(), cmpIgnoreInternal); diff != "" {
					t.Errorf("%s (-tshark +sc8scan):\n%s", key, diff)
				}
			}
		})
	}
	t.Logf("compared %d flows field for field with tshark", compared)
	if compared < 40 {
		t.Errorf("compared only %d flows with tshark", compared)
	}
}

var cmpIgnoreInternal = cmp.FilterPath(func(p cmp.Path) bool {
	switch p.Last().String() {
	case ".serverTypes", ".clientTypes", ".clientCertLen", ".protocols", ".httpVersion":
		return true
	}
	return false
}, cmp.Ignore())

// TestQUICAgainstTshark compares the ClientHello sc8scan reads out of QUIC
// Initials (decrypted with the keys their Destination Connection ID
// gives) with tshark's: SNI, offered ALPN and JA3 of every QUIC flow.
func TestQUICAgainstTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
	tshark := testenv.LookPath(t, "tshark")[0]
	file := filepath.Join(ownPcapDir, "quic-split.pcap")
	out, err := exec.Command(tshark, "-n", "-r", file, "-d", "udp.port==18453,quic", "-d", "udp.port==28453,quic",
		"-Y", "tls.handshake.type==1", "-T", "fields", "-E", "aggregator=|", "-e", "ip.src", "-e", "udp.srcport", "-e", "ip.dst", "-e", "udp.dstport",
		"-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.extensions_alpn_str", "-e", "tls.handshake.ja3").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	type hello struct{ Client, Server, SNI, ALPN, JA3 string }
	var want []hello
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		c := strings.Split(line, "\t")
		if len(c) < 7 {
			continue
		}
		want = append(want, hello{c[0] + ":" + c[1], c[2] + ":" + c[3], c[4], c[5], c[6]})
	}
	r, err := ReadFile(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	var got []hello
	for _, f := range r.Flows {
		if f.Classification == ClassQUIC && f.TLS != nil {
			got = append(got, hello{f.Client, f.Server, f.TLS.ServerName, strings.Join(f.TLS.ALPN, "|"), f.TLS.JA3})
		}
	}
	if len(want) < 2 {
		t.Fatalf("tshark read %d QUIC ClientHellos, want 2", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("QUIC ClientHellos (-tshark +sc8scan):\n%s", diff)
	}
}

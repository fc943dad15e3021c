package capture

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/internal/schematest"
)

const pcapDir = "../../testdata/pcap"

// ownPcapDir holds the captures of the classifier's own cases (STARTTLS
// preludes, SOCKS, SSL 2.0-compatible hellos, QUIC), recorded by
// hack/gen-pcaps.sh too.
const ownPcapDir = "testdata/pcap"

// summary renders the fields the cases speak of, one line per flow.
func summary(f evidence.Flow) string {
	s := fmt.Sprintf("%s>%s %s enc=%t", f.Client, f.Server, f.Classification, f.Encrypted)
	if t := f.TLS; t != nil {
		s += fmt.Sprintf(" %s %s sni=%s alpn=%s cert=%s", t.Version, t.CipherSuite, t.ServerName, strings.Join(t.ALPN, ","), t.ClientCertificate)
		if t.STARTTLS != "" {
			s += " starttls=" + t.STARTTLS
		}
	}
	if f.Plaintext != nil {
		s += " plain=" + f.Plaintext.Protocol
	}
	if f.Mesh != "" {
		s += " mesh=" + f.Mesh
	}
	return s
}

func readSummaries(t *testing.T, name string) ([]string, *evidence.FlowReport) {
	t.Helper()
	path := filepath.Join(pcapDir, name)
	if _, err := os.Stat(filepath.Join(ownPcapDir, name)); err == nil {
		path = filepath.Join(ownPcapDir, name)
	}
	r, err := ReadFile(context.Background(), path)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	var out []string
	for _, f := range r.Flows {
		out = append(out, summary(f))
	}
	return out, r
}

// TestCases runs the classifier over captures of real traffic
// (hack/gen-pcaps.sh) and checks each flow against the cases of the
// packet-inspection specification.
func TestCases(t *testing.T) {
	const (
		aes256 = "TLS_AES_256_GCM_SHA384"
		aes128 = "TLS_AES_128_GCM_SHA256"
		ec256  = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
	)
	tests := []struct {
		file  string
		want  []string
		stats evidence.FlowStats
		errs  int
	}{
		{file: "tls13.pcap", want: []string{ // case 1: TLS 1.3 from supported_versions; IPv6
			"127.0.0.1:43110>127.0.0.1:18443 tls enc=true TLSv1.3 " + aes256 + " sni=api.test alpn=h2,http/1.1 cert=unknown",
			"[::1]:50478>[::1]:18443 tls enc=true TLSv1.3 " + aes256 + " sni=v6.test alpn= cert=unknown",
			"127.0.0.1:43118>127.0.0.1:18443 tls enc=true TLSv1.3 " + aes256 + " sni=localhost alpn=h2,http/1.1 cert=unknown",
		}},
		{file: "tls13.pcap.gz", want: []string{ // gzip
			"127.0.0.1:43110>127.0.0.1:18443 tls enc=true TLSv1.3 " + aes256 + " sni=api.test alpn=h2,http/1.1 cert=unknown",
			"[::1]:50478>[::1]:18443 tls enc=true TLSv1.3 " + aes256 + " sni=v6.test alpn= cert=unknown",
			"127.0.0.1:43118>127.0.0.1:18443 tls enc=true TLSv1.3 " + aes256 + " sni=localhost alpn=h2,http/1.1 cert=unknown",
		}},
		{file: "tls13-mtls.pcap", want: []string{ // TLS 1.3 hides the client certificate
			"127.0.0.1:43122>127.0.0.1:18443 tls enc=true TLSv1.3 " + aes256 + " sni=mtls13.test alpn= cert=unknown",
		}},
		{file: "tls12.pcap", want: []string{ // cases 3, 4, 20
			"127.0.0.1:48072>127.0.0.1:18443 tls enc=true TLSv1.2 " + ec256 + " sni=mtls12.test alpn=http/1.1 cert=sent",
			"127.0.0.1:33236>127.0.0.1:18444 tls enc=true TLSv1.2 " + ec256 + " sni=optional12.test alpn= cert=not-sent",
			"127.0.0.1:52828>127.0.0.1:18445 tls enc=true TLSv1.2 " + ec256 + " sni=oneway12.test alpn= cert=not-sent",
			"127.0.0.1:52834>127.0.0.1:18445 tls enc=true TLSv1.2 " + ec256 + " sni=oneway12.test alpn= cert=unknown", // resumed
			"127.0.0.1:52838>127.0.0.1:18445 tls enc=true TLSv1.2 " + ec256 + " sni= alpn=h2,http/1.1 cert=not-sent",
		}},
		{file: "tls12.pcapng", want: []string{ // pcapng
			"127.0.0.1:48072>127.0.0.1:18443 tls enc=true TLSv1.2 " + ec256 + " sni=mtls12.test alpn=http/1.1 cert=sent",
			"127.0.0.1:33236>127.0.0.1:18444 tls enc=true TLSv1.2 " + ec256 + " sni=optional12.test alpn= cert=not-sent",
			"127.0.0.1:52828>127.0.0.1:18445 tls enc=true TLSv1.2 " + ec256 + " sni=oneway12.test alpn= cert=not-sent",
			"127.0.0.1:52834>127.0.0.1:18445 tls enc=true TLSv1.2 " + ec256 + " sni=oneway12.test alpn= cert=unknown",
			"127.0.0.1:52838>127.0.0.1:18445 tls enc=true TLSv1.2 " + ec256 + " sni= alpn=h2,http/1.1 cert=not-sent",
		}},
		{file: "tls13-hrr.pcap", want: []string{ // HelloRetryRequest, then the real ServerHello
			"127.0.0.1:47222>127.0.0.1:28444 tls enc=true TLSv1.3 " + aes256 + " sni=hrr.test alpn= cert=unknown",
		}},
		{file: "tls10-11.pcap", want: []string{ // case 22
			"127.0.0.1:48086>127.0.0.1:18443 tls enc=true TLSv1.1 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA sni=tls11.test alpn= cert=not-sent",
			"127.0.0.1:33246>127.0.0.1:18444 tls enc=true TLSv1.0 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA sni=tls10.test alpn= cert=not-sent",
		}},
		{file: "tls-failed.pcap", want: []string{ // case 23; case 9 (plaintext HTTP to a TLS port)
			"127.0.0.1:48100>127.0.0.1:18443 tls-failed enc=false   sni=old.test alpn= cert=unknown",
			"127.0.0.1:48102>127.0.0.1:18443 plaintext enc=false plain=http/1.1",
		}},
		{file: "starttls-mail.pcap", want: []string{ // TLS after IMAP, POP3 and XMPP preludes (openssl s_client -starttls)
			"127.0.0.1:56986>127.0.0.1:18143 tls enc=true TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 sni=imap.test alpn= cert=not-sent starttls=imap",
			"127.0.0.1:54560>127.0.0.1:18110 tls enc=true TLSv1.3 " + aes128 + " sni=pop3.test alpn= cert=unknown starttls=pop3",
			"127.0.0.1:40326>127.0.0.1:18222 tls enc=true TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 sni=xmpp.test alpn= cert=not-sent starttls=xmpp",
		}},
		{file: "socks.pcap", want: []string{ // TLS inside SOCKS 5, 4a and 4 tunnels (curl)
			"127.0.0.1:52294>127.0.0.1:11080 tls enc=true TLSv1.3 " + aes128 + " sni=socks5.test alpn=h2,http/1.1 cert=unknown starttls=socks5",
			"127.0.0.1:52308>127.0.0.1:11080 tls enc=true TLSv1.3 " + aes128 + " sni=socks4a.test alpn=h2,http/1.1 cert=unknown starttls=socks4",
			"127.0.0.1:52322>127.0.0.1:11080 tls enc=true TLSv1.3 " + aes128 + " sni= alpn=h2,http/1.1 cert=unknown starttls=socks4",
		}},
		{file: "sslv2-hello.pcap", want: []string{ // SSL 2.0-compatible hello; the client stops after the server's flight
			"127.0.0.1:43348>127.0.0.1:18452 tls-failed enc=false TLSv1.2 TLS_RSA_WITH_AES_128_GCM_SHA256 sni= alpn= cert=not-sent",
		}},
		{file: "quic-split.pcap", want: []string{ // a QUIC ClientHello over CRYPTO frames and packets; a client port below the server's
			"127.0.0.1:51233>127.0.0.1:18453 quic enc=true TLSv1.3  sni=quic.test alpn=h3 cert=unknown",
			"127.0.0.1:18454>127.0.0.1:28453 quic enc=true TLSv1.3  sni=low-port.test alpn=h3,h3-29 cert=unknown",
		}},
		{file: "tls13-draft.pcap", want: []string{ // TLS 1.3 draft 28 from supported_versions: read as TLS 1.3, named in hex as the schema says
			"127.0.0.1:55796>127.0.0.1:18455 tls enc=true 0x7f1c " + aes128 + " sni=draft.test alpn=http/1.1 cert=unknown",
		}},
		{file: "go-mesh.pcap", want: []string{ // cases 2, 5, 6
			"127.0.0.1:46654>127.0.0.1:18447 tls enc=true TLSv1.3 " + aes128 + " sni=outbound_.9080_._.reviews.default.svc.cluster.local alpn=istio-http/1.1,istio,http/1.1 cert=unknown mesh=istio",
			"127.0.0.1:46656>127.0.0.1:18447 tls enc=true TLSv1.3 " + aes128 + " sni=web.default.serviceaccount.identity.linkerd.cluster.local alpn= cert=unknown mesh=linkerd",
			"127.0.0.1:36152>127.0.0.1:15008 tls enc=true TLSv1.3 " + aes128 + " sni= alpn=h2 cert=unknown mesh=istio-hbone",
			"127.0.0.1:42636>127.0.0.1:18448 tls enc=true TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 sni=outbound_.5432_._.db.default.svc.cluster.local alpn=istio-peer-exchange,istio cert=sent mesh=istio",
		}},
		{file: "nginx.pcap", want: []string{ // case 10 (h2c), HTTP/1.x
			"127.0.0.1:45454>127.0.0.1:18446 tls enc=true TLSv1.3 " + aes256 + " sni=localhost alpn=h2,http/1.1 cert=unknown",
			"127.0.0.1:45468>127.0.0.1:18446 tls enc=true TLSv1.2 " + ec256 + " sni=localhost alpn=http/1.1 cert=not-sent",
			"127.0.0.1:42506>127.0.0.1:18080 plaintext enc=false plain=http/1.1",
			"127.0.0.1:42520>127.0.0.1:18080 plaintext enc=false plain=http/1.0",
			"127.0.0.1:32826>127.0.0.1:18081 plaintext enc=false plain=h2c",
		}},
		{file: "postgres.pcap", want: []string{ // case 11
			"127.0.0.1:43904>127.0.0.1:15432 tls enc=true TLSv1.3 " + aes256 + " sni= alpn= cert=unknown starttls=postgres",
			"127.0.0.1:43912>127.0.0.1:15432 plaintext enc=false plain=postgres",
		}},
		{file: "proxy-grpc-smtp.pcap", want: []string{ // cases 10 (gRPC), 21, 12
			"127.0.0.1:57798>127.0.0.1:18083 plaintext enc=false plain=grpc",
			"127.0.0.1:40952>127.0.0.1:18082 tls enc=true TLSv1.3 " + aes128 + " sni= alpn=h2,http/1.1 cert=unknown starttls=http-connect",
			"127.0.0.1:50630>127.0.0.1:18450 tls enc=true TLSv1.3 " + aes128 + " sni= alpn=h2,http/1.1 cert=unknown",
			"127.0.0.1:54316>127.0.0.1:18025 tls enc=true TLSv1.3 " + aes128 + " sni=mail.test alpn= cert=unknown starttls=smtp",
		}},
		{file: "mysql.pcap", want: []string{ // case 13
			"127.0.0.1:40942>127.0.0.1:13306 tls enc=true TLSv1.3 " + aes256 + " sni= alpn= cert=unknown starttls=mysql",
			"127.0.0.1:40948>127.0.0.1:13306 plaintext enc=false plain=mysql",
		}},
		{file: "redis-dns.pcap", want: []string{ // case 14, DNS
			"127.0.0.1:57690>127.0.0.1:16379 plaintext enc=false plain=redis",
			"127.0.0.1:57698>127.0.0.1:16379 plaintext enc=false plain=redis",
			"127.0.0.1:45007>127.0.0.1:53 plaintext enc=false plain=dns",
		}},
		{file: "reuse.pcap", want: []string{ // case 19: a new SYN on a used 4-tuple is a new flow
			"127.0.0.1:41234>127.0.0.1:18449 tls enc=true TLSv1.3 " + aes128 + " sni=reuse.test alpn= cert=unknown",
			"127.0.0.1:41234>127.0.0.1:18449 tls enc=true TLSv1.3 " + aes128 + " sni=reuse.test alpn= cert=unknown",
		}},
		{file: "smallmtu-any.pcap", want: []string{ // cases 16, 26: split ClientHello, SLL2
			"198.18.0.1:47200>198.18.0.2:443 tls enc=true TLSv1.3 " + aes256 + " sni= alpn=h2,http/1.1 cert=unknown",
			"198.18.0.1:49284>198.18.0.2:8443 tls enc=true TLSv1.3 " + aes128 + " sni=split.test alpn=h2,http/1.1 cert=unknown",
		}},
		{file: "sll.pcap", want: []string{ // Linux cooked capture v1
			"127.0.0.1:52882>127.0.0.1:28445 tls enc=true TLSv1.2 " + ec256 + " sni=sll.test alpn= cert=not-sent",
		}},
		{file: "vxlan.pcap", want: []string{ // case 24: the inner pod flows
			"198.19.0.1:60854>198.19.0.2:9443 tls enc=true TLSv1.3 " + aes256 + " sni= alpn=h2,http/1.1 cert=unknown",
			"198.19.0.1:34124>198.19.0.2:8080 plaintext enc=false plain=http/1.1",
		}},
		{file: "midstream.pcap", want: []string{ // case 17: records only, never plaintext
			"127.0.0.1:48072>127.0.0.1:18443 tls-no-handshake enc=true   sni= alpn= cert=unknown",
			"127.0.0.1:33236>127.0.0.1:18444 tls enc=true TLSv1.2 " + ec256 + " sni=optional12.test alpn= cert=not-sent",
		}},
		{file: "snaplen80.pcap", stats: evidence.FlowStats{Packets: 85, Flows: 5, Truncated: 39}, want: []string{ // snaplen-cut: no claim either way
			"127.0.0.1:48072>127.0.0.1:18443 tls-incomplete enc=false   sni= alpn= cert=unknown",
			"127.0.0.1:33236>127.0.0.1:18444 tls-incomplete enc=false   sni= alpn= cert=unknown",
			"127.0.0.1:52828>127.0.0.1:18445 tls-incomplete enc=false   sni= alpn= cert=unknown",
			"127.0.0.1:52834>127.0.0.1:18445 tls-incomplete enc=false   sni= alpn= cert=unknown",
			"127.0.0.1:52838>127.0.0.1:18445 tls-incomplete enc=false   sni= alpn= cert=unknown",
		}},
		{file: "truncated.pcap", stats: evidence.FlowStats{Packets: 19, Flows: 1, Truncated: 1}, errs: 1, want: []string{
			"127.0.0.1:43122>127.0.0.1:18443 tls enc=true TLSv1.3 " + aes256 + " sni=mtls13.test alpn= cert=unknown",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, r := readSummaries(t, tt.file)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("flows (-want +got):\n%s", diff)
			}
			if tt.stats.Packets != 0 {
				if diff := cmp.Diff(tt.stats, r.Stats); diff != "" {
					t.Errorf("stats (-want +got):\n%s", diff)
				}
			}
			if len(r.Errors) != tt.errs {
				t.Errorf("errors = %q, want %d", r.Errors, tt.errs)
			}
			if int(r.Stats.Flows) != len(r.Flows) {
				t.Errorf("stats.flows = %d, flows = %d", r.Stats.Flows, len(r.Flows))
			}
		})
	}
}

// TestCertificateChains reads the TLS 1.2 mTLS flow's cleartext chains:
// the server's SANs and the client's SPIFFE ID (case 3).
func TestCertificateChains(t *testing.T) {
	r, err := ReadFile(context.Background(), filepath.Join(pcapDir, "tls12.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	tl := r.Flows[0].TLS
	if tl == nil || len(tl.ServerCertificates) != 2 || len(tl.ClientCertificates) != 1 {
		t.Fatalf("chains not read: %+v", tl)
	}
	type cert struct{ Subject, SPIFFE string }
	got := []cert{{tl.ServerCertificates[0].Subject, tl.ServerCertificates[0].SPIFFEID}, {tl.ClientCertificates[0].Subject, tl.ClientCertificates[0].SPIFFEID}}
	want := []cert{{"CN=server,O=sc8", ""}, {"CN=client,O=sc8", "spiffe://cluster.local/ns/default/sa/client"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("leaf certificates (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"server.test", "localhost", "127.0.0.1", "198.18.0.2"}, tl.ServerCertificates[0].SANs); diff != "" {
		t.Errorf("server SANs (-want +got):\n%s", diff)
	}
	if r.Flows[2].TLS.ClientCertificates != nil {
		t.Errorf("one-way flow shows client certificates")
	}
}

// TestOwnCapturesSchema validates the reports of the classifier's own
// captures (STARTTLS preludes, SOCKS, SSL 2.0 hello, TLS 1.3 draft, QUIC)
// against the FlowReport schema, as pkg/evidence does for testdata/pcap.
func TestOwnCapturesSchema(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(ownPcapDir, "*.pcap"))
	if len(files) == 0 {
		t.Fatal("no captures")
	}
	for _, f := range files {
		r, err := ReadFile(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		schematest.Validate(t, evidence.FlowReportSchema, b)
	}
}

package e2e

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/sc8scan/sc8scan/pkg/fips/imagebuild"
	"github.com/sc8scan/sc8scan/pkg/internal/lab"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
)

const nginxImage = "docker.io/local/nginx:e2e"

// nginxServer is Debian's nginx serving TLS with a certificate of its own
// CA: packed into an image for the cluster, and run on loopback for the
// scan from this machine.
type nginxServer struct {
	ca           string // PEM
	cert, key    []byte // PEM
	loopback     string // host:port of the loopback instance
	stopLoopback func()
	archive      string
}

// nginxConf is the configuration both instances run: TLS 1.2 and 1.3,
// ECDHE with AES-GCM, no client certificates.
func nginxConf(listen, dir string) string {
	return fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
error_log stderr;
pid %[2]s/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[2]s/cb; proxy_temp_path %[2]s/p; fastcgi_temp_path %[2]s/f; uwsgi_temp_path %[2]s/u; scgi_temp_path %[2]s/s;
  server {
    listen %[1]s ssl;
    ssl_certificate /etc/nginx/tls.crt;
    ssl_certificate_key /etc/nginx/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384;
    location / { return 200 "ok\n"; }
  }
}
`, listen, dir)
}

// newNginx issues nginx's certificate, starts it on loopback and packs the
// same binary, libraries and configuration into an image.
func newNginx(t *testing.T, now time.Time) *nginxServer {
	t.Helper()
	bin := testenv.LookPath(t, "nginx", "ldd")[0]
	ca, err := lab.NewCA("sc8scan e2e nginx CA", now)
	if err != nil {
		t.Fatal(err)
	}
	dns := "nginx.web.svc.cluster.local"
	leaf, err := ca.Issue(lab.Leaf{CommonName: dns, DNSNames: []string{dns, "nginx.web.svc"}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(leaf.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	n := &nginxServer{ca: string(ca.PEM), key: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})}
	for _, der := range leaf.Certificate {
		n.cert = append(n.cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}

	// On loopback: the same configuration with the certificate paths
	// pointing into a temporary directory.
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.loopback = ln.Addr().String()
	ln.Close()
	conf := strings.ReplaceAll(nginxConf(n.loopback, dir), "/etc/nginx/", dir+"/")
	for name, b := range map[string][]byte{"tls.crt": n.cert, "tls.key": n.key, "nginx.conf": []byte(conf)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "-c", filepath.Join(dir, "nginx.conf"), "-p", dir, "-e", "stderr")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.stopLoopback = func() { cmd.Process.Kill(); cmd.Wait() }
	t.Cleanup(n.stopLoopback)
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", n.loopback, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if i > 50 {
			t.Fatalf("nginx on %s did not start: %v", n.loopback, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The image: nginx, the libraries ldd names (the loader included),
	// /etc/passwd for the user nginx looks up, /tmp, the configuration.
	out, err := exec.Command("ldd", bin).Output()
	if err != nil {
		t.Fatalf("ldd %s: %v", bin, err)
	}
	files := []imagebuild.File{
		{Path: "usr/sbin/nginx", Source: bin, Mode: 0o755},
		{Path: "etc/passwd", Data: []byte("root:x:0:0:root:/:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n")},
		{Path: "etc/group", Data: []byte("root:x:0:\nnogroup:x:65534:\n")},
		{Path: "etc/nginx/nginx.conf", Data: []byte(nginxConf("8443", "/tmp"))},
		{Path: "etc/nginx/tls.crt", Data: n.cert},
		{Path: "etc/nginx/tls.key", Data: n.key, Mode: 0o600},
		{Path: "tmp", Dir: true, Mode: 0o1777},
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		lib := ""
		switch {
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			lib = f[2]
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			lib = f[0]
		}
		if lib != "" {
			files = append(files, imagebuild.File{Path: strings.TrimPrefix(lib, "/"), Source: lib, Mode: 0o755})
		}
	}
	layer, err := imagebuild.Layer(files...)
	if err != nil {
		t.Fatal(err)
	}
	img, err := imagebuild.Image("linux/"+runtime.GOARCH, nil, layer)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg := cf.Config
	cfg.Entrypoint = []string{"/usr/sbin/nginx", "-c", "/etc/nginx/nginx.conf", "-e", "stderr"}
	if img, err = mutate.Config(img, cfg); err != nil {
		t.Fatal(err)
	}
	n.archive = filepath.Join(t.TempDir(), "nginx.tar")
	if _, err := imagebuild.WriteDockerArchive(n.archive, nginxImage, img); err != nil {
		t.Fatal(err)
	}
	return n
}

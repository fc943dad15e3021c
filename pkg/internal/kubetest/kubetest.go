// Package kubetest runs a real kube-apiserver backed by a real etcd on
// loopback for integration tests: token authentication with an admin user
// (system:masters) and a reader with no rights until a test grants them,
// RBAC authorization, service-account keys made for the run, and Istio's
// CRDs applied and Established. The binaries come from KUBE_ASSETS
// (hack/kube-apiserver.sh builds them from the Go module proxy).
//
// It does not run a controller manager, scheduler or kubelet: pods stay
// Pending unless a test writes their status, and nothing creates
// ServiceAccounts or EndpointSlices but the test.
package kubetest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Users of the token file.
const (
	// Admin is in system:masters.
	Admin = "sc8-admin"
	// Reader has no rights but those of system:authenticated until a test
	// binds a role to it.
	Reader = "sc8-reader"
)

// IstioAPIVersion is the istio.io/api module whose CRDs are applied.
const IstioAPIVersion = "v1.32.0"

// Server is a running kube-apiserver with its etcd.
type Server struct {
	// Host is the API server's URL (https://127.0.0.1:PORT).
	Host string
	// CAData is the PEM CA certificate the serving certificate chains to.
	CAData []byte
	// CRDs names the CustomResourceDefinitions applied, all Established.
	CRDs []string

	dir    string
	tokens map[string]string
	procs  []*proc
	once   sync.Once
}

// Config returns a client configuration authenticating as user (Admin or
// Reader).
func (s *Server) Config(user string) *rest.Config {
	return &rest.Config{Host: s.Host, BearerToken: s.tokens[user],
		TLSClientConfig: rest.TLSClientConfig{CAData: s.CAData}, QPS: 100, Burst: 200, Timeout: time.Minute}
}

// WriteKubeconfig writes a kubeconfig file for user with context name ctx and
// returns its path.
func (s *Server) WriteKubeconfig(t testing.TB, user, ctx string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = &clientcmdapi.Cluster{Server: s.Host, CertificateAuthorityData: s.CAData}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: s.tokens[user]}
	cfg.Contexts[ctx] = &clientcmdapi.Context{Cluster: "test", AuthInfo: user}
	cfg.CurrentContext = ctx
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, p); err != nil {
		t.Fatalf("writing kubeconfig: %v", err)
	}
	return p
}

// Dir is the server's temporary directory (removed by Stop).
func (s *Server) Dir() string { return s.dir }

// PIDs are the process ids of etcd and kube-apiserver.
func (s *Server) PIDs() []int {
	var out []int
	for _, p := range s.procs {
		out = append(out, p.cmd.Process.Pid)
	}
	return out
}

// Stop kills every process the server started and removes its directory.
// It is safe to call more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		for i := len(s.procs) - 1; i >= 0; i-- {
			s.procs[i].stop()
		}
		os.RemoveAll(s.dir)
	})
}

var shared struct {
	mu  sync.Mutex
	s   *Server
	err error
}

// Shared returns the package's one server, starting it on first use (about
// 20 seconds, more on a busy machine). Outside CI it skips t when
// KUBE_ASSETS is unset or does not hold the binaries; under CI=true it fails
// t. Main stops it when the tests end.
func Shared(t testing.TB) *Server {
	t.Helper()
	assets := Assets(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.s == nil && shared.err == nil {
		shared.s, shared.err = Start(context.Background(), assets, true)
	}
	if shared.err != nil {
		t.Fatalf("starting kube-apiserver: %v", shared.err)
	}
	return shared.s
}

// Main runs the tests and then stops the shared server:
// func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }.
func Main(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.s != nil {
		shared.s.Stop()
	}
	return code
}

// Assets returns the directory holding kube-apiserver and etcd (KUBE_ASSETS),
// or skips t (fails it under CI=true) when they are missing.
func Assets(t testing.TB) string {
	t.Helper()
	if testing.Short() && !testenv.CI() {
		t.Skip("skipping: a real kube-apiserver is not started in -short mode")
	}
	dir := os.Getenv("KUBE_ASSETS")
	if dir == "" {
		testenv.Missing(t, "KUBE_ASSETS is not set (hack/kube-apiserver.sh builds kube-apiserver and etcd and prints their directory)")
		return ""
	}
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.Mode()&0o111 == 0 {
			testenv.Missing(t, fmt.Sprintf("KUBE_ASSETS=%s holds no executable %s", dir, b))
		}
	}
	return dir
}

// Start runs etcd and kube-apiserver from assets on free loopback ports and,
// with istioCRDs, applies Istio's CRDs. The caller stops the server.
func Start(ctx context.Context, assets string, istioCRDs bool) (*Server, error) {
	dir, err := os.MkdirTemp("", "sc8-kube-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, tokens: map[string]string{}}
	if err := s.start(ctx, assets, istioCRDs); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, assets string, istioCRDs bool) error {
	for _, u := range []string{Admin, Reader} {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		s.tokens[u] = hex.EncodeToString(b)
	}
	tokens := fmt.Sprintf("%s,%s,%s-uid,\"system:masters\"\n%s,%s,%s-uid\n", s.tokens[Admin], Admin, Admin, s.tokens[Reader], Reader, Reader)
	if err := os.WriteFile(filepath.Join(s.dir, "tokens.csv"), []byte(tokens), 0o600); err != nil {
		return err
	}
	if err := s.writeKeys(); err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	etcd, err := startProc(filepath.Join(assets, "etcd"), filepath.Join(s.dir, "etcd.log"),
		"--name", "sc8", "--data-dir", filepath.Join(s.dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "sc8="+peerURL, "--unsafe-no-fsync", "--log-level", "warn")
	if err != nil {
		return err
	}
	s.procs = append(s.procs, etcd)
	s.Host = "https://127.0.0.1:" + strconv.Itoa(ports[2])
	api, err := startProc(filepath.Join(assets, "kube-apiserver"), filepath.Join(s.dir, "kube-apiserver.log"),
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", strconv.Itoa(ports[2]),
		"--tls-cert-file", filepath.Join(s.dir, "serving.crt"), "--tls-private-key-file", filepath.Join(s.dir, "serving.key"),
		"--cert-dir", filepath.Join(s.dir, "certs"),
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", filepath.Join(s.dir, "sa.pub"),
		"--service-account-signing-key-file", filepath.Join(s.dir, "sa.key"),
		"--token-auth-file", filepath.Join(s.dir, "tokens.csv"),
		"--authorization-mode", "RBAC",
		// Loopback cannot be published as the kubernetes Service's endpoint.
		"--endpoint-reconciler-type", "none",
		"--service-cluster-ip-range", "10.96.0.0/16")
	if err != nil {
		return err
	}
	s.procs = append(s.procs, api)
	if err := s.waitReady(ctx, api, 3*time.Minute); err != nil {
		return err
	}
	if !istioCRDs {
		return nil
	}
	return s.applyIstioCRDs(ctx)
}

// writeKeys makes the serving CA and certificate (for 127.0.0.1) and the
// service-account signing key.
func (s *Server) writeKeys() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sc8scan kubetest CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kube-apiserver"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	s.CAData = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	files := map[string][]byte{"serving.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	for name, k := range map[string]*ecdsa.PrivateKey{"serving.key": key, "sa.key": saKey} {
		b, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return err
		}
		files[name] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b})
	}
	pub, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return err
	}
	files["sa.pub"] = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(s.dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// waitReady polls /readyz until it answers 200, the server exits, or the
// deadline passes.
func (s *Server) waitReady(ctx context.Context, api *proc, limit time.Duration) error {
	tr, err := rest.TransportFor(s.Config(Admin))
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	deadline := time.Now().Add(limit)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-api.exited:
			return fmt.Errorf("kube-apiserver exited: %s", api.tail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		resp, err := hc.Get(s.Host + "/readyz")
		if err != nil {
			last = err.Error()
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		last = fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	return fmt.Errorf("kube-apiserver not ready after %s (last: %s): %s", limit, last, api.tail())
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// IstioCRDFile returns the path of istio.io/api's CRD file in the module
// cache.
func IstioCRDFile() (string, error) {
	dir := ""
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/api").Output(); err == nil {
		dir = strings.TrimSpace(string(out))
	}
	if dir == "" {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			return "", fmt.Errorf("finding the module cache: %w", err)
		}
		dir = filepath.Join(strings.TrimSpace(string(out)), "istio.io", "api@"+IstioAPIVersion)
	}
	p := filepath.Join(dir, "kubernetes", "customresourcedefinitions.gen.yaml")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("istio.io/api CRDs: %w", err)
	}
	return p, nil
}

// ReadObjects reads every object of a multi-document YAML file.
func ReadObjects(path string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 64<<10)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		if u.IsList() {
			l, err := u.ToList()
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", path, err)
			}
			for i := range l.Items {
				out = append(out, &l.Items[i])
			}
			continue
		}
		out = append(out, u)
	}
}

// applyIstioCRDs creates Istio's CRDs and waits until each is Established
// and served.
func (s *Server) applyIstioCRDs(ctx context.Context) error {
	p, err := IstioCRDFile()
	if err != nil {
		return err
	}
	objs, err := ReadObjects(p)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(s.Config(Admin))
	if err != nil {
		return err
	}
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		if _, err := dyn.Resource(crdGVR).Create(ctx, o, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating CRD %s: %w", o.GetName(), err)
		}
		s.CRDs = append(s.CRDs, o.GetName())
	}
	if len(s.CRDs) == 0 {
		return fmt.Errorf("%s holds no CustomResourceDefinition", p)
	}
	deadline := time.Now().Add(time.Minute)
	for _, name := range s.CRDs {
		for {
			u, err := dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
			if err == nil && established(u) {
				if err := servedAll(ctx, dyn, u); err == nil {
					break
				} else if time.Now().After(deadline) {
					return fmt.Errorf("CRD %s is Established but not served: %w", name, err)
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("CRD %s not Established after a minute (%v)", name, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

func established(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// servedAll lists the CRD's resource at each served version.
func servedAll(ctx context.Context, dyn dynamic.Interface, u *unstructured.Unstructured) error {
	group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
	plural, _, _ := unstructured.NestedString(u.Object, "spec", "names", "plural")
	versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
	for _, v := range versions {
		m, _ := v.(map[string]any)
		name, _ := m["name"].(string)
		if served, _ := m["served"].(bool); !served {
			continue
		}
		gvr := schema.GroupVersionResource{Group: group, Version: name, Resource: plural}
		if _, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
			return err
		}
	}
	return nil
}

func freePorts(n int) ([]int, error) {
	var out []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

type proc struct {
	name   string
	cmd    *exec.Cmd
	log    string
	exited chan struct{}
}

func startProc(bin, logPath string, args ...string) (*proc, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Dir = filepath.Dir(logPath)
	// Its own process group, killed with it; and killed if the test binary
	// dies first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("starting %s: %w", filepath.Base(bin), err)
	}
	p := &proc{name: filepath.Base(bin), cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		lf.Close()
		close(p.exited)
	}()
	return p, nil
}

// stop sends SIGTERM to the process group, then SIGKILL after 10 seconds.
func (p *proc) stop() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
}

// tail returns the end of the process's log.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return p.name + " log: " + string(b)
}

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/dispatch"
	authv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// buildScanner builds the sc8scan binary the stop tests run and kill.
func buildScanner(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sc8scan")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/sc8scan")
	cmd.Dir = repoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building sc8scan: %v\n%s", err, b)
	}
	return bin
}

// testStopped starts `sc8scan scan --in-cluster` as a process, waits for
// its probe Job, and stops it with sig. Interrupted, the scanner deletes
// its run before it exits; killed, it cannot, and the run's lease deletes
// it after --run-deadline plus the lease's grace.
func (c *cluster) testStopped(t *testing.T, bin string, sig os.Signal) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	const deadline = 20 * time.Second
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "scan", "--kubeconfig", c.node.Kubeconfig, "--in-cluster", "--image", scannerImage,
		"--image-pull-policy", "Never", "--run-deadline", deadline.String(), "--capture-for", "15s", "-o", "none")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	// Wait for the run's probe Job and sensor to exist.
	for {
		jobs, _ := c.cs.BatchV1().Jobs("sc8scan").List(ctx, metav1.ListOptions{LabelSelector: dispatch.LabelComponent + "=probe"})
		if jobs != nil && len(jobs.Items) > 0 {
			break
		}
		if time.Since(started) > 2*time.Minute {
			cmd.Process.Kill()
			t.Fatalf("no probe Job after 2 minutes:\n%s", stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	stopped := time.Now()
	if sig == os.Interrupt {
		if err == nil || !strings.Contains(stderr.String(), "context canceled") {
			t.Errorf("interrupted scan: %v; stderr:\n%s", err, stderr.String())
		}
		// It cleaned up before exiting: nothing of the run is left now.
		if left := c.leftovers(ctx, t, true); len(left) > 0 {
			t.Errorf("left behind by an interrupted scan: %s\n%s", strings.Join(left, ", "), stderr.String())
		}
		return
	}
	if left := c.leftovers(ctx, t, false); len(left) == 0 {
		t.Fatalf("a killed scanner left nothing at all: the test did not kill it mid-run\n%s", stderr.String())
	}
	// The lease runs out deadline+grace after it was made; then the TTL
	// controller deletes it and the garbage collector what it owns.
	c.assertNothingLeft(ctx, t, deadline+90*time.Second+90*time.Second)
	t.Logf("a killed scanner's run was gone %s after the kill (%s deadline + 90s lease grace)", time.Since(stopped).Round(time.Second), deadline)
	// The namespaces it made stay, empty: nothing runs in them.
	for _, ns := range []string{"sc8scan", "sc8scan-sensor"} {
		pods, err := c.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err == nil && len(pods.Items) > 0 {
			t.Errorf("pods left in %s", ns)
		}
		_ = c.cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	}
}

// leastPrivilege applies a deploy/ overlay (kubectl kustomize | kubectl
// apply) and returns a client configuration for its ServiceAccount, with a
// token from the TokenRequest API: what a CI job running sc8scan in the
// cluster would have.
func (c *cluster) leastPrivilege(ctx context.Context, t *testing.T, overlay string) *rest.Config {
	t.Helper()
	c.kubectl(t, "apply", "-k", filepath.Join(repoRoot(t), "deploy", overlay))
	tok, err := c.cs.CoreV1().ServiceAccounts("sc8scan").CreateToken(ctx, "sc8scan", &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptr(int64(3600))}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.AnonymousClientConfig(c.node.Rest)
	cfg.BearerToken = tok.Status.Token
	// What the identity may do, as an auditor would list it.
	out := c.kubectl(t, "auth", "can-i", "--list", "-n", "sc8scan", "--as", "system:serviceaccount:sc8scan:sc8scan")
	t.Logf("kubectl auth can-i --list -n sc8scan --as system:serviceaccount:sc8scan:sc8scan:\n%s", out)
	for _, q := range [][]string{{"create", "jobs"}, {"delete", "pods"}, {"get", "pods", "--subresource=log"}} {
		args := append(append([]string{"auth", "can-i"}, q...), "-n", "default", "--as", "system:serviceaccount:sc8scan:sc8scan")
		if got := strings.TrimSpace(c.kubectl(t, args...)); got != "no" {
			t.Errorf("the scanner may %s in namespace default: %s", strings.Join(q, " "), got)
		}
		args[len(args)-3] = "sc8scan"
		if got := strings.TrimSpace(c.kubectl(t, args...)); got != "yes" {
			t.Errorf("the scanner may not %s in namespace sc8scan: %s", strings.Join(q, " "), got)
		}
	}
	if got := strings.TrimSpace(c.kubectl(t, "auth", "can-i", "get", "secrets", "-A", "--as", "system:serviceaccount:sc8scan:sc8scan")); got != "no" {
		t.Errorf("the scanner may read Secrets: %s", got)
	}
	return cfg
}

// removeDeploy deletes what an overlay applied.
func (c *cluster) removeDeploy(ctx context.Context, t *testing.T, overlay string) {
	t.Helper()
	c.kubectl(t, "delete", "--wait=true", "--timeout=3m", "-k", filepath.Join(repoRoot(t), "deploy", overlay))
}

// kubectl runs kubectl against the node as its admin and returns stdout;
// `auth can-i` answering no exits 1, which is not an error here.
func (c *cluster) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", c.node.Kubeconfig}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil && !(len(args) > 1 && args[0] == "auth" && strings.TrimSpace(out.String()) == "no") {
		t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

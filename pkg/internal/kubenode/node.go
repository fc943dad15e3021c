package kubenode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// StateDir is where hack/kube-node.sh records which instance holds which
// address slot.
const StateDir = "/run/sc8scan-kube-node"

// Node is a running instance of hack/kube-node.sh.
type Node struct {
	// Name is the instance's name.
	Name string
	// Dir is the instance directory: kubeconfig, env, logs/ (one log per
	// component, logs/pods for the containers').
	Dir string
	// Kubeconfig is the path of the admin kubeconfig for the host.
	Kubeconfig string
	// Rest is an admin client configuration read from Kubeconfig.
	Rest *rest.Config

	script string
	once   sync.Once
	err    error
}

// Script returns the path of hack/kube-node.sh, found by walking up from the
// working directory to the repository root (the directory holding go.mod
// and hack/kube-node.sh).
func Script() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "hack", "kube-node.sh")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod with hack/kube-node.sh above the working directory")
		}
		dir = parent
	}
}

// Built runs hack/kube-node.sh --for-tests: under CI=true or
// SC8_BUILD_KUBE=1 it builds the Kubernetes binaries if needed. It returns
// their directory, or "" and the reason when they are not built.
func Built(ctx context.Context, script string) (dir, reason string, err error) {
	stdout, stderr, err := run(ctx, script, "--for-tests")
	if err != nil {
		return "", "", fmt.Errorf("hack/kube-node.sh --for-tests: %w: %s", err, tail(stderr, 20))
	}
	dir = strings.TrimSpace(stdout)
	if dir == "" {
		return "", strings.TrimSpace(stderr), nil
	}
	return dir, "", nil
}

// Up runs hack/kube-node.sh up name, which returns once the node is Ready
// and the default ServiceAccount exists, and returns the node. When the
// start fails it removes what was started (unless SC8_NODE_KEEP=1, which
// keeps the logs for reading) and the error carries the end of the
// script's output, which names the log to read.
func Up(ctx context.Context, name string) (*Node, error) {
	script, err := Script()
	if err != nil {
		return nil, err
	}
	stdout, stderr, err := run(ctx, script, "up", name)
	n := &Node{Name: name, script: script}
	if err != nil {
		msg := fmt.Sprintf("hack/kube-node.sh up %s: %v\n%s", name, err, tail(stderr, 60))
		if os.Getenv("SC8_NODE_KEEP") != "1" {
			if derr := n.Down(); derr != nil {
				msg += fmt.Sprintf("\nremoving it: %v", derr)
			}
		}
		return nil, errors.New(msg)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	n.Dir = lines[len(lines)-1]
	n.Kubeconfig = filepath.Join(n.Dir, "kubeconfig")
	cfg, err := clientcmd.BuildConfigFromFlags("", n.Kubeconfig)
	if err != nil {
		n.Down()
		return nil, fmt.Errorf("reading %s: %w", n.Kubeconfig, err)
	}
	cfg.QPS, cfg.Burst, cfg.Timeout = 50, 100, time.Minute
	n.Rest = cfg
	return n, nil
}

// Down runs hack/kube-node.sh down: it stops every process of the node and
// removes its namespaces, cgroups, addresses and directory. Later calls
// return the first call's result.
func (n *Node) Down() error {
	n.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if _, stderr, err := run(ctx, n.script, "down", n.Name); err != nil {
			n.err = fmt.Errorf("hack/kube-node.sh down %s: %w\n%s", n.Name, err, tail(stderr, 30))
		}
	})
	return n.err
}

// ImportImage imports docker-archive tarballs into the node's containerd,
// for pods with imagePullPolicy: Never.
func (n *Node) ImportImage(ctx context.Context, tarballs ...string) error {
	args := append([]string{"import", n.Name}, tarballs...)
	if _, stderr, err := run(ctx, n.script, args...); err != nil {
		return fmt.Errorf("hack/kube-node.sh import %s: %w\n%s", n.Name, err, tail(stderr, 30))
	}
	return nil
}

var (
	seq       atomic.Int64
	reapOnce  sync.Once
	testNames = regexp.MustCompile(`^gotest-([0-9]+)-[0-9]+$`)
)

// Start starts a node for t with a name unique to the test process and
// removes it when t ends. It skips t as Require does.
func Start(t testing.TB) *Node {
	t.Helper()
	Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	name := UniqueName()
	start := time.Now()
	n, err := Up(ctx, name)
	if err != nil {
		t.Fatalf("starting a Kubernetes node: %v", err)
	}
	t.Logf("node %s ready in %s (%s)", name, time.Since(start).Round(time.Second), n.Dir)
	t.Cleanup(func() {
		if err := n.Down(); err != nil {
			t.Errorf("removing node %s: %v", name, err)
		}
	})
	return n
}

// Require skips t (fails it under CI=true) when a node cannot start here:
// in -short mode, when not root, when a program the node needs is missing
// or when the Kubernetes binaries are not built (hack/kube-node.sh build;
// under CI=true or SC8_BUILD_KUBE=1 it builds them). The first call also
// removes nodes left by test processes that no longer run.
func Require(t testing.TB) {
	t.Helper()
	if testing.Short() && !testenv.CI() {
		t.Skip("skipping: a real Kubernetes node is not started in -short mode")
	}
	testenv.Root(t)
	testenv.LookPath(t, "go", "containerd", "containerd-shim-runc-v2", "runc", "ctr", "ip", "iptables",
		"nsenter", "unshare", "setsid", "openssl", "curl", "jq")
	for _, p := range []string{"bridge", "host-local", "portmap"} {
		if _, err := os.Stat(filepath.Join("/usr/lib/cni", p)); err != nil {
			testenv.Missing(t, "the CNI plugin "+p+" is not in /usr/lib/cni (containernetworking-plugins)")
		}
	}
	script, err := Script()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	if dir, reason, err := Built(ctx, script); err != nil {
		t.Fatal(err)
	} else if dir == "" {
		testenv.Missing(t, reason)
	}
	reapOnce.Do(func() { reapStale(ctx, script) })
}

// UniqueName returns an instance name no other test process uses:
// gotest-PID-N.
func UniqueName() string { return fmt.Sprintf("gotest-%d-%d", os.Getpid(), seq.Add(1)) }

// reapStale removes the nodes of test processes that are gone (killed by a
// timeout, say, before their cleanup ran).
func reapStale(ctx context.Context, script string) {
	entries, _ := os.ReadDir(filepath.Join(StateDir, "slots"))
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(StateDir, "slots", e.Name()))
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(b))
		m := testNames.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if pid == os.Getpid() || running(pid) {
			continue
		}
		run(ctx, script, "down", name)
	}
}

// running reports whether process pid exists and has not exited (a zombie
// has).
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z'
}

// run runs the script with args and returns its output.
func run(ctx context.Context, script string, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", append([]string{script}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	// Nothing the script leaves running holds these pipes, but do not wait
	// for ever if something does.
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

package fips

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sc8scan/sc8scan/pkg/evidence"
	"github.com/sc8scan/sc8scan/pkg/fips/providercheck"
)

// WithVerifyProvider makes InspectRefs check, for images whose binaries use
// OpenSSL, that the image's libcrypto and FIPS provider really enter FIPS
// mode and run a SHA-256 known-answer digest. It copies those two files and
// the merged OpenSSL configuration to a private temporary directory and runs
// child (the sc8fips-verify binary, built with cgo) with LD_LIBRARY_PATH,
// OPENSSL_CONF and OPENSSL_MODULES pointing there: this RUNS CODE FROM THE
// IMAGE, in a separate process, with a 30 s timeout. A check that fails
// turns a "validated" verdict into "not-validated". Default: off.
func WithVerifyProvider(child string) Option { return func(o *options) { o.verifyChild = child } }

const verifyTimeout = 30 * time.Second

// verifyProvider runs the child check once for the image and records the
// result on every binary that depends on OpenSSL.
func (j *judge) verifyProvider(ctx context.Context, o *options, layers []v1.Layer, im *evidence.Image) {
	var users []int
	for i, b := range im.Binaries {
		switch b.Backend {
		case BackendOpenSSL, BackendGoOpenSSL, BackendFIPSProvider:
			users = append(users, i)
		}
	}
	if len(users) == 0 {
		return
	}
	note := func(s string, pass bool) {
		for _, i := range users {
			b := &im.Binaries[i]
			b.Evidence = append(b.Evidence, "verify-provider: "+s)
			if !pass && b.Verdict == VerdictValidated {
				b.Verdict = VerdictNotValidated
			}
		}
		var vs []string
		for _, b := range im.Binaries {
			vs = append(vs, b.Verdict)
		}
		im.Verdict = Weakest(vs...)
	}
	res, err := j.runProviderCheck(ctx, o, layers)
	if err != nil {
		note("could not run: "+err.Error(), false)
		return
	}
	switch {
	case res.Error != "":
		note(fmt.Sprintf("the image's OpenSSL could not be used: %s", res.Error), false)
	case !res.FIPS:
		note(fmt.Sprintf("%s did not enter FIPS mode: %s", res.Version, orDefault(res.SetFIPSError, "no FIPS provider available")), false)
	case !res.DigestOK:
		note(fmt.Sprintf("%s is in FIPS mode but SHA-256 gave a wrong answer", res.Version), false)
	default:
		how := "when asked to"
		if res.FIPSAtStart {
			how = "from its configuration alone"
		}
		note(fmt.Sprintf("%s entered FIPS mode %s and SHA-256 ran through it with the known answer", res.Version, how), true)
	}
}

func (j *judge) runProviderCheck(ctx context.Context, o *options, layers []v1.Layer) (*providercheck.Result, error) {
	libPath, lib := j.findDlopenLibcrypto()
	if lib == nil {
		return nil, fmt.Errorf("no libcrypto in the image")
	}
	tmp, err := os.MkdirTemp("", "sc8scan-verify-provider-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	want := map[string]string{libPath: filepath.Join(tmp, "lib", path.Base(libPath))}
	for _, name := range dlopenLibcrypto {
		if p, n := j.fs.findLibrary(name, "/", nil); n != nil && p == libPath {
			want[libPath] = filepath.Join(tmp, "lib", name)
			break
		}
	}
	if j.ossl.ProviderPath != "" {
		want[j.ossl.ProviderPath] = filepath.Join(tmp, "ossl-modules", "fips.so")
	}
	if err := j.fs.extract(layers, want); err != nil {
		return nil, err
	}
	conf := filepath.Join(tmp, "openssl.cnf")
	if err := os.WriteFile(conf, j.ossl.conf.render(), 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, o.verifyChild)
	cmd.Dir = tmp
	cmd.Env = []string{
		"LD_LIBRARY_PATH=" + filepath.Join(tmp, "lib"),
		"OPENSSL_CONF=" + conf,
		"OPENSSL_MODULES=" + filepath.Join(tmp, "ossl-modules"),
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &capped{w: &stdout, n: 64 << 10}, &capped{w: &stderr, n: 4 << 10}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("running %s: %v %s", o.verifyChild, err, strings.TrimSpace(stderr.String()))
	}
	var res providercheck.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("reading %s output: %w", o.verifyChild, err)
	}
	return &res, nil
}

// capped keeps at most n bytes.
type capped struct {
	w io.Writer
	n int
}

func (c *capped) Write(p []byte) (int, error) {
	k := min(len(p), c.n)
	c.n -= k
	c.w.Write(p[:k])
	return len(p), nil
}

// render writes the merged configuration back as one file (includes
// already inlined).
func (c cnf) render() []byte {
	var b bytes.Buffer
	write := func(sect map[string]string) {
		keys := make([]string, 0, len(sect))
		for k := range sect {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s = %s\n", k, sect[k])
		}
	}
	write(c["default"])
	names := make([]string, 0, len(c))
	for n := range c {
		if n != "default" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "\n[%s]\n", n)
		write(c[n])
	}
	return b.Bytes()
}

// extract copies the final content of the image files in want (image path
// -> host path) out of the layers that hold them, bounded by MaxFileBytes.
// Only --verify-provider writes image files to disk.
func (fs *rootfs) extract(layers []v1.Layer, want map[string]string) error {
	byLayer := map[int]map[string]string{}
	for p, dest := range want {
		n := fs.nodes[p]
		if n == nil || n.typ != typeFile {
			return fmt.Errorf("%s is not a regular file in the image", p)
		}
		if n.size > fs.limits.MaxFileBytes {
			return fmt.Errorf("%s is larger than the limit of %d bytes", p, fs.limits.MaxFileBytes)
		}
		if byLayer[n.layer] == nil {
			byLayer[n.layer] = map[string]string{}
		}
		byLayer[n.layer][p] = dest
	}
	for i, files := range byLayer {
		if i < 0 || i >= len(layers) {
			return fmt.Errorf("layer %d out of range", i)
		}
		rc, err := layers[i].Uncompressed()
		if err != nil {
			return err
		}
		err = extractFrom(tar.NewReader(&limitedReader{r: rc, left: fs.limits.MaxLayerBytes + 1, what: "layer", limit: fs.limits.MaxLayerBytes}), files)
		rc.Close()
		if err != nil {
			return err
		}
		if len(files) > 0 {
			return fmt.Errorf("%d files not found in their layer", len(files))
		}
	}
	return nil
}

func extractFrom(tr *tar.Reader, files map[string]string) error {
	for len(files) > 0 {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p, err := cleanEntry(h.Name)
		if err != nil {
			continue
		}
		dest, ok := files[p]
		if !ok || h.Typeflag != tar.TypeReg {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(dest, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o700)
		if err != nil {
			return err
		}
		_, err = io.CopyN(f, tr, h.Size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		delete(files, p)
	}
	return nil
}

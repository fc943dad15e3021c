package fips

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sc8scan/sc8scan/pkg/cryptoref"
	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// InspectRefs inspects each reference - a registry reference, an OCI
// layout directory ("oci-layout:DIR"), or a docker-archive / OCI tarball
// path - and returns one evidence.Image per reference, in order. A
// reference that cannot be read gets verdict "unknown" and its errors;
// the others continue. The error is non-nil only for invalid options or
// an unusable CMVP catalog.
func InspectRefs(ctx context.Context, refs []string, opts ...Option) (*evidence.ImageReport, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return nil, err
	}
	cat, err := cryptoref.CMVP()
	if err != nil {
		return nil, err
	}
	rep := &evidence.ImageReport{Header: evidence.NewHeader(evidence.KindImageReport, o.scanner), Images: []evidence.Image{}}
	for _, ref := range refs {
		var im evidence.Image
		if err := ctx.Err(); err != nil {
			im = failed(ref, err)
		} else {
			img, err := openRef(ctx, ref, o)
			if err != nil {
				im = failed(ref, err)
			} else {
				im = inspect(ctx, ref, img, o, cat)
			}
		}
		o.logger.Info("inspected image", "ref", ref, "verdict", im.Verdict, "binaries", len(im.Binaries))
		rep.Images = append(rep.Images, im)
	}
	return rep, nil
}

// InspectImage inspects an image from any source.
func InspectImage(ctx context.Context, ref string, img v1.Image, opts ...Option) (evidence.Image, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return evidence.Image{}, err
	}
	cat, err := cryptoref.CMVP()
	if err != nil {
		return evidence.Image{}, err
	}
	return inspect(ctx, ref, img, o, cat), nil
}

func failed(ref string, err error) evidence.Image {
	return evidence.Image{Ref: ref, Binaries: []evidence.Binary{}, Verdict: VerdictUnknown, Errors: []string{err.Error()}}
}

func inspect(ctx context.Context, ref string, img v1.Image, o *options, cat *cryptoref.CMVPCatalog) (out evidence.Image) {
	out = evidence.Image{Ref: ref, Binaries: []evidence.Binary{}, Verdict: VerdictUnknown, Env: PodEnv(o.env)}
	defer func() {
		if r := recover(); r != nil {
			out.Binaries = []evidence.Binary{}
			out.Verdict = VerdictUnknown
			out.Errors = append(out.Errors, fmt.Sprintf("internal error inspecting the image: %v", r))
		}
	}()
	_, byDiffID := img.(dockerArchive)
	digest := img.Digest
	if byDiffID {
		digest = img.ConfigName
	}
	if d, err := digest(); err == nil {
		out.Digest = d.String()
	} else {
		out.Errors = append(out.Errors, fmt.Sprintf("reading the image digest: %v", err))
		return out
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		out.Errors = append(out.Errors, fmt.Sprintf("reading the image config: %v", err))
		return out
	}
	out.Platform = cfg.OS + "/" + cfg.Architecture
	if cfg.Variant != "" {
		out.Platform += "/" + cfg.Variant
	}
	layers, err := img.Layers()
	if err != nil {
		out.Errors = append(out.Errors, fmt.Sprintf("reading the layer list: %v", err))
		return out
	}
	out.Layers = len(layers)
	fs := newRootfs(o.limits)
	fs.ctx, fs.byDiffID = ctx, byDiffID
	start := time.Now()
	missing := fs.readLayers(layers)
	o.logger.Debug("read layers", "ref", ref, "layers", len(layers), "entries", fs.entries, "bytes", fs.bytes, "took", time.Since(start), "unread", len(missing))
	out.Entries, out.Bytes, out.Warnings = fs.entries, fs.bytes, fs.warnings
	for _, err := range missing {
		if errors.Is(err, errLimit) {
			err = fmt.Errorf("%w (raise it with WithLimits / --max-* flags)", err)
		}
		out.Errors = append(out.Errors, err.Error())
	}
	if len(missing) > 0 && (len(missing) == len(layers) || errors.Is(missing[0], context.Canceled) || errors.Is(missing[0], context.DeadlineExceeded)) {
		return out // nothing was read: nothing to judge
	}
	j := &judge{fs: fs, cat: cat, now: o.now, env: map[string]string{}, envFrom: map[string]string{}, hostFIPS: o.hostFIPS}
	for _, kv := range cfg.Config.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			j.env[k], j.envFrom[k] = v, "the image config's"
		}
	}
	for k, v := range o.env {
		j.env[k], j.envFrom[k] = v, "the pod's"
	}

	j.distro = fs.detectDistro()
	out.Distro = j.distro
	j.ossl = fs.opensslSetupOf(j.env)

	paths := make([]string, 0, len(fs.nodes))
	for p, n := range fs.nodes {
		if n.typ == typeFile && (n.elf != nil || n.jar != nil) {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var verdicts []string
	jars := map[string]*evidence.Binary{}
	var jdks []string
	for _, p := range paths {
		n := fs.nodes[p]
		if n.elf != nil && n.elf.Go == nil && path.Base(p) == "java" && path.Base(path.Dir(p)) == "bin" {
			jdks = append(jdks, p)
			continue
		}
		if b := j.judgeFile(p, n); b != nil {
			out.Binaries = append(out.Binaries, *b)
			verdicts = append(verdicts, b.Verdict)
			if b.Format == "jar" {
				jars[p] = b
			}
		}
	}
	for _, p := range jdks {
		b := j.judgeJDK(p, jars)
		out.Binaries = append(out.Binaries, *b)
		verdicts = append(verdicts, b.Verdict)
	}
	sort.SliceStable(out.Binaries, func(a, b int) bool { return out.Binaries[a].Path < out.Binaries[b].Path })
	out.Verdict = Weakest(verdicts...)
	if len(missing) > 0 {
		// The unread layers may hold files, or whiteouts that remove or
		// hide files of the layers below them: what was judged is real, but
		// not known to be the whole image.
		out.Verdict = VerdictUnknown
		out.Errors = append(out.Errors, fmt.Sprintf("verdict unknown: %d of %d layers could not be read, and a file or whiteout in them could add, replace or remove binaries; the %d binaries listed come from the layers that were read whole", len(missing), len(layers), len(out.Binaries)))
	}
	if o.verifyChild != "" {
		j.verifyProvider(ctx, o, layers, &out)
	}
	o.logger.Debug("judged", "ref", ref, "binaries", len(out.Binaries), "took", time.Since(start))
	return out
}

// judgeFile decides one file; nil for files with nothing to report.
func (j *judge) judgeFile(p string, n *node) *evidence.Binary {
	if n.jar != nil {
		return j.judgeJar(p, n.jar)
	}
	f := n.elf
	unknown := func(why string) *evidence.Binary {
		return &evidence.Binary{Path: p, Format: "elf", Language: "unknown", Backend: BackendUnknown, Modules: []evidence.Module{}, Verdict: VerdictUnknown, Evidence: []string{why}}
	}
	switch {
	case n.err != "" && f.Go == nil:
		if n.mode&0o111 == 0 && !strings.Contains(p, ".so") {
			return nil
		}
		return unknown(n.err)
	case f.UPX:
		return unknown("packed with UPX: the linked crypto cannot be told without running it")
	case f.Go != nil:
		b := &evidence.Binary{Path: p, Format: "elf", Modules: []evidence.Module{}}
		j.judgeGo(b, f)
		if n.err != "" {
			b.Evidence = append(b.Evidence, n.err)
		}
		return b
	case f.GoNoInfo:
		if f.Exec {
			return unknown("Go runtime markers but no build information and no pclntab (packed or obfuscated, e.g. garble)")
		}
		return nil
	}
	b := j.judgeNative(p, f)
	if b != nil && b.Modules == nil {
		b.Modules = []evidence.Module{}
	}
	return b
}

package fips

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Limits bound the work done on one image. A limit that is hit makes that
// image's verdict "unknown" with an error naming the limit; other images
// continue.
type Limits struct {
	// MaxLayers is the most layers an image may have. Default 512.
	MaxLayers int
	// MaxLayerBytes caps the decompressed size of one layer. Default 2 GiB
	// minus one byte, so a 2 GB layer is refused.
	MaxLayerBytes int64
	// MaxCompressedLayerBytes caps the compressed size of one layer, as
	// read. Default 2 GiB minus one byte.
	MaxCompressedLayerBytes int64
	// MaxImageBytes caps the decompressed size of all layers. Default 8 GiB.
	MaxImageBytes int64
	// MaxEntries caps the tar entries of all layers. Default 1,000,000.
	MaxEntries int
	// MaxFileBytes is the largest file that is analysed; bigger files are
	// listed with verdict "unknown". Default 512 MiB.
	MaxFileBytes int64
	// MaxSymlinkDepth is how many symbolic links one lookup follows.
	// Default 40 (Linux's own limit).
	MaxSymlinkDepth int
	// MaxConfigBytes caps a text file (openssl.cnf, os-release, a jar's
	// manifest) that is read. Default 1 MiB.
	MaxConfigBytes int64
}

// DefaultLimits are the limits used unless WithLimits says otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxLayers:               512,
		MaxLayerBytes:           2<<30 - 1,
		MaxCompressedLayerBytes: 2<<30 - 1,
		MaxImageBytes:           8 << 30,
		MaxEntries:              1_000_000,
		MaxFileBytes:            512 << 20,
		MaxSymlinkDepth:         40,
		MaxConfigBytes:          1 << 20,
	}
}

func (l Limits) validate() error {
	if l.MaxLayers <= 0 || l.MaxLayerBytes <= 0 || l.MaxCompressedLayerBytes <= 0 ||
		l.MaxImageBytes <= 0 || l.MaxEntries <= 0 || l.MaxFileBytes <= 0 ||
		l.MaxSymlinkDepth <= 0 || l.MaxConfigBytes <= 0 {
		return fmt.Errorf("every limit must be positive: %+v", l)
	}
	return nil
}

type options struct {
	platform     *v1.Platform
	platformText string
	logger       *slog.Logger
	limits       Limits
	keychain     authn.Keychain
	env          map[string]string
	now          time.Time
	hostFIPS     bool
	scanner      string
	verifyChild  string
	err          error
}

// Option configures InspectRefs.
type Option func(*options)

// WithPlatform selects the platform ("linux/amd64", "linux/arm64/v8") of a
// multi-platform image index. Default: linux and the architecture the
// scanner runs on. A single-platform image is inspected whatever its
// platform; the report names the platform seen.
func WithPlatform(p string) Option {
	return func(o *options) {
		pl, err := v1.ParsePlatform(p)
		if err != nil || pl.OS == "" || pl.Architecture == "" {
			o.err = fmt.Errorf("platform %q: want os/arch[/variant]", p)
			return
		}
		o.platform, o.platformText = pl, p
	}
}

// WithLogger sets where progress is logged. Default: discarded.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithLimits replaces the limits. Default: DefaultLimits().
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithKeychain sets the credentials for registry references. Default:
// authn.DefaultKeychain (docker config, credential helpers).
func WithKeychain(k authn.Keychain) Option {
	return func(o *options) {
		if k != nil {
			o.keychain = k
		}
	}
}

// WithEnv adds environment variables as a pod spec sets them ("KEY=VALUE"),
// overriding the image config's: GODEBUG (fips140=on|off|only),
// OPENSSL_CONF, OPENSSL_MODULES. Default: the image config's environment
// only.
func WithEnv(env ...string) Option {
	return func(o *options) {
		for _, kv := range env {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				o.err = fmt.Errorf("environment entry %q: want KEY=VALUE", kv)
				return
			}
			o.env[k] = v
		}
	}
}

// WithGODEBUG is WithEnv("GODEBUG=" + v): the pod's GODEBUG, which
// overrides a Go binary's DefaultGODEBUG.
func WithGODEBUG(v string) Option { return WithEnv("GODEBUG=" + v) }

// WithHostFIPS says the nodes run in FIPS mode (/proc/sys/crypto/fips_enabled
// is 1), which is what makes a RHEL OpenSSL FIPS provider load without an
// explicit openssl.cnf activation. Default false: unknown, such images are
// reported FIPS-capable, not validated.
func WithHostFIPS(on bool) Option { return func(o *options) { o.hostFIPS = on } }

// WithTime sets the day on which certificate statuses are judged. Default:
// time.Now() when InspectRefs is called.
func WithTime(t time.Time) Option { return func(o *options) { o.now = t } }

// WithScanner names the binary written into the report header. Default
// "sc8scan".
func WithScanner(name string) Option { return func(o *options) { o.scanner = name } }

func makeOptions(opts []Option) (*options, error) {
	o := &options{
		logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		limits:   DefaultLimits(),
		keychain: authn.DefaultKeychain,
		env:      map[string]string{},
		scanner:  "sc8scan",
	}
	for _, opt := range opts {
		opt(o)
		if o.err != nil {
			return nil, o.err
		}
	}
	if err := o.limits.validate(); err != nil {
		return nil, err
	}
	if o.platform == nil {
		o.platform = &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
		o.platformText = "linux/" + runtime.GOARCH
	}
	if o.now.IsZero() {
		o.now = time.Now()
	}
	return o, nil
}

// envKeys are the environment variables that change a verdict.
var envKeys = []string{"GODEBUG", "OPENSSL_CONF", "OPENSSL_MODULES"}

// PodEnv picks, from a container's literal environment, the variables that
// change a verdict (GODEBUG, OPENSSL_CONF, OPENSSL_MODULES) as sorted
// "KEY=VALUE" entries for WithEnv; nil when there are none.
func PodEnv(env map[string]string) []string {
	var out []string
	for _, k := range envKeys {
		if v, ok := env[k]; ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}

package discover

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/inventory"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Source yields the objects of a cluster. FromDir's directory reader is one;
// a live cluster lister is another.
type Source interface {
	// Objects returns every object with problems met while reading (the
	// problems do not stop the read).
	Objects(ctx context.Context) ([]Decoded, []inventory.Problem, error)
	// Describe names the source for reports ("manifests:DIR").
	Describe() string
}

type options struct {
	cluster      string
	maxFileBytes int64
	maxObjects   int
	log          *slog.Logger
}

// Option configures discovery.
type Option func(*options)

// WithCluster names the cluster; the name is part of every path id. Default
// "cluster".
func WithCluster(name string) Option { return func(o *options) { o.cluster = name } }

// WithMaxFileBytes refuses manifest files larger than n bytes. Default 256 MiB.
func WithMaxFileBytes(n int64) Option { return func(o *options) { o.maxFileBytes = n } }

// WithMaxObjects stops reading after n objects. Default 500,000.
func WithMaxObjects(n int) Option { return func(o *options) { o.maxObjects = n } }

// WithLogger sets the logger for progress messages. Default: discard.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

func newOptions(opts []Option) *options {
	o := &options{cluster: "cluster", maxFileBytes: 256 << 20, maxObjects: 500_000,
		log: slog.New(slog.DiscardHandler)}
	for _, f := range opts {
		f(o)
	}
	return o
}

// ErrNoObjects is returned when a source holds no Kubernetes object at all.
var ErrNoObjects = errors.New("no Kubernetes objects found")

// FromDir reads every *.yaml, *.yml and *.json file below dir and builds the
// inventory.
func FromDir(ctx context.Context, dir string, opts ...Option) (*inventory.Inventory, error) {
	o := newOptions(opts)
	src, err := NewDir(dir, opts...)
	if err != nil {
		return nil, err
	}
	return build(ctx, src, o)
}

// Build reads src and builds the inventory.
func Build(ctx context.Context, src Source, opts ...Option) (*inventory.Inventory, error) {
	return build(ctx, src, newOptions(opts))
}

func build(ctx context.Context, src Source, o *options) (*inventory.Inventory, error) {
	objs, problems, err := src.Objects(ctx)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("%s: %w", src.Describe(), ErrNoObjects)
	}
	inv := newBuilder(o).build(objs)
	inv.Source = src.Describe()
	inv.Problems = append(problems, inv.Problems...)
	return inv, nil
}

// Dir is a Source reading manifests from a directory tree.
type Dir struct {
	root string
	o    *options
	dec  *decoder
}

// NewDir returns a Source over the manifests below root.
func NewDir(root string, opts ...Option) (*Dir, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("reading manifests: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("reading manifests: %s is not a directory", root)
	}
	dec, err := newDecoder()
	if err != nil {
		return nil, err
	}
	return &Dir{root: root, o: newOptions(opts), dec: dec}, nil
}

// Describe names the source.
func (d *Dir) Describe() string { return "manifests:" + d.root }

// Objects reads every manifest file below the root, in lexical order.
func (d *Dir) Objects(ctx context.Context) ([]Decoded, []inventory.Problem, error) {
	var files []string
	err := filepath.WalkDir(d.root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walking %s: %w", path, err)
		}
		if e.IsDir() {
			if path != d.root && strings.HasPrefix(e.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil // symlinks and devices are not followed
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(files)
	r := &reader{dec: d.dec, o: d.o}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		rel, _ := filepath.Rel(d.root, f)
		r.file(f, rel)
		d.o.log.Debug("read manifest", "file", rel, "n", i+1, "of", len(files), "objects", len(r.objs))
		if len(r.objs) >= d.o.maxObjects {
			r.problem(rel, "", fmt.Sprintf("stopped after %d objects (the limit); later files were not read", d.o.maxObjects))
			break
		}
	}
	return r.objs, r.problems, nil
}

type reader struct {
	dec      *decoder
	o        *options
	objs     []Decoded
	problems []inventory.Problem
}

func (r *reader) problem(src, obj, msg string) {
	r.problems = append(r.problems, inventory.Problem{Source: src, Object: obj, Message: msg})
}

func (r *reader) file(path, rel string) {
	f, err := os.Open(path)
	if err != nil {
		r.problem(rel, "", fmt.Sprintf("opening: %v", err))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		r.problem(rel, "", fmt.Sprintf("stat: %v", err))
		return
	}
	if st.Size() > r.o.maxFileBytes {
		r.problem(rel, "", fmt.Sprintf("file is %d bytes, over the %d-byte limit; not read", st.Size(), r.o.maxFileBytes))
		return
	}
	br := bufio.NewReaderSize(io.LimitReader(f, r.o.maxFileBytes), 64<<10)
	first, _ := br.Peek(512)
	if t := bytes.TrimLeft(first, " \t\r\n\ufeff"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		r.jsonStream(br, rel)
		return
	}
	yr := utilyaml.NewYAMLReader(br)
	for i := 0; ; i++ {
		doc, err := yr.Read()
		if err == io.EOF {
			return
		}
		src := fmt.Sprintf("%s#%d", rel, i)
		if err != nil {
			r.problem(src, "", fmt.Sprintf("reading YAML: %v", err))
			return
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			r.problem(src, "", fmt.Sprintf("malformed YAML: %v", err))
			continue
		}
		r.object(js, src)
		if len(r.objs) >= r.o.maxObjects {
			return
		}
	}
}

func (r *reader) jsonStream(br *bufio.Reader, rel string) {
	dec := json.NewDecoder(br)
	for i := 0; ; i++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return
		}
		src := fmt.Sprintf("%s#%d", rel, i)
		if err != nil {
			r.problem(src, "", fmt.Sprintf("malformed JSON: %v", err))
			return
		}
		if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
			var items []json.RawMessage
			if err := json.Unmarshal(t, &items); err != nil {
				r.problem(src, "", fmt.Sprintf("malformed JSON array: %v", err))
				continue
			}
			for j, it := range items {
				r.object(it, fmt.Sprintf("%s[%d]", src, j))
			}
			continue
		}
		r.object(raw, src)
	}
}

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Items []json.RawMessage `json:"items"`
}

// object decodes one JSON object, expanding lists.
func (r *reader) object(js []byte, src string) {
	var tm typeMeta
	if err := json.Unmarshal(js, &tm); err != nil {
		r.problem(src, "", fmt.Sprintf("not a Kubernetes object: %v", err))
		return
	}
	if tm.Kind == "" && tm.APIVersion == "" && len(bytes.TrimSpace(js)) <= 4 {
		return // null or {}
	}
	if tm.Kind == "" || tm.APIVersion == "" {
		r.problem(src, "", "not a Kubernetes object: apiVersion or kind missing")
		return
	}
	if strings.HasSuffix(tm.Kind, "List") && tm.Items != nil {
		for i, it := range tm.Items {
			r.object(it, fmt.Sprintf("%s.items[%d]", src, i))
			if len(r.objs) >= r.o.maxObjects {
				return
			}
		}
		return
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		r.problem(src, tm.Kind+" "+tm.Metadata.Name, fmt.Sprintf("bad apiVersion %q", tm.APIVersion))
		return
	}
	gvk := gv.WithKind(tm.Kind)
	name := objectName(tm.Kind, tm.Metadata.Namespace, tm.Metadata.Name)
	if tm.Metadata.Name == "" {
		r.problem(src, tm.Kind, "object has no metadata.name; skipped")
		return
	}
	if tm.Kind == "Secret" {
		// Secrets are never read further nor kept: nothing in them bears on
		// transport security that the scanner may look at.
		return
	}
	d := Decoded{GVK: gvk, Namespace: tm.Metadata.Namespace, Name: tm.Metadata.Name, Raw: js, Source: src}
	obj, err := r.dec.decode(js, gvk)
	if err != nil {
		r.problem(src, name, fmt.Sprintf("does not decode as %s: %v", gvk, err))
	}
	d.Object = obj
	r.objs = append(r.objs, d)
}

func objectName(kind, ns, name string) string {
	if ns == "" {
		return kind + " " + name
	}
	return kind + " " + ns + "/" + name
}

// stripComments drops comment-only lines so that a document holding only
// comments (as Helm writes) counts as empty.
func stripComments(doc []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' || bytes.Equal(t, []byte("---")) {
			continue
		}
		out = append(out, line...)
		out = append(out, '\n')
	}
	return out
}

package discover

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzManifest feeds arbitrary bytes as a manifest file: discover must
// report problems, never panic or hang.
func FuzzManifest(f *testing.F) {
	f.Add([]byte(goodDeploy))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n  spec: {ports: [{port: 1, targetPort: x}]}\n"))
	f.Add([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","ownerReferences":[{"kind":"ReplicaSet","name":"r-1","controller":true}]}}`))
	f.Add([]byte("---\n---\n# only comments\n"))
	f.Add([]byte("[{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"n\"}}]"))
	f.Add([]byte("a: &x [*x, *x]\n"))
	dec, err := newDecoder()
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		path := filepath.Join(dir, "m.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		o := newOptions(nil)
		r := &reader{dec: dec, o: o}
		r.file(path, "m.yaml")
		inv := newBuilder(o).build(r.objs)
		if inv == nil {
			t.Fatal("nil inventory")
		}
	})
}

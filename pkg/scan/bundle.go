package scan

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/sc8scan/sc8scan/pkg/evaluate"
	"github.com/sc8scan/sc8scan/pkg/report"
)

// WriteBundle writes the scan bundle to dir: the matrix in each format
// (named by report.FileName), the raw evidence documents, the inventory, and SHA256SUMS over all of
// them. The matrix records each evidence file's SHA-256. It returns the
// files written, relative to dir.
func WriteBundle(dir string, res *Result, formats []string) ([]string, error) {
	if err := os.MkdirAll(filepath.Join(dir, "evidence"), 0o755); err != nil {
		return nil, fmt.Errorf("creating bundle: %w", err)
	}
	sums := map[string]string{}
	// write streams one file through its hash: nothing is held whole
	// beyond what the encoder needs.
	write := func(rel string, fill func(io.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, rel))
		if err != nil {
			return fmt.Errorf("writing %s: %w", rel, err)
		}
		h := sha256.New()
		bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<16)
		err = fill(bw)
		if err == nil {
			err = bw.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", rel, err)
		}
		sums[rel] = hex.EncodeToString(h.Sum(nil))
		return nil
	}
	docs := map[string]any{}
	if res.Evidence.Probes != nil {
		docs[evaluate.ProbeDoc] = res.Evidence.Probes
	}
	if res.Evidence.Policy != nil {
		docs[evaluate.PolicyDoc] = res.Evidence.Policy
	}
	if res.Evidence.Flows != nil {
		docs[evaluate.FlowDoc] = res.Evidence.Flows
	}
	if res.Evidence.Images != nil {
		docs[evaluate.ImageDoc] = res.Evidence.Images
	}
	docs["inventory"] = res.Inventory
	for id, doc := range docs {
		err := write("evidence/"+id+".json", func(w io.Writer) error {
			// Compact: the evidence of a large cluster is read by tools
			// (jq formats it), and its size is the bundle's.
			return json.NewEncoder(w).Encode(doc)
		})
		if err != nil {
			return nil, err
		}
	}
	m := res.Matrix
	for i := range m.Evidence {
		m.Evidence[i].SHA256 = sums[m.Evidence[i].File]
	}
	details := Details(res.Evidence)
	for _, f := range formats {
		err := write(report.FileName(f), func(w io.Writer) error { return report.Render(w, m, f, report.Options{Details: details}) })
		if err != nil {
			return nil, err
		}
	}
	var files []string
	for f := range sums {
		files = append(files, f)
	}
	sort.Strings(files)
	var manifest bytes.Buffer
	for _, f := range files {
		fmt.Fprintf(&manifest, "%s  %s\n", sums[f], f)
	}
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), manifest.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("writing SHA256SUMS: %w", err)
	}
	return append(files, "SHA256SUMS"), nil
}

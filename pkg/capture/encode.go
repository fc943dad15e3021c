package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/sc8scan/sc8scan/pkg/evidence"
)

// WriteJSON writes r as a json.Encoder does with SetIndent("", indent)
// (indent "" gives one line, json.Marshal's bytes plus a newline), byte
// for byte, but a flow at a time: a report of many flows is never held
// whole in memory a second time, and each certificate chain, most of the
// bytes of a report of TLS 1.2 flows and repeated from flow to flow, is
// encoded once.
func WriteJSON(out io.Writer, r *evidence.FlowReport, indent string) error {
	marshal := func(v any) ([]byte, error) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", indent)
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	if len(r.Flows) == 0 {
		b, err := marshal(r)
		if err != nil {
			return err
		}
		_, err = out.Write(b)
		return err
	}
	shell := *r
	shell.Flows = []evidence.Flow{}
	b, err := marshal(&shell)
	if err != nil {
		return err
	}
	// Inside a JSON string every quote is escaped, so this is the key.
	marker := `"flows":[]`
	if indent != "" {
		marker = `"flows": []`
	}
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		return fmt.Errorf("encoding report: no flows key")
	}
	open := i + len(marker) - 1 // the "]"
	bw := bufio.NewWriterSize(out, 64<<10)
	bw.Write(b[:open])
	fe := flowEncoder{chains: map[string][]byte{}, indent: indent, prefix2: strings.Repeat(indent, 2)}
	for k := range r.Flows {
		if k > 0 {
			bw.WriteByte(',')
		}
		if indent != "" {
			bw.WriteString("\n" + strings.Repeat(indent, 2))
		}
		if err := fe.encode(bw, &r.Flows[k]); err != nil {
			return err
		}
	}
	if indent != "" {
		bw.WriteString("\n" + indent)
	}
	bw.Write(b[open:])
	return bw.Flush()
}

// flowEncoder encodes flows as json.Encoder does, each as an element of
// the report's flows array, with each certificate chain encoded once.
type flowEncoder struct {
	indent     string
	flat, ind  []byte // appendFlow's bytes and their indented form, reused
	prefix2    string // two levels of indent: an element of the flows array
	buf        bytes.Buffer
	enc        *json.Encoder
	chains     map[string][]byte
	chainBytes int
}

// maxChainBytes bounds the encoded chains kept; past it they are dropped
// and encoded afresh.
const maxChainBytes = 4 << 20

func (fe *flowEncoder) encode(w *bufio.Writer, f *evidence.Flow) error {
	if fe.enc == nil {
		fe.enc = json.NewEncoder(&fe.buf)
	}
	fe.buf.Reset()
	t := f.TLS
	chains := t != nil && (len(t.ServerCertificates) > 0 || len(t.ClientCertificates) > 0)
	if chains {
		// The chains are FlowTLS's last fields: encode the flow without
		// them, then put them back before the end of the "tls" object.
		bare := *t
		bare.ServerCertificates, bare.ClientCertificates = nil, nil
		fc := *f
		fc.TLS = &bare
		f = &fc
	}
	var b []byte
	if fb, ok := appendFlow(fe.flat[:0], f); ok {
		fe.flat, b = fb, fb
	} else {
		if err := fe.enc.Encode(f); err != nil {
			return err
		}
		b = bytes.TrimSuffix(fe.buf.Bytes(), []byte("\n"))
	}
	if fe.indent != "" {
		// An element of the flows array: two levels in.
		fe.ind = appendIndent(fe.ind[:0], b, fe.prefix2, fe.indent)
		b = fe.ind
	}
	if !chains {
		w.Write(b)
		return nil
	}
	key, sep := `"tls":`, ","
	if fe.indent != "" {
		key, sep = `"tls": `, ",\n"+strings.Repeat(fe.indent, 4)
	}
	start := bytes.Index(b, []byte(key+"{"))
	end := -1
	if start >= 0 {
		end = objectEnd(b, start+len(key))
	}
	if fe.indent != "" && end >= 0 {
		// Before the line that closes the object.
		if nl := "\n" + strings.Repeat(fe.indent, 3); bytes.HasSuffix(b[:end], []byte(nl)) {
			end -= len(nl)
		} else {
			end = -1
		}
	}
	if end < 0 {
		return fmt.Errorf("encoding flow %s>%s: no tls object", f.Client, f.Server)
	}
	w.Write(b[:end])
	for _, c := range []struct {
		key   string
		chain []evidence.Certificate
	}{{`"serverCertificates":`, t.ServerCertificates}, {`"clientCertificates":`, t.ClientCertificates}} {
		if len(c.chain) == 0 {
			continue
		}
		j, err := fe.chain(c.chain)
		if err != nil {
			return err
		}
		w.WriteString(sep)
		w.WriteString(c.key)
		if fe.indent != "" {
			w.WriteByte(' ')
		}
		w.Write(j)
	}
	w.Write(b[end:])
	return nil
}

// chain returns the JSON of a certificate chain. A certificate's fields
// all follow from its DER, which its SHA-256 names.
func (fe *flowEncoder) chain(certs []evidence.Certificate) ([]byte, error) {
	var key strings.Builder
	for _, c := range certs {
		key.WriteString(c.SHA256)
		key.WriteByte(',')
	}
	if j, ok := fe.chains[key.String()]; ok {
		return j, nil
	}
	j, err := json.Marshal(certs)
	if err != nil {
		return nil, err
	}
	if fe.indent != "" {
		// Four levels in: report, flows, flow, tls.
		j = appendIndent(nil, j, strings.Repeat(fe.indent, 4), fe.indent)
	}
	if fe.chainBytes+len(j) > maxChainBytes {
		clear(fe.chains)
		fe.chainBytes = 0
	}
	fe.chains[key.String()] = j
	fe.chainBytes += len(j)
	return j, nil
}

// objectEnd returns the index of the brace closing the JSON object that
// starts at b[open], or -1.
func objectEnd(b []byte, open int) int {
	depth, inString := 0, false
	for i := open; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && c == '\\':
			i++
		case inString:
			inString = c != '"'
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

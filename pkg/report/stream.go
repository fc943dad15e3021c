package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// jsonArray is a member of a JSON document that writeJSON writes item by
// item instead of marshalling it whole.
type jsonArray struct {
	// Line is the member's line in the document indented by two spaces
	// when its value is null, without a trailing comma: `  "rows": null`.
	// Marshalled strings never hold a line break, so the line can only be
	// that member.
	Line string
	// Items emits the array's items in order; emit's error stops it.
	Items func(emit func(v any) error) error
}

// writeJSON writes doc indented by two spaces, each array member replaced
// by the items it emits, one compact item a line, so that the document is
// never held twice in memory and a bundle of a large cluster stays small
// (each row, observation or result is one line: grep finds it whole).
// Every array must be found once.
func writeJSON(w io.Writer, doc any, arrays ...jsonArray) error {
	skel, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	found := make([]bool, len(arrays))
	var buf bytes.Buffer
	for len(skel) > 0 {
		line, rest, _ := bytes.Cut(skel, []byte("\n"))
		skel = rest
		body, comma := bytes.CutSuffix(line, []byte(","))
		i := -1
		for j, a := range arrays {
			if string(body) == a.Line {
				i = j
				break
			}
		}
		if i < 0 {
			bw.Write(line)
			bw.WriteByte('\n')
			continue
		}
		if found[i] {
			return fmt.Errorf("writing JSON: member %s twice", strings.TrimSpace(arrays[i].Line))
		}
		found[i] = true
		indent := arrays[i].Line[:len(arrays[i].Line)-len(strings.TrimLeft(arrays[i].Line, " "))]
		bw.WriteString(strings.TrimSuffix(arrays[i].Line, "null"))
		bw.WriteByte('[')
		enc := json.NewEncoder(&buf)
		n := 0
		err := arrays[i].Items(func(v any) error {
			buf.Reset()
			if err := enc.Encode(v); err != nil {
				return err
			}
			if n == 0 {
				bw.WriteByte('\n')
			} else {
				bw.WriteString(",\n")
			}
			n++
			bw.WriteString(indent + "  ")
			_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
			return err
		})
		if err != nil {
			return err
		}
		if n > 0 {
			bw.WriteString("\n" + indent)
		}
		bw.WriteByte(']')
		if comma {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	for i, ok := range found {
		if !ok {
			return fmt.Errorf("writing JSON: no member %s", strings.TrimSpace(arrays[i].Line))
		}
	}
	return bw.Flush()
}

// bufErr returns the error a bufio.Writer has met so far, so that a long
// walk stops at the first failed write.
func bufErr(bw *bufio.Writer) error {
	_, err := bw.Write(nil)
	return err
}

// items emits the members of s in order, for a jsonArray.
func items[T any](s []T) func(emit func(v any) error) error {
	return func(emit func(v any) error) error {
		for i := range s {
			if err := emit(&s[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

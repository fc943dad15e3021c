// Package frame carries evidence documents through a pod's log: a probe
// pod or a sensor writes each document as one frame, and the dispatcher
// finds the frames in the log it reads back and checks each against the
// digest and length its header states. A log cut short (rotated,
// truncated, a pod killed mid-write) leaves a frame without its end or
// with a body that does not match, which is an error, never a partial
// document.
//
// A frame is text lines, so that other lines of the log (the program's
// own messages on stderr, interleaved by the container runtime) can stand
// between its lines without harm:
//
//	sc8scan-frame v1 begin kind=ProbeReport name=probe-0 bytes=1234 sha256=<hex>
//	|<base64 of the gzip-compressed document, 76 characters a line>
//	...
//	sc8scan-frame v1 end sha256=<hex>
//
// The package owns the format only; what a frame holds is the caller's.
// It imports only the standard library, so the probe binary stays small.
package frame

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

const (
	beginPrefix = "sc8scan-frame v1 begin "
	endPrefix   = "sc8scan-frame v1 end "
	bodyPrefix  = '|'
	lineWidth   = 76
	// maxLine bounds one log line the reader accepts.
	maxLine = 1 << 20
)

// Frame is one document found in a log.
type Frame struct {
	Kind string // the document's kind, e.g. "ProbeReport"
	Name string // which producer wrote it, e.g. a Job or node name
	Data []byte // the document, verified against the header's digest
}

// Write writes data as one frame to w.
func Write(w io.Writer, kind, name string, data []byte) error {
	if err := checkToken(kind); err != nil {
		return fmt.Errorf("frame kind: %w", err)
	}
	if err := checkToken(name); err != nil {
		return fmt.Errorf("frame name: %w", err)
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(z.Bytes())
	var b strings.Builder
	fmt.Fprintf(&b, "%skind=%s name=%s bytes=%d sha256=%s\n", beginPrefix, kind, name, len(data), digest)
	for len(enc) > 0 {
		n := min(lineWidth, len(enc))
		b.WriteByte(bodyPrefix)
		b.WriteString(enc[:n])
		b.WriteByte('\n')
		enc = enc[n:]
	}
	fmt.Fprintf(&b, "%ssha256=%s\n", endPrefix, digest)
	_, err := io.WriteString(w, b.String())
	return err
}

func checkToken(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	for _, r := range s {
		if r <= ' ' || r == '=' || r > '~' {
			return fmt.Errorf("%q has a character outside printable ASCII, a space or '='", s)
		}
	}
	return nil
}

// Read returns every complete, verified frame in r, in order, and an
// error for each frame that is not: begun and never ended, a body that
// does not decode, a length or digest that does not match, a document
// over maxDoc bytes. Lines outside frames are skipped. The error is nil
// only when every frame begun in r was whole.
func Read(r io.Reader, maxDoc int) ([]Frame, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var (
		out  []Frame
		errs []error
		cur  *header
		body strings.Builder
		line int
	)
	for sc.Scan() {
		line++
		t := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(t, beginPrefix):
			if cur != nil {
				errs = append(errs, fmt.Errorf("frame %s of %s (line %d) has no end: another frame begins at line %d", cur.kind, cur.name, cur.line, line))
			}
			h, err := parseHeader(t[len(beginPrefix):], line, maxDoc)
			if err != nil {
				errs = append(errs, err)
				cur = nil
				continue
			}
			cur = &h
			body.Reset()
		case strings.HasPrefix(t, endPrefix):
			if cur == nil {
				errs = append(errs, fmt.Errorf("line %d: a frame end without its beginning (the log lost the frame's start)", line))
				continue
			}
			f, err := cur.finish(body.String(), strings.TrimPrefix(t[len(endPrefix):], "sha256="))
			if err != nil {
				errs = append(errs, err)
			} else {
				out = append(out, f)
			}
			cur = nil
		case cur != nil && len(t) > 0 && t[0] == bodyPrefix:
			if body.Len()+len(t) > base64.StdEncoding.EncodedLen(maxDoc)+lineWidth {
				errs = append(errs, fmt.Errorf("frame %s of %s (line %d) is larger than %d bytes", cur.kind, cur.name, cur.line, maxDoc))
				cur = nil
				continue
			}
			body.WriteString(t[1:])
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("reading the log: %w", err))
	}
	if cur != nil {
		errs = append(errs, fmt.Errorf("frame %s of %s (line %d) has no end: the log stops after line %d (cut short or the writer was killed)", cur.kind, cur.name, cur.line, line))
	}
	return out, errors.Join(errs...)
}

type header struct {
	kind, name, sha string
	bytes, line     int
	maxDoc          int
}

func parseHeader(s string, line, maxDoc int) (header, error) {
	h := header{line: line, maxDoc: maxDoc, bytes: -1}
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "kind":
			h.kind = v
		case "name":
			h.name = v
		case "sha256":
			h.sha = v
		case "bytes":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return h, fmt.Errorf("line %d: frame header: bytes %q is not a length", line, v)
			}
			h.bytes = n
		}
	}
	switch {
	case h.kind == "" || h.name == "":
		return h, fmt.Errorf("line %d: frame header without kind or name", line)
	case len(h.sha) != 64:
		return h, fmt.Errorf("line %d: frame header without a sha256 digest", line)
	case h.bytes < 0:
		return h, fmt.Errorf("line %d: frame header without its length", line)
	case h.bytes > maxDoc:
		return h, fmt.Errorf("line %d: frame %s of %s states %d bytes, more than the limit of %d", line, h.kind, h.name, h.bytes, maxDoc)
	}
	return h, nil
}

func (h *header) finish(body, endSum string) (Frame, error) {
	where := fmt.Sprintf("frame %s of %s (line %d)", h.kind, h.name, h.line)
	if endSum != h.sha {
		return Frame{}, fmt.Errorf("%s: its end names another digest (lines of two frames mixed)", where)
	}
	z, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return Frame{}, fmt.Errorf("%s: body does not decode (lines lost): %w", where, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return Frame{}, fmt.Errorf("%s: body is not gzip: %w", where, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, int64(h.bytes)+1))
	if err != nil {
		return Frame{}, fmt.Errorf("%s: body does not decompress (lines lost): %w", where, err)
	}
	if len(data) != h.bytes {
		return Frame{}, fmt.Errorf("%s: %d bytes, the header states %d", where, len(data), h.bytes)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != h.sha {
		return Frame{}, fmt.Errorf("%s: SHA-256 does not match the header's", where)
	}
	return Frame{Kind: h.kind, Name: h.name, Data: data}, nil
}

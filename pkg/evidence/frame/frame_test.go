package frame

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func frameText(t *testing.T, kind, name string, data []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, kind, name, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRoundTripAmongOtherLines(t *testing.T) {
	doc1 := []byte(`{"kind":"ProbeReport","results":[]}`)
	doc2 := bytes.Repeat([]byte(`{"flow":1}`), 5000) // several body lines
	f1 := frameText(t, "ProbeReport", "probe-0", doc1)
	f2 := frameText(t, "FlowReport", "node-a", doc2)
	// stderr lines interleaved inside a frame, as a container runtime does.
	lines := strings.SplitAfter(f2, "\n")
	mixed := `{"level":"WARN","msg":"slow target"}` + "\n" + f1 + lines[0] + lines[1] + "stderr line\n" + strings.Join(lines[2:], "")
	got, err := Read(strings.NewReader(mixed), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := []Frame{{Kind: "ProbeReport", Name: "probe-0", Data: doc1}, {Kind: "FlowReport", Name: "node-a", Data: doc2}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("frames (-want +got):\n%s", d)
	}
}

func TestDamagedFrames(t *testing.T) {
	// Incompressible, so the body has many lines.
	doc := make([]byte, 32000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range doc {
		doc[i] = byte(rng.Uint32())
	}
	whole := frameText(t, "ProbeReport", "probe-0", doc)
	lines := strings.SplitAfter(whole, "\n")
	lines = lines[:len(lines)-1] // the empty string after the last newline
	other := frameText(t, "ProbeReport", "probe-1", []byte("other"))
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	cases := []struct {
		name, log, wantErr string
		wantFrames         int
	}{
		{"cut after the header", lines[0], "has no end", 0},
		{"cut inside the body", strings.Join(lines[:len(lines)/2], ""), "has no end", 0},
		{"cut before the end line", strings.Join(lines[:len(lines)-1], ""), "has no end", 0},
		{"a body line lost", lines[0] + strings.Join(lines[2:], ""), "", 0},
		{"a body byte changed", strings.Join(lines[:3], "") + flip(lines[3], 10) + strings.Join(lines[4:], ""), "", 0},
		{"end without beginning", strings.Join(lines[1:], ""), "without its beginning", 0},
		{"another frame begins inside", lines[0] + other + strings.Join(lines[1:], ""), "another frame begins", 1},
		{"header states too much", strings.Replace(whole, "bytes=32000", "bytes=99999999", 1), "more than the limit", 0},
		{"header without digest", "sc8scan-frame v1 begin kind=X name=y bytes=3\n", "without a sha256", 0},
		{"length mismatch", strings.Replace(whole, "bytes=32000", "bytes=31999", 1), "the header states 31999", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(c.log), 1<<20)
			if err == nil {
				t.Fatalf("no error for a damaged log; frames %d", len(got))
			}
			if c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("error %q, want it to say %q", err, c.wantErr)
			}
			if len(got) != c.wantFrames {
				t.Errorf("%d frames, want %d", len(got), c.wantFrames)
			}
			for _, f := range got {
				if f.Name == "probe-0" {
					t.Errorf("the damaged frame was returned")
				}
			}
		})
	}
}

func TestWriteRefusesBadTokens(t *testing.T) {
	for _, name := range []string{"", "a b", "a=b", "é"} {
		if err := Write(&bytes.Buffer{}, "ProbeReport", name, nil); err == nil {
			t.Errorf("Write accepted name %q", name)
		}
	}
}

func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	_ = Write(&b, "ProbeReport", "probe-0", []byte(`{"a":1}`))
	f.Add(b.String())
	f.Add("sc8scan-frame v1 begin kind=X name=y bytes=1 sha256=" + strings.Repeat("0", 64) + "\n|AAAA\nsc8scan-frame v1 end sha256=" + strings.Repeat("0", 64) + "\n")
	f.Add("|AAAA\nsc8scan-frame v1 end \n")
	f.Fuzz(func(t *testing.T, log string) {
		frames, _ := Read(strings.NewReader(log), 1<<16)
		for _, fr := range frames {
			// Every frame returned must round-trip: it was verified.
			var w bytes.Buffer
			if err := Write(&w, fr.Kind, fr.Name, fr.Data); err != nil {
				t.Fatalf("a verified frame does not write back: %v", err)
			}
			again, err := Read(&w, 1<<16)
			if err != nil || len(again) != 1 || !bytes.Equal(again[0].Data, fr.Data) {
				t.Fatalf("round trip failed: %v", err)
			}
		}
	})
}

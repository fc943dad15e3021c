package plan

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseTarget(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Target
		err  bool
	}{
		{in: "127.0.0.1:8443", want: Target{Host: "127.0.0.1", Port: 8443}},
		{in: "[::1]:443", want: Target{Host: "::1", Port: 443}},
		{in: "db.example:5432", want: Target{Host: "db.example", Port: 5432}},
		{in: "postgres://db:6543", want: Target{Host: "db", Port: 6543, Scheme: "postgres"}},
		{in: "postgresql://db", want: Target{Host: "db", Port: 5432, Scheme: "postgres"}},
		{in: "smtp://[::1]:2525", want: Target{Host: "::1", Port: 2525, Scheme: "smtp"}},
		{in: "ssh://h", want: Target{Host: "h", Port: 22, Scheme: "ssh"}},
		{in: "https://h", want: Target{Host: "h", Port: 443, Scheme: "https"}},
		{in: "http://h:8080", want: Target{Host: "h", Port: 8080}},
		{in: "", err: true},
		{in: "host", err: true},
		{in: "host:0", err: true},
		{in: "host:99999", err: true},
		{in: ":443", err: true},
		{in: "gopher://h:70", err: true},
		{in: "postgres://:5432", err: true},
		{in: "postgres://h:x", err: true},
	} {
		got, err := ParseTarget(c.in)
		if (err != nil) != c.err {
			t.Errorf("ParseTarget(%q) error %v, want error %v", c.in, err, c.err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" && !c.err {
			t.Errorf("ParseTarget(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

func TestLimitsJSON(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("250ms")); err != nil || time.Duration(d) != 250*time.Millisecond {
		t.Errorf("Duration round trip: %v %v", d, err)
	}
	if err := d.UnmarshalText([]byte("soon")); err == nil {
		t.Error("bad duration accepted")
	}
}

func ExampleParseTarget() {
	for _, s := range []string{"10.0.0.5:443", "[fd00::1]:8443", "postgres://db.prod:5432"} {
		t, _ := ParseTarget(s)
		fmt.Printf("%s port %d scheme %q\n", t.Host, t.Port, t.Scheme)
	}
	// Output:
	// 10.0.0.5 port 443 scheme ""
	// fd00::1 port 8443 scheme ""
	// db.prod port 5432 scheme "postgres"
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"127.0.0.1:443", "[::1]:8443", "postgres://db:5432", "smtp://h", "h:0", "://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err == nil && (tg.Host == "" || tg.Port < 1 || tg.Port > 65535) {
			t.Errorf("ParseTarget(%q) = %+v", s, tg)
		}
	})
}

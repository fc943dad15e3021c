package report_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/sc8scan/sc8scan/pkg/internal/lab"
	"github.com/sc8scan/sc8scan/pkg/internal/testenv"
	"github.com/sc8scan/sc8scan/pkg/matrix"
	"github.com/sc8scan/sc8scan/pkg/scan"
)

// TestHTMLInBrowser opens the demo's report (the real lab scanned with
// its capture, as make demo does) in headless Chromium from file://, and
// drives it as an auditor would: it filters by status, check, namespace
// and text and compares the rows shown with the matrix, opens a row and
// reads its evidence, follows a finding's link to a hidden row, checks
// that print media hides the controls, prints to PDF, and saves
// screenshots under the test's temporary directory. The page must fetch
// nothing, throw nothing and break no rule of its Content-Security-Policy.
func TestHTMLInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo lab and a browser")
	}
	browser := testenv.LookPath(t, "chromium")[0]
	issued := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	res, err := lab.ScanDemo(context.Background(), "../..", issued, lab.DemoOptions{PCAP: "../../testdata/demo-traffic/demo-east.pcap"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := scan.WriteBundle(dir, res, []string{"html"}); err != nil {
		t.Fatal(err)
	}
	m := res.Matrix

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	var mu sync.Mutex
	var fetched, problems []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if !strings.HasPrefix(e.Request.URL, "file://") {
				fetched = append(fetched, e.Request.URL)
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text+" "+exceptionText(e.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning {
				problems = append(problems, fmt.Sprintf("console %s", e.Type))
			}
		}
	})
	url := "file://" + filepath.Join(dir, "matrix.html")
	var shown string
	if err := chromedp.Run(ctx, network.Enable(), runtime.Enable(),
		chromedp.Navigate(url),
		chromedp.WaitVisible("#filters", chromedp.ByQuery),
		chromedp.Text("#shown", &shown, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	if want := fmt.Sprintf("showing %d of %d destination ports", len(m.Rows), len(m.Rows)); shown != want {
		t.Fatalf("on load: %q, want %q", shown, want)
	}
	shot(ctx, t, dir, "loaded.png")

	// visibleRows lists the ids of the destination ports the page shows.
	visibleRows := func() []string {
		t.Helper()
		var ids []string
		js := `Array.from(document.querySelectorAll("table.matrix tbody.r")).filter(tb => tb.checkVisibility()).map(tb => tb.id.slice(2))`
		if err := chromedp.Run(ctx, chromedp.Evaluate(js, &ids)); err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		return ids
	}
	// filter sets the form's fields as a user would pick them and waits
	// for the page to apply them.
	filter := func(status, check, ns, q string) {
		t.Helper()
		js := fmt.Sprintf(`(() => { const f = document.getElementById("filters");
			f.elements.status.value = %q; f.elements.check.value = %q; f.elements.ns.value = %q; f.elements.q.value = %q;
			f.dispatchEvent(new Event("change", {bubbles: true})); return f.elements.status.value + "|" + f.elements.check.value + "|" + f.elements.ns.value; })()`,
			status, check, ns, q)
		var got string
		if err := chromedp.Run(ctx, chromedp.Evaluate(js, &got)); err != nil {
			t.Fatal(err)
		}
		if want := status + "|" + check + "|" + ns; got != want {
			t.Fatalf("the form took %q, want %q: a value is not an option", got, want)
		}
	}
	// want lists the rows of the matrix holding a cell of the status and
	// check asked for (either at the destination or in a class) in ns.
	want := func(st matrix.Status, check, ns string) []string {
		var ids []string
		for i := range m.Rows {
			r := &m.Rows[i]
			if ns != "" && r.Destination.Namespace != ns {
				continue
			}
			hit := func(cs []matrix.Cell) bool {
				for _, c := range cs {
					if (st == "" || c.Status == st) && (check == "" || c.Check == check) {
						return true
					}
				}
				return false
			}
			ok := hit(r.Cells)
			for j := range r.Classes {
				ok = ok || hit(r.Classes[j].Cells)
			}
			if ok {
				ids = append(ids, r.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	for _, tt := range []struct {
		name       string
		status     matrix.Status
		class      string
		check, ns  string
		atLeast    int
		fewerThanM bool
	}{
		{"FAIL", matrix.Fail, "fail", "", "", 5, true},
		{"FAIL of CERT", matrix.Fail, "fail", "server-certificate", "", 1, true},
		{"WAIVED", matrix.Waived, "waived", "", "", 1, true},
		{"namespace payments", "", "", "", "payments", 2, true},
		{"PLAIN FAIL in shop", matrix.Fail, "fail", "plaintext-refused", "shop", 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			filter(tt.class, tt.check, tt.ns, "")
			got, w := visibleRows(), want(tt.status, tt.check, tt.ns)
			if !slices.Equal(got, w) {
				t.Errorf("rows shown %v, the matrix has %v", got, w)
			}
			if len(w) < tt.atLeast || (tt.fewerThanM && len(w) == len(m.Rows)) {
				t.Errorf("the demo should have between %d and %d such rows, has %d: the filter would not be tested", tt.atLeast, len(m.Rows)-1, len(w))
			}
		})
	}

	// Text search looks in the rows' details too: "TLSv1.0" is only in
	// the probe evidence of legacy-billing.
	legacy := rowOf(t, m, "legacy", "legacy-billing")
	filter("", "", "", "tlsv1.0 suites")
	if got := visibleRows(); !slices.Equal(got, []string{legacy.ID}) {
		t.Errorf("text tlsv1.0 suites: rows shown %v, want only legacy/legacy-billing %s", got, legacy.ID)
	}

	// Open legacy-billing: its details show each cell's reason and the
	// probe's versions, suites and certificate chain.
	sel := "#r-" + legacy.ID
	if visible(ctx, t, sel+" tr.more") {
		t.Fatal("a row's details are visible before it is opened")
	}
	var details string
	if err := chromedp.Run(ctx, chromedp.Click(sel+" button.x", chromedp.ByQuery), chromedp.WaitVisible(sel+" tr.more", chromedp.ByQuery), chromedp.Text(sel+" tr.more", &details, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	minver := legacy.Cell("tls-min-version")
	for _, w := range []string{minver.Reason, "Probe of", "TLSv1.0 suites", "Certificate 0 (leaf)", "Groups", "Client certificate", "Policy for"} {
		if !strings.Contains(details, w) {
			t.Errorf("the opened row's details lack %q:\n%s", w, details)
		}
	}
	var rowPNG []byte
	if err := chromedp.Run(ctx, chromedp.Screenshot(sel, &rowPNG, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	save(t, dir, "row-open.png", rowPNG)

	// A waived cell says whose waiver it is and until when.
	filter("waived", "", "", "")
	var waived string
	if err := chromedp.Run(ctx, chromedp.Click("#filters button[name=openall]", chromedp.ByQuery), chromedp.Evaluate(
		`Array.from(document.querySelectorAll("tbody.r")).filter(tb => tb.checkVisibility()).map(tb => tb.querySelector("tr.more").innerText).join("\n")`, &waived)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(waived, "WAIVED PLAIN: waived by W-") || !strings.Contains(waived, "approved by ") {
		t.Errorf("waived rows' details do not name the waiver and its approver:\n%s", waived)
	}

	// A finding's link opens its row even when the filters hide it.
	if err := chromedp.Run(ctx, chromedp.Click("#filters button[name=closeall]", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	filter("", "", "", "")
	if visible(ctx, t, sel+" tr.more") {
		t.Fatal("close all left legacy-billing open")
	}
	filter("", "", "auth", "")
	if slices.Contains(visibleRows(), legacy.ID) {
		t.Fatal("legacy-billing shown under namespace auth")
	}
	if err := chromedp.Run(ctx, chromedp.Click(`#findings ~ ul a[href="#r-`+legacy.ID+`"]`, chromedp.ByQuery, chromedp.NodeVisible)); err != nil {
		t.Fatalf("following the finding's link: %v", err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := chromedp.Run(wctx, chromedp.WaitVisible(sel+" tr.more", chromedp.ByQuery)); err != nil {
		t.Errorf("following a finding's link did not show and open its row: %v", err)
	}
	filter("", "", "", "")
	if got := visibleRows(); len(got) != len(m.Rows) {
		t.Errorf("cleared filters show %d rows, want %d", len(got), len(m.Rows))
	}

	// Print: the controls go, the rows stay, and a PDF comes out.
	var pdf []byte
	if err := chromedp.Run(ctx, emulation.SetEmulatedMedia().WithMedia("print")); err != nil {
		t.Fatal(err)
	}
	if visible(ctx, t, "#filters") || !visible(ctx, t, sel) {
		t.Error("print media: the filters should be hidden and the rows shown")
	}
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		pdf, _, err = page.PrintToPDF().WithPrintBackground(true).Do(ctx)
		return err
	})); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || bytes.Count(pdf, []byte("/Type /Page")) < 2 {
		t.Errorf("printing gave %d bytes, not a PDF of several pages", len(pdf))
	}
	save(t, dir, "matrix.pdf", pdf)

	mu.Lock()
	defer mu.Unlock()
	if len(fetched) > 0 {
		t.Errorf("the page fetched %v: it must be self-contained", fetched)
	}
	if len(problems) > 0 {
		t.Errorf("the page reported %v", problems)
	}
	t.Logf("screenshots and PDF in %s", dir)
}

func rowOf(t *testing.T, m *matrix.Matrix, ns, svc string) *matrix.Row {
	t.Helper()
	for i := range m.Rows {
		if d := m.Rows[i].Destination; d.Namespace == ns && d.Service == svc {
			return &m.Rows[i]
		}
	}
	t.Fatalf("the demo has no row for %s/%s", ns, svc)
	return nil
}

func visible(ctx context.Context, t *testing.T, sel string) bool {
	t.Helper()
	var v bool
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.checkVisibility(); })()`, sel)
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &v)); err != nil {
		t.Fatal(err)
	}
	return v
}

func shot(ctx context.Context, t *testing.T, dir, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 {
		t.Fatalf("screenshot %s: %d bytes", name, len(png))
	}
	save(t, dir, name, png)
}

// save writes a screenshot under the test's directory, and under
// $SC8_SCREENSHOTS too when it is set, to look at after the test.
func save(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	for _, d := range []string{dir, os.Getenv("SC8_SCREENSHOTS")} {
		if d == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(d, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

package web

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium returns the path of a Chromium binary. Without one the test is
// skipped, except in CI (CI=true), where .ci/run installs it and its
// absence is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found, and CI=true: .ci/run must install it (apt-get install -y chromium chromium-driver)")
	}
	t.Skip("chromium not found: install it (apt-get install -y chromium chromium-driver) to run the browser test")
	return ""
}

// TestBrowser opens the index in a real headless Chromium, follows the
// link to a run and checks that every image on the run page loaded, then
// that the timeline shows its boxes.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	bin := chromium(t)
	root, _ := testStore(t)
	srv := httptest.NewServer(New(root)) // 127.0.0.1, a random port
	defer srv.Close()

	bctx := browser(t, bin)

	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("table")),
	); err != nil {
		t.Fatalf("load the index: %v", err)
	}
	if rows, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("tbody tr").length`)); err != nil || rows != 3 {
		t.Errorf("index shows %d runs (%v), want 3", rows, err)
	}
	first, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("tbody tr a").getAttribute("href")`))
	if err != nil || first != "/run/broadcast/20260102T100000.000Z/" {
		t.Errorf("first run listed: %q (%v), want the newest, broadcast", first, err)
	}

	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`a[href="/run/echo/20260101T100000.000Z/"]`)),
		chromedp.WaitVisible(chromedp.CSS(".plots img")),
	); err != nil {
		t.Fatalf("open a run: %v", err)
	}

	// Wait for every image to finish loading, then check they all decoded.
	type images struct {
		Total    int `json:"total"`
		Complete int `json:"complete"`
		Loaded   int `json:"loaded"`
	}
	const js = `(() => { const im = Array.from(document.images);
		return {total: im.length, complete: im.filter(i => i.complete).length,
			loaded: im.filter(i => i.complete && i.naturalWidth > 0).length}; })()`
	var state images
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if state, err = chromedp.Run(bctx, chromedp.Evaluate[images](js)); err != nil {
			t.Fatalf("inspect images: %v", err)
		}
		if state.Total > 0 && state.Complete == state.Total || time.Now().After(deadline) {
			break
		}
	}
	// latency-raw, latency-quantiles, rate, stable-latencies and messages.svg
	if state.Total != 5 || state.Loaded != state.Total {
		t.Errorf("run page images: %d, %d loaded with naturalWidth > 0; want 5 loaded", state.Total, state.Loaded)
	}

	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`a[href$="timeline.html"]`)),
		chromedp.WaitVisible(chromedp.CSS(".op")),
	); err != nil {
		t.Fatalf("open the timeline: %v", err)
	}
	// 40 client ops and the 2 nemesis ops
	if boxes, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll(".op").length`)); err != nil || boxes != 42 {
		t.Errorf("timeline shows %d boxes (%v), want 42", boxes, err)
	}
}

// browser starts a headless Chromium and returns its context; it stops
// when the test ends.
func browser(t *testing.T, bin string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1200, 800),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	return bctx
}

// TestBrowserFailures opens an invalid run's page and finds its
// explanation, follows an op link into the timeline, then opens a crashed
// run's page and finds its crash report.
func TestBrowserFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	bin := chromium(t)
	root, _, _ := failureStore(t)
	srv := httptest.NewServer(New(root))
	defer srv.Close()
	bctx := browser(t, bin)

	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(chromedp.CSS(`a[href="/run/broadcast/20260103T100000.000Z/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#explanation")),
	); err != nil {
		t.Fatalf("open the invalid run: %v", err)
	}
	text, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("#explanation").innerText`))
	if err != nil || !strings.Contains(text, "value 7 was added by op 3 (process 0 on n0)") {
		t.Errorf("explanation shows %q (%v)", text, err)
	}
	// The explanation is the first thing after the header.
	first, err := chromedp.Run(bctx, chromedp.Evaluate[bool](
		`document.querySelector("#explanation").getBoundingClientRect().top < document.querySelector("pre").getBoundingClientRect().top`))
	if err != nil || !first {
		t.Errorf("the explanation is not above the results (%v)", err)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`#explanation a.op`)),
		chromedp.WaitVisible(chromedp.CSS(".op")),
	); err != nil {
		t.Fatalf("follow the op link: %v", err)
	}
	target, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(document.querySelector(":target") || {id: "none"}).id`))
	if err != nil || target != "op-3" {
		t.Errorf("the op link leads to %q (%v), want #op-3 in the timeline", target, err)
	}

	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(chromedp.CSS(`a[href="/run/broadcast/20260103T110000.000Z/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#crash pre")),
	); err != nil {
		t.Fatalf("open the crashed run: %v", err)
	}
	text, err = chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector("#crash").innerText`))
	if err != nil || !strings.Contains(text, "Node n0 crashed with exit status 2") || !strings.Contains(text, "panic: no handler for topology") {
		t.Errorf("crash report shows %q (%v)", text, err)
	}
}

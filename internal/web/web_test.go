package web

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/report"
)

// writeRun makes a run folder as the runner leaves it: test.json, the
// results, the history, the journal, a node log and, if withReport, the
// report files.
func writeRun(t testing.TB, root, workload, name string, valid any, withReport bool) string {
	t.Helper()
	dir := filepath.Join(root, workload, name)
	if err := os.MkdirAll(filepath.Join(dir, "node-logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	const ms = int64(time.Millisecond)
	var h []history.Op
	for i := int64(0); i < 40; i++ {
		p := history.Process(i % 3)
		typ := history.OK
		if i%9 == 0 {
			typ = history.Fail
		}
		h = append(h,
			history.Op{Time: i * 50 * ms, Type: history.Invoke, Process: p, F: "echo", Value: "hi"},
			history.Op{Time: i*50*ms + (i%5+1)*ms, Type: typ, Process: p, F: "echo", Value: "hi"})
		if i == 10 || i == 30 {
			f := history.Keyword("start-partition")
			if i == 30 {
				f = "stop-partition"
			}
			h = append(h, history.Op{Time: i*50*ms + 2*ms, Type: history.Info, Process: history.Nemesis, F: f})
		}
	}
	for i := range h {
		h[i].Index = i
	}
	var journal []network.Event
	for i := int64(0); i < 20; i++ {
		m := message.Message{ID: i, Src: "c1", Dest: "n0", Body: json.RawMessage(`{"type":"echo","echo":"hi"}`)}
		journal = append(journal,
			network.Event{ID: 2 * i, Time: time.Duration(i) * time.Millisecond, Type: network.Send, Message: m},
			network.Event{ID: 2*i + 1, Time: time.Duration(i) * time.Millisecond, Type: network.Recv, Message: m})
	}
	results := map[string]any{
		"valid":        valid,
		"stats":        map[string]any{"valid": true, "count": 40},
		"availability": map[string]any{"valid": true, "ok-fraction": 0.9},
		"net":          map[string]any{"servers": map[string]any{"msgs-per-op": 1.5}},
		"workload":     map[string]any{"valid": valid, "stable-latencies": map[string]any{"0": 0, "0.5": 100, "0.95": 200, "0.99": 250, "1": 300}},
	}
	files := map[string][]byte{
		"test.json":        []byte(`{"name":"` + workload + `","argv":["test","-w","` + workload + `"]}`),
		"results.edn":      []byte("{:valid? true, :note \"<b>\"}\n"),
		"node-logs/n0.log": []byte("n0 started\n"),
	}
	files["results.json"], _ = json.Marshal(results)
	var hb, jb bytes.Buffer
	if err := history.WriteEDN(&hb, h); err != nil {
		t.Fatal(err)
	}
	files["history.edn"] = hb.Bytes()
	for _, e := range journal {
		b, _ := json.Marshal(e)
		jb.Write(append(b, '\n'))
	}
	files["net-journal.json"] = jb.Bytes()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if withReport {
		if err := report.Write(dir, h, network.SliceEvents(journal), results); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// testStore is a store with three runs, a latest link and a secret file
// beside it that no request may read.
func testStore(t *testing.T) (root, secret string) {
	base := t.TempDir()
	root = filepath.Join(base, "store")
	secret = filepath.Join(base, "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeRun(t, root, "echo", "20260101T100000.000Z", true, true)
	writeRun(t, root, "broadcast", "20260102T100000.000Z", false, true)
	writeRun(t, root, "echo", "20260101T100000.000Z-1", "unknown", false)
	if err := os.Symlink("echo/20260101T100000.000Z", filepath.Join(root, "latest")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "echo", "20260101T100000.000Z", "leak.txt")); err != nil {
		t.Fatal(err)
	}
	return root, secret
}

func get(t *testing.T, h http.Handler, url string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", url, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestIndex(t *testing.T) {
	root, _ := testStore(t)
	w := get(t, New(root), "/")
	if w.Code != http.StatusOK {
		t.Fatalf("GET / = %d", w.Code)
	}
	body := w.Body.String()
	order := []string{
		`<tr class="invalid">`, "/run/broadcast/20260102T100000.000Z/",
		`<tr class="unknown">`, "/run/echo/20260101T100000.000Z-1/",
		`<tr class="valid">`, "/run/echo/20260101T100000.000Z/",
	}
	last := -1
	for _, s := range order {
		i := strings.Index(body, s)
		if i < last {
			t.Fatalf("index: %q missing or out of order in\n%s", s, body)
		}
		last = i
	}
	for _, want := range []string{"3 runs", "ok 0.900", "msgs/op 1.50", "stable p50 100ms p99 250ms"} {
		if !strings.Contains(body, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	if strings.Contains(body, "/run/latest") {
		t.Error("index lists the latest link")
	}
}

func TestIndexEmptyStore(t *testing.T) {
	root := t.TempDir()
	if w := get(t, New(root), "/"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "No runs yet") {
		t.Errorf("GET / on an empty store = %d %s", w.Code, w.Body)
	}
	if w := get(t, New(filepath.Join(root, "missing")), "/"); w.Code != http.StatusInternalServerError {
		t.Errorf("GET / on a missing store = %d", w.Code)
	}
}

func TestRunPage(t *testing.T) {
	root, _ := testStore(t)
	s := New(root)
	tests := []struct {
		url   string
		code  int
		wants []string
	}{
		{"/run/echo/20260101T100000.000Z/", http.StatusOK, []string{
			`<img src="/files/echo/20260101T100000.000Z/latency-raw.png"`,
			`<img src="/files/echo/20260101T100000.000Z/latency-quantiles.png"`,
			`<img src="/files/echo/20260101T100000.000Z/rate.png"`,
			`<img src="/files/echo/20260101T100000.000Z/stable-latencies.png"`,
			`href="/files/echo/20260101T100000.000Z/timeline.html"`,
			`src="/files/echo/20260101T100000.000Z/messages.svg"`,
			`href="/files/echo/20260101T100000.000Z/node-logs/n0.log"`,
			`href="/files/echo/20260101T100000.000Z/history.edn"`,
			`href="/zip/echo/20260101T100000.000Z"`,
			`:note &#34;&lt;b&gt;&#34;`,
			`glomers test -w echo`,
			`badge valid`,
		}},
		// A run stored without report files gets them when first opened.
		{"/run/echo/20260101T100000.000Z-1/", http.StatusOK, []string{
			`<img src="/files/echo/20260101T100000.000Z-1/latency-raw.png"`,
			`badge unknown`,
		}},
		{"/run/echo/20990101T100000.000Z/", http.StatusNotFound, nil},
		{"/run/echo/.hidden/", http.StatusBadRequest, nil},
		{"/run/echo/..%2f..%2fsecret.txt/", http.StatusBadRequest, nil},
	}
	for _, tt := range tests {
		w := get(t, s, tt.url)
		if w.Code != tt.code {
			t.Errorf("GET %s = %d, want %d", tt.url, w.Code, tt.code)
			continue
		}
		for _, want := range tt.wants {
			if !strings.Contains(w.Body.String(), want) {
				t.Errorf("GET %s lacks %s", tt.url, want)
			}
		}
	}
}

func TestFiles(t *testing.T) {
	root, _ := testStore(t)
	s := New(root)
	tests := []struct {
		url, contentType string
	}{
		{"/files/echo/20260101T100000.000Z/results.edn", "text/plain; charset=utf-8"},
		{"/files/echo/20260101T100000.000Z/node-logs/n0.log", "text/plain; charset=utf-8"},
		{"/files/echo/20260101T100000.000Z/latency-raw.png", "image/png"},
		{"/files/echo/20260101T100000.000Z/messages.svg", "image/svg+xml"},
		{"/files/echo/20260101T100000.000Z/timeline.html", "text/html; charset=utf-8"},
	}
	for _, tt := range tests {
		w := get(t, s, tt.url)
		if w.Code != http.StatusOK || w.Body.Len() == 0 {
			t.Errorf("GET %s = %d, %d bytes", tt.url, w.Code, w.Body.Len())
		}
		if got := w.Header().Get("Content-Type"); got != tt.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.url, got, tt.contentType)
		}
	}
}

func TestPathTraversal(t *testing.T) {
	root, _ := testStore(t)
	s := New(root)
	for _, url := range []string{
		"/files/echo/20260101T100000.000Z/../../../secret.txt",
		"/files/echo/20260101T100000.000Z/..%2f..%2f..%2fsecret.txt",
		"/files/echo/..%2f..%2f/secret.txt",
		"/files/..%2f/x/secret.txt",
		"/files/echo/20260101T100000.000Z/leak.txt",
		"/files/echo/20260101T100000.000Z/%2e%2e/%2e%2e/%2e%2e/secret.txt",
		"/files/echo/20260101T100000.000Z/node-logs/..%5c..%5c..%5csecret.txt",
		"/files/echo/20260101T100000.000Z/node-logs",
		"/files/echo/20260101T100000.000Z//etc/passwd",
		"/zip/..%2f..%2f/x",
		"/zip/echo/..",
	} {
		w := get(t, s, url)
		if w.Code == http.StatusOK || strings.Contains(w.Body.String(), "TOP SECRET") {
			t.Errorf("GET %s = %d %q: must be refused", url, w.Code, w.Body.String())
		}
	}
}

func TestZip(t *testing.T) {
	root, _ := testStore(t)
	w := get(t, New(root), "/zip/echo/20260101T100000.000Z")
	if w.Code != http.StatusOK {
		t.Fatalf("GET zip = %d", w.Code)
	}
	if cd := w.Header().Get("Content-Disposition"); !strings.Contains(cd, `echo-20260101T100000.000Z.zip`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	zr, err := zip.NewReader(bytes.NewReader(w.Body.Bytes()), int64(w.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range zr.File {
		got[f.Name] = true
		if f.Name == "echo-20260101T100000.000Z/results.edn" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if !strings.Contains(string(b), ":valid? true") {
				t.Errorf("results.edn in zip: %q", b)
			}
		}
	}
	for _, want := range []string{"results.edn", "history.edn", "node-logs/n0.log", "latency-raw.png", "messages.svg"} {
		if !got["echo-20260101T100000.000Z/"+want] {
			t.Errorf("zip lacks %s; has %v", want, got)
		}
	}
	for name := range got {
		if strings.Contains(name, "leak") {
			t.Errorf("zip follows a link out of the store: %s", name)
		}
	}
	if w := get(t, New(root), "/zip/echo/20990101T000000.000Z"); w.Code != http.StatusNotFound {
		t.Errorf("zip of a missing run = %d", w.Code)
	}
}

func TestRunTime(t *testing.T) {
	tests := []struct {
		name string
		want time.Time
	}{
		{"20260101T100000.000Z", time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)},
		{"20260101T100000.123Z-2", time.Date(2026, 1, 1, 10, 0, 0, 123e6, time.UTC)},
		{"20260101T100000.000-0500", time.Date(2026, 1, 1, 15, 0, 0, 0, time.UTC)},
		{"20260101T100000.000-0500-1", time.Date(2026, 1, 1, 15, 0, 0, 0, time.UTC)},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		os.Mkdir(filepath.Join(dir, tt.name), 0o755)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		for _, tt := range tests {
			if tt.name == e.Name() && !runTime(e).Equal(tt.want) {
				t.Errorf("runTime(%s) = %s, want %s", tt.name, runTime(e), tt.want)
			}
		}
	}
}

// failureStore is a store with an invalid run of challenge 3b that has an
// explanation and a missed target, and a crashed run with a crash report.
func failureStore(t *testing.T) (root, invalid, crashed string) {
	t.Helper()
	root = filepath.Join(t.TempDir(), "store")
	invalid = writeRun(t, root, "broadcast", "20260103T100000.000Z", false, true)
	files := map[string]string{
		"test.json":    `{"name":"broadcast","challenge":"3b","argv":["test","-w","broadcast"],"nodes":["n0","n1","n2","n3","n4"],"concurrency":5,"rate":10,"time-limit":20,"nemesis":["partition"]}`,
		"targets.json": `[{"name":"msgs-per-op <= 30","got":"1.5","met":true},{"name":"stable latency median <= 400ms","got":"612ms","met":false}]`,
		"explanation.md": "# Why this broadcast run is invalid\n\n## workload: 1 value of 1 acknowledged were lost: 7\n\n" +
			"Rule: every value must show up.\n\nEvidence:\n- value 7 was added by op 3 (process 0 on n0) <script>alert(1)</script>\n  and more\n" +
			"- picture: [linear-0.html](linear-0.html)\n\nWhere to look next:\n- messages.svg\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(invalid, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	crashed = filepath.Join(root, "broadcast", "20260103T110000.000Z")
	if err := os.MkdirAll(filepath.Join(crashed, "node-logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	files = map[string]string{
		"test.json":      `{"name":"broadcast","challenge":"3a","argv":["test","-w","broadcast"],"nodes":["n0"]}`,
		"crash.txt":      "Node n0 crashed with exit status 2 while setting up topology.\nstderr: panic: no handler for topology\n",
		"explanation.md": "# Why this broadcast run crashed\n\n## crash: the test crashed before it could be analysed\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(crashed, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, invalid, crashed
}

func TestFailurePages(t *testing.T) {
	root, _, _ := failureStore(t)
	s := New(root)
	index := get(t, s, "/").Body.String()
	for _, want := range []string{`<td class="challenge">3b</td>`, `<td class="challenge">3a</td>`,
		"<span>5 nodes</span>", "<span>rate 10</span>", "<span>20 s</span>", "<span>partition</span>",
		"missed: stable latency median &lt;= 400ms (got 612ms)"} {
		if !strings.Contains(index, want) {
			t.Errorf("index lacks %s", want)
		}
	}
	if strings.Contains(index, "missed: msgs-per-op") {
		t.Error("index lists a met target as missed")
	}

	page := get(t, s, "/run/broadcast/20260103T100000.000Z/").Body.String()
	base := "/files/broadcast/20260103T100000.000Z/"
	for _, want := range []string{
		"challenge 3b: broadcast",
		`<section class="explanation" id="explanation">`,
		`<h3>workload: 1 value of 1 acknowledged were lost: 7</h3>`,
		`value 7 was added by <a class="op" href="` + base + `timeline.html#op-3">op 3</a> (process 0 on n0) &lt;script&gt;`,
		`<br>and more`,
		`<a href="` + base + `linear-0.html">linear-0.html</a>`,
		"Target missed: stable latency median &lt;= 400ms (got 612ms)",
		`href="` + base + `explanation.md"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("invalid run page lacks %s", want)
		}
	}
	if e, r := strings.Index(page, `id="explanation"`), strings.Index(page, "<h2>Results</h2>"); e < 0 || e > r {
		t.Error("the explanation does not come before the results")
	}
	if strings.Contains(page, "<script>alert") {
		t.Error("the explanation's text is not escaped")
	}

	page = get(t, s, "/run/broadcast/20260103T110000.000Z/").Body.String()
	for _, want := range []string{`<section class="crash" id="crash"><h2>Crash report</h2>`,
		"Node n0 crashed with exit status 2 while setting up topology.", "panic: no handler for topology",
		"No results: the test crashed before analysis", `What to look at next: <a href="/files/broadcast/20260103T110000.000Z/explanation.md">`} {
		if !strings.Contains(page, want) {
			t.Errorf("crashed run page lacks %s", want)
		}
	}
	if strings.Contains(page, "No results.edn") {
		t.Error("the crashed run page only says there are no results")
	}
}

func TestRenderExplanationLinks(t *testing.T) {
	md := "## workload: x\n\n- op 3 and op 10000 <b>\n  more\n- [linear-0.html](linear-0.html) [evil](javascript:alert(1))\n"
	got := string(renderExplanation(md, "/files/w/r/", true))
	for _, want := range []string{
		`<a class="op" href="/files/w/r/timeline.html#op-3">op 3</a>`,
		"and op 10000 &lt;b&gt;", // the timeline draws the first 10000 ops only
		"<br>more",
		`<a href="/files/w/r/linear-0.html">linear-0.html</a>`,
		"[evil](javascript:alert(1))",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rendered explanation lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(renderExplanationString("op 3", false), "<a") {
		t.Error("ops are linked although the run has no timeline")
	}
}

func renderExplanationString(md string, linkOps bool) string {
	return string(renderExplanation(md, "/files/w/r/", linkOps))
}

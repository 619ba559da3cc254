// Package web serves a store of runs to a browser: an index of the runs,
// newest first and coloured by verdict, and a page per run with its
// results, plots, timeline, message diagram, logs, history and a zip of
// the whole folder.
package web

import (
	"archive/zip"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/glomers/glomers/internal/explain"
	"github.com/glomers/glomers/internal/report"
	"github.com/glomers/glomers/internal/rundir"
)

// Server serves one store folder. It only reads the store, except that it
// draws the report files of a run that has none (one stored before they
// existed) when its page is first opened.
type Server struct {
	root string
	mux  *http.ServeMux

	mu        sync.Mutex
	cache     map[cacheKey]summary
	rendering map[string]*sync.Once // run dir -> its one report drawing
}

// New returns a server for the store folder root.
func New(root string) *Server {
	s := &Server{root: root, mux: http.NewServeMux(), cache: map[cacheKey]summary{}, rendering: map[string]*sync.Once{}}
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("GET /run/{workload}/{name}/{$}", s.runPage)
	s.mux.HandleFunc("GET /files/{workload}/{name}/{file...}", s.file)
	s.mux.HandleFunc("GET /zip/{workload}/{name}", s.zip)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	runs, err := s.listRuns()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.render(w, indexTmpl, struct {
		Store string
		Runs  []run
	}{s.root, runs})
}

// runDir returns the run folder named by the request, or writes an error.
func (s *Server) runDir(w http.ResponseWriter, r *http.Request) (run, string, bool) {
	workload, name := r.PathValue("workload"), r.PathValue("name")
	if !validName(workload) || !validName(name) {
		http.Error(w, "bad run name", http.StatusBadRequest)
		return run{}, "", false
	}
	dir := filepath.Join(s.root, workload, name)
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		http.NotFound(w, r)
		return run{}, "", false
	}
	rn := run{Workload: workload, Name: name, Time: runTime(fs.FileInfoToDirEntry(fi))}
	return rn, dir, true
}

// maxInline caps how much of results.edn the run page shows.
const maxInline = 256 << 10

type link struct{ Name, Href string }

type runView struct {
	run
	ResultsEDN  string
	Truncated   bool
	Command     string
	Explanation template.HTML // explanation.md, rendered
	CrashReport string        // crash.txt
	Diagnostics string        // diagnostics.txt
	Plots       []string
	Timeline    bool
	Messages    bool
	Files       []link
	NodeLogs    []link
	Base        string // /files/<workload>/<name>/
}

func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	rn, dir, ok := s.runDir(w, r)
	if !ok {
		return
	}
	s.ensureReport(dir)
	rn.Summary = s.summaryOf(dir)
	v := runView{run: rn, Base: "/files/" + rn.Path() + "/"}
	if b, err := readHead(filepath.Join(dir, "results.edn"), maxInline); err == nil {
		v.ResultsEDN, v.Truncated = string(b), len(b) == maxInline
	}
	rn.Meta = metaOf(dir)
	v.run.Meta, v.Command = rn.Meta, rn.Meta.Command
	for _, p := range report.Plots() {
		if exists(filepath.Join(dir, p)) {
			v.Plots = append(v.Plots, p)
		}
	}
	v.Timeline = exists(filepath.Join(dir, report.TimelineFile))
	v.Messages = exists(filepath.Join(dir, report.MessagesFile))
	if b, err := readHead(filepath.Join(dir, explain.File), maxInline); err == nil {
		v.Explanation = renderExplanation(string(b), v.Base, v.Timeline)
	}
	if b, err := readHead(filepath.Join(dir, "crash.txt"), maxInline); err == nil {
		v.CrashReport = string(b)
	}
	if b, err := readHead(filepath.Join(dir, "diagnostics.txt"), maxInline); err == nil {
		v.Diagnostics = string(b)
	}
	files := []string{explain.File, "crash.txt", "diagnostics.txt", "results.edn", "results.json", "history.edn", "history.txt", "history.json",
		"jepsen.log", "net-journal.json", "test.json", rundir.TargetsFile}
	if pics, err := filepath.Glob(filepath.Join(dir, "linear-*.html")); err == nil {
		for _, p := range pics {
			files = append(files, filepath.Base(p))
		}
	}
	for _, f := range files {
		if exists(filepath.Join(dir, f)) {
			v.Files = append(v.Files, link{f, v.Base + f})
		}
	}
	if logs, err := os.ReadDir(filepath.Join(dir, "node-logs")); err == nil {
		for _, l := range logs {
			if l.Type().IsRegular() && validName(l.Name()) {
				v.NodeLogs = append(v.NodeLogs, link{l.Name(), v.Base + "node-logs/" + l.Name()})
			}
		}
		// n2 before n10: shorter names first, then by name.
		slices.SortFunc(v.NodeLogs, func(a, b link) int {
			return cmp.Or(cmp.Compare(len(a.Name), len(b.Name)), cmp.Compare(a.Name, b.Name))
		})
	}
	s.render(w, runTmpl, v)
}

// ensureReport draws the report files of a run folder that has a history
// but none of them, once per server. Failures only mean no plots.
func (s *Server) ensureReport(dir string) {
	if exists(filepath.Join(dir, report.TimelineFile)) || !exists(filepath.Join(dir, "test.json")) {
		return
	}
	s.mu.Lock()
	once, ok := s.rendering[dir]
	if !ok {
		once = new(sync.Once)
		s.rendering[dir] = once
	}
	s.mu.Unlock()
	once.Do(func() {
		st, err := rundir.Load(dir)
		if err != nil {
			return
		}
		var results any
		if b, err := os.ReadFile(filepath.Join(dir, "results.json")); err == nil {
			json.Unmarshal(b, &results)
		}
		if err := report.Write(dir, st.History, st.Journal, results); err != nil {
			log.Printf("glomers serve: %s: %v", dir, err)
		}
	})
}

// textTypes are served as plain text, so that browsers show them.
var textTypes = map[string]string{
	".edn": "text/plain; charset=utf-8",
	".log": "text/plain; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
	".md":  "text/plain; charset=utf-8",
}

// file serves one file of a run folder. Names are resolved inside the
// store with os.Root, so neither .. nor a symbolic link can leave it.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	workload, name, file := r.PathValue("workload"), r.PathValue("name"), r.PathValue("file")
	rel := path.Join(workload, name, file)
	if !validName(workload) || !validName(name) || file == "" || !filepath.IsLocal(file) ||
		strings.Contains(file, `\`) || rel != workload+"/"+name+"/"+file {
		http.Error(w, "bad file name", http.StatusBadRequest)
		return
	}
	root, err := os.OpenRoot(s.root)
	if err != nil {
		http.Error(w, "store unavailable", http.StatusInternalServerError)
		return
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	if ct, ok := textTypes[path.Ext(file)]; ok {
		w.Header().Set("Content-Type", ct)
	}
	http.ServeContent(w, r, path.Base(file), fi.ModTime(), f)
}

// zip streams the whole run folder as a zip archive whose entries sit in a
// folder named after the run.
func (s *Server) zip(w http.ResponseWriter, r *http.Request) {
	rn, _, ok := s.runDir(w, r)
	if !ok {
		return
	}
	root, err := os.OpenRoot(s.root)
	if err != nil {
		http.Error(w, "store unavailable", http.StatusInternalServerError)
		return
	}
	defer root.Close()
	sub, err := fs.Sub(root.FS(), rn.Path())
	if err != nil {
		http.NotFound(w, r)
		return
	}
	prefix := rn.Workload + "-" + rn.Name
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", prefix+".zip"))
	if err := writeZip(w, sub, prefix); err != nil {
		log.Printf("glomers serve: zip %s: %v", rn.Path(), err)
	}
}

// writeZip writes every regular file of fsys into a zip archive under the
// folder prefix.
func writeZip(w io.Writer, fsys fs.FS, prefix string) error {
	zw := zip.NewWriter(w)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		hdr.Name, hdr.Method = prefix+"/"+p, zip.Deflate
		dst, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		src, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(dst, src)
		return err
	})
	return errors.Join(err, zw.Close())
}

func (s *Server) render(w http.ResponseWriter, t *template.Template, data any) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, b.String())
}

func exists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// readHead reads at most n bytes of a file.
func readHead(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "?"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	},
}

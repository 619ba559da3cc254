package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/rundir"
)

// run is one run folder as the pages show it.
type run struct {
	Workload string    // first level under the store
	Name     string    // the folder name, a timestamp
	Time     time.Time // parsed from Name, or the folder's modification time
	Summary  summary
	Meta     meta
}

// Path is the run's path under the store, with forward slashes.
func (r run) Path() string { return r.Workload + "/" + r.Name }

// summary holds the key figures of a run's results.json.
type summary struct {
	HasResults bool
	Valid      checker.Validity
	Ops        int
	OKFraction *float64
	MsgsPerOp  *float64
	Stable     map[string]float64 // broadcast's stable latencies, ms
}

// Verdict is "valid", "invalid", "unknown" or "none" (no results yet).
func (s summary) Verdict() string {
	if !s.HasResults {
		return "none"
	}
	switch s.Valid {
	case checker.Valid:
		return "valid"
	case checker.Invalid:
		return "invalid"
	}
	return "unknown"
}

// Figures returns the key figures as short labelled strings.
func (s summary) Figures() []string {
	var out []string
	if !s.HasResults {
		return out
	}
	out = append(out, fmt.Sprintf("ops %d", s.Ops))
	if s.OKFraction != nil {
		out = append(out, fmt.Sprintf("ok %.3f", *s.OKFraction))
	}
	if s.MsgsPerOp != nil {
		out = append(out, fmt.Sprintf("msgs/op %.2f", *s.MsgsPerOp))
	}
	if p50, ok := s.Stable["0.5"]; ok {
		out = append(out, fmt.Sprintf("stable p50 %gms p99 %gms", p50, s.Stable["0.99"]))
	}
	return out
}

// resultsFile is the part of results.json the summary reads.
type resultsFile struct {
	Valid checker.Validity `json:"valid"`
	Stats struct {
		Count int `json:"count"`
	} `json:"stats"`
	Availability struct {
		OKFraction *float64 `json:"ok-fraction"`
	} `json:"availability"`
	Net struct {
		Servers struct {
			MsgsPerOp *float64 `json:"msgs-per-op"`
		} `json:"servers"`
	} `json:"net"`
	Workload struct {
		Stable map[string]float64 `json:"stable-latencies"`
	} `json:"workload"`
}

func readSummary(path string) (summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return summary{}, err
	}
	var r resultsFile
	if err := json.Unmarshal(b, &r); err != nil {
		return summary{}, fmt.Errorf("read %s: %w", path, err)
	}
	return summary{
		HasResults: true, Valid: r.Valid, Ops: r.Stats.Count,
		OKFraction: r.Availability.OKFraction, MsgsPerOp: r.Net.Servers.MsgsPerOp, Stable: r.Workload.Stable,
	}, nil
}

// cacheKey identifies one version of a results file.
type cacheKey struct {
	path string
	mod  time.Time
	size int64
}

// summaryOf returns the summary of the run folder dir, from the cache when
// its results.json has not changed.
func (s *Server) summaryOf(dir string) summary {
	path := filepath.Join(dir, "results.json")
	fi, err := os.Stat(path)
	if err != nil {
		return summary{}
	}
	key := cacheKey{path, fi.ModTime(), fi.Size()}
	s.mu.Lock()
	sum, ok := s.cache[key]
	s.mu.Unlock()
	if ok {
		return sum
	}
	sum, err = readSummary(path)
	if err != nil {
		return summary{HasResults: true, Valid: checker.Unknown}
	}
	s.mu.Lock()
	if len(s.cache) > maxCache {
		clear(s.cache)
	}
	s.cache[key] = sum
	s.mu.Unlock()
	return sum
}

// maxCache bounds the summary cache.
const maxCache = 10000

// listRuns returns every run folder of the store, newest first: the
// folders two levels down, without the latest and current links.
func (s *Server) listRuns() ([]run, error) {
	workloads, err := os.ReadDir(s.root)
	if err != nil {
		return nil, fmt.Errorf("read store: %w", err)
	}
	var runs []run
	for _, w := range workloads {
		if !w.IsDir() || !validName(w.Name()) {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(s.root, w.Name()))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() || e.Type()&fs.ModeSymlink != 0 || !validName(e.Name()) {
				continue
			}
			r := run{Workload: w.Name(), Name: e.Name(), Time: runTime(e)}
			r.Summary = s.summaryOf(filepath.Join(s.root, w.Name(), e.Name()))
			r.Meta = metaOf(filepath.Join(s.root, w.Name(), e.Name()))
			runs = append(runs, r)
		}
	}
	sort.SliceStable(runs, func(i, j int) bool {
		if !runs[i].Time.Equal(runs[j].Time) {
			return runs[i].Time.After(runs[j].Time)
		}
		return runs[i].Path() > runs[j].Path()
	})
	return runs, nil
}

// runTime parses a run folder's timestamp name (store.Timestamp, maybe
// with a -N suffix), falling back to its modification time.
func runTime(e fs.DirEntry) time.Time {
	name := e.Name()
	if t, ok := parseTimestamp(name); ok {
		return t
	}
	if i := strings.LastIndex(name, "-"); i > 0 {
		if t, ok := parseTimestamp(name[:i]); ok {
			return t
		}
	}
	if fi, err := e.Info(); err == nil {
		return fi.ModTime()
	}
	return time.Time{}
}

func parseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse("20060102T150405.000Z0700", s)
	return t, err == nil
}

// validName reports whether s can be one element of a path in the store:
// not empty, not hidden, no separators.
func validName(s string) bool {
	return s != "" && !strings.HasPrefix(s, ".") && !strings.ContainsAny(s, `/\`) && filepath.IsLocal(s)
}

// meta is what the pages show of a run's test.json and targets.json.
type meta struct {
	Challenge string   // the preset, e.g. "3e", or ""
	Flags     []string // the key flags, short
	Missed    []string // the challenge targets the run missed
	Command   string   // the command line
}

// metaOf reads a run folder's test.json and targets.json; missing files
// give an empty meta.
func metaOf(dir string) meta {
	var m meta
	if b, err := os.ReadFile(filepath.Join(dir, "test.json")); err == nil {
		var rec rundir.Record
		if json.Unmarshal(b, &rec) == nil {
			m.Challenge, m.Flags = rec.Challenge, keyFlags(rec)
			if len(rec.Argv) > 0 {
				m.Command = "glomers " + strings.Join(rec.Argv, " ")
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, rundir.TargetsFile)); err == nil {
		var ts []rundir.Target
		if json.Unmarshal(b, &ts) == nil {
			for _, t := range ts {
				if !t.Met {
					m.Missed = append(m.Missed, fmt.Sprintf("%s (got %s)", t.Name, t.Got))
				}
			}
		}
	}
	return m
}

// keyFlags summarises the flags that tell runs of one workload apart.
func keyFlags(r rundir.Record) []string {
	var out []string
	if n := len(r.Nodes); n > 0 {
		out = append(out, fmt.Sprintf("%d nodes", n))
	}
	if r.Concurrency > 0 && r.Concurrency != len(r.Nodes) {
		out = append(out, fmt.Sprintf("concurrency %d", r.Concurrency))
	}
	if r.Rate > 0 {
		out = append(out, fmt.Sprintf("rate %g", r.Rate))
	}
	if r.TimeLimit > 0 {
		out = append(out, fmt.Sprintf("%g s", r.TimeLimit))
	}
	if r.Latency > 0 {
		out = append(out, fmt.Sprintf("latency %dms", r.Latency))
	}
	if len(r.Nemesis) > 0 {
		out = append(out, strings.Join(r.Nemesis, ","))
	}
	if r.Topology != "" {
		out = append(out, "topology "+r.Topology)
	}
	if r.Availability != "" {
		out = append(out, "availability "+r.Availability)
	}
	return out
}

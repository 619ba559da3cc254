// Package report writes the files people look at in a run's folder: the
// perf plots, the timeline, the message diagram and, for broadcast, the
// stable-latency chart. Each file is a pure function of the history, the
// network journal and the results; the sub-packages draw them.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/report/msgdiagram"
	"github.com/glomers/glomers/internal/report/perf"
	"github.com/glomers/glomers/internal/report/timeline"
)

// The files Write produces.
const (
	LatencyRawFile       = "latency-raw.png"
	LatencyQuantilesFile = "latency-quantiles.png"
	RateFile             = "rate.png"
	StableLatenciesFile  = "stable-latencies.png"
	TimelineFile         = "timeline.html"
	MessagesFile         = "messages.svg"
)

// Plots returns the names of the images Write may produce, in the order
// to show them.
func Plots() []string {
	return []string{LatencyRawFile, LatencyQuantilesFile, RateFile, StableLatenciesFile}
}

// Write writes every report file into the run folder dir. results is the
// run's results map (anything that encodes to JSON in its shape, or nil);
// it is only read for workload extras. A file that cannot be drawn does not
// stop the others: Write returns all the errors joined. It never panics.
func Write(dir string, h []history.Op, journal network.Events, results any) error {
	files := []struct {
		name string
		draw func(io.Writer) error
	}{
		{LatencyRawFile, func(w io.Writer) error { return perf.LatencyRaw(w, h) }},
		{LatencyQuantilesFile, func(w io.Writer) error { return perf.LatencyQuantiles(w, h) }},
		{RateFile, func(w io.Writer) error { return perf.Rate(w, h) }},
		{TimelineFile, func(w io.Writer) error { return timeline.Write(w, h) }},
		{MessagesFile, func(w io.Writer) error { return msgdiagram.Write(w, journal, msgdiagram.MaxEvents) }},
	}
	if ds := latencyDistributions(results); len(ds) > 0 {
		files = append(files, struct {
			name string
			draw func(io.Writer) error
		}{StableLatenciesFile, func(w io.Writer) error {
			return perf.QuantileBars(w, "Broadcast stable and lost latencies", ds)
		}})
	}
	var errs []error
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.draw); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeFile draws into a temporary file and renames it into place, so
// that a reader never sees half a file. A panic while drawing becomes an
// error.
func writeFile(path string, draw func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("report: drawing %s panicked: %v", filepath.Base(path), p)
		}
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := draw(tmp); err != nil {
		return fmt.Errorf("report: %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// latencyDistributions returns the workload's :stable-latencies and
// :lost-latencies (broadcast, g-set), if the results have them.
func latencyDistributions(results any) []perf.Distribution {
	if results == nil {
		return nil
	}
	b, err := json.Marshal(results)
	if err != nil {
		return nil
	}
	var r struct {
		Workload map[string]json.RawMessage `json:"workload"`
	}
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	var ds []perf.Distribution
	for _, k := range []struct{ key, name string }{{"stable-latencies", "stable"}, {"lost-latencies", "lost"}} {
		var q map[string]float64
		if raw, ok := r.Workload[k.key]; ok && json.Unmarshal(raw, &q) == nil && len(q) > 0 {
			ds = append(ds, perf.Distribution{Name: k.name, Quantiles: q})
		}
	}
	return ds
}

package rundir

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/glomers/glomers/internal/checker/availability"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/workload"
)

// Record is what test.json keeps of a run: enough to analyse it again.
type Record struct {
	Name              string   `json:"name"`
	Challenge         string   `json:"challenge,omitempty"` // the preset run, e.g. "3e"
	Argv              []string `json:"argv"`
	Seed              uint64   `json:"seed"`
	Bin               string   `json:"bin"`
	Args              []string `json:"args"`
	Nodes             []string `json:"nodes"`
	Concurrency       int      `json:"concurrency"`
	Rate              float64  `json:"rate"`
	TimeLimit         float64  `json:"time-limit"`
	Latency           int64    `json:"latency"`
	LatencyDist       string   `json:"latency-dist"`
	Nemesis           []string `json:"nemesis"`
	NemesisInterval   float64  `json:"nemesis-interval"`
	Availability      string   `json:"availability"`
	Topology          string   `json:"topology"`
	ConsistencyModels []string `json:"consistency-models"`
	KeyCount          int      `json:"key-count"`
	MaxTxnLength      int      `json:"max-txn-length"`
	MaxWritesPerKey   int      `json:"max-writes-per-key"`
}

// TargetsFile holds, for a run of a challenge, each target and whether
// the run met it: a JSON list of Target.
const TargetsFile = "targets.json"

// Target is one challenge target as judged on a run.
type Target struct {
	Name string `json:"name"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
	// Official targets fail the run when missed; the others are the
	// project's own goals.
	Official bool `json:"official"`
}

// Options returns the workload options the run used.
func (r Record) Options() workload.Options {
	return workload.Options{
		Nodes: r.Nodes, Concurrency: r.Concurrency, KeyCount: r.KeyCount,
		MaxTxnLength: r.MaxTxnLength, MaxWritesPerKey: r.MaxWritesPerKey, Topology: r.Topology,
		ConsistencyModels: r.ConsistencyModels, Latency: time.Duration(r.Latency) * time.Millisecond,
	}
}

// Requirement returns the run's --availability.
func (r Record) Requirement() (availability.Requirement, error) {
	if r.Availability == "" {
		return availability.Requirement{}, nil
	}
	return availability.Parse(r.Availability)
}

// Stored is a run read back from its folder.
type Stored struct {
	Dir     string
	Record  Record
	History []history.Op
	// Journal reads net-journal.json each time it is walked (an empty
	// journal if the file is missing).
	Journal network.Events
}

// Load reads a run folder: test.json, the history (history.json, or
// history.edn) and the network journal if present.
func Load(dir string) (*Stored, error) {
	s := &Stored{Dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, "test.json"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a glomers run folder: %w", dir, err)
	}
	if err := json.Unmarshal(b, &s.Record); err != nil {
		return nil, fmt.Errorf("read %s/test.json: %w", dir, err)
	}
	var hf *os.File
	for _, name := range []string{"history.edn", "history.json"} {
		if hf, err = os.Open(filepath.Join(dir, name)); err == nil {
			break
		}
	}
	if hf == nil {
		return nil, fmt.Errorf("%s has no history.json or history.edn", dir)
	}
	defer hf.Close()
	if s.History, err = history.Read(hf); err != nil {
		return nil, fmt.Errorf("%s: %w", hf.Name(), err)
	}
	s.Journal = network.FileEvents(filepath.Join(dir, "net-journal.json"))
	return s, nil
}

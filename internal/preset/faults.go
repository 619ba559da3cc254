package preset

import (
	"fmt"
	"slices"

	"github.com/glomers/glomers/internal/checker/kafka"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/nemesis"
	"github.com/glomers/glomers/internal/runner"
)

// faultFlags are what a fault preset adds to its challenge's official
// flags: every fault glomers can inject, twice as often as by default (a
// 20 s test then sees two to four kills and pauses rather than one or
// two). They replace any --nemesis.
var faultFlags = []string{"--nemesis", "partition,kill,pause", "--nemesis-interval", "5"}

// withFaults returns the fault preset of an official one: id-faults, the
// official flags with --nemesis partition,kill,pause --nemesis-interval 5,
// minus drop (flags
// that cannot hold under kills, with their values), judged by targets.
// Real Maelstrom cannot run it.
func withFaults(id string, drop []string, targets ...Target) Preset {
	i := slices.IndexFunc(official, func(p Preset) bool { return p.ID == id })
	if i < 0 {
		panic("preset: no official challenge " + id)
	}
	p := official[i]
	var flags []string
	for i := 0; i < len(p.Flags); i++ {
		if slices.Contains(faultFlags, p.Flags[i]) || slices.Contains(drop, p.Flags[i]) {
			i++ // and its value
			continue
		}
		flags = append(flags, p.Flags[i])
	}
	return Preset{
		ID: id + "-faults", Title: p.Title + " under partitions, kills and pauses", Binary: p.Binary,
		Flags: append(flags, faultFlags...), Targets: append([]Target{Valid, FaultsInjected}, targets...),
		Faults: true, Latency: true,
	}
}

// faultPresets are our own presets beside the official ones; glomers run
// all runs them after those.
func faultPresets() []Preset {
	return []Preset{
		withFaults("3e", nil),
		withFaults("4", nil),
		withFaults("5c", nil, NoAnomaly("lost-write")),
		// A killed node's clients time out, so total availability
		// cannot hold.
		withFaults("6c", []string{"--availability"}),
	}
}

// FaultsInjected requires that the run's history shows the kill and
// pause nemeses acting on at least one node each.
var FaultsInjected = Target{Name: "nodes killed and paused", CheckHistory: func(h []history.Op) (bool, string) {
	acted := map[history.Keyword]int{}
	for _, op := range h {
		if _, invocation := op.Value.(history.Keyword); op.Process == history.Nemesis && !invocation {
			acted[op.F] += len(nemesis.Affected(op))
		}
	}
	got := fmt.Sprintf("%d killed, %d paused", acted[nemesis.FKill], acted[nemesis.FPause])
	return acted[nemesis.FKill] > 0 && acted[nemesis.FPause] > 0, got
}}

// NoAnomaly requires that the kafka checker found no anomaly of the given
// type, e.g. lost-write: an acknowledged send that later reads do not
// hold.
func NoAnomaly(name history.Keyword) Target {
	return Target{Name: "no " + string(name), Check: func(r runner.Results) (bool, string) {
		k, ok := r.Workload.(kafka.Result)
		if !ok {
			return false, "no kafka result"
		}
		if slices.Contains(k.ErrorTypes, name) {
			return false, string(name) + " found"
		}
		return true, "none"
	}}
}

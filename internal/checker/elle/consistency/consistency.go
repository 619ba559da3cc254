// Package consistency relates transactional consistency models to the
// anomalies they rule out, as Elle 0.2.2's consistency-model namespace does.
// It holds three directed acyclic graphs as data (anomaly implications,
// model implications, and the anomalies each model directly proscribes) and
// the closures over them: which anomalies a set of models prohibits, and
// which models a set of anomalies rules out.
//
// Names are plain strings without the leading colon: "G1c",
// "read-committed", "PL-2".
package consistency

import (
	"sort"
	"strings"
)

// dag is a directed acyclic graph over names, with both edge directions
// indexed. It is built once and never changed.
type dag struct {
	out, in map[string][]string
}

func newDAG(edges map[string][]string, rename func(string) string) dag {
	g := dag{out: map[string][]string{}, in: map[string][]string{}}
	seen := map[[2]string]bool{}
	for _, from := range sortedKeys(edges) {
		for _, to := range edges[from] {
			a, b := rename(from), rename(to)
			if seen[[2]string{a, b}] {
				continue
			}
			seen[[2]string{a, b}] = true
			g.out[a] = append(g.out[a], b)
			g.in[b] = append(g.in[b], a)
		}
	}
	return g
}

// vertices returns every name that has an edge.
func (g dag) vertices() []string {
	set := map[string]bool{}
	for v := range g.out {
		set[v] = true
	}
	for v := range g.in {
		set[v] = true
	}
	return setToSorted(set)
}

// reach returns the starting names plus everything reachable from them
// along next (g.out or g.in).
func reach(next map[string][]string, start []string) map[string]bool {
	seen := map[string]bool{}
	queue := append([]string(nil), start...)
	for _, v := range start {
		seen[v] = true
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range next[v] {
			if !seen[w] {
				seen[w] = true
				queue = append(queue, w)
			}
		}
	}
	return seen
}

func same(s string) string { return s }

// impliedAnomalies: A -> B means a history with anomaly A also has B.
var impliedAnomalies = newDAG(map[string][]string{
	"G0":          {"G1c", "G0-process"},
	"G0-process":  {"G1c-process", "G0-realtime"},
	"G0-realtime": {"G1c-realtime"},

	"G1a":          {"G1"},
	"G1b":          {"G1"},
	"G1c":          {"G1", "G1c-process"},
	"G1c-process":  {"G1c-realtime", "G1-process"},
	"G1c-realtime": {"G1-realtime"},
	"G1":           {"G1-process"},
	"G1-process":   {"G1-realtime"},

	"G-single-item":          {"G-single", "G-single-item-process", "G-nonadjacent-item"},
	"G-single-item-process":  {"G-single-process", "G-single-item-realtime", "G-nonadjacent-item-process"},
	"G-single-item-realtime": {"G-single-realtime", "G-nonadjacent-item-realtime"},

	"G-single":          {"G-nonadjacent", "GSIb", "G-single-process"},
	"G-single-process":  {"G-nonadjacent-process", "G-single-realtime"},
	"G-single-realtime": {"G-nonadjacent-realtime"},

	"G-nonadjacent-item":          {"G-nonadjacent", "G2-item", "G-nonadjacent-item-process"},
	"G-nonadjacent-item-process":  {"G-nonadjacent-process", "G2-item-process", "G-nonadjacent-item-realtime"},
	"G-nonadjacent-item-realtime": {"G2-item-realtime", "G-nonadjacent-realtime"},

	"G-nonadjacent":          {"G2", "G-nonadjacent-process"},
	"G-nonadjacent-process":  {"G2-process", "G-nonadjacent-realtime"},
	"G-nonadjacent-realtime": {"G2-realtime"},

	"G2":               {"G2-process"},
	"G2-item":          {"G2", "G2-item-process"},
	"G2-item-process":  {"G2-process", "G2-item-realtime"},
	"G2-item-realtime": {"G2-realtime"},
	"G2-process":       {"G2-realtime"},

	"GSIa": {"GSI"},
	"GSIb": {"GSI"},

	"incompatible-order": {"G1a"},
	"future-read":        {"G1c"},
	"dirty-update":       {"G1a"},
	"lost-update":        {"write-skew", "G2-item"},
	"write-skew":         {"G2"},
}, same)

// severity adds "usually worse than" edges used only to order the search
// for cycle anomalies.
var severity = map[string][]string{
	"G0":           {"G1c"},
	"G0-process":   {"G1c-process"},
	"G0-realtime":  {"G1c-realtime"},
	"G1c":          {"G-single", "G2-item"},
	"G1c-process":  {"G-single-process", "G2-item-process"},
	"G1c-realtime": {"G-single-realtime", "G2-item-realtime"},
	"G2":           {"G0-process"},
	"G2-process":   {"G0-realtime"},
}

// canonicalNames maps friendly model names to canonical ones.
var canonicalNames = map[string]string{
	"consistent-view":                 "PL-2+",
	"conflict-serializable":           "PL-3",
	"cursor-stability":                "PL-CS",
	"forward-consistent-view":         "PL-FCV",
	"monotonic-snapshot-read":         "PL-MSR",
	"monotonic-view":                  "PL-2L",
	"read-committed":                  "PL-2",
	"read-uncommitted":                "PL-1",
	"repeatable-read":                 "PL-2.99",
	"serializable":                    "PL-3",
	"snapshot-isolation":              "PL-SI",
	"strict-serializable":             "PL-SS",
	"strong-serializable":             "PL-SS",
	"update-serializable":             "PL-3U",
	"strong-session-read-uncommitted": "strong-session-PL-1",
	"strong-session-read-committed":   "strong-session-PL-2",
	"strong-read-uncommitted":         "strong-PL-1",
	"strong-read-committed":           "strong-PL-2",
}

// friendlyNames maps canonical model names back to friendly ones. Where two
// friendly names share a canonical one, Elle prints PL-3 as serializable and
// PL-SS as strong-serializable.
var friendlyNames = func() map[string]string {
	m := map[string]string{}
	for f, c := range canonicalNames {
		m[c] = f
	}
	m["PL-3"] = "serializable"
	m["PL-SS"] = "strong-serializable"
	return m
}()

// Canonical returns the canonical name of a model (read-committed → PL-2);
// names without an alias are returned unchanged.
func Canonical(model string) string {
	if c, ok := canonicalNames[model]; ok {
		return c
	}
	return model
}

// Friendly returns the friendly name of a model (PL-2 → read-committed);
// names without one are returned unchanged.
func Friendly(model string) string {
	if f, ok := friendlyNames[model]; ok {
		return f
	}
	return model
}

// models: A -> B means a history satisfying A also satisfies B. Vertices
// are canonical names.
var models = newDAG(map[string][]string{
	"causal-cerone":               {"read-atomic"},
	"consistent-view":             {"cursor-stability", "monotonic-view"},
	"conflict-serializable":       {"view-serializable"},
	"cursor-stability":            {"read-committed", "PL-2"},
	"forward-consistent-view":     {"consistent-view"},
	"PL-2":                        {"PL-1"},
	"PL-3":                        {"repeatable-read", "update-serializable"},
	"update-serializable":         {"forward-consistent-view"},
	"monotonic-atomic-view":       {"read-committed"},
	"monotonic-view":              {"PL-2"},
	"monotonic-snapshot-read":     {"PL-2"},
	"parallel-snapshot-isolation": {"causal-cerone", "update-atomic"},
	"prefix":                      {"causal-cerone"},
	"read-atomic":                 {"monotonic-atomic-view"},
	"read-committed":              {"read-uncommitted"},
	"repeatable-read":             {"cursor-stability", "monotonic-atomic-view"},
	"update-atomic":               {"read-atomic"},
	"serializable":                {"repeatable-read", "snapshot-isolation", "view-serializable"},
	"session-serializable":        {"1SR"},
	"snapshot-isolation": {"forward-consistent-view", "monotonic-atomic-view",
		"monotonic-snapshot-read", "parallel-snapshot-isolation", "prefix"},
	"strict-serializable": {"PL-3", "serializable", "linearizable", "snapshot-isolation",
		"strong-snapshot-isolation", "strong-session-serializable"},

	"strong-session-PL-1": {"PL-1"},
	"strong-session-PL-2": {"PL-2", "strong-session-PL-1"},
	"strong-PL-1":         {"strong-session-PL-1"},
	"strong-PL-2":         {"strong-session-PL-2", "strong-PL-1"},

	"strong-session-serializable":       {"serializable", "strong-session-snapshot-isolation"},
	"strong-session-snapshot-isolation": {"snapshot-isolation", "strong-session-PL-2"},
	"strong-serializable":               {"session-serializable"},
	"strong-snapshot-isolation":         {"strong-session-snapshot-isolation", "strong-PL-2"},

	"linearizable": {"sequential"},
	"sequential":   {"causal"},
	"causal":       {"writes-follow-reads", "PRAM"},
	"PRAM":         {"monotonic-reads", "monotonic-writes", "read-your-writes"},
}, Canonical)

// directProscribed: model -> anomalies it rules out over the models it
// implies. Keys are canonical names.
var directProscribed = newDAG(map[string][]string{
	"causal-cerone":               {"internal", "G1a"},
	"cursor-stability":            {"G1", "G-cursor", "lost-update"},
	"monotonic-view":              {"G1", "G-monotonic"},
	"monotonic-snapshot-read":     {"G1", "G-MSR"},
	"consistent-view":             {"G1", "G-single"},
	"forward-consistent-view":     {"G1", "G-SIb"},
	"parallel-snapshot-isolation": {"internal", "G1a"},
	"PL-3":                        {"G1", "G2", "predicate-read-miss", "PL-3-cycle-exists"},
	"PL-2":                        {"G1", "PL-2-cycle-exists"},
	"PL-1":                        {"G0", "duplicate-elements", "cyclic-versions", "PL-1-cycle-exists"},
	"prefix":                      {"internal", "G1a"},
	"serializable":                {"internal"},
	"snapshot-isolation":          {"internal", "G1", "G-SI", "G-nonadjacent", "PL-SI-cycle-exists"},
	"read-atomic":                 {"internal", "G1a", "future-read"},
	"repeatable-read":             {"G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"},
	"update-atomic":               {"lost-update"},
	"strict-serializable":         {"G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"},
	"strong-session-PL-1":         {"strong-session-PL-1-cycle-exists", "G0-process"},
	"strong-session-PL-2":         {"strong-session-PL-2-cycle-exists", "G1c-process"},
	"strong-PL-1":                 {"strong-PL-1-cycle-exists", "G0-realtime"},
	"strong-PL-2":                 {"strong-PL-2-cycle-exists", "G1c-realtime"},
	"strong-session-snapshot-isolation": {"internal", "G1-process", "G-nonadjacent-process",
		"strong-session-snapshot-isolation-cycle-exists"},
	"strong-snapshot-isolation": {"internal", "G1-realtime", "G-nonadjacent-realtime",
		"strong-snapshot-isolation-cycle-exists"},
	"strong-session-serializable": {"G1-process", "G2-process",
		"strong-session-serializable-cycle-exists"},
	"update-serializable": {"G1", "G-update"},
}, func(s string) string {
	// Only the keys (models) are canonicalized; anomaly names are not
	// model aliases, so Canonical leaves them alone.
	return Canonical(s)
})

// knownModels is every model name Elle accepts: the vertices of the model
// graph plus every friendly and canonical alias.
var knownModels = func() []string {
	set := map[string]bool{}
	for _, v := range models.vertices() {
		set[v] = true
	}
	for f, c := range canonicalNames {
		set[f] = true
		set[c] = true
	}
	return setToSorted(set)
}()

// KnownModels returns every consistency model name Elle knows, friendly and
// canonical, sorted.
func KnownModels() []string { return append([]string(nil), knownModels...) }

// Known reports whether model is a known consistency model name.
func Known(model string) bool {
	i := sort.SearchStrings(knownModels, model)
	return i < len(knownModels) && knownModels[i] == model
}

// AllImplying returns the given anomalies plus every anomaly that implies
// one of them.
func AllImplying(anomalies []string) map[string]bool {
	return reach(impliedAnomalies.in, anomalies)
}

// AllImplied returns the given anomalies plus every anomaly they imply.
func AllImplied(anomalies []string) map[string]bool {
	return reach(impliedAnomalies.out, anomalies)
}

// ImpliedModels returns the canonical names of the given models and of every
// model they imply.
func ImpliedModels(ms []string) map[string]bool {
	return reach(models.out, canonicalAll(ms))
}

// ImpossibleModels returns the canonical names of the given models and of
// every model that implies one of them: if the given ones cannot hold,
// neither can these.
func ImpossibleModels(ms []string) map[string]bool {
	return reach(models.in, canonicalAll(ms))
}

// ProhibitedBy returns every anomaly that cannot occur if all the given
// models hold: their directly proscribed anomalies, those of every model
// they imply, and every anomaly implying one of those.
func ProhibitedBy(ms []string) map[string]bool {
	var direct []string
	for _, m := range setToSorted(ImpliedModels(ms)) {
		direct = append(direct, directProscribed.out[m]...)
	}
	return AllImplying(direct)
}

// RuledOut returns the canonical names of every model that cannot hold
// given that the anomalies occurred.
func RuledOut(anomalies []string) map[string]bool {
	var direct []string
	for _, a := range setToSorted(AllImplied(anomalies)) {
		direct = append(direct, directProscribed.in[a]...)
	}
	return ImpossibleModels(direct)
}

// Weakest returns the models of ms (canonicalized) that no other model of
// ms is implied by: the weakest ones.
func Weakest(ms []string) []string {
	set := map[string]bool{}
	for _, m := range canonicalAll(ms) {
		set[m] = true
	}
	var out []string
	for _, m := range setToSorted(set) {
		weaker := false
		for d := range reach(models.out, []string{m}) {
			if d != m && set[d] {
				weaker = true
				break
			}
		}
		if !weaker {
			out = append(out, m)
		}
	}
	return out
}

// Boundary returns, as sorted friendly names, the weakest models the
// anomalies rule out (not) and the other ruled-out models (alsoNot). Both
// are non-nil.
func Boundary(anomalies []string) (not, alsoNot []string) {
	impossible := setToSorted(RuledOut(anomalies))
	weakest := map[string]bool{}
	for _, m := range Weakest(impossible) {
		weakest[m] = true
	}
	notSet, alsoSet := map[string]bool{}, map[string]bool{}
	for _, m := range impossible {
		if weakest[m] {
			notSet[Friendly(m)] = true
		} else {
			alsoSet[Friendly(m)] = true
		}
	}
	return setToSorted(notSet), setToSorted(alsoSet)
}

// depths gives each anomaly its depth in the implication graph merged with
// the severity graph: 0 for anomalies nothing implies.
var depths = func() map[string]int {
	g := newDAG(mergeEdges(edgesOf(impliedAnomalies), severity), same)
	d := map[string]int{}
	var depth func(string) int
	depth = func(v string) int {
		if x, ok := d[v]; ok {
			return x
		}
		x := 0
		for _, p := range g.in[v] {
			x = max(x, depth(p)+1)
		}
		d[v] = x
		return x
	}
	for _, v := range g.vertices() {
		depth(v)
	}
	for _, as := range directProscribed.out {
		for _, a := range as {
			if _, ok := d[a]; !ok {
				d[a] = 0
			}
		}
	}
	return d
}()

// CompareSeverity orders anomalies as Elle searches for them: by depth in
// the implication and severity graphs, then by name.
func CompareSeverity(a, b string) int {
	if da, db := depths[a], depths[b]; da != db {
		if da < db {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func edgesOf(g dag) map[string][]string { return g.out }

func mergeEdges(a, b map[string][]string) map[string][]string {
	m := map[string][]string{}
	for k, v := range a {
		m[k] = append(m[k], v...)
	}
	for k, v := range b {
		m[k] = append(m[k], v...)
	}
	return m
}

func canonicalAll(ms []string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = Canonical(m)
	}
	return out
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func setToSorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

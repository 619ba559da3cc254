// Package registry names every workload glomers implements, for the command
// line and for analysing stored runs.
package registry

import (
	"sort"

	"github.com/glomers/glomers/internal/workload"
	"github.com/glomers/glomers/internal/workload/broadcast"
	"github.com/glomers/glomers/internal/workload/counter"
	"github.com/glomers/glomers/internal/workload/echo"
	"github.com/glomers/glomers/internal/workload/gset"
	"github.com/glomers/glomers/internal/workload/kafka"
	"github.com/glomers/glomers/internal/workload/linkv"
	"github.com/glomers/glomers/internal/workload/txn"
	"github.com/glomers/glomers/internal/workload/uniqueids"
)

// constructors maps each implemented workload to its constructor. Add one
// line per workload.
var constructors = map[string]func() *workload.Workload{
	"broadcast":       broadcast.Workload,
	"echo":            echo.Workload,
	"g-set":           gset.Workload,
	"g-counter":       counter.GCounter,
	"kafka":           kafka.Workload,
	"lin-kv":          linkv.Workload,
	"pn-counter":      counter.PNCounter,
	"unique-ids":      uniqueids.Workload,
	"txn-list-append": txn.ListAppend,
	"txn-rw-register": txn.RWRegister,
}

// New returns a fresh workload by its Maelstrom name, or nil if glomers does
// not implement it.
func New(name string) *workload.Workload {
	if c := constructors[name]; c != nil {
		return c()
	}
	return nil
}

// Names lists the implemented workloads, sorted.
func Names() []string {
	names := make([]string, 0, len(constructors))
	for n := range constructors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

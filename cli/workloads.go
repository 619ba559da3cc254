package cli

import (
	"github.com/glomers/glomers/workload"
	"github.com/glomers/glomers/workload/broadcast"
	"github.com/glomers/glomers/workload/counter"
	"github.com/glomers/glomers/workload/echo"
	"github.com/glomers/glomers/workload/gset"
	"github.com/glomers/glomers/workload/kafka"
	"github.com/glomers/glomers/workload/linkv"
	"github.com/glomers/glomers/workload/txn"
	"github.com/glomers/glomers/workload/uniqueids"
)

// Workloads maps each implemented workload to its constructor. Add one
// line per workload.
var Workloads = map[string]func() *workload.Workload{
	"broadcast":       broadcast.Workload,
	"echo":            echo.Workload,
	"g-set":           gset.Workload,
	"g-counter":       counter.GCounter,
	"kafka":           kafka.Workload,
	"lin-kv":          linkv.Workload,
	"pn-counter":      counter.PNCounter,
	"unique-ids":      uniqueids.Workload,
	"txn-rw-register": txn.RWRegister,
}

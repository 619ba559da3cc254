package cli

import (
	"github.com/glomers/glomers/workload"
	"github.com/glomers/glomers/workload/echo"
)

// Workloads maps each implemented workload to its constructor. Add one
// line per workload.
var Workloads = map[string]func() *workload.Workload{
	"echo": echo.Workload,
}

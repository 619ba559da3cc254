// Command txn-kv solves Gossip Glomers challenges 6a–6c: a totally
// available, read-committed key-value store of integer registers. Each
// node runs transactions on its own replica (see Store) and replicates the
// committed writes to its peers in the background; see README.md.
package main

import (
	"time"

	"github.com/glomers/glomers/node"
)

// epoch is where the version clock starts (see Store.StartClock), so
// timestamps stay well below 2^53.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	node.Main(func(id string, ids []string) node.Core {
		n := NewNode(id, ids).(*Node)
		n.store.StartClock(uint64(time.Since(epoch).Microseconds()))
		return n
	})
}

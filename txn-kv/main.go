// Command txn-kv solves Gossip Glomers challenges 6a–6c: a totally
// available, read-committed key-value store of integer registers. Each
// node runs transactions on its own replica (see Store) and replicates the
// committed writes to its peers in the background; see README.md.
package main

import "github.com/glomers/glomers/node"

func main() { node.Main(NewNode) }

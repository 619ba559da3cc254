// Command glomers runs Gossip Glomers challenges and Maelstrom-style tests
// without a JVM. See the README.
package main

import (
	"os"

	"github.com/glomers/glomers/internal/cli"
)

func main() {
	st, err := os.Stdout.Stat()
	terminal := err == nil && st.Mode()&os.ModeCharDevice != 0
	os.Exit(cli.Main(os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Terminal: terminal, HandleSignals: true}))
}

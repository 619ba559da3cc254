// Command glomers runs Gossip Glomers challenges and Maelstrom-style tests
// without a JVM. See the README.
package main

import (
	"fmt"
	"os"

	"github.com/glomers/glomers/internal/cli"
)

func main() {
	st, err := os.Stdout.Stat()
	terminal := err == nil && st.Mode()&os.ModeCharDevice != 0
	code := cli.Main(os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Terminal: terminal, HandleSignals: true})
	if path := os.Getenv(cli.RusageEnv); path != "" {
		if err := cli.WriteRusage(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

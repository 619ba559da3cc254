// Command no-init is a broken node: it reads its messages but never
// answers, not even init. The runner must give up after 10 s and exit 255.
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Fprintf(os.Stderr, "ignoring %s\n", in.Text())
	}
}

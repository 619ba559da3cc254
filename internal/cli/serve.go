package cli

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/glomers/glomers/internal/web"
)

// serveCmd serves the store to a browser until the process is stopped:
// glomers serve [--host H] [--port P] [--store DIR].
func serveCmd(args []string, env Env) int {
	fs := pflag.NewFlagSet("glomers serve", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	host := fs.String("host", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 8080, "port to listen on")
	store := fs.String("store", "store", "the store folder to serve")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(env.Stdout, "Usage: glomers serve [OPTIONS]\n\n%s", fs.FlagUsages())
			return ExitValid
		}
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "glomers serve takes no arguments, got %q\n", fs.Args())
		return ExitUsage
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		fmt.Fprintf(env.Stderr, "glomers serve: %v\n", err)
		return ExitCrash
	}
	fmt.Fprintf(env.Stdout, "Serving %s at http://%s/\n", *store, ln.Addr())
	srv := &http.Server{Handler: web.New(*store), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintf(env.Stderr, "glomers serve: %v\n", err)
		return ExitCrash
	}
	return ExitValid
}

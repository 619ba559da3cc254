package node

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"
)

// Main runs the core newCore builds as a Maelstrom node on stdin and
// stdout until stdin closes, and exits on error. It is the whole main
// function of a solution.
func Main(newCore NewCore) {
	if err := Serve(context.Background(), os.Stdin, os.Stdout, newCore); err != nil {
		log.Fatal(err)
	}
}

// Serve runs a Machine for newCore: it reads one message per line from in,
// steps the machine, writes what it returns to out, and calls Tick when
// the core's Next falls due. One goroutine owns the machine, so a core
// needs no locks, and every message is handled in arrival order, init
// first. The clock loop exists from the start but ticks nothing before
// init; it ends, with Serve, when in closes or ctx ends.
//
// Lines of any length are read. A line that is not a message is logged
// to stderr and skipped.
func Serve(ctx context.Context, in io.Reader, out io.Writer, newCore NewCore) error {
	start := time.Now()
	now := func() time.Duration { return time.Since(start) }
	m := NewMachine(newCore)
	m.Logf = log.Printf
	w := bufio.NewWriter(out)
	send := func(outs []Out) error {
		for _, o := range outs {
			line, err := EncodeLine(m.ID(), o)
			if err != nil {
				log.Printf("not sent: %v", err)
				continue
			}
			if _, err := w.Write(line); err != nil {
				return fmt.Errorf("write stdout: %w", err)
			}
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
		return nil
	}

	lines := make(chan []byte)
	readErr := make(chan error, 1)
	go func() { readErr <- readLines(ctx, in, lines) }()

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := time.Hour
		if next, ok := m.Next(); ok {
			wait = max(next-now(), 0)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return <-readErr
			}
			var msg Message
			if err := json.Unmarshal(line, &msg); err != nil {
				log.Printf("skipping a line that is not a message: %v: %s", err, truncate(line, 200))
				continue
			}
			if err := send(m.Step(now(), msg)); err != nil {
				return err
			}
		case <-timer.C:
			if err := send(m.Tick(now())); err != nil {
				return err
			}
		}
	}
}

// readLines sends each non-empty line of in on lines, and closes lines at
// the end of in.
func readLines(ctx context.Context, in io.Reader, lines chan<- []byte) error {
	defer close(lines)
	r := bufio.NewReaderSize(in, 64*1024)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytesTrim(line)) > 0 {
			select {
			case lines <- line:
			case <-ctx.Done():
				return nil
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
	}
}

func bytesTrim(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

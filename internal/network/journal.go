package network

import (
	"bufio"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"slices"
)

// Events is a journal to read in order, from memory or from a file: the
// reports and the net checker walk it once, so it never has to be held in
// memory.
type Events = iter.Seq[Event]

// SliceEvents reads a journal held in memory.
func SliceEvents(es []Event) Events { return slices.Values(es) }

// FileEvents reads a journal written as one JSON event per line
// (net-journal.json). A missing file is an empty journal. A file that
// cannot be read or decoded panics with an error that names it: the
// checkers and reports that walk a journal turn a panic into an unknown
// result or a logged failure.
func FileEvents(path string) Events {
	return func(yield func(Event) bool) {
		f, err := os.Open(path)
		if os.IsNotExist(err) {
			return
		}
		if err != nil {
			panic(fmt.Errorf("read the network journal: %w", err))
		}
		defer f.Close()
		dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<16))
		for dec.More() {
			var e Event
			if err := dec.Decode(&e); err != nil {
				panic(fmt.Errorf("read the network journal %s: %w", path, err))
			}
			if !yield(e) {
				return
			}
		}
	}
}

// JournalWriter streams journal events to a file as they happen, one JSON
// object per line, through a buffer, and counts them.
type JournalWriter struct {
	f      *os.File
	w      *bufio.Writer
	enc    *json.Encoder
	err    error
	count  int64
	bytes  int64
	closed bool
}

// CreateJournal creates path for writing a journal.
func CreateJournal(path string) (*JournalWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create the network journal: %w", err)
	}
	j := &JournalWriter{f: f, w: bufio.NewWriterSize(f, 1<<18)}
	j.enc = json.NewEncoder(countingWriter{j})
	return j, nil
}

type countingWriter struct{ j *JournalWriter }

func (c countingWriter) Write(p []byte) (int, error) {
	c.j.bytes += int64(len(p))
	return c.j.w.Write(p)
}

// Write appends e. The first error is kept, and later events are dropped.
// Not safe for concurrent use: the Network calls it under its driver's lock.
func (j *JournalWriter) Write(e Event) {
	if j.err != nil {
		return
	}
	if err := j.enc.Encode(e); err != nil {
		j.err = fmt.Errorf("write the network journal: %w", err)
		return
	}
	j.count++
}

// Count returns how many events were written and their bytes.
func (j *JournalWriter) Count() (events, bytes int64) { return j.count, j.bytes }

// Close flushes and closes the file and returns the first error. Closing
// again does nothing more.
func (j *JournalWriter) Close() error {
	if j.closed {
		return j.err
	}
	j.closed = true
	if err := j.w.Flush(); err != nil && j.err == nil {
		j.err = fmt.Errorf("write the network journal: %w", err)
	}
	if err := j.f.Close(); err != nil && j.err == nil {
		j.err = fmt.Errorf("write the network journal: %w", err)
	}
	return j.err
}

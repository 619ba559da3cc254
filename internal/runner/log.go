package runner

import (
	"bufio"
	"fmt"
	"io"
	"sync"
	"time"
)

// logger writes jepsen.log and, for the lines meant for people, the
// console. jepsen.log goes through a buffer, flushed at least every
// logFlushEvery and by flush: a line per operation must stay cheap.
type logger struct {
	mu      sync.Mutex
	file    *bufio.Writer // nil for none
	console io.Writer
	stamp   stamp
}

// logFlushEvery bounds how stale jepsen.log is while a test runs.
const logFlushEvery = 500 * time.Millisecond

// newLogger writes jepsen.log to file (nil for none) and people's lines to
// console (nil for none). Call flush when done.
func newLogger(file io.Writer, console io.Writer) *logger {
	l := &logger{console: console}
	if file != nil {
		l.file = bufio.NewWriterSize(file, 1<<16)
	}
	return l
}

// stamp caches the formatted time for the current millisecond.
type stamp struct {
	ms   int64
	text string
}

func (s *stamp) format(now time.Time) string {
	if ms := now.UnixMilli(); ms != s.ms || s.text == "" {
		s.ms, s.text = ms, now.UTC().Format("2006-01-02 15:04:05,000")
	}
	return s.text
}

// log writes a line to jepsen.log, and to the console when console is true.
func (l *logger) log(console bool, level, thread, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.stamp.format(time.Now())
	if l.file != nil {
		l.file.WriteString(now)
		l.file.WriteString("{GMT}\t")
		l.file.WriteString(level)
		l.file.WriteString("\t[")
		l.file.WriteString(thread)
		l.file.WriteString("] ")
		l.file.WriteString(msg)
		l.file.WriteString("\n")
	}
	if console && l.console != nil {
		fmt.Fprintf(l.console, "%s [%s] %s\n", level, now, msg)
	}
}

func (l *logger) info(format string, a ...any) { l.log(true, "INFO", "glomers", format, a...) }
func (l *logger) warn(format string, a ...any) { l.log(true, "WARN", "glomers", format, a...) }
func (l *logger) fileOnly(thread, format string, a ...any) {
	l.log(false, "INFO", thread, format, a...)
}

// raw writes text to the console only.
func (l *logger) raw(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.console != nil {
		fmt.Fprintf(l.console, format, a...)
	}
}

// flush writes out what jepsen.log has buffered.
func (l *logger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil {
		l.file.Flush()
	}
}

// flushEvery flushes jepsen.log every logFlushEvery until the returned
// function is called, which flushes a last time.
func (l *logger) flushEvery() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(logFlushEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				l.flush()
			}
		}
	}()
	return func() { close(done); wg.Wait(); l.flush() }
}

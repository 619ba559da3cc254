package runner

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// logger writes jepsen.log and, for the lines meant for people, the
// console.
type logger struct {
	mu      sync.Mutex
	file    io.Writer
	console io.Writer
}

// log writes a line to jepsen.log, and to the console when console is true.
func (l *logger) log(console bool, level, thread, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	now := time.Now().UTC().Format("2006-01-02 15:04:05,000")
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil {
		fmt.Fprintf(l.file, "%s{GMT}\t%s\t[%s] %s\n", now, level, thread, msg)
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

// flush is a no-op until jepsen.log is buffered.
func (l *logger) flush() {}

// Package process runs one node binary: it launches it with pipes, writes
// delivered messages to its stdin, reads and validates every stdout line,
// and copies stderr to the node's log file. Unlike Maelstrom, a malformed
// line is reported and reading goes on, and an exit is noticed at once.
package process

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/glomers/glomers/internal/mailbox"
	"github.com/glomers/glomers/internal/message"
)

// TailLines is how many recent stdout and stderr lines a crash report shows.
const TailLines = 32

// Config says how to launch one node.
type Config struct {
	ID      string   // the node id, e.g. n0
	Bin     string   // the binary; resolved to an absolute path
	Args    []string // extra arguments
	Dir     string   // working directory
	LogPath string   // where stderr goes (node-logs/<id>.log)
	// AppendLog appends to LogPath instead of truncating it: a node the
	// nemesis restarted keeps its earlier incarnations' logs.
	AppendLog bool
}

// Hooks receive what the node prints. They are called from the process's
// reader goroutines.
type Hooks struct {
	// Message is called with every valid stdout message. An error (such as
	// an unknown destination) is reported as a Problem.
	Message func(message.Message) error
	// Problem is called for every line that could not be used.
	Problem func(error)
	// Stderr is called with every stderr line.
	Stderr func(line string)
}

// Process is a running node.
type Process struct {
	cfg    Config
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	logf   *os.File
	hooks  Hooks
	stdout *ring
	stderr *ring

	mu      sync.Mutex
	partial []byte
	lastIn  []byte // the last line written to stdin
	stdinQ  *mailbox.Mailbox[[]byte]

	exited  chan struct{}
	state   *os.ProcessState
	waitErr error
	killed  bool
	readers sync.WaitGroup
}

// Start launches the node.
func Start(cfg Config, hooks Hooks) (*Process, error) {
	bin, err := filepath.Abs(cfg.Bin)
	if err != nil {
		return nil, fmt.Errorf("node %s: resolve binary: %w", cfg.ID, err)
	}
	if st, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("node %s: binary %s: %w", cfg.ID, bin, err)
	} else if st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("node %s: %s is not an executable file", cfg.ID, bin)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if cfg.AppendLog {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	logf, err := os.OpenFile(cfg.LogPath, flags, 0o666)
	if err != nil {
		return nil, fmt.Errorf("node %s: create log: %w", cfg.ID, err)
	}
	cmd := exec.Command(bin, cfg.Args...)
	cmd.Dir = cfg.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		logf.Close()
		return nil, fmt.Errorf("node %s: %w", cfg.ID, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, fmt.Errorf("node %s: %w", cfg.ID, err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logf.Close()
		return nil, fmt.Errorf("node %s: %w", cfg.ID, err)
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("node %s: launch %s: %w", cfg.ID, bin, err)
	}
	p := &Process{
		cfg: cfg, cmd: cmd, stdin: stdin, logf: logf, hooks: hooks,
		stdout: newRing(TailLines), stderr: newRing(TailLines),
		stdinQ: mailbox.New[[]byte](), exited: make(chan struct{}),
	}
	p.readers.Add(2)
	go p.readStdout(stdout)
	go p.readStderr(stderr)
	go p.writeStdin()
	go p.wait()
	return p, nil
}

// ID returns the node id.
func (p *Process) ID() string { return p.cfg.ID }

// Deliver queues m for the node's stdin. It never blocks.
func (p *Process) Deliver(m message.Message) {
	p.stdinQ.Put(m.Line())
}

// Exited is closed when the process has exited and its output is read.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Kill stops the node (its whole process group) if it is still running,
// and waits for it. It reports whether the node was still running, that
// is, whether it had not crashed or exited on its own.
func (p *Process) Kill() (wasRunning bool) {
	select {
	case <-p.exited:
		return false
	default:
	}
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
	}
	return true
}

// Pause stops the node's whole process group with SIGSTOP: it runs no code
// until Resume, while messages delivered to it queue in its stdin.
func (p *Process) Pause() error { return p.signal(syscall.SIGSTOP) }

// Resume continues a paused node's process group with SIGCONT.
func (p *Process) Resume() error { return p.signal(syscall.SIGCONT) }

func (p *Process) signal(sig syscall.Signal) error {
	select {
	case <-p.exited:
		return fmt.Errorf("node %s: cannot send %v: it has exited", p.cfg.ID, sig)
	default:
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("node %s: send %v: %w", p.cfg.ID, sig, err)
	}
	return nil
}

// Crash describes a node that exited by itself.
type Crash struct {
	Node    string
	Status  string
	Stdout  []string
	Stderr  []string
	LogPath string
	// LastInput is the last message written to the node's stdin, without
	// its newline: often the one it could not handle. Empty if none.
	LastInput string
	// During, if set, names the part of the test it crashed in (set by
	// the runner, e.g. "setup").
	During string
}

func (c *Crash) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Node %s crashed with %s", c.Node, c.Status)
	if c.During != "" {
		fmt.Fprintf(&b, " during %s", c.During)
	}
	b.WriteString(".")
	fmt.Fprintf(&b, " Before crashing, it wrote to STDOUT:\n\n%s\n\nAnd to STDERR:\n\n%s\n\nFull STDERR logs are available in %s",
		block(c.Stdout), block(c.Stderr), c.LogPath)
	if c.LastInput != "" {
		fmt.Fprintf(&b, "\n\nThe last message written to its stdin (often the one it could not handle) was:\n\n%s", shorten([]byte(c.LastInput)))
	}
	return b.String()
}

func block(lines []string) string {
	if len(lines) == 0 {
		return "(nothing)"
	}
	return strings.Join(lines, "\n")
}

// Crash returns the crash report of a node that has exited on its own, or
// nil if it is running or was killed. A node that exited by itself just
// before Kill reached it still gets its report.
func (p *Process) Crash() *Crash {
	select {
	case <-p.exited:
	default:
		return nil
	}
	p.mu.Lock()
	killed := p.killed
	p.mu.Unlock()
	if killed {
		ws, ok := p.waitStatus()
		if !ok || !ws.Exited() {
			return nil
		}
	}
	status := "an unknown status"
	if p.state != nil {
		if ws, ok := p.waitStatus(); ok && ws.Signaled() {
			status = "signal " + ws.Signal().String()
		} else {
			status = fmt.Sprintf("exit status %d", p.state.ExitCode())
		}
	} else if p.waitErr != nil {
		status = p.waitErr.Error()
	}
	p.mu.Lock()
	last := strings.TrimSuffix(string(p.lastIn), "\n")
	p.mu.Unlock()
	return &Crash{Node: p.cfg.ID, Status: status, Stdout: p.stdout.snapshot(), Stderr: p.stderr.snapshot(), LogPath: p.cfg.LogPath, LastInput: last}
}

// Tail returns the node's last stdout and stderr lines (up to TailLines
// each).
func (p *Process) Tail() (stdout, stderr []string) {
	return p.stdout.snapshot(), p.stderr.snapshot()
}

// waitStatus returns how the process ended, once it has.
func (p *Process) waitStatus() (syscall.WaitStatus, bool) {
	if p.state == nil {
		return 0, false
	}
	ws, ok := p.state.Sys().(syscall.WaitStatus)
	return ws, ok
}

func (p *Process) wait() {
	p.readers.Wait()
	err := p.cmd.Wait()
	p.state = p.cmd.ProcessState
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		p.waitErr = err
	}
	p.logf.Close()
	close(p.exited)
}

func (p *Process) writeStdin() {
	defer p.stdin.Close()
	w := bufio.NewWriter(p.stdin)
	for {
		select {
		case <-p.stdinQ.Ready():
		case <-p.exited:
			return
		}
		lines := p.stdinQ.TakeAll()
		for _, line := range lines {
			if _, err := w.Write(line); err != nil {
				return // the node is gone; Crash reports it
			}
		}
		if len(lines) > 0 {
			p.mu.Lock()
			p.lastIn = lines[len(lines)-1]
			p.mu.Unlock()
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
}

func (p *Process) readStdout(r io.Reader) {
	defer p.readers.Done()
	buf := make([]byte, 64*1024)
	var partial []byte
	for {
		n, err := r.Read(buf)
		data := buf[:n]
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				partial = append(partial, data...)
				break
			}
			line := append(partial, data[:i]...)
			partial = nil
			data = data[i+1:]
			line = bytes.TrimSuffix(line, []byte("\r"))
			p.stdout.add(string(line))
			p.handleLine(line)
		}
		p.mu.Lock()
		p.partial = partial
		p.mu.Unlock()
		if err != nil {
			if len(partial) > 0 {
				p.stdout.add(string(partial))
				p.problem(fmt.Errorf("node %s exited leaving a last line with no trailing newline, which was never delivered; end every message with \"\\n\": %s", p.cfg.ID, shorten(partial)))
			}
			return
		}
	}
}

// Partial returns what the node has written to stdout since its last
// newline: a message it forgot to end, if non-empty.
func (p *Process) Partial() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]byte(nil), p.partial...)
}

func (p *Process) handleLine(line []byte) {
	m, err := message.Parse(p.cfg.ID, line)
	if err != nil {
		p.problem(err)
		return
	}
	if p.hooks.Message != nil {
		if err := p.hooks.Message(m); err != nil {
			p.problem(&RefusedError{Node: p.cfg.ID, Line: string(line), Err: err})
		}
	}
}

// RefusedError is a valid message of a node that the Message hook
// refused, such as one to an unknown destination.
type RefusedError struct {
	Node string
	Line string // the stdout line, without its newline
	Err  error
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("node %s sent a message the network refused: %v\n  line: %s", e.Node, e.Err, shorten([]byte(e.Line)))
}

func (e *RefusedError) Unwrap() error { return e.Err }

func (p *Process) problem(err error) {
	if p.hooks.Problem != nil {
		p.hooks.Problem(err)
	}
}

func (p *Process) readStderr(r io.Reader) {
	defer p.readers.Done()
	br := bufio.NewReaderSize(r, 64*1024)
	w := bufio.NewWriter(p.logf)
	defer w.Flush()
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			w.WriteString(line)
			if !strings.HasSuffix(line, "\n") {
				w.WriteString("\n")
			}
			line = strings.TrimRight(line, "\r\n")
			p.stderr.add(line)
			if p.hooks.Stderr != nil {
				p.hooks.Stderr(line)
			}
		}
		if err != nil {
			return
		}
	}
}

func shorten(line []byte) string {
	if len(line) <= 300 {
		return string(line)
	}
	return fmt.Sprintf("%s... (%d bytes in all)", line[:300], len(line))
}

// Package process runs one node binary: it launches it with pipes, writes
// delivered messages to its stdin, reads and validates every stdout line,
// and copies stderr to the node's log file. Unlike Maelstrom, a malformed
// line is reported and reading goes on, and an exit is noticed at once.
package process

import (
	"bufio"
	"bytes"
	"encoding/json"
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
	// MaxQueue bounds the bytes of messages waiting for the node's stdin
	// (DefaultMaxQueue if zero). Beyond it, messages to a node that stops
	// reading are dropped, with a warning, instead of filling memory.
	MaxQueue int
	// AppendLog appends to LogPath instead of truncating it: a node the
	// nemesis restarted keeps its earlier incarnations' logs.
	AppendLog bool
}

// DefaultMaxQueue is the default Config.MaxQueue: 64 MiB.
const DefaultMaxQueue = 64 << 20

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
	// Taken is called with each delivered message as it is taken from the
	// node's queue to be written to its stdin (Maelstrom journals the
	// receive then). A node that stops reading stdin blocks the writer,
	// so its messages are taken late, or never.
	Taken func(message.Message)
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
	// outPipe and errPipe are the read ends of the node's stdout and
	// stderr, closed by Abandon.
	outPipe, errPipe io.Closer

	mu      sync.Mutex
	partial []byte
	lastIn  []byte // the last line written to stdin, cut to MaxTailLine
	stdinQ  *mailbox.Mailbox[message.Message]
	// queued is the bytes waiting in stdinQ; dropped counts the messages
	// refused since the queue was last full.
	queued  int
	dropped int

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
		stdinQ: mailbox.New[message.Message](), exited: make(chan struct{}),
		outPipe: stdout, errPipe: stderr,
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

// Deliver queues m for the node's stdin. It never blocks. When the queue
// is full (the node has stopped reading), m is dropped: the first drop is
// reported as a Problem, and so is the node reading again.
func (p *Process) Deliver(m message.Message) {
	n := len(m.Body) + len(m.Src) + len(m.Dest) + 40
	p.mu.Lock()
	limit := p.cfg.MaxQueue
	if limit <= 0 {
		limit = DefaultMaxQueue
	}
	if p.queued+n > limit {
		p.dropped++
		first, waiting := p.dropped == 1, p.queued
		p.mu.Unlock()
		if first {
			p.problem(fmt.Errorf("node %s is not reading its stdin: %d bytes of messages are waiting for it. glomers drops further messages to it until it reads again (they are journaled as sent and never received). Is its main loop blocked, for example by a handler that never returns, or by a full stdout that nobody reads?", p.cfg.ID, waiting))
		}
		return
	}
	p.queued += n
	p.mu.Unlock()
	p.stdinQ.Put(m)
}

// taken updates the queue's size after m left it for stdin.
func (p *Process) taken(m message.Message) {
	n := len(m.Body) + len(m.Src) + len(m.Dest) + 40
	p.mu.Lock()
	p.queued -= n
	dropped := 0
	if p.dropped > 0 && p.queued == 0 {
		dropped, p.dropped = p.dropped, 0
	}
	p.mu.Unlock()
	if dropped > 0 {
		p.problem(fmt.Errorf("node %s reads its stdin again; %d messages to it were dropped while its queue was full", p.cfg.ID, dropped))
	}
}

// Exited is closed when the process has exited and its output is read.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Kill stops the node (its whole process group) if it is still running,
// and waits for it, at most KillWait. It reports whether the node was
// still running, that is, whether it had not crashed or exited on its own.
func (p *Process) Kill() (wasRunning bool) {
	if !p.Stop() {
		return false
	}
	select {
	case <-p.exited:
	case <-time.After(KillWait):
	}
	return true
}

// KillWait is how long Kill waits for a killed node's output to close.
const KillWait = 5 * time.Second

// Stop sends SIGKILL to the node's whole process group, if the node is
// still running, without waiting; Exited is closed once its stdout and
// stderr are closed. It reports whether the node was still running.
func (p *Process) Stop() (wasRunning bool) {
	select {
	case <-p.exited:
		return false
	default:
	}
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	return true
}

// Abandon stops reading a killed node's stdout and stderr, for when a
// process outside its group (one that called setsid) keeps them open, so
// that Exited closes.
func (p *Process) Abandon() {
	p.outPipe.Close()
	p.errPipe.Close()
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
	if h := c.hint(); h != "" {
		fmt.Fprintf(&b, "\n\nWhat to do: %s", h)
	}
	return b.String()
}

// hint recognises the commonest crash of a learner's node, Maelstrom's Go
// library meeting a message type it has no handler for, and says how to fix
// it. It returns "" for any other crash.
func (c *Crash) hint() string {
	noHandler := false
	for _, l := range c.Stderr {
		if strings.Contains(l, "No handler for") {
			noHandler = true
			break
		}
	}
	if !noHandler {
		return ""
	}
	typ := "that type"
	var m struct {
		Body struct {
			Type string `json:"type"`
		} `json:"body"`
	}
	if json.Unmarshal([]byte(c.LastInput), &m) == nil && m.Body.Type != "" {
		typ = fmt.Sprintf("%q", m.Body.Type)
		return fmt.Sprintf("the node's Maelstrom library received a message of type %s, found no handler for it and stopped. Register one (Go: n.Handle(%s, func(msg maelstrom.Message) error {...})) that replies with %q.",
			typ, typ, m.Body.Type+"_ok")
	}
	return fmt.Sprintf("the node's Maelstrom library received a message of %s, found no handler for it and stopped (see STDERR above). Register a handler for every message type the workload sends.", typ)
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
		var last []byte
		for _, m := range p.stdinQ.TakeAll() {
			p.taken(m)
			if p.hooks.Taken != nil {
				p.hooks.Taken(m)
			}
			last = m.Line()
			if _, err := w.Write(last); err != nil {
				return // the node is gone; Crash reports it
			}
		}
		if last != nil {
			p.mu.Lock()
			p.lastIn = []byte(tailLine(last))
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
			p.stdout.add(tailLine(line))
			p.handleLine(line)
		}
		p.mu.Lock()
		p.partial = partial
		p.mu.Unlock()
		if err != nil {
			if len(partial) > 0 {
				p.stdout.add(tailLine(partial))
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
		var pe *message.ParseError
		if errors.As(err, &pe) && len(pe.Line) > MaxTailLine {
			pe.Line = tailLine([]byte(pe.Line)) // reports keep a bounded line
		}
		p.problem(err)
		return
	}
	if p.hooks.Message != nil {
		if err := p.hooks.Message(m); err != nil {
			p.problem(&RefusedError{Node: p.cfg.ID, Line: tailLine(line), Err: err})
		}
	}
}

// RefusedError is a valid message of a node that the Message hook
// refused, such as one to an unknown destination.
type RefusedError struct {
	Node string
	Line string // the stdout line, without its newline, cut to MaxTailLine
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

// readStderr copies the node's stderr to its log file as it comes, and
// hands each line, cut to MaxTailLine bytes, to the tail and the Stderr
// hook: a node that writes a gigabyte without a newline costs a bounded
// buffer, not a gigabyte.
func (p *Process) readStderr(r io.Reader) {
	defer p.readers.Done()
	br := bufio.NewReaderSize(r, 64*1024)
	w := bufio.NewWriter(p.logf)
	defer w.Flush()
	var line []byte // the start of the current line, at most MaxTailLine bytes
	size := 0       // the current line's length so far
	for {
		chunk, err := br.ReadSlice('\n')
		w.Write(chunk)
		size += len(chunk)
		if room := MaxTailLine + 2 - len(line); room > 0 {
			line = append(line, chunk[:min(room, len(chunk))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if size > 0 {
			if !bytes.HasSuffix(chunk, []byte("\n")) {
				w.WriteString("\n")
			}
			text := string(bytes.TrimRight(line, "\r\n"))
			if len(text) > MaxTailLine || size > len(line) { // cut short
				full := size - (len(chunk) - len(bytes.TrimRight(chunk, "\r\n")))
				text = fmt.Sprintf("%s… (%d bytes in all)", text[:min(len(text), MaxTailLine)], full)
			}
			p.stderr.add(text)
			if p.hooks.Stderr != nil {
				p.hooks.Stderr(text)
			}
		}
		line, size = line[:0], 0
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

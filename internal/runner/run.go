package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/diagnose"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/jsonvalue"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/nemesis"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/process"
	"github.com/glomers/glomers/internal/report"
	"github.com/glomers/glomers/internal/rundir"
	"github.com/glomers/glomers/internal/workload"
)

// Outcome is what a finished test left behind.
type Outcome struct {
	Dir     string  // the run folder
	Results Results // empty when the test crashed
	History []history.Op
	// Interrupted is the signal that stopped the test early, or nil.
	Interrupted os.Signal
	// OpsPerSec is the rate the main phase achieved: the operations it
	// handed out over its length; zero without --rate.
	OpsPerSec float64
	// Diagnostics are the node mistakes seen, also in diagnostics.txt.
	Diagnostics []diagnose.Diagnostic
}

// CrashError is a test that could not run to analysis: a node that failed
// init, crashed or exited, or a setup failure. Maelstrom exits 255 for it.
// Its report is printed by Run and written to crash.txt.
type CrashError struct {
	Err    error
	Report string // the full report, as printed
}

func (e *CrashError) Error() string { return e.Err.Error() }
func (e *CrashError) Unwrap() error { return e.Err }

// test is the state of one running test.
type test struct {
	cfg Config
	run *rundir.Run
	log *logger
	net *network.Network
	drv *network.Driver
	rec *recorder
	// procs holds each node's current process; the kill nemesis replaces
	// them. procsMu guards it (the signal watcher reads it too).
	procsMu sync.Mutex
	procs   map[string]*process.Process
	// workers are the client threads, kept from the main phase into the
	// final phase.
	workers []*worker
	// nemesis injects partitions; nil without --nemesis partition.
	nemesis *nemesis.Partitioner
	// faults tracks the nodes the kill and pause nemeses have taken down.
	faults nodeFaults
	opts   workload.Options

	servicesDone chan struct{}
	nextClient   atomic.Int64
	tearingDown  atomic.Bool
	notes        atomic.Int64
	diags        diagnose.Collector
	// phase names the part of the test running, for crash reports.
	phase atomic.Value

	ctx    context.Context
	cancel context.CancelCauseFunc
	// startCtx is ctx, also ended by the first signal: the init
	// handshake and the setup RPCs use it, so that a signal cancels them
	// at once rather than after their timeouts.
	startCtx    context.Context
	cancelStart context.CancelFunc

	// mainOps operations went out in the main phase, which lasted
	// mainTime (set when it ends).
	mainOps  int
	mainTime time.Duration
	mainCPU  time.Duration // glomers' own CPU time (user and system)

	// stop is closed by the first signal, after sig is set.
	stop chan struct{}
	sig  os.Signal
}

// Run performs one test and analyses it. A *CrashError means the test
// crashed; the run folder then holds what was written before.
func Run(cfg Config) (*Outcome, error) {
	start := time.Now()
	run, err := rundir.Create(cfg.StoreDir, cfg.Workload.Name, start)
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(run.Path("jepsen.log"))
	if err != nil {
		return nil, fmt.Errorf("create jepsen.log: %w", err)
	}
	defer logFile.Close()
	t := &test{
		cfg:    cfg,
		run:    run,
		log:    newLogger(logFile, cfg.Console),
		procs:  map[string]*process.Process{},
		faults: nodeFaults{killed: map[string]bool{}, paused: map[string]bool{}, resumed: map[string]time.Duration{}},
		stop:   make(chan struct{}),
	}
	defer t.log.flushEvery()()
	t.ctx, t.cancel = context.WithCancelCause(context.Background())
	defer t.cancel(nil)
	t.startCtx, t.cancelStart = context.WithCancel(t.ctx)
	defer t.cancelStart()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	t.opts = cfg.WorkloadOptions()
	t.opts.Rand = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
	watched := make(chan struct{})
	defer close(watched)
	go t.watchSignals(watched)
	t.log.info("Running test %s in %s", cfg.Workload.Name, run.Dir)
	t.log.info("Seed %d (repeat with --seed %d)", cfg.Seed, cfg.Seed)
	if err := run.WriteJSON("test.json", NewRecord(cfg)); err != nil {
		return nil, err
	}

	t.net = network.New(cfg.Latency, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
	t.drv = network.NewDriver(t.net, start)
	defer t.drv.Close()
	jw, err := network.CreateJournal(run.Path("net-journal.json"))
	if err != nil {
		return nil, err
	}
	defer jw.Close()
	t.drv.JournalTo(jw)
	if cfg.LogNetSend {
		t.drv.OnSend(func(m message.Message) { t.log.info(":send %s", bytes.TrimSpace(m.Line())) })
	}
	t.rec = newRecorder(t.drv.Now, t.log)

	out := &Outcome{Dir: run.Dir}
	t.servicesDone = make(chan struct{})
	defer close(t.servicesDone)
	if err := t.startServices(rng); err != nil {
		return nil, err
	}
	crash := t.execute(rng)
	out.Interrupted = t.interrupted()
	if t.mainTime > 0 && cfg.Rate > 0 {
		out.OpsPerSec = float64(t.mainOps) / t.mainTime.Seconds()
		t.log.info("Main phase: %d operations in %.1f s, %.1f ops/s (--rate %g); glomers used %.0f µs of CPU per operation",
			t.mainOps, t.mainTime.Seconds(), out.OpsPerSec, cfg.Rate, float64(t.mainCPU.Microseconds())/float64(max(t.mainOps, 1)))
	}
	switch {
	case crash == nil && out.Interrupted != nil:
		t.log.info("Run interrupted by %s; writing what completed", signalName(out.Interrupted))
	case crash == nil:
		t.log.info("Run complete, writing")
	}
	out.History = t.rec.ops()
	t.drv.EndJournal()
	if err := jw.Close(); err != nil {
		return out, err
	}
	journal := network.FileEvents(run.Path("net-journal.json"))
	if err := t.writeHistory(out.History); err != nil {
		return out, err
	}
	diags, derr := t.writeDiagnostics()
	out.Diagnostics = diags
	if crash != nil {
		t.showDiagnostics(diags, true)
		report := t.crashReport(crash)
		t.log.log(true, "ERROR", "glomers", "Test crashed!\n%s", report)
		if err := t.writeText(CrashFile, report+"\n"); err != nil {
			t.log.warn("%v", err)
		}
		t.explain(out, crash)
		return out, &CrashError{Err: crash, Report: report}
	}
	if derr != nil {
		return out, derr
	}
	t.log.info("Analyzing...")
	out.Results = Analyze(cfg.Workload, t.opts, cfg.Availability, out.History, journal)
	if out.Interrupted != nil {
		out.Results.Interrupted = signalName(out.Interrupted)
	}
	t.log.info("Analysis complete")
	if err := run.WriteEDN("results.edn", out.Results); err != nil {
		return out, err
	}
	if err := run.WriteJSON("results.json", out.Results); err != nil {
		return out, err
	}
	if err := report.Write(run.Dir, out.History, journal, out.Results); err != nil {
		t.log.warn("some plots or pages could not be drawn (the verdict stands): %v", err)
	}
	b, err := rundir.EDN(out.Results)
	if err != nil {
		return out, fmt.Errorf("print results: %w", err)
	}
	t.log.log(false, "INFO", "glomers", "%s\n\n%s", b, Verdict(out.Results.Valid))
	t.log.raw("\n%s\n\n%s\n", b, Verdict(out.Results.Valid))
	t.showDiagnostics(diags, false)
	t.explain(out, nil)
	return out, nil
}

// execute runs the test from node start to teardown and returns why it
// crashed, or nil.
func (t *test) execute(rng *rand.Rand) (crash error) {
	defer func() {
		if err := t.teardown(); err != nil && crash == nil {
			crash = err
		}
	}()
	t.setPhase("init")
	if err := t.startNodes(); err != nil {
		return unlessInterrupted(err)
	}
	t.setPhase("setup")
	if err := t.setupClients(); err != nil {
		return unlessInterrupted(err)
	}
	t.setPhase("the main phase")
	stop := t.showProgress()
	defer stop()
	t.workers = t.newWorkers()
	defer t.closeClients()
	t.mainPhase(rng)
	if err := context.Cause(t.ctx); err != nil {
		return err
	}
	if t.interrupted() != nil {
		t.heal()
		return nil
	}
	if t.cfg.Workload.Final != nil || t.cfg.Workload.FinalGenerator != nil {
		t.setPhase("the final phase")
		t.finalPhase()
	} else {
		t.restore()
	}
	return context.Cause(t.ctx)
}

func (t *test) newClient() *client.Client {
	c := client.Open(t.drv, fmt.Sprintf("c%d", t.nextClient.Add(1)-1))
	c.OnStray(func(s client.Stray) { t.stray(c, s) })
	return c
}

func (t *test) setPhase(p string) { t.phase.Store(p) }

// currentPhase names the part of the test running.
func (t *test) currentPhase() string {
	p, _ := t.phase.Load().(string)
	return p
}

// startNodes launches every node and runs the init handshake, in parallel.
func (t *test) startNodes() error {
	bin, err := filepath.Abs(t.cfg.Bin)
	if err != nil {
		return fmt.Errorf("resolve --bin: %w", err)
	}
	t.log.info("Setting up nodes %v: launching %s %v", t.cfg.Nodes, bin, t.cfg.Args)
	for _, id := range t.cfg.Nodes {
		if _, err := t.launch(id, false); err != nil {
			return err
		}
	}
	errs := make([]error, len(t.cfg.Nodes))
	var wg sync.WaitGroup
	for i, id := range t.cfg.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = t.initNode(id)
		}()
	}
	wg.Wait()
	if cause := context.Cause(t.ctx); cause != nil {
		return cause // each init saw it; report it once
	}
	return joinStartErrors(errs)
}

// errInterrupted is init or setup cut short by a signal.
var errInterrupted = errors.New("interrupted")

// joinStartErrors joins the errors of the nodes' init or setup. A node
// that failed on its own counts more than one a signal cut short: the
// result is errInterrupted only when every error is.
func joinStartErrors(errs []error) error {
	interrupted := false
	failed := make([]error, 0, len(errs))
	for _, err := range errs {
		if errors.Is(err, errInterrupted) {
			interrupted = true
			continue
		}
		failed = append(failed, err)
	}
	if err := joinBlocks(failed); err != nil || !interrupted {
		return err
	}
	return errInterrupted
}

// unlessInterrupted returns the error of init or setup, or nil if a
// signal cut them short: the run then ends as one interrupted in the main
// phase does, with nothing to check.
func unlessInterrupted(err error) error {
	if errors.Is(err, errInterrupted) {
		return nil
	}
	return err
}

// launch starts a process for node id, puts it on the network in place of
// any earlier one, and watches it. A restart appends to the node's log.
func (t *test) launch(id string, restart bool) (*process.Process, error) {
	bin, err := filepath.Abs(t.cfg.Bin)
	if err != nil {
		return nil, fmt.Errorf("resolve --bin: %w", err)
	}
	p, err := process.Start(process.Config{
		ID: id, Bin: bin, Args: t.cfg.Args, Dir: os.TempDir(),
		LogPath: t.run.Path(filepath.Join("node-logs", id+".log")), AppendLog: restart,
	}, t.hooks(id))
	if err != nil {
		return nil, err
	}
	t.procsMu.Lock()
	t.procs[id] = p
	t.procsMu.Unlock()
	t.drv.RegisterQueued(id, p.Deliver)
	go t.watch(p, restart)
	return p, nil
}

// proc returns node id's current process, or nil.
func (t *test) proc(id string) *process.Process {
	t.procsMu.Lock()
	defer t.procsMu.Unlock()
	return t.procs[id]
}

func (t *test) hooks(id string) process.Hooks {
	return process.Hooks{
		Message: func(m message.Message) error {
			_, err := t.drv.Send(m)
			return err
		},
		Problem: t.problem,
		Taken: func(m message.Message) {
			t.drv.Received(m)
			if t.cfg.LogNetRecv {
				t.log.info(":recv %s", bytes.TrimSpace(m.Line()))
			}
		},
		Stderr: func(line string) {
			if t.cfg.LogStderr {
				t.log.info("%s stderr: %s", id, line)
			}
		},
	}
}

// note reports a problem with a node's output: on the console for the first
// few, in jepsen.log always.
func (t *test) note(err error) {
	n := t.notes.Add(1)
	switch {
	case n <= maxConsoleNotes:
		t.log.warn("%v", err)
	case n == maxConsoleNotes+1:
		t.log.warn("%v\n(further problems are only written to jepsen.log)", err)
	default:
		t.log.log(false, "WARN", "glomers", "%v", err)
	}
}

// watch reports a node that exits while the test runs and stops the test.
// A node the nemesis killed is not reported; one it restarted that then
// exits is, as such.
func (t *test) watch(p *process.Process, restarted bool) {
	<-p.Exited()
	if t.tearingDown.Load() {
		return
	}
	if c := p.Crash(); c != nil {
		c.During = t.currentPhase()
		if restarted {
			c.During += ", after the nemesis killed it and started it again"
		}
		t.cancel(c)
	}
}

func (t *test) initNode(id string) error {
	c := t.newClient()
	defer c.Close()
	return t.initNodeVia(t.startCtx, c, id)
}

// initNodeVia sends node id its init message from client c and checks the
// reply. It returns errInterrupted if parent ends while ctx goes on.
func (t *test) initNodeVia(parent context.Context, c *client.Client, id string) error {
	body := message.Body{"type": "init", "node_id": id, "node_ids": t.cfg.Nodes}
	timeout := t.cfg.initTimeout()
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	reply, err := c.Call(ctx, id, body, timeout)
	if cause := context.Cause(t.ctx); cause != nil {
		return cause
	}
	if parent.Err() != nil {
		return errInterrupted
	}
	var rpcErr *client.RPCError
	switch {
	case errors.Is(err, client.ErrTimeout):
		p := t.proc(id)
		stdout, stderr := p.Tail()
		d := diagnose.InitTimeout(id, t.drv.Now(), timeout, string(p.Partial()), stdout, stderr)
		t.diagnose(d)
		return errors.New(d.Text())
	case errors.As(err, &rpcErr):
		return fmt.Errorf("expected an init_ok message, but node %s responded with error %s", id, jsonvalue.Text(rpcErr.Body))
	case err != nil:
		return fmt.Errorf("init %s: %w", id, err)
	case reply.Type() != "init_ok":
		return fmt.Errorf("expected an init_ok message, but node %s responded with %s", id, jsonvalue.Text(reply))
	}
	return nil
}

// setupClients runs the workload's per-node setup.
func (t *test) setupClients() error {
	if t.cfg.Workload.Setup == nil {
		return nil
	}
	errs := make([]error, len(t.cfg.Nodes))
	var wg sync.WaitGroup
	for i, id := range t.cfg.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := t.newClient()
			defer c.Close()
			call := func(ctx context.Context, body message.Body) (message.Body, error) {
				return c.Call(ctx, id, body, client.DefaultTimeout)
			}
			err := t.cfg.Workload.Setup(t.startCtx, t.opts, id, call)
			switch {
			case err != nil && t.startCtx.Err() != nil && context.Cause(t.ctx) == nil:
				errs[i] = errInterrupted // the calls only saw their context end
			case err != nil:
				errs[i] = fmt.Errorf("setting up %s: %w", id, err)
			}
		}()
	}
	wg.Wait()
	if cause := context.Cause(t.ctx); cause != nil {
		return cause // a node exited: the calls only saw their context end
	}
	return joinStartErrors(errs)
}

// teardown kills every node's process group, waits for their output to
// close (TeardownWait in all, saying what it waited for), and reports the
// first node that had already exited (the crash report lists the others).
func (t *test) teardown() error {
	t.tearingDown.Store(true)
	start := time.Now()
	var first *process.Crash
	var killed []*process.Process
	for _, id := range t.cfg.Nodes {
		p := t.proc(id)
		if p == nil {
			continue
		}
		if p.Stop() {
			killed = append(killed, p)
		} else if c := p.Crash(); c != nil && first == nil {
			c.During = t.currentPhase()
			first = c
		}
	}
	bound := time.NewTimer(TeardownWait)
	defer bound.Stop()
	var stuck []*process.Process
	for i, p := range killed {
		select {
		case <-p.Exited():
			continue
		case <-bound.C:
		}
		for _, q := range killed[i:] {
			select {
			case <-q.Exited():
			default:
				stuck = append(stuck, q)
			}
		}
		break
	}
	if len(stuck) > 0 {
		ids := make([]string, len(stuck))
		for i, p := range stuck {
			ids[i] = p.ID()
			p.Abandon()
		}
		t.log.warn("Teardown: killed the process group of every node, but after %s the stdout or stderr of %v was still open, most likely held by a process the node started in a new session (setsid), which killing its group does not reach. glomers stopped reading it; that process may still be running (see ps -ef).",
			TeardownWait, ids)
		for _, p := range stuck {
			select {
			case <-p.Exited():
			case <-time.After(time.Second):
			}
		}
	} else if took := time.Since(start); took > time.Second {
		t.log.info("Teardown: waited %s for %d killed nodes to close their output", took.Round(time.Millisecond), len(killed))
	}
	if err := context.Cause(t.ctx); err != nil || first == nil {
		return nil // already reported, or nothing to report
	}
	return first
}

// heal ends any partition: the nemesis records its stop, and the network
// delivers everything again.
func (t *test) heal() {
	if t.nemesis != nil {
		t.nemesisStep(nemesis.StopInvocation())
	}
	t.drv.Heal()
}

// interrupted returns the signal that stopped the test early, or nil.
func (t *test) interrupted() os.Signal {
	select {
	case <-t.stop:
		return t.sig
	default:
		return nil
	}
}

// watchSignals handles cfg.Interrupt until done is closed: the first
// signal stops the test cleanly, a second kills the nodes and exits.
func (t *test) watchSignals(done <-chan struct{}) {
	if t.cfg.Interrupt == nil {
		return
	}
	select {
	case sig := <-t.cfg.Interrupt:
		t.sig = sig
		close(t.stop)
		t.cancelStart()
		switch phase := t.currentPhase(); phase {
		case "init", "setup":
			t.log.warn("Interrupted by %s during %s: no operation ran; the nodes are stopped and the run folder is written, marked interrupted. Send %s again to quit at once, without results.",
				signalName(sig), phase, signalName(sig))
		default:
			t.log.warn("Interrupted by %s: no new operations; those in flight get their reply or time out (at most %s), then the nodes are stopped and what completed is checked and written, marked interrupted. Send %s again to quit at once, without results.",
				signalName(sig), t.cfg.Workload.Timeout(t.opts), signalName(sig))
		}
	case <-done:
		return
	}
	select {
	case sig := <-t.cfg.Interrupt:
		t.log.warn("%s again: killed the nodes; quitting without results (%s holds what was written so far).", signalName(sig), t.run.Dir)
		t.procsMu.Lock()
		for _, p := range t.procs {
			p.Stop()
		}
		t.procsMu.Unlock()
		t.log.flush()
		exit := t.cfg.Exit
		if exit == nil {
			exit = os.Exit
		}
		exit(SignalExitCode(sig))
	case <-done:
	}
}

// signalName names a signal as people know it: SIGINT, SIGTERM.
func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// writeHistory writes the history files and marks the run as the latest.
func (t *test) writeHistory(ops []history.Op) error {
	files := []struct {
		name  string
		write func(*os.File) error
	}{
		{"history.edn", func(f *os.File) error { return history.WriteEDN(f, ops) }},
		{"history.txt", func(f *os.File) error { return history.WriteText(f, ops) }},
		{"history.json", func(f *os.File) error { return history.WriteJSON(f, ops) }},
	}
	for _, file := range files {
		f, err := os.Create(t.run.Path(file.name))
		if err != nil {
			return fmt.Errorf("write %s: %w", file.name, err)
		}
		err = file.write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", file.name, err)
		}
	}
	return t.run.MarkLatest()
}

// cpuTime is the CPU time this process has used so far (nodes, which are
// its children, not included), or 0 if it cannot be read.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

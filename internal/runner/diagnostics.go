package runner

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/glomers/glomers/internal/client"
	"github.com/glomers/glomers/internal/diagnose"
	"github.com/glomers/glomers/internal/jsonvalue"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
	"github.com/glomers/glomers/internal/process"
	"github.com/glomers/glomers/internal/service"
)

// Files of the run folder written when a run goes wrong.
const (
	CrashFile       = "crash.txt"       // the crash report of a crashed test
	DiagnosticsFile = "diagnostics.txt" // the node problems seen, if any
)

// diagnose records d and, the first time its kind is seen for its node,
// shows it; later ones are only counted, for the end-of-run summary.
func (t *test) diagnose(d diagnose.Diagnostic) {
	if !t.diags.Add(d) || d.Fatal {
		return
	}
	t.log.warn("%s\n(Further problems of this kind from %s are counted and summed up at the end of the run.)", d.Text(), d.Node)
}

// problem handles what a node's process could not use: a diagnosed
// mistake when it is one, otherwise a note.
func (t *test) problem(err error) {
	kind, node, build, ok := t.classify(err)
	switch {
	case ok && kind == diagnose.ClosedClient && t.pausedLately(node):
		t.log.fileOnly("jepsen nemesis", "%v (expected: the nemesis paused %s, so its clients gave up)", err, node)
	case !ok:
		t.note(err)
	case !t.diags.Count(kind, node):
		t.diagnose(build())
	}
}

// classify says which kind of mistake err is, by which node, and how to
// build its diagnostic; ok is false for a problem that is not one.
func (t *test) classify(err error) (kind diagnose.Kind, node string, build func() diagnose.Diagnostic, ok bool) {
	now := t.drv.Now()
	var parse *message.ParseError
	if errors.As(err, &parse) {
		return diagnose.NotAMessage, parse.Node, func() diagnose.Diagnostic {
			return diagnose.NotMessage(parse.Node, now, parse.Line, parse.Reason)
		}, true
	}
	var refused *process.RefusedError
	var unknown *network.UnknownIDError
	if !errors.As(err, &refused) || !errors.As(err, &unknown) {
		return "", "", nil, false
	}
	node = refused.Node
	switch {
	case unknown.Field == "src":
		return diagnose.UnknownID, node, func() diagnose.Diagnostic {
			return diagnose.UnknownSender(node, now, refused.Line, unknown.ID, t.cfg.Nodes)
		}, true
	case t.wasClient(unknown.ID):
		return diagnose.ClosedClient, node, func() diagnose.Diagnostic {
			return diagnose.LateReply(node, now, refused.Line, unknown.ID)
		}, true
	}
	return diagnose.UnknownID, node, func() diagnose.Diagnostic {
		return diagnose.UnknownDest(node, now, refused.Line, unknown.ID, t.cfg.Nodes, service.Names)
	}, true
}

// wasClient reports whether id names a client this test has opened.
func (t *test) wasClient(id string) bool {
	k, err := strconv.ParseInt(strings.TrimPrefix(id, "c"), 10, 64)
	return message.IsClient(id) && err == nil && k >= 0 && k < t.nextClient.Load() && id == "c"+strconv.FormatInt(k, 10)
}

// stray diagnoses a message that client c discarded.
func (t *test) stray(c *client.Client, s client.Stray) {
	if t.pausedLately(s.Msg.Src) {
		t.log.fileOnly("jepsen nemesis", "%s answered client %s late (expected: the nemesis paused it): %s", s.Msg.Src, c.ID(), bytes.TrimSpace(s.Msg.Line()))
		return
	}
	line := string(bytes.TrimSpace(s.Msg.Line()))
	t.diagnose(diagnose.Stray(s.Msg.Src, t.drv.Now(), line, c.ID(), s.Problem, s.Waiting))
}

// malformed diagnoses a reply that failed its schema.
func (t *test) malformed(e *client.MalformedReplyError) {
	t.diagnose(diagnose.Malformed(e.Node, t.drv.Now(), jsonvalue.Text(e.Request), e.Expected, jsonvalue.Text(e.Reply), e.Reason))
}

// writeDiagnostics writes diagnostics.txt, when there are diagnostics, and
// returns them.
func (t *test) writeDiagnostics() ([]diagnose.Diagnostic, error) {
	all := t.diags.List()
	if len(all) == 0 {
		return nil, nil
	}
	return all, t.writeText(DiagnosticsFile, diagnose.Report(all))
}

// showDiagnostics prints the end-of-run summary of ds, leaving out, for a
// crashed run, what its crash report already says.
func (t *test) showDiagnostics(ds []diagnose.Diagnostic, crashed bool) {
	var shown []diagnose.Diagnostic
	for _, d := range ds {
		if !crashed || !d.Fatal {
			shown = append(shown, d)
		}
	}
	if len(shown) == 0 {
		return
	}
	text := fmt.Sprintf("%s(also in %s)", diagnose.Report(shown), t.run.Path(DiagnosticsFile))
	t.log.log(false, "WARN", "glomers", "%s", text)
	t.log.raw("\n%s\n", text)
}

// crashReport is the text of a crash: the cause, and the other nodes that
// had exited by then.
func (t *test) crashReport(cause error) string {
	var primary *process.Crash
	errors.As(cause, &primary)
	var others []string
	for _, id := range t.cfg.Nodes {
		p := t.procs[id]
		if p == nil {
			continue
		}
		if c := p.Crash(); c != nil && (primary == nil || c.Node != primary.Node) {
			others = append(others, fmt.Sprintf("%s (%s; %s)", c.Node, c.Status, c.LogPath))
		}
	}
	text := cause.Error()
	if len(others) > 0 {
		text += "\n\nThese nodes had exited too: " + strings.Join(others, ", ")
	}
	return text
}

// writeText writes a text file of the run folder.
func (t *test) writeText(name, text string) error {
	if err := os.WriteFile(t.run.Path(name), []byte(text), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// joinBlocks joins the non-nil errors, as errors.Join does, with a blank
// line between them: each may be a paragraph.
func joinBlocks(errs []error) error {
	var texts []string
	var kept []error
	for _, err := range errs {
		if err != nil {
			texts = append(texts, err.Error())
			kept = append(kept, err)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return &blocks{text: strings.Join(texts, "\n\n"), errs: kept}
}

type blocks struct {
	text string
	errs []error
}

func (b *blocks) Error() string   { return b.text }
func (b *blocks) Unwrap() []error { return b.errs }

package diagnose

import (
	"fmt"
	"strings"
	"time"
)

// maxEvidence is how much of a line or message a diagnostic shows.
const maxEvidence = 500

// toStderr says how to log without breaking the protocol.
const toStderr = "Write logs and debugging output to stderr instead (Python: print(..., file=sys.stderr); Go: log.Println or fmt.Fprintln(os.Stderr, ...); Ruby: warn or $stderr.puts; Node.js: console.error)."

// NotMessage diagnoses a stdout line of node that is not a message, for
// reason.
func NotMessage(node string, at time.Duration, line, reason string) Diagnostic {
	return Diagnostic{
		Kind: NotAMessage, Node: node, At: at,
		What:     fmt.Sprintf("Node %s printed a line on stdout that is not a message: %s", node, sentence(reason)),
		Evidence: Shorten(line),
		Advice: "Every stdout line must be exactly one JSON message, {\"src\": ..., \"dest\": ..., \"body\": {...}}, ending in a newline. " +
			toStderr,
		Silences: true,
	}
}

// UnknownSender diagnoses a message of node whose src, id, is not on the
// network.
func UnknownSender(node string, at time.Duration, line, id string, nodes []string) Diagnostic {
	return Diagnostic{
		Kind: UnknownID, Node: node, At: at,
		What:     fmt.Sprintf("Node %s sent a message with src %q, which is not on the network, so glomers dropped it.", node, id),
		Evidence: Shorten(line),
		Advice:   fmt.Sprintf("Set src to the node_id that init gave the node (one of %s).", strings.Join(nodes, ", ")),
		Silences: true,
	}
}

// UnknownDest diagnoses a message of node to dest, an id that was never
// on the network.
func UnknownDest(node string, at time.Duration, line, dest string, nodes, services []string) Diagnostic {
	return Diagnostic{
		Kind: UnknownID, Node: node, At: at,
		What:     fmt.Sprintf("Node %s sent a message to %q, which is not on the network, so glomers dropped it.", node, dest),
		Evidence: Shorten(line),
		Advice: fmt.Sprintf("The ids on the network are the nodes %s (init's node_ids), the clients that send requests (c0, c1, ...: reply to a request's src) and the services %s.",
			strings.Join(nodes, ", "), strings.Join(services, ", ")),
		Silences: true,
	}
}

// LateReply diagnoses a message of node to client, a client that had
// already left the network.
func LateReply(node string, at time.Duration, line, client string) Diagnostic {
	return Diagnostic{
		Kind: ClosedClient, Node: node, At: at,
		What: fmt.Sprintf("Node %s sent a message to client %s after that client had left the network, so glomers dropped it. "+
			"A client leaves once its operation is over; this is usually a reply that came after the client's timeout (5 s; init's is 10 s), or a second reply to one request.", node, client),
		Evidence: Shorten(line),
		Advice:   "Answer each request once, as soon as it is handled: do not hold a reply until other nodes answer, or check in node-logs why the reply was late.",
		Silences: true,
	}
}

// Stray diagnoses a message of node to client that answers none of the
// client's requests: problem says why (no in_reply_to, for instance).
// waiting is the msg_id of the request the client was waiting for, 0 if
// none.
func Stray(node string, at time.Duration, line, client, problem string, waiting int64) Diagnostic {
	what := fmt.Sprintf("Node %s sent client %s a message %s, so it answers no request: the client ignored it", node, client, problem)
	if waiting > 0 {
		what += fmt.Sprintf(" and kept waiting for a reply to its msg_id %d (the operation then times out)", waiting)
	}
	return Diagnostic{
		Kind: StrayReply, Node: node, At: at,
		What:     what + ".",
		Evidence: Shorten(line),
		Advice: "A reply must go to the request's src, carry \"in_reply_to\" set to the request's \"msg_id\", and have the reply type (e.g. \"echo_ok\" for \"echo\"). " +
			"Maelstrom's libraries do this in reply/Reply (Go: n.Reply(msg, body)); send/Send does not set in_reply_to.",
	}
}

// Malformed diagnoses a reply of node of the wrong type or shape:
// request is what was sent, expected the shape a reply must have, and
// received the reply, all as JSON; reason says what is wrong.
func Malformed(node string, at time.Duration, request, expected, received, reason string) Diagnostic {
	return Diagnostic{
		Kind: BadReply, Node: node, At: at,
		What: fmt.Sprintf("Node %s answered a request with a malformed reply: %s. "+
			"The operation is recorded as :info with a malformed-rpc-response exception, as in Maelstrom.", node, reason),
		Evidence: fmt.Sprintf("request:  %s\nexpected: %s\nreceived: %s", Shorten(request), expected, Shorten(received)),
		Advice:   "Reply with exactly the keys shown as expected (msg_id may be added); Maelstrom's reply schemas are closed, so an extra key is also malformed.",
	}
}

// InitTimeout describes an init that node, still running, did not answer
// within timeout. partial is what it wrote to stdout after its last
// newline; stdout and stderr are its last lines.
func InitTimeout(node string, at, timeout time.Duration, partial string, stdout, stderr []string) Diagnostic {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected node %s to respond to an init message, but node did not respond within %s. It is still running.", node, timeout)
	switch {
	case partial != "":
		fmt.Fprintf(&b, " It did write this to stdout, but with no trailing newline, so it was never read as a message: %s", Shorten(partial))
	case len(stdout) == 0:
		fmt.Fprintf(&b, "\n%s wrote nothing at all to stdout. If it did print its init_ok, its stdout is probably buffered and was never flushed: flush after every message. "+
			"Python: print(json.dumps(msg), flush=True); Go: call Flush() on your bufio.Writer after each message (or write to os.Stdout directly); "+
			"Ruby: $stdout.sync = true at the start; Node.js: process.stdout.write(JSON.stringify(msg) + \"\\n\").", node)
	default:
		fmt.Fprintf(&b, "\nNone of its stdout lines answered the init (a reply goes to the init's src, with type init_ok and in_reply_to set to its msg_id). Its last stdout lines:\n%s",
			indent(Shorten(strings.Join(stdout, "\n")), "    "))
	}
	if len(stderr) == 0 {
		b.WriteString("\nIt wrote nothing to stderr.")
	} else {
		fmt.Fprintf(&b, "\nIts last stderr lines:\n%s", indent(strings.Join(stderr, "\n"), "    "))
	}
	return Diagnostic{Kind: InitUnanswered, Node: node, At: at, What: b.String(), Fatal: true}
}

// Shorten cuts s to the length a diagnostic shows.
func Shorten(s string) string {
	if len(s) <= maxEvidence {
		return s
	}
	return fmt.Sprintf("%s... (%d bytes in all)", strings.ToValidUTF8(s[:maxEvidence], ""), len(s))
}

// sentence ends s with a full stop unless it ends with punctuation.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

package runner

// The test binary doubles as the nodes the orchestration tests run: started
// with nodeFlag and a behaviour as its first arguments, it runs that node
// instead of the tests (the os/exec "helper process" pattern), so the tests
// need no node built beforehand.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

const nodeFlag = "-runner-test-node"

// Node behaviours.
const (
	nodeEcho      = "echo"      // answers init and echo; anything else gets error 10
	nodeBroadcast = "broadcast" // answers topology, broadcast and read; gossips with retries
	nodeSilent    = "silent"    // reads its input and never writes a byte
	nodePartial   = "partial"   // writes half a message with no newline, then nothing
	nodeCrash     = "crash"     // an echo node that exits with status 3 on its third echo
	nodeSpawn     = "spawn"     // an echo node that starts a child and writes both pids to args[0]/<id>.pids
	nodeSleep     = "sleep"     // the child of spawn: sleeps
	nodeOnce      = "once"      // an echo node whose later incarnations exit at once (args[0]: a marker file)
	nodeMute      = "mute"      // a spawn node that never answers init
	nodeInitOnly  = "init-only" // answers init and nothing else
)

func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == nodeFlag {
		os.Exit(runTestNode(os.Args[2], os.Args[3:]))
	}
	code := m.Run()
	removeBrokenNodes()
	os.Exit(code)
}

// nodeConfig returns the Bin and Args that run the test binary as a node
// with the given behaviour.
func nodeConfig(t *testing.T, behaviour string, args ...string) (bin string, binArgs []string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe, append([]string{nodeFlag, behaviour}, args...)
}

type envelope struct {
	Src  string         `json:"src"`
	Dest string         `json:"dest"`
	Body map[string]any `json:"body"`
}

// testNode is a minimal Maelstrom node, written against the protocol
// directly so that it can also misbehave.
type testNode struct {
	behaviour string
	args      []string

	mu      sync.Mutex
	out     *json.Encoder
	id      string
	peers   []string
	msgID   int64
	echoes  int
	seen    map[int64]bool
	unacked map[string]map[int64]bool // peer -> gossiped values not yet acknowledged
}

func runTestNode(behaviour string, args []string) int {
	switch behaviour {
	case nodeSilent:
		_, _ = io.Copy(io.Discard, os.Stdin)
		return 0
	case nodePartial:
		fmt.Print(`{"src":"n0","dest":`)
		_, _ = io.Copy(io.Discard, os.Stdin)
		return 0
	case nodeSleep:
		time.Sleep(time.Minute)
		return 0
	case nodeOnce:
		f, err := os.OpenFile(args[0], os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "not the first incarnation: exiting")
			return 1
		}
		f.Close()
		behaviour = nodeEcho
	}
	n := &testNode{behaviour: behaviour, args: args, out: json.NewEncoder(os.Stdout),
		seen: map[int64]bool{}, unacked: map[string]map[int64]bool{}}
	if behaviour == nodeBroadcast {
		go n.resendGossip()
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<20)
	for in.Scan() {
		var m envelope
		if err := json.Unmarshal(in.Bytes(), &m); err != nil {
			fmt.Fprintf(os.Stderr, "bad input: %v\n", err)
			return 2
		}
		if code := n.handle(m); code >= 0 {
			return code
		}
	}
	return 0
}

// handle answers one message; a non-negative result is an exit status.
func (n *testNode) handle(m envelope) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	typ, _ := m.Body["type"].(string)
	switch {
	case typ == "init":
		n.id, _ = m.Body["node_id"].(string)
		for _, id := range m.Body["node_ids"].([]any) {
			if id != n.id {
				n.peers = append(n.peers, id.(string))
			}
		}
		if n.behaviour == nodeSpawn || n.behaviour == nodeMute {
			if err := n.spawn(); err != nil {
				fmt.Fprintf(os.Stderr, "spawn: %v\n", err)
				return 2
			}
		}
		if n.behaviour != nodeMute {
			n.reply(m, map[string]any{"type": "init_ok"})
		}
	case n.behaviour == nodeInitOnly:
	case typ == "echo" && n.behaviour != nodeBroadcast:
		n.echoes++
		if n.behaviour == nodeCrash && n.echoes == 3 {
			fmt.Fprintln(os.Stderr, "boom: the third echo")
			return 3
		}
		n.reply(m, map[string]any{"type": "echo_ok", "echo": m.Body["echo"]})
	case typ == "topology" && n.behaviour == nodeBroadcast:
		mine, _ := json.Marshal(m.Body["topology"].(map[string]any)[n.id])
		fmt.Fprintf(os.Stderr, "topology of %s: %s\n", n.id, mine)
		n.reply(m, map[string]any{"type": "topology_ok"})
	case typ == "broadcast" && n.behaviour == nodeBroadcast:
		v := int64(m.Body["message"].(float64))
		n.seen[v] = true
		for _, p := range n.peers {
			if n.unacked[p] == nil {
				n.unacked[p] = map[int64]bool{}
			}
			n.unacked[p][v] = true
			n.send(p, map[string]any{"type": "gossip", "message": v})
		}
		n.reply(m, map[string]any{"type": "broadcast_ok"})
	case typ == "gossip" && n.behaviour == nodeBroadcast:
		v := int64(m.Body["message"].(float64))
		n.seen[v] = true
		n.send(m.Src, map[string]any{"type": "gossip_ok", "message": v})
	case typ == "gossip_ok" && n.behaviour == nodeBroadcast:
		delete(n.unacked[m.Src], int64(m.Body["message"].(float64)))
	case typ == "read" && n.behaviour == nodeBroadcast:
		vs := make([]int64, 0, len(n.seen))
		for v := range n.seen {
			vs = append(vs, v)
		}
		slices.Sort(vs)
		n.reply(m, map[string]any{"type": "read_ok", "messages": vs})
	default:
		n.reply(m, map[string]any{"type": "error", "code": 10, "text": "unsupported: " + typ})
	}
	return -1
}

// resendGossip sends every unacknowledged value again, so that values
// cross a healed partition.
func (n *testNode) resendGossip() {
	for range time.Tick(50 * time.Millisecond) {
		n.mu.Lock()
		for p, vs := range n.unacked {
			for v := range vs {
				n.send(p, map[string]any{"type": "gossip", "message": v})
			}
		}
		n.mu.Unlock()
	}
}

func (n *testNode) spawn() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(exe, nodeFlag, nodeSleep)
	if err := child.Start(); err != nil {
		return err
	}
	pids := fmt.Sprintf("%d\n%d\n", os.Getpid(), child.Process.Pid)
	return os.WriteFile(filepath.Join(n.args[0], n.id+".pids"), []byte(pids), 0o644)
}

func (n *testNode) reply(req envelope, body map[string]any) {
	body["in_reply_to"] = req.Body["msg_id"]
	n.send(req.Src, body)
}

func (n *testNode) send(dest string, body map[string]any) {
	n.msgID++
	body["msg_id"] = n.msgID
	if err := n.out.Encode(envelope{Src: n.id, Dest: dest, Body: body}); err != nil {
		os.Exit(2)
	}
}

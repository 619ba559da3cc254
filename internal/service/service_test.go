package service

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/jsonvalue"
	"github.com/glomers/glomers/internal/message"
)

// body decodes a JSON body as a node would send it.
func body(t *testing.T, s string) message.Body {
	t.Helper()
	v, err := jsonvalue.Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return message.Body(v.(map[string]any))
}

// step is one request and the reply it must get, both as JSON ("" = no
// reply).
type step struct {
	req, want string
}

// kvSteps hold for lin-kv, and for seq-kv with a single caller (whose view
// is always the newest state, since only it changes the state).
var kvSteps = []struct {
	name  string
	steps []step
}{
	{"read missing", []step{
		{`{"type":"read","key":"x","msg_id":1}`, `{"type":"error","code":20,"text":"key does not exist","in_reply_to":1}`},
	}},
	{"write then read", []step{
		{`{"type":"write","key":"x","value":3,"msg_id":1}`, `{"type":"write_ok","in_reply_to":1}`},
		{`{"type":"read","key":"x","msg_id":2}`, `{"type":"read_ok","value":3,"in_reply_to":2}`},
	}},
	{"no msg_id gives null in_reply_to", []step{
		{`{"type":"write","key":"x","value":3}`, `{"type":"write_ok","in_reply_to":null}`},
	}},
	{"unknown type gets no reply", []step{
		{`{"type":"delete","key":"x","msg_id":1}`, ``},
		{`{"type":"ts","msg_id":2}`, ``},
	}},
	{"cas", []step{
		{`{"type":"write","key":"x","value":1,"msg_id":1}`, `{"type":"write_ok","in_reply_to":1}`},
		{`{"type":"cas","key":"x","from":1,"to":2,"msg_id":2}`, `{"type":"cas_ok","in_reply_to":2}`},
		{`{"type":"read","key":"x","msg_id":3}`, `{"type":"read_ok","value":2,"in_reply_to":3}`},
		{`{"type":"cas","key":"x","from":1,"to":5,"msg_id":4}`, `{"type":"error","code":22,"text":"current value 2 is not 1","in_reply_to":4}`},
		{`{"type":"cas","key":"x","from":2,"to":2,"msg_id":5}`, `{"type":"cas_ok","in_reply_to":5}`},
	}},
	{"cas missing key", []step{
		{`{"type":"cas","key":"x","from":1,"to":2,"msg_id":1}`, `{"type":"error","code":20,"text":"key does not exist","in_reply_to":1}`},
		{`{"type":"cas","key":"x","from":1,"to":2,"create_if_not_exists":false,"msg_id":2}`, `{"type":"error","code":20,"text":"key does not exist","in_reply_to":2}`},
	}},
	{"cas create_if_not_exists", []step{
		{`{"type":"cas","key":"x","from":7,"to":2,"create_if_not_exists":true,"msg_id":1}`, `{"type":"cas_ok","in_reply_to":1}`},
		{`{"type":"read","key":"x","msg_id":2}`, `{"type":"read_ok","value":2,"in_reply_to":2}`},
		{`{"type":"cas","key":"x","from":7,"to":3,"create_if_not_exists":true,"msg_id":3}`, `{"type":"error","code":22,"text":"current value 2 is not 7","in_reply_to":3}`},
	}},
	{"1, 1.0 and \"1\" are different keys", []step{
		{`{"type":"write","key":1,"value":"int","msg_id":1}`, `{"type":"write_ok","in_reply_to":1}`},
		{`{"type":"read","key":1.0,"msg_id":2}`, `{"type":"error","code":20,"text":"key does not exist","in_reply_to":2}`},
		{`{"type":"read","key":"1","msg_id":3}`, `{"type":"error","code":20,"text":"key does not exist","in_reply_to":3}`},
		{`{"type":"read","key":1,"msg_id":4}`, `{"type":"read_ok","value":"int","in_reply_to":4}`},
	}},
	{"1 and 1.0 are different values", []step{
		{`{"type":"write","key":"x","value":1.0,"msg_id":1}`, `{"type":"write_ok","in_reply_to":1}`},
		{`{"type":"cas","key":"x","from":1,"to":2,"msg_id":2}`, `{"type":"error","code":22,"text":"current value 1.0 is not 1","in_reply_to":2}`},
		{`{"type":"read","key":"x","msg_id":3}`, `{"type":"read_ok","value":1.0,"in_reply_to":3}`},
	}},
	{"EDN in the code-22 text", []step{
		{`{"type":"write","key":"x","value":"a\"b","msg_id":1}`, `{"type":"write_ok","in_reply_to":1}`},
		{`{"type":"cas","key":"x","from":null,"to":2,"msg_id":2}`, `{"type":"error","code":22,"text":"current value \"a\\\"b\" is not nil","in_reply_to":2}`},
		{`{"type":"write","key":"x","value":{"b":[1,2.5,null],"a":1},"msg_id":3}`, `{"type":"write_ok","in_reply_to":3}`},
		{`{"type":"cas","key":"x","from":"s","to":2,"msg_id":4}`, `{"type":"error","code":22,"text":"current value {\"a\" 1, \"b\" [1 2.5 nil]} is not \"s\"","in_reply_to":4}`},
		{`{"type":"cas","key":"x","from":{"a":1,"b":[1,2.5,null]},"to":true,"msg_id":5}`, `{"type":"cas_ok","in_reply_to":5}`},
		{`{"type":"cas","key":"x","from":false,"to":1,"msg_id":6}`, `{"type":"error","code":22,"text":"current value true is not false","in_reply_to":6}`},
	}},
	{"structured keys", []step{
		{`{"type":"write","key":{"a":[1]},"value":1,"msg_id":1}`, `{"type":"write_ok","in_reply_to":1}`},
		{`{"type":"read","key":{"a":[1]},"msg_id":2}`, `{"type":"read_ok","value":1,"in_reply_to":2}`},
		{`{"type":"read","key":{"a":[1.0]},"msg_id":3}`, `{"type":"error","code":20,"text":"key does not exist","in_reply_to":3}`},
	}},
	{"null key and value", []step{
		{`{"type":"write","key":null,"value":null,"msg_id":1}`, `{"type":"write_ok","in_reply_to":1}`},
		{`{"type":"read","key":null,"msg_id":2}`, `{"type":"read_ok","value":null,"in_reply_to":2}`},
		{`{"type":"cas","key":null,"from":null,"to":1,"msg_id":3}`, `{"type":"cas_ok","in_reply_to":3}`},
	}},
}

func runSteps(t *testing.T, s Service, src string, steps []step) {
	t.Helper()
	for _, st := range steps {
		got := s.Handle(src, body(t, st.req))
		if st.want == "" {
			if got != nil {
				t.Errorf("%s: got %v, want no reply", st.req, got)
			}
			continue
		}
		if want := body(t, st.want); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got  %#v\n want %#v", st.req, got, want)
		}
	}
}

func TestKVBodies(t *testing.T) {
	services := map[string]func() Service{
		"lin-kv": func() Service { return NewLinKV() },
		"seq-kv": func() Service { return NewSeqKV(rand.New(rand.NewPCG(1, 2))) },
	}
	for sname, mk := range services {
		for _, tt := range kvSteps {
			t.Run(sname+"/"+tt.name, func(t *testing.T) { runSteps(t, mk(), "n0", tt.steps) })
		}
	}
}

func TestLinTSO(t *testing.T) {
	runSteps(t, NewLinTSO(), "n0", []step{
		{`{"type":"ts","msg_id":1}`, `{"type":"ts_ok","ts":0,"in_reply_to":1}`},
		{`{"type":"ts","msg_id":2}`, `{"type":"ts_ok","ts":1,"in_reply_to":2}`},
		{`{"type":"read","key":1,"msg_id":3}`, ``},
		{`{"type":"ts"}`, `{"type":"ts_ok","ts":2,"in_reply_to":null}`},
	})
}

func TestLWWKVBodies(t *testing.T) {
	s := NewLWWKV(rand.New(rand.NewPCG(3, 4)))
	// Write often enough that both replicas surely hold the value.
	for range 64 {
		s.Handle("n0", body(t, `{"type":"write","key":"x","value":1}`))
	}
	for range 8 {
		runSteps(t, s, "n0", []step{
			{`{"type":"read","key":"y","msg_id":1}`, `{"type":"error","code":20,"text":"key does not exist","in_reply_to":1}`},
			{`{"type":"cas","key":"y","from":1,"to":2,"create_if_not_exists":true,"msg_id":2}`, `{"type":"error","code":20,"text":"key does not exist","in_reply_to":2}`},
			{`{"type":"read","key":"x","msg_id":3}`, `{"type":"read_ok","value":1,"in_reply_to":3}`},
			{`{"type":"cas","key":"x","from":"s","to":2,"msg_id":4}`, `{"type":"error","code":22,"text":"current value 1 is not s","in_reply_to":4}`},
			{`{"type":"cas","key":"x","from":null,"to":2,"msg_id":5}`, `{"type":"error","code":22,"text":"current value 1 is not ","in_reply_to":5}`},
			{`{"type":"cas","key":"x","from":[1,"a"],"to":2,"msg_id":6}`, `{"type":"error","code":22,"text":"current value 1 is not [1 \"a\"]","in_reply_to":6}`},
			{`{"type":"cas","key":"x","from":1,"to":1,"msg_id":7}`, `{"type":"cas_ok","in_reply_to":7}`},
			{`{"type":"ts","msg_id":8}`, ``},
		})
	}
}

// TestLWWKVNeverConverges shows the behaviour we chose to reproduce: the
// two replicas never merge, so after a second write reads keep flipping
// between the old and the new value.
func TestLWWKVNeverConverges(t *testing.T) {
	s := NewLWWKV(rand.New(rand.NewPCG(5, 6)))
	for range 64 {
		s.Handle("n0", body(t, `{"type":"write","key":"x","value":1}`))
	}
	s.Handle("n0", body(t, `{"type":"write","key":"x","value":2}`))
	for round := range 10 {
		seen := map[int64]int{}
		for range 100 {
			r := s.Handle("n1", body(t, `{"type":"read","key":"x"}`))
			v, _ := r.Int("value")
			seen[v]++
		}
		if len(seen) != 2 {
			t.Fatalf("round %d: reads saw %v, want both 1 and 2", round, seen)
		}
	}
}

func TestNew(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, name := range Names {
		if s, err := New(name, rng); err != nil || s == nil {
			t.Errorf("New(%q) = %v, %v", name, s, err)
		}
	}
	if _, err := New("lin-tsx", rng); err == nil {
		t.Error("New(lin-tsx) succeeded")
	}
}

func TestServe(t *testing.T) {
	s := NewLinKV()
	send := func(b string) (message.Message, bool) {
		t.Helper()
		m, ok, err := Serve(s, "lin-kv", message.Message{Src: "n1", Dest: "lin-kv", Body: json.RawMessage(b)})
		if err != nil {
			t.Fatalf("Serve(%s): %v", b, err)
		}
		return m, ok
	}
	send(`{"type":"write","key":"k","value":{"f":1.0,"i":1,"s":"<&>","l":[2.0,1e300]},"msg_id":1}`)
	m, ok := send(`{"type":"read","key":"k","msg_id":2}`)
	if !ok || m.Src != "lin-kv" || m.Dest != "n1" {
		t.Fatalf("reply %+v, %v", m, ok)
	}
	want := `{"in_reply_to":2,"type":"read_ok","value":{"f":1.0,"i":1,"l":[2.0,1e+300],"s":"\u003c\u0026\u003e"}}`
	if !bytes.Equal(m.Body, []byte(want)) {
		t.Errorf("reply body\n got  %s\n want %s", m.Body, want)
	}
	// The float survives a round trip through a node.
	v, _ := jsonvalue.Decode(m.Body)
	if f := v.(map[string]any)["value"].(map[string]any)["f"]; f != 1.0 {
		t.Errorf("f decoded as %T %v, want float64 1", f, f)
	}
	if _, ok := send(`{"type":"frobnicate","msg_id":3}`); ok {
		t.Error("unknown type got a reply")
	}
	if _, _, err := Serve(s, "lin-kv", message.Message{Src: "n1", Body: json.RawMessage(`[1]`)}); err == nil {
		t.Error("a non-object body gave no error")
	}
}

func TestEDN(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, "nil"},
		{true, "true"},
		{int64(-3), "-3"},
		{3, "3"},
		{1.0, "1.0"},
		{-0.5, "-0.5"},
		{0.0, "0.0"},
		{1e7, "1.0E7"},
		{1.5e-4, "1.5E-4"},
		{123456.75, "123456.75"},
		{1e300, "1.0E300"},
		{"a\"b\\c\nd", `"a\"b\\c\nd"`},
		{[]any{int64(1), "x", nil}, `[1 "x" nil]`},
		{map[string]any{"b": int64(2), "a": []any{}}, `{"a" [], "b" 2}`},
		{map[string]any{}, `{}`},
	}
	for _, tt := range tests {
		if got := EDN(tt.in); got != tt.want {
			t.Errorf("EDN(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

package netstats

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/glomers/glomers/internal/checker"
	"github.com/glomers/glomers/internal/history"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/network"
)

func ev(typ network.EventType, id int64, src, dest string) network.Event {
	return network.Event{Type: typ, Message: message.Message{ID: id, Src: src, Dest: dest}}
}

func ptr(f float64) *float64 { return &f }

func TestCheck(t *testing.T) {
	// Message 0: client request, sent and received. 1: its reply. 2 and 3:
	// node to node, 3 dropped. 4 and 5: node to service and back.
	journal := []network.Event{
		ev(network.Send, 0, "c1", "n1"),
		ev(network.Recv, 0, "c1", "n1"),
		ev(network.Send, 2, "n1", "n2"),
		ev(network.Send, 3, "n2", "n1"),
		ev(network.Recv, 2, "n1", "n2"),
		ev(network.Send, 4, "n1", "lin-kv"),
		ev(network.Recv, 4, "n1", "lin-kv"),
		ev(network.Send, 5, "lin-kv", "n1"),
		ev(network.Recv, 5, "lin-kv", "n1"),
		ev(network.Send, 1, "n1", "c1"),
		ev(network.Recv, 1, "n1", "c1"),
	}
	invokes := []history.Op{
		{Type: history.Info, Process: history.Nemesis, F: "start-partition"},
		{Type: history.Invoke, Process: history.Nemesis, F: "start-partition"},
		{Type: history.Invoke, Process: 0, F: "read"},
		{Type: history.OK, Process: 0, F: "read"},
		{Type: history.Invoke, Process: 1, F: "read"},
		{Type: history.Info, Process: 1, F: "read"},
	}
	tests := []struct {
		name    string
		journal []network.Event
		h       []history.Op
		want    Result
	}{
		{
			name: "empty",
			want: Result{Valid: checker.Valid},
		},
		{
			name:    "no invocations",
			journal: journal,
			want: Result{
				All:     Counts{SendCount: 6, RecvCount: 5, MsgCount: 6},
				Clients: Counts{SendCount: 2, RecvCount: 2, MsgCount: 2},
				Servers: Counts{SendCount: 4, RecvCount: 3, MsgCount: 4},
				Valid:   checker.Valid,
			},
		},
		{
			name:    "two client invocations",
			journal: journal,
			h:       invokes,
			want: Result{
				All:     Counts{SendCount: 6, RecvCount: 5, MsgCount: 6, MsgsPerOp: ptr(3)},
				Clients: Counts{SendCount: 2, RecvCount: 2, MsgCount: 2},
				Servers: Counts{SendCount: 4, RecvCount: 3, MsgCount: 4, MsgsPerOp: ptr(2)},
				Valid:   checker.Valid,
			},
		},
		{
			name:    "nemesis invocations only",
			journal: journal[:2],
			h:       invokes[:2],
			want: Result{
				All:     Counts{SendCount: 1, RecvCount: 1, MsgCount: 1},
				Clients: Counts{SendCount: 1, RecvCount: 1, MsgCount: 1},
				Valid:   checker.Valid,
			},
		},
		{
			name: "ids starting with c are clients",
			journal: []network.Event{
				ev(network.Send, 0, "n1", "c"),
				ev(network.Send, 1, "cas-service", "n2"),
				ev(network.Send, 2, "seq-kv", "n2"),
			},
			h: invokes[2:3],
			want: Result{
				All:     Counts{SendCount: 3, MsgCount: 3, MsgsPerOp: ptr(3)},
				Clients: Counts{SendCount: 2, MsgCount: 2},
				Servers: Counts{SendCount: 1, MsgCount: 1, MsgsPerOp: ptr(1)},
				Valid:   checker.Valid,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(network.SliceEvents(tt.journal), tt.h)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check =\n  %s\nwant\n  %s", show(got), show(tt.want))
			}
			if got.Validity() != checker.Valid {
				t.Errorf("Validity() = %v, want always valid", got.Validity())
			}
		})
	}
}

func show(r Result) string {
	f := func(c Counts) string {
		s := fmt.Sprintf("{send %d recv %d msgs %d", c.SendCount, c.RecvCount, c.MsgCount)
		if c.MsgsPerOp != nil {
			s += fmt.Sprintf(" per-op %g", *c.MsgsPerOp)
		}
		return s + "}"
	}
	return fmt.Sprintf("all %s clients %s servers %s valid %v", f(r.All), f(r.Clients), f(r.Servers), r.Valid)
}

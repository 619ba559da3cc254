package runner

import (
	"fmt"
	"math/rand/v2"

	"github.com/glomers/glomers/internal/mailbox"
	"github.com/glomers/glomers/internal/message"
	"github.com/glomers/glomers/internal/service"
)

// startServices puts Maelstrom's services on the network. Each one handles
// its requests one at a time, in delivery order, on its own goroutine,
// until the test's context ends.
func (t *test) startServices(rng *rand.Rand) error {
	t.log.info("Starting services: %v", service.Names)
	for _, name := range service.Names {
		svc, err := service.New(name, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
		if err != nil {
			return fmt.Errorf("start service %s: %w", name, err)
		}
		inbox := mailbox.New[message.Message]()
		t.drv.Register(name, inbox.Put)
		go t.serve(name, svc, inbox)
	}
	return nil
}

func (t *test) serve(name string, svc service.Service, inbox *mailbox.Mailbox[message.Message]) {
	for {
		select {
		case <-inbox.Ready():
		case <-t.servicesDone:
			return
		}
		for _, m := range inbox.TakeAll() {
			reply, ok, err := service.Serve(svc, name, m)
			switch {
			case err != nil:
				t.note(fmt.Errorf("service %s: %w", name, err))
			case !ok:
				t.note(fmt.Errorf("service %s: no handler for request %s from %s; no reply sent (Maelstrom's \"Error in service worker!\")", name, m.Body, m.Src))
			default:
				if _, err := t.drv.Send(reply); err != nil {
					t.log.log(false, "WARN", name, "reply to %s dropped: %v", m.Src, err)
				}
			}
		}
	}
}

package main

import (
	"encoding/json"
	"log"

	"github.com/glomers/glomers/node"
)

func main() {
	n := node.New()
	n.Handle("echo", func(msg node.Message) error {
		var req EchoRequest
		if err := json.Unmarshal(msg.Body, &req); err != nil {
			return err
		}
		return n.Reply(msg, Echo(req))
	})
	if err := n.Run(); err != nil {
		log.Fatal(err)
	}
}

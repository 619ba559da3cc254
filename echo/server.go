// Command echo is the solution to challenge 1: it answers every echo
// request with the same payload.
package main

// EchoRequest is the body of an echo request.
type EchoRequest struct {
	Echo any `json:"echo"`
}

// EchoReply is the body of the answer.
type EchoReply struct {
	Type string `json:"type"`
	Echo any    `json:"echo"`
}

// Echo is the server's whole protocol: the reply to a request.
func Echo(req EchoRequest) EchoReply {
	return EchoReply{Type: "echo_ok", Echo: req.Echo}
}

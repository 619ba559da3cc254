module github.com/glomers/glomers

go 1.26.8

require (
	github.com/anishathalye/porcupine v1.3.1 // indirect
	github.com/jepsen-io/maelstrom/demo/go v0.0.0-20251128144731-cb7f07239012 // indirect
	github.com/spf13/pflag v1.0.10 // indirect
	olympos.io/encoding/edn v0.0.0-20201019073823-d3554ca0b0a3 // indirect
)

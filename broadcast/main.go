package main

import "github.com/glomers/glomers/node"

func main() { node.Main(NewNode(DefaultConfig)) }

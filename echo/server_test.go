package main

import (
	"reflect"
	"testing"
)

func TestEcho(t *testing.T) {
	tests := []struct {
		name string
		in   any
	}{
		{"string", "Please echo 35"},
		{"number", 42.0},
		{"object", map[string]any{"a": []any{1.0, "b"}}},
		{"null", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Echo(EchoRequest{Echo: tt.in})
			if got.Type != "echo_ok" || !reflect.DeepEqual(got.Echo, tt.in) {
				t.Errorf("Echo(%v) = %+v", tt.in, got)
			}
		})
	}
}

package commands

import (
	"bytes"
	"os"
	"testing"
)

// TestReference keeps docs/reference.md equal to what the command tree
// says; UPDATE_GOLDEN=1 rewrites it.
func TestReference(t *testing.T) {
	var buf bytes.Buffer
	WriteReference(&buf)
	const path = "../docs/reference.md"
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("docs/reference.md is out of date with the commands: run UPDATE_GOLDEN=1 go test ./commands -run TestReference")
	}
}

package proc

import (
	"os"
	"testing"
)

func TestParseStartTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"1 (init) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 42 1 2", 42, true},
		{"7 (a (b) c) R 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 99 1 2", 99, true},
		{"7 (x) R 0 1", 0, false},
		{"garbage", 0, false},
	} {
		got, err := parseStartTime([]byte(tc.in))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseStartTime(%q) = %d, %v", tc.in, got, err)
		}
	}
}

func TestAliveSelf(t *testing.T) {
	t.Parallel()
	st, err := StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if !Alive(os.Getpid(), st) || Alive(os.Getpid(), st+1) || Alive(0, 0) {
		t.Fatal("Alive disagrees with /proc")
	}
}

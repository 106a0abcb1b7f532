package logs

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeLog writes entries ("stream:text") one second apart from base.
func writeLog(t *testing.T, lines ...string) (string, time.Time) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ctr.log")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i, l := range lines {
		stream, text, _ := strings.Cut(l, ":")
		line, _ := json.Marshal(Entry{Log: text + "\n", Stream: stream, Time: base.Add(time.Duration(i) * time.Second)})
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, base
}

func collect(t *testing.T, path string, o ReadOptions) string {
	t.Helper()
	var out []string
	err := Read(context.Background(), path, o, func(e *Entry) error {
		out = append(out, e.Stream[:3]+":"+strings.TrimSuffix(e.Log, "\n"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

func TestRead(t *testing.T) {
	t.Parallel()
	path, base := writeLog(t, "stdout:a", "stderr:b", "stdout:c", "stdout:d")
	for _, tc := range []struct {
		name string
		o    ReadOptions
		want string
	}{
		{"all", ReadOptions{Tail: -1}, "std:a std:b std:c std:d"},
		{"tail 2", ReadOptions{Tail: 2}, "std:c std:d"},
		{"tail 0", ReadOptions{Tail: 0}, ""},
		{"tail more than there is", ReadOptions{Tail: 10}, "std:a std:b std:c std:d"},
		{"since", ReadOptions{Tail: -1, Since: base.Add(2 * time.Second)}, "std:c std:d"},
		{"until", ReadOptions{Tail: -1, Until: base.Add(time.Second)}, "std:a std:b"},
		{"tail and since", ReadOptions{Tail: 3, Since: base.Add(2 * time.Second)}, "std:c std:d"},
	} {
		if got := collect(t, path, tc.o); got != tc.want {
			t.Errorf("%s: got %q want %q", tc.name, got, tc.want)
		}
	}
	if got := collect(t, filepath.Join(t.TempDir(), "none.log"), ReadOptions{Tail: -1}); got != "" {
		t.Errorf("missing log: %q", got)
	}
}

// A follower sees entries written later, a line cut in two once, and
// stops when Done says so.
func TestReadFollow(t *testing.T) {
	t.Parallel()
	path, _ := writeLog(t, "stdout:first")
	seen, stop := follower(t, path)
	<-seen
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	line := `{"log":"second\n","stream":"stdout","time":"2024-01-01T00:00:05Z"}` + "\n"
	_, _ = f.WriteString(line[:20]) // a torn write: the rest comes later
	time.Sleep(50 * time.Millisecond)
	_, _ = f.WriteString(line[20:])
	f.Close()
	select {
	case <-seen:
	case <-time.After(5 * time.Second):
		t.Fatal("the follower did not see the appended entry")
	}
	if got := stop(); strings.Join(got, " ") != "first second" {
		t.Errorf("followed %q", got)
	}
}

// follower reads path with Follow in the background: seen gets a value
// per entry; stop makes Done true and returns the entries read.
func follower(t *testing.T, path string) (seen chan struct{}, stop func() []string) {
	t.Helper()
	var mu sync.Mutex
	done := false
	var got []string
	seen = make(chan struct{}, 10)
	errc := make(chan error, 1)
	go func() {
		errc <- Read(context.Background(), path, ReadOptions{Tail: -1, Follow: true, Done: func() bool {
			mu.Lock()
			defer mu.Unlock()
			return done
		}}, func(e *Entry) error {
			got = append(got, strings.TrimSpace(e.Log))
			seen <- struct{}{}
			return nil
		})
	}()
	return seen, func() []string {
		mu.Lock()
		done = true
		mu.Unlock()
		select {
		case err := <-errc:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the follower did not stop when done")
		}
		return got
	}
}

// Rotated files are read oldest first, and tail counts across them.
func TestReadRotated(t *testing.T) {
	t.Parallel()
	path, _ := writeLog(t, "stdout:e", "stdout:f")
	older, _ := writeLog(t, "stdout:a", "stdout:b")
	old, _ := writeLog(t, "stdout:c", "stdout:d")
	for src, dst := range map[string]string{older: path + ".2", old: path + ".1"} {
		if err := os.Rename(src, dst); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		tail int
		want string
	}{
		{-1, "std:a std:b std:c std:d std:e std:f"},
		{1, "std:f"},
		{3, "std:d std:e std:f"},
		{5, "std:b std:c std:d std:e std:f"},
		{9, "std:a std:b std:c std:d std:e std:f"},
	} {
		if got := collect(t, path, ReadOptions{Tail: tc.tail}); got != tc.want {
			t.Errorf("tail %d: got %q want %q", tc.tail, got, tc.want)
		}
	}
}

// A follower goes on in the new file after a rotation.
func TestReadFollowRotation(t *testing.T) {
	t.Parallel()
	path, _ := writeLog(t, "stdout:first")
	seen, stop := follower(t, path)
	<-seen
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	line := `{"log":"second\n","stream":"stdout","time":"2024-01-01T00:00:05Z"}` + "\n"
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	select {
	case <-seen:
	case <-time.After(5 * time.Second):
		t.Fatal("the follower did not see the entry in the new file")
	}
	if got := stop(); strings.Join(got, " ") != "first second" {
		t.Errorf("followed %q", got)
	}
}

package logs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// ReadOptions choose the entries Read passes on.
type ReadOptions struct {
	// Tail starts with the last Tail entries; negative: all of them.
	Tail int
	// Since skips entries older than it; Until ends the reading (and the
	// following) at the first entry newer than it. Zero: unbounded.
	Since, Until time.Time
	// Follow keeps reading as the log grows until Done reports that
	// nothing more will be written.
	Follow bool
	Done   func() bool
}

// pollInterval bounds how long a follower sleeps between checks of Done
// when the log does not change.
const pollInterval = 200 * time.Millisecond

// Read calls fn for each entry of the json-file log at path that the
// options select, in order. A log that does not exist has no entries.
func Read(ctx context.Context, path string, o ReadOptions, fn func(*Entry) error) error {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	defer f.Close()
	if o.Tail >= 0 {
		off, err := tailOffset(f, o.Tail)
		if err != nil {
			return err
		}
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return err
		}
	}
	var w *watcher
	if o.Follow {
		w = newWatcher(path) // nil when inotify is unavailable: poll
		defer w.close()
	}
	r := &reader{br: bufio.NewReaderSize(f, 64*1024), o: &o, fn: fn}
	for {
		done := !o.Follow || o.Done == nil || o.Done()
		stop, err := r.readAvailable()
		if stop || err != nil || done {
			return err
		}
		if !o.Until.IsZero() && time.Now().After(o.Until) {
			return nil
		}
		if err := w.wait(ctx); err != nil {
			return err
		}
	}
}

// reader decodes entries, keeping a line cut short by the end of the
// file until its rest arrives.
type reader struct {
	br      *bufio.Reader
	pending []byte
	o       *ReadOptions
	fn      func(*Entry) error
}

// readAvailable passes on every complete entry written so far; stop is
// true once an entry lies past Until.
func (r *reader) readAvailable() (stop bool, err error) {
	for {
		line, err := r.br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return true, err
		}
		if err != nil { // end of what is written so far
			r.pending = append(r.pending, line...)
			return false, nil
		}
		if len(r.pending) > 0 {
			line = append(r.pending, line...)
			r.pending = nil
		}
		var e Entry
		if json.Unmarshal(bytes.TrimSpace(line), &e) != nil {
			continue // not an entry (a torn write after a crash)
		}
		if !r.o.Since.IsZero() && e.Time.Before(r.o.Since) {
			continue
		}
		if !r.o.Until.IsZero() && e.Time.After(r.o.Until) {
			return true, nil
		}
		if err := r.fn(&e); err != nil {
			return true, err
		}
	}
}

// tailOffset is where the last n lines of f begin.
func tailOffset(f *os.File, n int) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	end := st.Size()
	if n == 0 {
		return end, nil
	}
	buf := make([]byte, 32*1024)
	seen := 0
	for pos := end; pos > 0; {
		size := min(int64(len(buf)), pos)
		pos -= size
		if _, err := f.ReadAt(buf[:size], pos); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		for i := size - 1; i >= 0; i-- {
			if buf[i] != '\n' || pos+i == end-1 {
				continue // the final newline ends the last line
			}
			if seen++; seen == n {
				return pos + i + 1, nil
			}
		}
	}
	return 0, nil
}

// watcher wakes a follower when the log changes (inotify), or after
// pollInterval.
type watcher struct{ fd int }

func newWatcher(path string) *watcher {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_MODIFY|unix.IN_CLOSE_WRITE|unix.IN_DELETE_SELF); err != nil {
		unix.Close(fd)
		return nil
	}
	return &watcher{fd: fd}
}

// wait returns after a change, pollInterval, or with ctx's error.
func (w *watcher) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w == nil {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval / 4):
			return nil
		}
	}
	fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
	if n, _ := unix.Poll(fds, int(pollInterval/time.Millisecond)); n > 0 {
		buf := make([]byte, 4096)
		for {
			if n, err := unix.Read(w.fd, buf); n <= 0 || err != nil {
				break
			}
		}
	}
	return ctx.Err()
}

func (w *watcher) close() {
	if w != nil {
		unix.Close(w.fd)
	}
}

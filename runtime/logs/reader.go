package logs

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strconv"
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
// options select, in order: first the rotated files (path.N ... path.1,
// oldest first), then path itself, which a follower reopens when it is
// rotated away. A log that does not exist has no entries.
func Read(ctx context.Context, path string, o ReadOptions, fn func(*Entry) error) error {
	files := append(rotated(path), path)
	first, off := 0, int64(0)
	if o.Tail >= 0 {
		var err error
		if first, off, err = tailStart(files, o.Tail); err != nil {
			return err
		}
	}
	r := &reader{o: &o, fn: fn}
	for ; first < len(files)-1; first++ {
		if stop, err := r.readFile(files[first], off); stop || err != nil {
			return err
		}
		off = 0
	}
	return r.follow(ctx, path, off)
}

// rotated lists the rotated files of the log at path, oldest first.
func rotated(path string) []string {
	var out []string
	for i := 1; ; i++ {
		name := path + "." + strconv.Itoa(i)
		if _, err := os.Stat(name); err != nil {
			break
		}
		out = append([]string{name}, out...)
	}
	return out
}

// tailStart finds where the last n entries of files begin: the index of
// the file and the offset in it.
func tailStart(files []string, n int) (int, int64, error) {
	for i := len(files) - 1; i >= 0; i-- {
		f, err := os.Open(files[i])
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return 0, 0, err
		}
		off, left, err := tailOffset(f, n)
		f.Close()
		if err != nil {
			return 0, 0, err
		}
		if left == 0 || i == 0 {
			return i, off, nil
		}
		n = left
	}
	return len(files) - 1, 0, nil
}

// readFile passes on the entries of a rotated (complete) file from off.
func (r *reader) readFile(name string, off int64) (stop bool, err error) {
	f, err := os.Open(name)
	if err != nil {
		if os.IsNotExist(err) {
			return false, nil // rotated away meanwhile
		}
		return true, err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return true, err
	}
	r.br = bufio.NewReaderSize(f, 64*1024)
	r.pending = nil
	return r.readAvailable()
}

// follow reads the live file from off and, when following, goes on as it
// grows, reopening it after a rotation.
func (r *reader) follow(ctx context.Context, path string, off int64) error {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	defer func() { f.Close() }()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	var w *watcher
	if r.o.Follow {
		w = newWatcher(path) // nil when inotify is unavailable: poll
		defer func() { w.close() }()
	}
	r.br, r.pending = bufio.NewReaderSize(f, 64*1024), nil
	for {
		done := !r.o.Follow || r.o.Done == nil || r.o.Done()
		stop, err := r.readAvailable()
		if stop || err != nil {
			return err
		}
		if replaced(f, path) {
			// Rotated: what the old file still held is read; go on with
			// the new one from its start.
			nf, err := os.Open(path)
			if err == nil {
				f.Close()
				f = nf
				w.close()
				w = newWatcher(path)
				r.br, r.pending = bufio.NewReaderSize(f, 64*1024), nil
				continue
			}
		}
		if done {
			return nil
		}
		if !r.o.Until.IsZero() && time.Now().After(r.o.Until) {
			return nil
		}
		if err := w.wait(ctx); err != nil {
			return err
		}
	}
}

// replaced reports whether path now names another file than f.
func replaced(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && !os.SameFile(a, b)
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
		e, ok := parseEntry(line)
		if !ok {
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

// tailOffset is where the last n lines of f begin; left is how many of
// the n lines f lacks (0 when it holds them all).
func tailOffset(f *os.File, n int) (off int64, left int, err error) {
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	end := st.Size()
	if n == 0 {
		return end, 0, nil
	}
	buf := make([]byte, 32*1024)
	seen := 0
	for pos := end; pos > 0; {
		size := min(int64(len(buf)), pos)
		pos -= size
		if _, err := f.ReadAt(buf[:size], pos); err != nil && !errors.Is(err, io.EOF) {
			return 0, 0, err
		}
		for i := size - 1; i >= 0; i-- {
			if buf[i] != '\n' || pos+i == end-1 {
				continue // the final newline ends the last line
			}
			if seen++; seen == n {
				return pos + i + 1, 0, nil
			}
		}
	}
	if end > 0 {
		seen++ // the first line has no newline before it
	}
	return 0, max(n-seen, 0), nil
}

// watcher wakes a follower when the log changes (inotify), or after
// pollInterval.
type watcher struct{ fd int }

func newWatcher(path string) *watcher {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_MODIFY|unix.IN_CLOSE_WRITE|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF); err != nil {
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

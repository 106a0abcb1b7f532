// Package logs reads and writes container logs: docker's json-file, one
// JSON object per line, {"log":"text\n","stream":"stdout","time":"..."},
// and podman's k8s-file (k8sfile.go), which the reader takes too. The
// monitor writes; `logs` reads, filters and follows (the journal's
// entries come through journalctl: journal.go).
//
// It imports nothing from skiff.
package logs

import (
	"bytes"
	"encoding/json"
	"os"
	"sync"
	"time"
)

// maxLine is where docker splits a line that has no newline yet.
const maxLine = 16 * 1024

// TimestampLayout is how `logs -t` prints times: RFC 3339 with a fixed
// nine-digit fraction, as docker does.
const TimestampLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Entry is one log record.
type Entry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// Writer appends entries to a json-file log. Output is split into lines;
// a partial line waits for its newline (or maxLine bytes, or Close).
type Writer struct {
	mu      sync.Mutex
	f       *os.File
	partial map[string][]byte
	buf     bytes.Buffer
}

// NewWriter opens path for appending.
func NewWriter(path string) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &Writer{f: f, partial: map[string][]byte{}}, nil
}

// Write logs p as output on stream ("stdout" or "stderr").
func (w *Writer) Write(stream string, p []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now().UTC()
	data := append(w.partial[stream], p...)
	w.buf.Reset()
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		w.entry(stream, data[:i+1], now)
		data = data[i+1:]
	}
	for len(data) >= maxLine {
		w.entry(stream, data[:maxLine], now)
		data = data[maxLine:]
	}
	w.partial[stream] = append([]byte(nil), data...)
	if w.buf.Len() == 0 {
		return nil
	}
	_, err := w.f.Write(w.buf.Bytes())
	return err
}

func (w *Writer) entry(stream string, line []byte, t time.Time) {
	b, _ := json.Marshal(Entry{Log: string(line), Stream: stream, Time: t})
	w.buf.Write(b)
	w.buf.WriteByte('\n')
}

// Flush writes out partial lines: the output of a run that ended
// without a final newline.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flush()
}

func (w *Writer) flush() error {
	w.buf.Reset()
	now := time.Now().UTC()
	for _, stream := range []string{"stdout", "stderr"} {
		if p := w.partial[stream]; len(p) > 0 {
			w.entry(stream, p, now)
			w.partial[stream] = nil
		}
	}
	if w.buf.Len() == 0 {
		return nil
	}
	_, err := w.f.Write(w.buf.Bytes())
	return err
}

// Close flushes partial lines and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.flush()
	return w.f.Close()
}

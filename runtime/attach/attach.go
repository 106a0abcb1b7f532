// Package attach is the wire protocol between a container's monitor and
// the clients attached to it (run, start -a, attach): frames of
// [kind byte][length uint32 big-endian][payload] over a unix socket.
//
// It imports nothing from skiff.
package attach

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Frame kinds. monitor.c numbers them the same (KIND_*), which
// runtime/monitor's kinds_test.go checks.
const (
	KindStdin      byte = 0 // client -> monitor: input
	KindStdout     byte = 1 // monitor -> client: output (all output with a tty)
	KindStderr     byte = 2 // monitor -> client: error output
	KindExit       byte = 3 // monitor -> client: {"code":N}; the last frame
	KindResize     byte = 4 // client -> monitor: "ROWS COLS"
	KindCloseStdin byte = 5 // client -> monitor: the client's input ended
	KindHello      byte = 6 // client -> monitor: "stdin=1 stdout=1 stderr=1 cleanup=1 rows=R cols=C", the first frame
	// KindReaped goes, instead of KindExit, to the client whose hello said
	// cleanup=1: "code=N finished=UNIXNANO". That client records the exit
	// and cleans up, then answers KindCleanedUp; only then do the other
	// clients get KindExit. A client that goes away without answering
	// leaves the work to the monitor's cleanup role.
	KindReaped    byte = 7
	KindCleanedUp byte = 8 // client -> monitor: the exit is recorded
)

// maxFrame bounds a frame's payload.
const maxFrame = 1 << 20

// Hello says which streams a client wants and, for a terminal, its size.
type Hello struct {
	Stdin, Stdout, Stderr bool
	// Cleanup offers to record the exit and clean up (KindReaped).
	Cleanup bool
	Size    *Resize
}

// WriteHello sends h, in the monitor's text form.
func WriteHello(w io.Writer, h Hello) error {
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	p := fmt.Sprintf("stdin=%d stdout=%d stderr=%d", b(h.Stdin), b(h.Stdout), b(h.Stderr))
	if h.Cleanup {
		p += " cleanup=1"
	}
	if h.Size != nil {
		p += fmt.Sprintf(" rows=%d cols=%d", h.Size.Rows, h.Size.Cols)
	}
	return WriteFrame(w, KindHello, []byte(p))
}

// WriteResize sends a terminal size change.
func WriteResize(w io.Writer, r Resize) error {
	return WriteFrame(w, KindResize, []byte(fmt.Sprintf("%d %d", r.Rows, r.Cols)))
}

// ExitInfo is the payload of KindExit.
type ExitInfo struct {
	Code  int    `json:"code"`
	Error string `json:"error,omitempty"`
}

// Reaped is the payload of KindReaped.
type Reaped struct {
	Code     int
	Finished time.Time
}

// ParseReaped decodes a KindReaped payload.
func ParseReaped(p []byte) (Reaped, error) {
	var code int
	var ns int64
	if _, err := fmt.Sscanf(string(p), "code=%d finished=%d", &code, &ns); err != nil {
		return Reaped{}, fmt.Errorf("bad exit report %q from the monitor: %w", p, err)
	}
	return Reaped{Code: code, Finished: time.Unix(0, ns).UTC()}, nil
}

// Resize is the payload of KindResize.
type Resize struct {
	Rows uint16 `json:"rows"`
	Cols uint16 `json:"cols"`
}

// WriteFrame writes one frame.
func WriteFrame(w io.Writer, kind byte, payload []byte) error {
	var hdr [5]byte
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(payload)))
	if len(payload) < 4096 {
		_, err := w.Write(append(hdr[:], payload...))
		return err
	}
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// WriteJSON writes a frame whose payload is v as JSON.
func WriteJSON(w io.Writer, kind byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return WriteFrame(w, kind, b)
}

// ReadFrame reads one frame.
func ReadFrame(r io.Reader) (kind byte, payload []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("attach frame of %d bytes is too large", n)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	return hdr[0], payload, nil
}

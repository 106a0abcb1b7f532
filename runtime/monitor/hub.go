package monitor

import (
	"encoding/json"
	"io"
	"net"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/runtime/attach"
	"github.com/skiff-containers/skiff/runtime/logs"
)

// hub connects the container's streams with the log and the attached
// clients.
type hub struct {
	openStdin, stdinOnce bool
	log                  *logs.Writer

	mu      sync.Mutex
	cond    *sync.Cond
	clients map[*client]bool
	stdio   *stdio // the current run's, nil between runs
	size    *attach.Resize
	closed  bool // stdin closed for good (stdinOnce)
}

type client struct {
	conn  io.ReadWriteCloser
	hello attach.Hello
	wmu   sync.Mutex
}

func newHub(openStdin, stdinOnce bool) *hub {
	h := &hub{openStdin: openStdin, stdinOnce: stdinOnce, clients: map[*client]bool{}}
	h.cond = sync.NewCond(&h.mu)
	return h
}

func (h *hub) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			if cl := h.register(c); cl != nil {
				h.serveClient(cl)
			}
		}()
	}
}

// register reads a client's hello and adds it; output from then on
// reaches it.
func (h *hub) register(conn io.ReadWriteCloser) *client {
	kind, payload, err := attach.ReadFrame(conn)
	if err != nil || kind != attach.KindHello {
		conn.Close()
		return nil
	}
	c := &client{conn: conn}
	_ = json.Unmarshal(payload, &c.hello)
	h.mu.Lock()
	h.clients[c] = true
	if c.hello.Size != nil {
		h.size = c.hello.Size
	}
	h.mu.Unlock()
	return c
}

// serveClient reads a client's input until it disconnects.
func (h *hub) serveClient(c *client) {
	conn := c.conn
	defer h.drop(c)
	for {
		kind, payload, err := attach.ReadFrame(conn)
		if err != nil {
			if c.hello.Stdin && h.stdinOnce {
				h.closeStdin()
			}
			return
		}
		switch kind {
		case attach.KindStdin:
			if c.hello.Stdin {
				h.writeStdin(payload)
			}
		case attach.KindCloseStdin:
			if c.hello.Stdin && h.stdinOnce {
				h.closeStdin()
			}
		case attach.KindResize:
			var r attach.Resize
			if json.Unmarshal(payload, &r) == nil {
				h.resize(&r)
			}
		}
	}
}

func (h *hub) drop(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	c.conn.Close()
}

// consoleSize is the last terminal size a client asked for.
func (h *hub) consoleSize() *attach.Resize {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.size
}

// current waits until the container's streams exist.
func (h *hub) current() *stdio {
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.stdio == nil && !h.closed {
		h.cond.Wait()
	}
	return h.stdio
}

func (h *hub) writeStdin(p []byte) {
	st := h.current()
	if st == nil || st.in == nil {
		return
	}
	_, _ = st.in.Write(p)
}

func (h *hub) closeStdin() {
	h.mu.Lock()
	st := h.stdio
	h.closed = true
	h.cond.Broadcast()
	h.mu.Unlock()
	if st == nil || st.in == nil {
		return
	}
	if st.tty {
		_, _ = st.in.Write([]byte{4}) // ^D: end of input on a terminal
		return
	}
	st.in.Close()
}

func (h *hub) resize(r *attach.Resize) {
	h.mu.Lock()
	h.size = r
	st := h.stdio
	h.mu.Unlock()
	if st != nil && st.tty && st.in != nil {
		_ = unix.IoctlSetWinsize(int(st.in.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: r.Rows, Col: r.Cols})
	}
}

// pump starts copying the run's output to the log and the clients; the
// returned group finishes when the output ends.
func (h *hub) pump(st *stdio) *sync.WaitGroup {
	h.mu.Lock()
	h.stdio = st
	size := h.size
	closed := h.closed
	h.cond.Broadcast()
	h.mu.Unlock()
	if size != nil {
		h.resize(size)
	}
	if closed && st.in != nil && !st.tty {
		st.in.Close()
	}
	var wg sync.WaitGroup
	copyOut := func(f interface{ Read([]byte) (int, error) }, stream string, kind byte) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := f.Read(buf)
			if n > 0 {
				_ = h.log.Write(stream, buf[:n])
				h.broadcast(kind, buf[:n])
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(1)
	go copyOut(st.out, "stdout", attach.KindStdout)
	if st.err != nil {
		wg.Add(1)
		go copyOut(st.err, "stderr", attach.KindStderr)
	}
	return &wg
}

// stopInput forgets the finished run's streams.
func (h *hub) stopInput() {
	h.mu.Lock()
	h.stdio = nil
	h.mu.Unlock()
}

func (h *hub) broadcast(kind byte, p []byte) {
	h.mu.Lock()
	targets := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		if (kind == attach.KindStdout && c.hello.Stdout) || (kind == attach.KindStderr && c.hello.Stderr) {
			targets = append(targets, c)
		}
	}
	h.mu.Unlock()
	for _, c := range targets {
		c.wmu.Lock()
		err := attach.WriteFrame(c.conn, kind, p)
		c.wmu.Unlock()
		if err != nil {
			h.drop(c)
		}
	}
}

// exit tells every client how the container ended and disconnects them.
func (h *hub) exit(r Result) {
	h.mu.Lock()
	h.closed = true
	h.cond.Broadcast()
	targets := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		targets = append(targets, c)
	}
	h.mu.Unlock()
	for _, c := range targets {
		c.wmu.Lock()
		_ = attach.WriteJSON(c.conn, attach.KindExit, attach.ExitInfo{Code: r.Code, Error: r.Error})
		c.wmu.Unlock()
		h.drop(c)
	}
}

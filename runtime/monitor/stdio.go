package monitor

import (
	"os"
	"sync"
)

// stdio is the container's standard streams as the monitor holds them:
// pipes, or the console master the init sends when there is a terminal.
type stdio struct {
	tty bool
	// the ends the child gets (closed in the monitor after start)
	childIn, childOut, childErr *os.File
	// the monitor's ends
	in       *os.File // write end of stdin, or the console
	out, err *os.File // read ends, or the console (out)

	mu      sync.Mutex
	console *os.File
}

func newStdio(tty, openStdin bool) (*stdio, error) {
	s := &stdio{tty: tty}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if tty {
		// The init makes the terminal inside the container; until then
		// its standard streams go nowhere.
		s.childIn, s.childOut, s.childErr = null, null, null
		return s, nil
	}
	s.childIn = null
	if openStdin {
		if s.childIn, s.in, err = os.Pipe(); err != nil {
			return nil, err
		}
		null.Close()
	}
	if s.out, s.childOut, err = os.Pipe(); err != nil {
		return nil, err
	}
	if s.err, s.childErr, err = os.Pipe(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *stdio) setConsole(f *os.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.console = f
	s.in, s.out = f, f
}

func (s *stdio) closeChildEnds() {
	seen := map[*os.File]bool{}
	for _, f := range []*os.File{s.childIn, s.childOut, s.childErr} {
		if f != nil && !seen[f] {
			seen[f] = true
			f.Close()
		}
	}
}

func (s *stdio) closeAll() {
	seen := map[*os.File]bool{}
	for _, f := range []*os.File{s.in, s.out, s.err} {
		if f != nil && !seen[f] {
			seen[f] = true
			f.Close()
		}
	}
}

package build

import (
	"bytes"
	"io"
	"sync"
)

// sequencer keeps the output of stages that run in parallel in Dockerfile
// order, as docker's classic builder prints it: the first unfinished
// stage writes through; the others are held until every stage before
// them has finished.
type sequencer struct {
	mu   sync.Mutex
	out  io.Writer
	bufs []*bytes.Buffer
	done []bool
	live int
}

func newSequencer(out io.Writer, n int) *sequencer {
	q := &sequencer{out: out, bufs: make([]*bytes.Buffer, n), done: make([]bool, n)}
	for i := range q.bufs {
		q.bufs[i] = &bytes.Buffer{}
	}
	return q
}

// writer is stage i's output.
func (q *sequencer) writer(i int) io.Writer { return seqWriter{q, i} }

type seqWriter struct {
	q *sequencer
	i int
}

func (w seqWriter) Write(p []byte) (int, error) {
	q := w.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if w.i == q.live {
		return q.out.Write(p)
	}
	return q.bufs[w.i].Write(p)
}

// finish marks stage i finished and lets the next stages through.
func (q *sequencer) finish(i int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.done[i] = true
	for q.live < len(q.done) {
		_, _ = q.out.Write(q.bufs[q.live].Bytes())
		q.bufs[q.live].Reset()
		if !q.done[q.live] {
			return
		}
		q.live++
	}
}

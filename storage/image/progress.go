package image

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"go.podman.io/image/v5/types"
	"golang.org/x/term"

	"github.com/skiff-containers/skiff/internal/fault"
)

// progressWords are docker's words for one kind of transfer.
type progressWords struct {
	active string // bar label while the blob moves
	done   string // final word of a transferred layer
	skip   string // final word of a layer already at the destination
	// fault is the kill -9 matrix's point (internal/fault) at the end of
	// each transferred layer
	fault string
}

var (
	pullWords = progressWords{active: "Downloading", done: "Pull complete", skip: "Already exists", fault: "pull.blob"}
	pushWords = progressWords{active: "Pushing", done: "Pushed", skip: "Layer already exists"}
	loadWords = progressWords{active: "Loading layer", done: "Loaded", skip: "Already exists"}
)

// IsTerminal reports whether w is a terminal: progress then is drawn as
// bars, else written as one line per layer.
func IsTerminal(w any) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is the width of the terminal w, 0 when w is not one (or
// its size is unknown: bars would not render, lines are written instead).
func terminalWidth(w any) int {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

// progress consumes image/v5's progress events for one copy. Its channel
// goes into copy.Options; finish must be called after the copy returns.
type progress struct {
	ch    chan types.ProgressProperties
	done  chan struct{}
	words progressWords
	out   io.Writer
	// header is printed before the first event, or by finish when the
	// copy succeeded without any: nothing is printed before the registry
	// has answered.
	header string

	pool *mpb.Progress // nil when not on a terminal
	bars map[digest.Digest]*mpb.Bar
	// fresh are the layers reported done by skiff's own layer path
	// (pull_layers.go): copy.Image's later "skipped" for them is dropped.
	fresh map[digest.Digest]bool
}

// startProgress returns nil when w is nil (no progress wanted), except
// in a build with fault points, where the events reach them still.
func startProgress(w io.Writer, words progressWords, header string) *progress {
	if w == nil {
		if !fault.Enabled || words.fault == "" {
			return nil
		}
		w = io.Discard // the events still reach the fault point
	}
	p := &progress{
		ch: make(chan types.ProgressProperties), done: make(chan struct{}),
		words: words, out: w, bars: map[digest.Digest]*mpb.Bar{}, header: header,
		fresh: map[digest.Digest]bool{},
	}
	go p.run()
	return p
}

// printHeader prints the header once, and starts the bars on a terminal.
func (p *progress) printHeader() {
	if p.header != "" {
		fmt.Fprintln(p.out, p.header)
		p.header = ""
	}
	if p.pool == nil && terminalWidth(p.out) > 0 {
		p.pool = mpb.New(mpb.WithOutput(p.out), mpb.WithWidth(50), mpb.WithRefreshRate(120*time.Millisecond))
	}
}

// channel is the value for copy.Options.Progress (nil-safe).
func (p *progress) channel() chan types.ProgressProperties {
	if p == nil {
		return nil
	}
	return p.ch
}

// send reports an event of a transfer made outside copy.Image (nil-safe).
func (p *progress) send(ev types.ProgressProperties) {
	if p != nil {
		p.ch <- ev
	}
}

// finish stops consuming events and draws the bars a last time; ok says
// whether the copy succeeded.
func (p *progress) finish(ok bool) {
	if p == nil {
		return
	}
	close(p.ch)
	<-p.done
	if ok {
		p.printHeader()
	}
	if p.pool != nil {
		for _, b := range p.bars {
			if !b.Completed() {
				b.Abort(false)
			}
		}
		p.pool.Wait()
	}
}

func (p *progress) run() {
	defer close(p.done)
	for ev := range p.ch {
		if isConfig(ev.Artifact) || p.fresh[ev.Artifact.Digest] {
			continue
		}
		if ev.Event == types.ProgressEventDone {
			p.fresh[ev.Artifact.Digest] = true
		}
		p.printHeader()
		if p.pool == nil {
			p.line(ev)
		} else {
			p.bar(ev)
		}
		if ev.Event == types.ProgressEventDone && p.words.fault != "" {
			fault.Point(p.words.fault)
		}
	}
}

// isConfig tells the image configuration from layers: docker shows
// layers only.
func isConfig(b types.BlobInfo) bool {
	mt := b.MediaType
	return strings.Contains(mt, "config") || strings.Contains(mt, "container.image")
}

// line writes docker's non-terminal form: one line per finished layer.
func (p *progress) line(ev types.ProgressProperties) {
	switch ev.Event {
	case types.ProgressEventDone:
		fmt.Fprintf(p.out, "%s: %s\n", shortDigest(ev.Artifact.Digest), p.words.done)
	case types.ProgressEventSkipped:
		fmt.Fprintf(p.out, "%s: %s\n", shortDigest(ev.Artifact.Digest), p.words.skip)
	}
}

// bar updates the layer's progress bar.
func (p *progress) bar(ev types.ProgressProperties) {
	d := ev.Artifact.Digest
	b := p.bars[d]
	switch ev.Event {
	case types.ProgressEventNewArtifact:
		if b == nil {
			p.bars[d] = p.newBar(d, ev.Artifact.Size, p.words.done)
		}
	case types.ProgressEventRead:
		if b == nil {
			b = p.newBar(d, ev.Artifact.Size, p.words.done)
			p.bars[d] = b
		}
		if ev.Artifact.Size <= 0 {
			b.SetTotal(int64(ev.Offset)+1, false)
		}
		b.SetCurrent(int64(ev.Offset))
	case types.ProgressEventDone:
		if b == nil {
			b = p.newBar(d, ev.Artifact.Size, p.words.done)
			p.bars[d] = b
		}
		b.SetTotal(-1, true)
	case types.ProgressEventSkipped:
		if b == nil {
			b = p.newBar(d, 0, p.words.skip)
			p.bars[d] = b
		}
		b.SetTotal(-1, true)
	}
}

func (p *progress) newBar(d digest.Digest, size int64, final string) *mpb.Bar {
	style := mpb.BarStyle().Lbound("[").Filler("=").Tip(">").Padding(" ").Rbound("]")
	return p.pool.New(size, style,
		mpb.PrependDecorators(
			decor.Name(shortDigest(d)+": "),
			decor.OnComplete(decor.Name(p.words.active+" "), final),
		),
		mpb.AppendDecorators(
			decor.OnComplete(decor.Counters(decor.SizeB1000(0), " %.2f/%.2f"), ""),
		),
		mpb.BarFillerClearOnComplete(),
	)
}

// shortDigest is docker's 12-character layer name.
func shortDigest(d digest.Digest) string {
	e := d.Encoded()
	if len(e) > 12 {
		return e[:12]
	}
	return e
}

package compose

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Printer multiplexes containers' output onto one writer, each line
// prefixed with the container's service name and number padded to the
// longest ("web-1  | "), coloured per container as docker compose does
// when Color is set.
type Printer struct {
	mu       sync.Mutex
	w        io.Writer
	width    int
	color    bool
	noPrefix bool
	next     int
}

// NewPrinter prints to w; color and prefix say whether lines carry
// colours and the name prefix.
func NewPrinter(w io.Writer, color, prefix bool) *Printer {
	return &Printer{w: w, color: color, noPrefix: !prefix}
}

// docker compose's rainbow of prefix colours, in the order it hands
// them out.
var rainbow = []string{"36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1"}

// displayName is how a container is named in prefixes and messages:
// its compose name without the project ("web-1").
func displayName(project string, c *container.Container) string {
	if n, ok := strings.CutPrefix(c.Name, project+"-"); ok && ServiceOf(c) != "" {
		return n
	}
	return c.Name
}

// Width makes room for names up to n characters.
func (pr *Printer) Width(n int) {
	pr.mu.Lock()
	pr.width = max(pr.width, n+1)
	pr.mu.Unlock()
}

// For returns a writer whose complete lines are printed with name's
// prefix; each call hands out the next colour.
func (pr *Printer) For(name string) io.Writer {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.width = max(pr.width, len(name)+1)
	color := rainbow[pr.next%len(rainbow)]
	pr.next++
	return &lineWriter{pr: pr, name: name, color: color}
}

// Line prints one message (such as "web-1 exited with code 0") without
// a prefix, between whole lines of the containers.
func (pr *Printer) Line(s string) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	fmt.Fprintln(pr.w, s)
}

type lineWriter struct {
	pr    *Printer
	name  string
	color string
	buf   []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.print(l.buf[:i+1])
		l.buf = l.buf[i+1:]
	}
}

// flush prints what is left without a newline.
func (l *lineWriter) flush() {
	if len(l.buf) > 0 {
		l.print(append(l.buf, '\n'))
		l.buf = nil
	}
}

func (l *lineWriter) print(line []byte) {
	pr := l.pr
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.noPrefix {
		pr.w.Write(line)
		return
	}
	prefix := fmt.Sprintf("%-*s |", pr.width, l.name)
	if pr.color {
		prefix = "\x1b[" + l.color + "m" + prefix + "\x1b[0m"
	}
	pr.w.Write(append([]byte(prefix+" "), line...))
}

// LogOptions are logs's flags.
type LogOptions struct {
	Services     []string
	Follow       bool
	Tail         int // negative: all
	Since, Until time.Time
	Timestamps   bool
	Index        int // --index: one replica only (0: all)
}

// Logs prints the services' containers' logs through pr, each
// container's in order, containers interleaved as their lines come.
func (p *Project) Logs(ctx context.Context, e *engine.Engine, pr *Printer, o LogOptions) error {
	if _, err := p.services(o.Services); err != nil {
		return err
	}
	cs, err := p.Containers(e, false)
	if err != nil {
		return err
	}
	cs = selected(cs, o.Services)
	if o.Index > 0 {
		cs = slicesFilter(cs, func(c *container.Container) bool { return number(c) == o.Index })
	}
	for _, c := range cs {
		pr.Width(len(displayName(p.Name, c)))
	}
	return fail(parallel(cs, func(c *container.Container) error {
		w := pr.For(displayName(p.Name, c))
		defer w.(*lineWriter).flush()
		err := container.Logs(ctx, e, c.ID, container.LogsOptions{
			Follow: o.Follow, Tail: o.Tail, Since: o.Since, Until: o.Until, Timestamps: o.Timestamps,
			Stdout: w, Stderr: w,
		})
		if ctx.Err() != nil {
			return nil
		}
		return err
	}))
}

func slicesFilter[T any](s []T, keep func(T) bool) []T {
	var out []T
	for _, v := range s {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// AttachOptions say how an attached up streams and ends.
type AttachOptions struct {
	Printer *Printer
	// Interrupt delivers ctrl-C: the first stops every container, the
	// second kills them.
	Interrupt <-chan os.Signal
	// AbortOnExit stops everything when a container exits; ExitCodeFrom
	// (which implies it) names the service whose exit code up returns.
	AbortOnExit  bool
	ExitCodeFrom string
	Timeout      *time.Duration
	// Progress receives the stop's progress lines and docker compose's
	// messages ("Gracefully stopping...").
	Progress io.Writer
}

// Attach streams the containers' output until they all stopped (then
// up returns 0), a container exited with AbortOnExit (its exit code, or
// ExitCodeFrom's), or ctrl-C stopped them (130).
func (p *Project) Attach(ctx context.Context, e *engine.Engine, rep *UpReport, o AttachOptions) (int, error) {
	pr := o.Printer
	for _, c := range rep.Containers {
		pr.Width(len(displayName(p.Name, c)))
	}
	names := make([]string, 0, len(rep.Containers))
	for _, c := range rep.Containers {
		names = append(names, displayName(p.Name, c))
	}
	fmt.Fprintf(o.Progress, "Attaching to %s\n", strings.Join(names, ", "))
	now := time.Now()
	exited := make(chan *container.Container, len(rep.Containers))
	var wg sync.WaitGroup
	for _, c := range rep.Containers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			since := time.Time{}
			if !rep.Fresh[c.ID] {
				since = now
			}
			w := pr.For(displayName(p.Name, c))
			if c.LogsReadable() {
				_ = container.Logs(ctx, e, c.ID, container.LogsOptions{Follow: true, Tail: -1, Since: since, Stdout: w, Stderr: w})
			} else {
				// a log driver that keeps nothing (none): the output from
				// now on, from the container itself, as docker compose
				// attaches; and the exit is noticed all the same
				_, _ = container.Attach(ctx, e, c.ID, &container.AttachOptions{Stdout: w, Stderr: w})
			}
			w.(*lineWriter).flush()
			if fresh, err := container.Lookup(e, c.ID); err == nil && !fresh.State.Running() && ctx.Err() == nil {
				pr.Line(fmt.Sprintf("%s exited with code %d", displayName(p.Name, c), fresh.State.ExitCode))
				exited <- fresh
			}
		}()
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	abort := o.AbortOnExit || o.ExitCodeFrom != ""
	code, interrupted := 0, 0
	stopAll := func(kill bool) {
		for _, c := range rep.Containers {
			if kill {
				_ = container.Kill(e, c.ID, unix.SIGKILL)
			}
		}
		if !kill {
			_ = p.inReverseOrder(rep.Containers, func(c *container.Container) error {
				return container.Stop(context.Background(), e, c.ID, container.StopOptions{Timeout: o.Timeout})
			})
		}
	}
	stopping := false
	for {
		select {
		case <-allDone:
			if interrupted > 0 {
				return ExitCanceled, nil
			}
			return p.exitCodeFrom(e, rep, o.ExitCodeFrom, code), nil
		case c := <-exited:
			if abort && !stopping {
				stopping = true
				code = c.State.ExitCode
				fmt.Fprintln(o.Progress, "Aborting on container exit...")
				go stopAll(false)
			}
		case <-o.Interrupt:
			interrupted++
			if interrupted == 1 {
				fmt.Fprintln(o.Progress, "Gracefully stopping... (press Ctrl+C again to force)")
				stopping = true
				go stopAll(false)
			} else {
				go stopAll(true)
			}
		case <-ctx.Done():
			return ExitCanceled, ctx.Err()
		}
	}
}

// exitCodeFrom is the exit code of service's first container (or code
// when no service is named).
func (p *Project) exitCodeFrom(e *engine.Engine, rep *UpReport, service string, code int) int {
	if service == "" {
		return code
	}
	for _, c := range rep.Containers {
		if ServiceOf(c) == service {
			if fresh, err := container.Lookup(e, c.ID); err == nil {
				return fresh.State.ExitCode
			}
		}
	}
	return code
}

// Package events is skiff's event log, what `events` reads: without a
// daemon, every verb (runtime/container, image, volume, network) and
// monitor appends what it did as one JSON line to
// <runroot>/skiff/events.log (a single write of an O_APPEND file, so
// lines of concurrent writers do not mix). The file is rotated once past
// maxSize to events.log.1; like docker's, the log does not survive a
// reboot.
package events

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/skiff-containers/skiff/internal/filters"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Event types.
const (
	Container = "container"
	Image     = "image"
	Network   = "network"
	Volume    = "volume"
)

// Event is docker's events message.
type Event struct {
	Type     string `json:"Type"`
	Action   string `json:"Action"`
	Actor    Actor  `json:"Actor"`
	Scope    string `json:"scope"`
	Time     int64  `json:"time"`
	TimeNano int64  `json:"timeNano"`
	// Docker's older fields, for containers and images.
	Status string `json:"status,omitempty"`
	ID     string `json:"id,omitempty"`
	From   string `json:"from,omitempty"`
}

// Actor is what an event happened to.
type Actor struct {
	ID         string            `json:"ID"`
	Attributes map[string]string `json:"Attributes"`
}

// maxSize is the size past which the log is rotated.
const maxSize = 4 << 20

func logPath(e *engine.Engine) string { return e.RunDir("events.log") }

// Record appends an event of type typ: action on id, with attributes
// (docker's: name, image, exitCode, signal, ...). Failing to record is
// not an error of the operation that happened.
func Record(e *engine.Engine, typ, action, id string, attrs map[string]string) {
	if e.Config.NoEvents {
		return
	}
	now := time.Now()
	ev := Event{
		Type: typ, Action: action, Actor: Actor{ID: id, Attributes: maps.Clone(attrs)},
		Scope: "local", Time: now.Unix(), TimeNano: now.UnixNano(),
	}
	if ev.Actor.Attributes == nil {
		ev.Actor.Attributes = map[string]string{}
	}
	if typ == Container || typ == Image {
		ev.Status, ev.ID, ev.From = action, id, attrs["image"]
	}
	line, err := json.Marshal(&ev)
	if err != nil {
		return
	}
	path := logPath(e)
	if st, err := os.Stat(path); err == nil && st.Size() > maxSize {
		_ = os.Rename(path, path+".1") // one of several writers wins
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(append(line, '\n'))
}

// Filter selects events as docker's --filter does: within a key any value
// matches, all keys must match.
type Filter filters.Args

// filterKeys are the keys Filter understands.
var filterKeys = []string{"container", "event", "image", "label", "network", "type", "volume", "scope"}

// ParseFilter reads --filter key=value values.
func ParseFilter(in []string) (Filter, error) {
	f, err := filters.Parse(in, filterKeys...)
	return Filter(f), err
}

// Match reports whether ev passes f.
func (f Filter) Match(ev *Event) bool {
	name := ev.Actor.Attributes["name"]
	id := ev.Actor.ID
	for k, vals := range f {
		ok := false
		for _, v := range vals {
			switch k {
			case "type":
				ok = ev.Type == v
			case "event":
				ok = ev.Action == v || strings.HasPrefix(ev.Action, v+":")
			case "scope":
				ok = ev.Scope == v
			case "container", "network", "volume":
				ok = ev.Type == k && (id == v || name == v || len(v) >= 3 && strings.HasPrefix(id, v)) ||
					k != "container" && ev.Actor.Attributes[k] == v
			case "image":
				ok = ev.Actor.Attributes["image"] == v || ev.Type == Image && (id == v || name == v)
			case "label":
				ok = filters.ParseLabel(v, false).Matches(ev.Actor.Attributes)
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// ReadOptions bound what Read passes on. Without Until, Read follows the
// log until ctx ends.
type ReadOptions struct {
	Since, Until time.Time
	Filter       Filter
}

// pollInterval is how often a follower looks for new events.
const pollInterval = 100 * time.Millisecond

// Read calls fn for each recorded event the options select, oldest
// first, then (without Until) for each new one until ctx ends.
func Read(ctx context.Context, e *engine.Engine, o ReadOptions, fn func(*Event) error) error {
	path := logPath(e)
	pass := func(ev *Event) (stop bool, err error) {
		t := time.Unix(0, ev.TimeNano)
		switch {
		case !o.Since.IsZero() && t.Before(o.Since):
			return false, nil
		case !o.Until.IsZero() && t.After(o.Until):
			return true, nil
		case !o.Filter.Match(ev):
			return false, nil
		}
		return false, fn(ev)
	}
	if f, err := os.Open(path + ".1"); err == nil {
		stop, err := (&lineReader{br: bufio.NewReader(f)}).next(pass)
		f.Close()
		if stop || err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer func() { f.Close() }()
	lr := &lineReader{br: bufio.NewReader(f)}
	for {
		if stop, err := lr.next(pass); stop || err != nil {
			return err
		}
		if !o.Until.IsZero() && time.Now().After(o.Until) {
			return nil
		}
		if a, b := statOf(f), statOfPath(path); a != nil && b != nil && !os.SameFile(a, b) {
			// rotated: what is left of the old file was read; on with the new
			if nf, err := os.Open(path); err == nil {
				f.Close()
				f, lr = nf, &lineReader{br: bufio.NewReader(nf)}
				continue
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pollInterval):
		}
	}
}

// lineReader passes on complete lines, keeping one still being written
// until its end arrives.
type lineReader struct {
	br      *bufio.Reader
	pending []byte
}

func (r *lineReader) next(pass func(*Event) (bool, error)) (stop bool, err error) {
	for {
		line, err := r.br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return true, err
		}
		if err != nil {
			r.pending = append(r.pending, line...)
			return false, nil
		}
		if len(r.pending) > 0 {
			line = append(r.pending, line...)
			r.pending = nil
		}
		if stop, err := decode(line, pass); stop || err != nil {
			return stop, err
		}
	}
}

func decode(line []byte, pass func(*Event) (bool, error)) (bool, error) {
	var ev Event
	if json.Unmarshal(line, &ev) != nil {
		return false, nil // torn by a crash
	}
	return pass(&ev)
}

func statOf(f *os.File) os.FileInfo {
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	return st
}

func statOfPath(p string) os.FileInfo {
	st, err := os.Stat(p)
	if err != nil {
		return nil
	}
	return st
}

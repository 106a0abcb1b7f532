package container

import (
	"context"
	"io"
	"time"

	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/logs"
)

// LogsOptions are logs's flags.
type LogsOptions struct {
	// Follow streams new output until the container stops.
	Follow bool
	// Tail is the number of lines from the end to show; negative: all.
	Tail         int
	Since, Until time.Time
	// Timestamps prefixes each line with its time; Details with its
	// attributes (skiff's logs carry none: a space, as docker prints).
	Timestamps, Details bool
	Stdout, Stderr      io.Writer
}

// Logs writes a container's json-file log: stdout lines to Stdout,
// stderr lines to Stderr.
func Logs(ctx context.Context, e *engine.Engine, ref string, o LogsOptions) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	done := func() bool {
		fresh, err := load(e, c.ID)
		return err != nil || !fresh.State.Running()
	}
	return logs.Read(ctx, c.LogPath(), logs.ReadOptions{
		Tail: o.Tail, Since: o.Since, Until: o.Until, Follow: o.Follow, Done: done,
	}, func(en *logs.Entry) error {
		w := o.Stdout
		if en.Stream == "stderr" {
			w = o.Stderr
		}
		line := make([]byte, 0, len(en.Log)+40)
		if o.Timestamps {
			line = append(en.Time.UTC().AppendFormat(line, logs.TimestampLayout), ' ')
		}
		if o.Details {
			line = append(line, ' ')
		}
		_, err := w.Write(append(line, en.Log...))
		return err
	})
}

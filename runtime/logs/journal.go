package logs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"time"
)

// The journal (--log-driver journald): the monitor sends each line to
// the journal's socket with the container's fields (CONTAINER_ID_FULL,
// CONTAINER_NAME, PRIORITY 6 for stdout and 3 for stderr,
// CONTAINER_PARTIAL_MESSAGE for a line cut before its newline), as
// conmon does; ReadJournal reads them back through journalctl.

// JournalSocket is where the journal takes entries.
const JournalSocket = "/run/systemd/journal/socket"

// JournalReachable says why the journal cannot take a container's log
// (nil when it can).
func JournalReachable() error {
	c, err := net.Dial("unixgram", JournalSocket)
	if err != nil {
		return fmt.Errorf("the journal is not reachable (%s): use --log-driver k8s-file or json-file", errors.Unwrap(err))
	}
	return c.Close()
}

// journalEntry is one entry of `journalctl -o json`; MESSAGE is a string,
// or an array of bytes when it is not text.
type journalEntry struct {
	Message  json.RawMessage `json:"MESSAGE"`
	Priority string          `json:"PRIORITY"`
	Realtime string          `json:"__REALTIME_TIMESTAMP"`
	Source   string          `json:"_SOURCE_REALTIME_TIMESTAMP"` // when the monitor sent it
	Partial  string          `json:"CONTAINER_PARTIAL_MESSAGE"`
}

func (j *journalEntry) entry() (Entry, bool) {
	var e Entry
	if err := json.Unmarshal(j.Message, &e.Log); err != nil {
		var b []byte
		if json.Unmarshal(j.Message, &b) != nil {
			return e, false
		}
		e.Log = string(b)
	}
	if j.Partial != "true" {
		e.Log += "\n"
	}
	e.Stream = "stdout"
	if j.Priority == "3" {
		e.Stream = "stderr"
	}
	when := j.Source
	if when == "" {
		when = j.Realtime
	}
	usec, err := strconv.ParseInt(when, 10, 64)
	if err != nil {
		return e, false
	}
	e.Time = time.UnixMicro(usec)
	return e, true
}

// ReadJournal calls fn for each journal entry of the container id that
// the options select, as Read does for a file.
func ReadJournal(ctx context.Context, id string, o ReadOptions, fn func(*Entry) error) error {
	path, err := exec.LookPath("journalctl")
	if err != nil {
		return errors.New("reading a journald log needs journalctl: install systemd's journalctl")
	}
	args := []string{"--no-pager", "-q", "-o", "json", "CONTAINER_ID_FULL=" + id}
	if o.Tail >= 0 {
		args = append(args, "-n", strconv.Itoa(o.Tail))
	}
	if o.Follow {
		args = append(args, "-f")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	if o.Follow && o.Done != nil {
		go stopWhenDone(ctx, cancel, o.Done)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		var j journalEntry
		e, ok := Entry{}, json.Unmarshal(sc.Bytes(), &j) == nil
		if ok {
			e, ok = j.entry()
		}
		switch {
		case !ok, !o.Since.IsZero() && e.Time.Before(o.Since):
			continue
		case !o.Until.IsZero() && e.Time.After(o.Until):
			cancel()
			continue
		}
		if err := fn(&e); err != nil {
			cancel()
			_ = cmd.Wait()
			return err
		}
	}
	if err := cmd.Wait(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("journalctl: %w", err)
	}
	return nil
}

// stopWhenDone ends a following journalctl once the container is done,
// after a moment for the last entries to arrive.
func stopWhenDone(ctx context.Context, cancel func(), done func() bool) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(pollInterval):
		}
		if done() {
			time.Sleep(2 * pollInterval)
			cancel()
			return
		}
	}
}

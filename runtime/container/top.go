package container

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// TopReport is top's table: ps's column titles and one row per process
// of the container.
type TopReport struct {
	Titles    []string
	Processes [][]string
}

// Top runs the host's ps with psArgs (default -ef), as docker does, and
// keeps the rows of the processes in the container's PID namespace.
func Top(e *engine.Engine, ref string, psArgs []string) (*TopReport, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	if c.State.Status == StatusRestarting {
		return nil, errRestarting(c)
	}
	if !c.State.Running() || c.State.Pid == 0 {
		return nil, errdefs.Conflict("container %s is not running", ref)
	}
	pids, err := c.processes()
	if err != nil {
		return nil, errdefs.Conflict("container %s is not running", ref)
	}
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	cmd := exec.Command("ps", psArgs...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, errors.New("ps not found: install the procps package")
		}
		return nil, fmt.Errorf("running ps %s: %v: %s", strings.Join(psArgs, " "), err, strings.TrimSpace(stderr.String()))
	}
	return parsePS(out, pids)
}

// parsePS keeps the rows of ps's output whose PID is in pids; a thread
// row ("-" as PID, ps -m) follows its process. The last column takes the
// rest of the line (the command and its arguments).
func parsePS(out []byte, pids map[int]bool) (*TopReport, error) {
	lines := strings.Split(string(out), "\n")
	r := &TopReport{Titles: strings.Fields(lines[0]), Processes: [][]string{}}
	pidCol := -1
	for i, t := range r.Titles {
		if t == "PID" {
			pidCol = i
			break
		}
	}
	if pidCol < 0 {
		return nil, errdefs.Invalid("couldn't find the PID field in ps output: keep pid among ps's columns")
	}
	keepThreads := false
	for _, line := range lines[1:] {
		fields := strings.Fields(line)
		if len(fields) <= pidCol {
			continue
		}
		if fields[pidCol] == "-" {
			if keepThreads {
				r.Processes = append(r.Processes, joinLast(fields, len(r.Titles)))
			}
			continue
		}
		pid, err := strconv.Atoi(fields[pidCol])
		if err != nil {
			return nil, fmt.Errorf("unexpected pid %q in ps output", fields[pidCol])
		}
		keepThreads = pids[pid]
		if keepThreads {
			r.Processes = append(r.Processes, joinLast(fields, len(r.Titles)))
		}
	}
	return r, nil
}

// joinLast makes fields n columns: the last one joins the rest.
func joinLast(fields []string, n int) []string {
	if len(fields) <= n {
		return fields
	}
	row := append([]string{}, fields[:n-1]...)
	return append(row, strings.Join(fields[n-1:], " "))
}

// processes are the container's processes: those of its PID namespace
// (and of namespaces nested in it); with --pid host or container:NAME,
// what descends from its monitor (a subreaper with host; exec'd
// processes are not among them).
func (c *Container) processes() (map[int]bool, error) {
	if c.HostConfig.PidMode != "" {
		if c.State.MonitorPid == 0 || !proc.Alive(c.State.MonitorPid, c.State.MonitorStart) {
			return nil, ErrNotRunning
		}
		return proc.Descendants(c.State.MonitorPid)
	}
	return proc.InPIDNamespaceOf(c.State.Pid)
}

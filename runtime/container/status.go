package container

import (
	"fmt"
	"strings"
	"time"

	units "github.com/docker/go-units"
)

// StatusText is docker's STATUS column as seen at now: "Created",
// "Up 5 seconds", "Exited (0) 3 seconds ago", "Restarting (1) 2 seconds
// ago", "Up 2 minutes (Paused)", "Removal In Progress", "Dead".
func (c *Container) StatusText(now time.Time) string {
	s := &c.State
	switch s.Status {
	case StatusRunning:
		return "Up " + units.HumanDuration(now.Sub(s.StartedAt)) + s.HealthText()
	case StatusPaused:
		return "Up " + units.HumanDuration(now.Sub(s.StartedAt)) + " (Paused)"
	case StatusRestarting:
		return fmt.Sprintf("Restarting (%d) %s ago", s.ExitCode, units.HumanDuration(now.Sub(s.FinishedAt)))
	case StatusRemoving:
		return "Removal In Progress"
	case StatusDead:
		return "Dead"
	case StatusStorage:
		return "Storage"
	case StatusExited:
		if s.FinishedAt.IsZero() {
			return fmt.Sprintf("Exited (%d)", s.ExitCode)
		}
		return fmt.Sprintf("Exited (%d) %s ago", s.ExitCode, units.HumanDuration(now.Sub(s.FinishedAt)))
	}
	return "Created"
}

// CommandLine is docker's "Command" of a container: the path and its
// arguments joined with spaces, an argument holding a space in single
// quotes (sh -c 'echo hi').
func (c *Container) CommandLine() string {
	parts := []string{c.Path}
	for _, a := range c.Args {
		if strings.Contains(a, " ") {
			a = "'" + a + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

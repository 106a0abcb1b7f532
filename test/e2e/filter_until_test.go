package e2e

import (
	"strings"
	"testing"
	"time"
)

// until= takes docker's forms in every command that filters by it: RFC
// 3339 with or without zone (and with fewer fields), a date, Unix seconds
// with a fraction, a Go duration. A bad one is refused the same way.
func TestFilterUntilForms(t *testing.T) {
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	e.Skiff("create", "--name", "kept", img, "true").Success(t)
	e.Skiff("network", "create", "keptnet").Success(t)
	forms := []string{
		"2001-02-03T04:05:06Z", "2001-02-03T04:05:06.5+01:00", "2001-02-03T04:05:06", "2001-02-03T04:05",
		"2001-02-03T04", "2001-02-03", "981173106", "981173106.25", "10m", "1h30m",
	}
	for _, until := range forms {
		for _, args := range [][]string{
			{"container", "prune", "-f"}, {"network", "prune", "-f"}, {"image", "prune", "-f"},
			{"system", "prune", "-f"}, {"images", "-q"},
		} {
			e.Skiff(append(args, "--filter", "until="+until)...).Success(t)
		}
	}
	if got := e.Skiff("ps", "-a", "--format", "{{.Names}}").Success(t).Out(); got != "kept" {
		t.Errorf("a prune until= before the container was made removed it: ps = %q", got)
	}
	if got := e.Skiff("network", "ls", "-q", "--filter", "name=keptnet").Success(t).Out(); got == "" {
		t.Error("a prune until= before the network was made removed it")
	}
	for _, args := range [][]string{
		{"container", "prune", "-f"}, {"network", "prune", "-f"}, {"image", "prune", "-f"},
		{"system", "prune", "-f"}, {"images"},
	} {
		oneErrorLine(t, e.Skiff(append(args, "--filter", "until=someday")...), "invalid filter 'until=someday'")
	}
}

// A time without a zone is local time, for every kind (docker's rule):
// with skiff in a zone 14 hours ahead of UTC, "an hour ago" written
// without a zone keeps what was made now, "in a minute" takes it.
func TestFilterUntilLocalTime(t *testing.T) {
	t.Parallel()
	const zone = "Pacific/Kiritimati" // UTC+14, no daylight saving
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Skipf("no time zone data for %s: %v", zone, err)
	}
	e := New(t)
	e.Setenv("TZ", zone)
	img := e.LoadBusybox()
	local := func(d time.Duration) string { return time.Now().Add(d).In(loc).Format("2006-01-02T15:04:05") }
	e.Skiff("create", "--name", "c1", img, "true").Success(t)
	e.Skiff("commit", "c1", "fresh:1").Success(t)
	e.Skiff("network", "create", "n1").Success(t)
	before, after := local(-time.Hour), local(time.Minute)

	if got := e.Skiff("images", "--filter", "until="+before, "--format", "{{.Repository}}").Success(t).Out(); strings.Contains(got, "fresh") {
		t.Errorf("images until=%s (an hour ago) lists the new image: %q", before, got)
	}
	if got := e.Skiff("images", "--filter", "until="+after, "--format", "{{.Repository}}").Success(t).Out(); !strings.Contains(got, "fresh") {
		t.Errorf("images until=%s (in a minute) misses the new image: %q", after, got)
	}
	for _, kind := range []string{"container", "network"} {
		if out := e.Skiff(kind, "prune", "-f", "--filter", "until="+before).Success(t).Stdout; strings.Contains(out, "Deleted") {
			t.Errorf("%s prune until=%s (an hour ago) removed what was made now:\n%s", kind, before, out)
		}
		if out := e.Skiff(kind, "prune", "-f", "--filter", "until="+after).Success(t).Stdout; !strings.Contains(out, "Deleted") {
			t.Errorf("%s prune until=%s (in a minute) kept what was made now:\n%s", kind, after, out)
		}
	}
}

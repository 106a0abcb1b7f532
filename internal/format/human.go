package format

import (
	"time"

	units "github.com/docker/go-units"
)

// HumanSize is docker's size column: three significant digits, decimal
// units ("4.26MB", "0B").
func HumanSize(n int64) string {
	return units.HumanSizeWithPrecision(float64(n), 3)
}

// TimeAgo is docker's "CREATED" column: "3 days ago", "About a minute
// ago", "Less than a second ago"; "N/A" for an unknown time.
func TimeAgo(t time.Time) string {
	return TimeAgoAt(t, time.Now())
}

// TimeAgoAt is TimeAgo as seen at now (for tests).
func TimeAgoAt(t, now time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	return units.HumanDuration(now.UTC().Sub(t)) + " ago"
}

// Timestamp is docker's "CREATED AT" column: the local time in Go's
// default layout, to the second ("2024-05-01 10:00:00 +0200 CEST").
func Timestamp(t time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	return time.Unix(t.Unix(), 0).String()
}

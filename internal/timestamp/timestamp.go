// Package timestamp reads the times docker's users type: --since and
// --until of logs and events, and every --filter until=. One parser and
// one time zone rule for all of them, docker's (its api/types/time
// GetTimestamp): a time without a zone is in the zone of now, the local
// one. It imports nothing from skiff.
package timestamp

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Parse reads a time: a Go duration before now ("10m", "1h30m"); RFC 3339
// with or without fraction or zone ("2024-01-02T15:04:05Z",
// "2024-01-02T15:04"); a date ("2024-01-02"); or Unix seconds with an
// optional fraction ("1700000000.5"). A time without a zone is in now's
// zone (its offset at now, as docker takes it).
func Parse(value string, now time.Time) (time.Time, error) {
	if value == "" {
		return time.Time{}, errors.New("empty time: use a duration (10m), RFC 3339 or Unix seconds")
	}
	if d, err := time.ParseDuration(value); value != "0" && err == nil {
		return now.Add(-d), nil
	}
	withZone := strings.ContainsAny(value, "zZ+") || strings.Count(value, "-") == 3
	if t, err := parseLayouts(value, withZone, time.FixedZone(now.Zone())); err == nil {
		return t, nil
	} else if strings.Contains(value, "-") {
		return time.Time{}, errors.New("cannot parse " + strconv.Quote(value) + " as RFC 3339: use e.g. 2006-01-02T15:04:05Z")
	}
	return parseUnix(value)
}

// parseLayouts reads the RFC 3339 forms: the layout follows from the
// value's shape (a fraction, how many colons after the T), as docker's.
func parseLayouts(value string, withZone bool, loc *time.Location) (time.Time, error) {
	var layout string
	switch {
	case strings.Contains(value, "."):
		layout = "2006-01-02T15:04:05.999999999"
	case strings.Contains(value, "T"):
		colons := strings.Count(value, ":")
		if withZone && !strings.ContainsAny(value, "zZ") && colons > 0 {
			colons-- // the zone offset's colon
		}
		layout = [...]string{"2006-01-02T15", "2006-01-02T15:04", "2006-01-02T15:04:05"}[min(colons, 2)]
	default:
		layout = "2006-01-02"
	}
	if withZone {
		return time.Parse(layout+"Z07:00", value)
	}
	return time.ParseInLocation(layout, value, loc)
}

// parseUnix reads "SECONDS[.FRACTION]".
func parseUnix(value string) (time.Time, error) {
	bad := errors.New("cannot parse " + strconv.Quote(value) + " as a time or a duration: use 10m, 2006-01-02T15:04:05Z or Unix seconds")
	secStr, fracStr, hasFrac := strings.Cut(value, ".")
	sec, err := strconv.ParseInt(secStr, 10, 64)
	if err != nil {
		return time.Time{}, bad
	}
	var nsec int64
	if hasFrac {
		if len(fracStr) > 9 || fracStr == "" {
			return time.Time{}, bad
		}
		n, err := strconv.ParseInt(fracStr+strings.Repeat("0", 9-len(fracStr)), 10, 64)
		if err != nil {
			return time.Time{}, bad
		}
		nsec = n
	}
	return time.Unix(sec, nsec), nil
}

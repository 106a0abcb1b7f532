package logs

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// TimestampLayout is how `logs -t` prints times: RFC 3339 with a fixed
// nine-digit fraction, as docker does.
const TimestampLayout = "2006-01-02T15:04:05.000000000Z07:00"

// ParseTime reads the time values of docker's --since, --until and
// --filter until=: a Go duration before now ("10m", "1h30m"); RFC 3339
// with or without fraction or zone ("2024-01-02T15:04:05Z",
// "2024-01-02T15:04"); a date ("2024-01-02"); or Unix seconds with an
// optional fraction ("1700000000.5"). Times without a zone are in now's
// zone.
func ParseTime(value string, now time.Time) (time.Time, error) {
	if value == "" {
		return time.Time{}, errors.New("empty time: use a duration (10m), RFC 3339 or Unix seconds")
	}
	if d, err := time.ParseDuration(value); value != "0" && err == nil {
		return now.Add(-d), nil
	}
	withZone := strings.ContainsAny(value, "zZ+") || strings.Count(value, "-") == 3
	if t, err := parseLayouts(value, withZone, now.Location()); err == nil {
		return t, nil
	} else if strings.Contains(value, "-") {
		return time.Time{}, errors.New("cannot parse " + strconv.Quote(value) + " as RFC 3339: use e.g. 2006-01-02T15:04:05Z")
	}
	return parseUnix(value)
}

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

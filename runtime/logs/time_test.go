package logs

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("X", 2*3600)
	now := time.Date(2024, 5, 6, 12, 0, 0, 0, loc)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"10m", now.Add(-10 * time.Minute)},
		{"1h30m", now.Add(-90 * time.Minute)},
		{"-1m", now.Add(time.Minute)},
		{"0", time.Unix(0, 0)},
		{"1700000000", time.Unix(1700000000, 0)},
		{"1700000000.5", time.Unix(1700000000, 500000000)},
		{"2024-01-02", time.Date(2024, 1, 2, 0, 0, 0, 0, loc)},
		{"2024-01-02T15", time.Date(2024, 1, 2, 15, 0, 0, 0, loc)},
		{"2024-01-02T15:04", time.Date(2024, 1, 2, 15, 4, 0, 0, loc)},
		{"2024-01-02T15:04:05", time.Date(2024, 1, 2, 15, 4, 5, 0, loc)},
		{"2024-01-02T15:04:05.25", time.Date(2024, 1, 2, 15, 4, 5, 250000000, loc)},
		{"2024-01-02T15:04:05Z", time.Date(2024, 1, 2, 15, 4, 5, 0, time.UTC)},
		{"2024-01-02T15:04:05+01:00", time.Date(2024, 1, 2, 14, 4, 5, 0, time.UTC)},
		{"2024-01-02T15:04Z", time.Date(2024, 1, 2, 15, 4, 0, 0, time.UTC)},
		{"2024-01-02T15:04:05.123456789Z", time.Date(2024, 1, 2, 15, 4, 5, 123456789, time.UTC)},
		{"2024-01-02+01:00", time.Date(2024, 1, 1, 23, 0, 0, 0, time.UTC)},
	} {
		got, err := ParseTime(tc.in, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2024-13-01", "2024-01-02T25:00", "1.2.3", "12abc", "1700000000.1234567890"} {
		if _, err := ParseTime(bad, now); err == nil {
			t.Errorf("ParseTime(%q): want an error", bad)
		}
	}
}

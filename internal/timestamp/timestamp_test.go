package timestamp

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin where the system has no zone data
)

func TestParse(t *testing.T) {
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
		got, err := Parse(tc.in, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2024-13-01", "2024-01-02T25:00", "1.2.3", "12abc", "1700000000.1234567890"} {
		if _, err := Parse(bad, now); err == nil {
			t.Errorf("Parse(%q): want an error", bad)
		}
	}
}

// A time without a zone is in now's zone at now's offset, as docker reads
// it (GetTimestamp: time.FixedZone(reference.Zone())); one with a zone is
// where it says.
func TestParseZoneRule(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	summer := time.Date(2024, 7, 1, 12, 0, 0, 0, berlin) // CEST, +02:00
	cest := time.FixedZone("CEST", 2*3600)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2024-01-02", time.Date(2024, 1, 2, 0, 0, 0, 0, cest)},
		{"2024-01-02T15:04", time.Date(2024, 1, 2, 15, 4, 0, 0, cest)},
		{"2024-01-02T15:04:05.5", time.Date(2024, 1, 2, 15, 4, 5, 5e8, cest)},
		{"2024-01-02T15:04Z", time.Date(2024, 1, 2, 15, 4, 0, 0, time.UTC)},
		{"2024-01-02T15:04:05-05:00", time.Date(2024, 1, 2, 20, 4, 5, 0, time.UTC)},
		{"10m", summer.Add(-10 * time.Minute)},
	} {
		got, err := Parse(tc.in, summer)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("Parse(%q) in summer = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

package format

import (
	"testing"
	"time"
)

func TestHumanSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		0: "0B", 999: "999B", 1000: "1kB", 4261550: "4.26MB", 1996800: "2MB", 92016640: "92MB", 1500000000: "1.5GB",
	} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestTimeAgo(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		500 * time.Millisecond: "Less than a second ago",
		30 * time.Second:       "30 seconds ago",
		90 * time.Second:       "About a minute ago",
		3 * time.Hour:          "3 hours ago",
		49 * time.Hour:         "2 days ago",
		60 * 24 * time.Hour:    "2 months ago",
		800 * 24 * time.Hour:   "2 years ago",
	} {
		if got := TimeAgoAt(now.Add(-d), now); got != want {
			t.Errorf("TimeAgoAt(-%v) = %q, want %q", d, got, want)
		}
	}
	if TimeAgo(time.Time{}) != "N/A" || Timestamp(time.Time{}) != "N/A" {
		t.Error("zero time")
	}
}

package logs

import (
	"testing"
	"time"
)

func TestParseEntry(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 15, 4, 5, 123456789, time.UTC)
	for _, tc := range []struct {
		line string
		want Entry
		ok   bool
	}{
		{"2026-01-02T16:04:05.123456789+01:00 stdout F hello world\n", Entry{Log: "hello world\n", Stream: "stdout", Time: at}, true},
		{"2026-01-02T15:04:05.123456789+00:00 stderr P part", Entry{Log: "part", Stream: "stderr", Time: at}, true},
		{"2026-01-02T15:04:05.123456789Z stdout F \n", Entry{Log: "\n", Stream: "stdout", Time: at}, true},
		{"2026-01-02T15:04:05.123456789Z stdout F a\tb  c\n", Entry{Log: "a\tb  c\n", Stream: "stdout", Time: at}, true},
		{`{"log":"json\n","stream":"stderr","time":"2026-01-02T15:04:05.123456789Z"}` + "\n", Entry{Log: "json\n", Stream: "stderr", Time: at}, true},
		{"2026-01-02T15:04:05Z stdout X bad tag\n", Entry{}, false},
		{"2026-01-02T15:04:05Z other F bad stream\n", Entry{}, false},
		{"not a time stdout F x\n", Entry{}, false},
		{`{"log":`, Entry{}, false},
	} {
		got, ok := parseEntry([]byte(tc.line))
		if ok != tc.ok || (ok && (got.Log != tc.want.Log || got.Stream != tc.want.Stream || !got.Time.Equal(tc.want.Time))) {
			t.Errorf("parseEntry(%q) = %+v %v, want %+v %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

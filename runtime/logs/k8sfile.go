package logs

import (
	"bytes"
	"encoding/json"
	"time"
)

// podman's k8s-file format (conmon's, the CRI's): one line a record,
//
//	2024-01-02T15:04:05.123456789+01:00 stdout F hello
//
// time (RFC 3339, local offset), stream, F for a full line or P for a
// part cut before its newline, then the text as written. The monitor
// writes it with --log-driver k8s-file; Read takes either format, line
// by line, so `logs` reads both.

// parseEntry decodes one line of a json-file or k8s-file log.
func parseEntry(line []byte) (Entry, bool) {
	line = bytes.TrimRight(line, "\n")
	var e Entry
	if bytes.HasPrefix(line, []byte("{")) {
		return e, json.Unmarshal(line, &e) == nil
	}
	parts := bytes.SplitN(line, []byte(" "), 4)
	if len(parts) < 3 {
		return e, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(parts[0]))
	if err != nil {
		return e, false
	}
	e.Time, e.Stream = t, string(parts[1])
	if len(parts) == 4 {
		e.Log = string(parts[3])
	}
	switch string(parts[2]) {
	case "F":
		e.Log += "\n"
	case "P":
	default:
		return e, false
	}
	return e, e.Stream == "stdout" || e.Stream == "stderr"
}

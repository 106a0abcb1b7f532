// Package subid reads /etc/subuid and /etc/subgid: which ranges of
// subordinate ids belong to which user. rootless maps a user's ranges into
// its namespace; hostcheck finds missing and overlapping ones.
//
// It imports nothing from skiff.
package subid

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// The files shadow-utils keeps the ranges in.
const (
	UIDFile = "/etc/subuid"
	GIDFile = "/etc/subgid"
)

// Range is Count ids from Start.
type Range struct {
	Start int
	Count int
}

// End is the first id after the range.
func (r Range) End() int { return r.Start + r.Count }

// Contains reports whether id is in the range.
func (r Range) Contains(id int) bool { return id >= r.Start && id < r.End() }

// Overlaps reports whether the two ranges share an id.
func (r Range) Overlaps(o Range) bool { return r.Start < o.End() && o.Start < r.End() }

// String is usermod's form of the range: FIRST-LAST.
func (r Range) String() string { return fmt.Sprintf("%d-%d", r.Start, r.End()-1) }

// Entry is one line of the file: Owner is a user name or a numeric uid.
type Entry struct {
	Owner string
	Range
}

// Entries are the lines of a file, in order.
type Entries []Entry

// Parse reads an /etc/subuid-format file. Comments, blank and malformed
// lines are skipped, as shadow-utils does.
func Parse(r io.Reader) (Entries, error) {
	var out Entries
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) != 3 || f[0] == "" {
			continue
		}
		start, err1 := strconv.Atoi(f[1])
		count, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || start < 0 || count <= 0 {
			continue
		}
		out = append(out, Entry{Owner: f[0], Range: Range{Start: start, Count: count}})
	}
	return out, sc.Err()
}

// Read parses the file at path; a missing file has no entries.
func Read(path string) (Entries, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	e, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return e, nil
}

// Of returns the ranges of the user named name or with the numeric id,
// in file order.
func (es Entries) Of(name string, id int) []Range {
	var out []Range
	idStr := strconv.Itoa(id)
	for _, e := range es {
		if e.Owner == name || e.Owner == idStr {
			out = append(out, e.Range)
		}
	}
	return out
}

// NextFree is the start of a range of count ids after every range in the
// given files, from 100000 on (what useradd hands out first): giving it
// to a user overlaps nobody.
func NextFree(files ...Entries) int {
	next := 100000
	for _, es := range files {
		for _, e := range es {
			next = max(next, e.End())
		}
	}
	return next
}

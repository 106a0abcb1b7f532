package rootless

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Range is one entry of /etc/subuid or /etc/subgid: Count ids from Start.
type Range struct {
	Start int
	Count int
}

// ParseSubIDs returns the ranges in an /etc/subuid-format file that belong to
// the user named name or to its numeric id, in file order. Malformed lines
// are skipped, as shadow-utils does.
func ParseSubIDs(r io.Reader, name string, id int) ([]Range, error) {
	var out []Range
	sc := bufio.NewScanner(r)
	idStr := strconv.Itoa(id)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) != 3 || (f[0] != name && f[0] != idStr) {
			continue
		}
		start, err1 := strconv.Atoi(f[1])
		count, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || start < 0 || count <= 0 {
			continue
		}
		out = append(out, Range{Start: start, Count: count})
	}
	return out, sc.Err()
}

// subIDs reads the ranges of user (name, id) from path; a missing file means
// no ranges.
func subIDs(path, name string, id int) ([]Range, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := ParseSubIDs(f, name, id)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return r, nil
}

// IDMapArgs returns the mapping arguments newuidmap/newgidmap take after the
// pid: the namespace's root is the user's own id, and the subordinate ranges
// follow from id 1 on, in order.
func IDMapArgs(hostID int, ranges []Range) []string {
	args := []string{"0", strconv.Itoa(hostID), "1"}
	next := 1
	for _, r := range ranges {
		args = append(args, strconv.Itoa(next), strconv.Itoa(r.Start), strconv.Itoa(r.Count))
		next += r.Count
	}
	return args
}

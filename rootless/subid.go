package rootless

import (
	"strconv"

	"github.com/skiff-containers/skiff/internal/subid"
)

// Range is one entry of /etc/subuid or /etc/subgid: Count ids from Start.
type Range = subid.Range

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

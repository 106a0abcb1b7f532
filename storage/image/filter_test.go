package image

import (
	"strings"
	"testing"
	"time"

	"go.podman.io/image/v5/docker/reference"

	"github.com/skiff-containers/skiff/internal/filters"
)

func TestParseFilters(t *testing.T) {
	t.Parallel()
	keys := ListFilterKeys()
	for _, tc := range []struct {
		args    []string
		wantErr string
		check   func(*Filters) bool
	}{
		{args: nil, check: func(f *Filters) bool { return f.Dangling == nil && len(f.References) == 0 }},
		{args: []string{"dangling=true"}, check: func(f *Filters) bool { return f.Dangling != nil && *f.Dangling }},
		{args: []string{"dangling=false"}, check: func(f *Filters) bool { return f.Dangling != nil && !*f.Dangling }},
		{args: []string{"reference=busybox", "reference=*/app:*"}, check: func(f *Filters) bool { return len(f.References) == 2 }},
		{args: []string{"label=a", "label=b=c", "label!=d"}, check: func(f *Filters) bool {
			return len(f.Labels) == 3 && !f.Labels[0].HasValue && f.Labels[1].Value == "c" && f.Labels[2].Negate
		}},
		{args: []string{"before=busybox", "since=abc"}, check: func(f *Filters) bool { return f.Before[0] == "busybox" && f.Since[0] == "abc" }},
		{args: []string{"until=1h"}, check: func(f *Filters) bool { return time.Since(f.Until) > 59*time.Minute }},
		{args: []string{"dangling=maybe"}, wantErr: "dangling=true or dangling=false"},
		{args: []string{"dangling=true", "dangling=false"}, wantErr: "conflicting"},
		{args: []string{"bogus=1"}, wantErr: `invalid filter "bogus=1"`},
		{args: []string{"dangling"}, wantErr: "bad format of filter"},
		{args: []string{"reference!=x"}, wantErr: "invalid filter"},
		{args: []string{"label="}, wantErr: "label=KEY"},
		{args: []string{"reference=[x"}, wantErr: "bad pattern"},
		{args: []string{"until=yesterday"}, wantErr: "invalid filter 'until=yesterday'"},
	} {
		f, err := ParseFilters(tc.args, keys...)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseFilters(%q) error = %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !tc.check(f) {
			t.Errorf("ParseFilters(%q) = %+v, %v", tc.args, f, err)
		}
	}
	if _, err := ParseFilters([]string{"reference=x"}, PruneFilterKeys()...); err == nil {
		t.Error("prune accepted a reference filter")
	}
}

func TestMatchLabels(t *testing.T) {
	t.Parallel()
	labels := map[string]string{"a": "1", "b": "2"}
	for _, tc := range []struct {
		filters []string
		want    bool
	}{
		{nil, true},
		{[]string{"label=a"}, true},
		{[]string{"label=a=1"}, true},
		{[]string{"label=a=2"}, false},
		{[]string{"label=c"}, false},
		{[]string{"label=a", "label=b=2"}, true},
		{[]string{"label=a", "label=c"}, false},
		{[]string{"label!=c"}, true},
		{[]string{"label!=a"}, false},
		{[]string{"label!=a=2"}, true},
	} {
		f, err := ParseFilters(tc.filters, "label")
		if err != nil {
			t.Fatal(err)
		}
		if got := filters.MatchAll(f.Labels, labels); got != tc.want {
			t.Errorf("%q on %v = %v, want %v", tc.filters, labels, got, tc.want)
		}
	}
}

func TestMatchBasic(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tags, _ := splitNames([]string{"docker.io/library/busybox:latest", "docker.io/library/busybox:1.36", "127.0.0.1:5000/app:v1"})
	tagged := Summary{ID: "a", Tags: tags, Created: t0}
	dangling := Summary{ID: "b", Created: t0.Add(time.Hour)}
	for _, tc := range []struct {
		filters       []string
		before, since time.Time
		sum           Summary
		want          bool
		wantTags      int
	}{
		{nil, time.Time{}, time.Time{}, tagged, true, 3},
		{[]string{"dangling=true"}, time.Time{}, time.Time{}, tagged, false, 3},
		{[]string{"dangling=true"}, time.Time{}, time.Time{}, dangling, true, 0},
		{[]string{"dangling=false"}, time.Time{}, time.Time{}, dangling, false, 0},
		{[]string{"reference=busybox"}, time.Time{}, time.Time{}, tagged, true, 2},
		{[]string{"reference=busybox:1.*"}, time.Time{}, time.Time{}, tagged, true, 1},
		{[]string{"reference=*/app"}, time.Time{}, time.Time{}, tagged, true, 1},
		{[]string{"reference=alpine"}, time.Time{}, time.Time{}, tagged, false, 0},
		{[]string{"reference=busybox"}, time.Time{}, time.Time{}, dangling, false, 0},
		{nil, t0.Add(time.Minute), time.Time{}, tagged, true, 3},
		{nil, t0, time.Time{}, tagged, false, 3},
		{nil, time.Time{}, t0, dangling, true, 0},
		{nil, time.Time{}, t0, tagged, false, 3},
		{[]string{"until=2024-01-01T00:30:00Z"}, time.Time{}, time.Time{}, tagged, true, 3},
		{[]string{"until=2024-01-01T00:30:00Z"}, time.Time{}, time.Time{}, dangling, false, 0},
	} {
		f, err := ParseFilters(tc.filters, ListFilterKeys()...)
		if err != nil {
			t.Fatal(err)
		}
		sum := tc.sum
		sum.Tags = append([]RepoTag(nil), sum.Tags...)
		got := f.matchBasic(&sum, tc.before, tc.since)
		if got != tc.want || (got && len(sum.Tags) != tc.wantTags) {
			t.Errorf("%q before=%v since=%v on %s = %v (%d tags), want %v (%d)", tc.filters, tc.before, tc.since, tc.sum.ID, got, len(sum.Tags), tc.want, tc.wantTags)
		}
	}
}

func TestMatchReference(t *testing.T) {
	t.Parallel()
	ref, _ := reference.ParseNormalizedNamed("docker.io/library/busybox:1.36")
	for pattern, want := range map[string]bool{
		"busybox": true, "busybox:1.36": true, "busybox:*": true, "busy*": true,
		"library/busybox": false, "docker.io/library/busybox": false, "alpine": false,
	} {
		if matchReference(pattern, ref.(reference.Named)) != want {
			t.Errorf("matchReference(%q) != %v", pattern, want)
		}
	}
}

func TestChainSizeAndSort(t *testing.T) {
	t.Parallel()
	sizes := map[string]layerInfo{"a": {"", 10}, "b": {"a", 20}, "c": {"b", 5}, "x": {"missing", 7}}
	if got := chainSize(sizes, "c"); got != 35 {
		t.Errorf("chainSize(c) = %d", got)
	}
	if got := chainSize(sizes, "x"); got != 7 {
		t.Errorf("chainSize(x) = %d", got)
	}
	if got := layerChain(sizes, "c"); len(got) != 3 || got[0] != 10 || got[2] != 5 {
		t.Errorf("layerChain(c) = %v", got)
	}
	t0 := time.Now()
	list := []Summary{{ID: "old", Created: t0.Add(-time.Hour)}, {ID: "b", Created: t0}, {ID: "a", Created: t0}}
	sortSummaries(list)
	if list[0].ID != "a" || list[1].ID != "b" || list[2].ID != "old" {
		t.Errorf("sortSummaries = %v", list)
	}
}

package commands

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/storage/image"
)

func summary(t *testing.T, names []string, digests ...string) image.Summary {
	t.Helper()
	s := image.Summary{
		ID:      "27d48d2233500e52058e68acd6484ba4ed4a66d83a4ba162d5e73e3c6d9bf3e9",
		Created: time.Now().Add(-49 * time.Hour), Size: 4261550, RepoDigests: digests,
	}
	for _, n := range names {
		ref, err := image.Normalize(n)
		if err != nil {
			t.Fatal(err)
		}
		tag := image.Familiar(ref.String())
		i := strings.LastIndex(tag, ":")
		repo, tg := tag[:i], tag[i+1:]
		s.Tags = append(s.Tags, image.RepoTag{Named: ref, Repository: repo, Tag: tg})
	}
	return s
}

func TestImageRows(t *testing.T) {
	t.Parallel()
	d := "sha256:7f462690d9eeeea8f8f31653e38cd53db13d0446be5cc8ac38c3ab8c9ef2e574"
	for _, tc := range []struct {
		name    string
		sum     image.Summary
		digests bool
		trunc   bool
		want    []string // Repository Tag Digest ID
	}{
		{"dangling", summary(t, nil), false, true, []string{"<none> <none> <none> 27d48d223350"}},
		{"two tags", summary(t, []string{"busybox:latest", "127.0.0.1:5000/bb:1"}, "busybox@"+d), false, true,
			[]string{"busybox latest <none> 27d48d223350", "127.0.0.1:5000/bb 1 <none> 27d48d223350"}},
		{"digests", summary(t, []string{"busybox:latest", "127.0.0.1:5000/bb:1"}, "busybox@"+d), true, false,
			[]string{"busybox latest " + d + " sha256:27d48d2233500e52058e68acd6484ba4ed4a66d83a4ba162d5e73e3c6d9bf3e9",
				"127.0.0.1:5000/bb 1 <none> sha256:27d48d2233500e52058e68acd6484ba4ed4a66d83a4ba162d5e73e3c6d9bf3e9"}},
	} {
		rows := imageRows(tc.sum, tc.digests, tc.trunc)
		var got []string
		for _, r := range rows {
			got = append(got, strings.Join([]string{r.Repository, r.Tag, r.Digest, r.ID}, " "))
			if r.Size != "4.26MB" || r.VirtualSize != "4.262MB" || r.CreatedSince != "2 days ago" || r.Containers != "N/A" {
				t.Errorf("%s: row %+v", tc.name, r)
			}
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestImageRowFormats(t *testing.T) {
	t.Parallel()
	rows := imageRows(summary(t, []string{"busybox:latest"}), false, true)
	rows[0].CreatedAt = "2024-01-01 00:00:00 +0000 UTC"
	rows[0].CreatedSince = "2 days ago"
	for _, tc := range []struct{ format, want string }{
		{"", "REPOSITORY   TAG       IMAGE ID       CREATED      SIZE\nbusybox      latest    27d48d223350   2 days ago   4.26MB\n"},
		{"{{.Repository}}:{{.Tag}}", "busybox:latest\n"},
		{"table {{.ID}}\t{{.Size}}", "IMAGE ID       SIZE\n27d48d223350   4.26MB\n"},
		{"{{json .}}", `{"Containers":"N/A","CreatedAt":"2024-01-01 00:00:00 +0000 UTC","CreatedSince":"2 days ago","Digest":"<none>","ID":"27d48d223350","Repository":"busybox","SharedSize":"N/A","Size":"4.26MB","Tag":"latest","UniqueSize":"N/A","VirtualSize":"4.262MB"}` + "\n"},
	} {
		var buf bytes.Buffer
		l, err := format.NewLister(&buf, tc.format, imagesTable, imageHeaders())
		if err != nil {
			t.Fatal(err)
		}
		_ = l.Row(rows[0])
		_ = l.Flush()
		if buf.String() != tc.want {
			t.Errorf("format %q:\ngot  %q\nwant %q", tc.format, buf.String(), tc.want)
		}
	}
}

func TestHistoryRow(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 10, 0, 0, 0, 0, time.UTC)
	h := image.HistoryEntry{
		ID: "sha256:27d48d2233500e52058e68acd6484ba4ed4a66d83a4ba162d5e73e3c6d9bf3e9", Created: now.Add(-72 * time.Hour),
		CreatedBy: "/bin/sh -c #(nop) ADD file:b6e3c4f3e4c3d3c2b2a1a0f0e0d0c0b0 in / ", Size: 4261550, Comment: "c",
	}
	r := historyRowOf(h, true, true, now)
	if r.ID != "27d48d223350" || r.CreatedSince != "3 days ago" || r.Size != "4.26MB" ||
		r.CreatedBy != "/bin/sh -c #(nop) ADD file:b6e3c4f3e4c3d3c2b…" || len([]rune(r.CreatedBy)) != 45 {
		t.Errorf("human row = %+v", r)
	}
	r = historyRowOf(h, false, false, now)
	if r.ID != h.ID || r.Size != "4261550" || r.CreatedBy != h.CreatedBy || r.CreatedSince != r.CreatedAt || !strings.HasPrefix(r.CreatedAt, "2024-05-0") {
		t.Errorf("raw row = %+v", r)
	}
	h.ID = "<missing>"
	h.CreatedBy = "short\tcmd"
	if r = historyRowOf(h, true, true, now); r.ID != "<missing>" || r.CreatedBy != "short cmd" {
		t.Errorf("missing row = %+v", r)
	}
}

func TestEllipsis(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 5, "abc"}, {"abcdef", 5, "abcd…"}, {"äöüäöü", 4, "äöü…"}, {"abcde", 5, "abcde"},
	} {
		if got := ellipsis(tc.in, tc.max); got != tc.want {
			t.Errorf("ellipsis(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

package volume

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

func TestValidateName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, err string
	}{
		{"ab", ""}, {"my-vol_1.x", ""}, {"0abc", ""},
		{"a", "too short"}, {"", "includes invalid characters"}, {"-a", "includes invalid characters"},
		{"a/b", "includes invalid characters"}, {"./x", "If you intended to pass a host directory"}, {"a b", "includes invalid characters"},
	} {
		err := ValidateName(tc.name)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ValidateName(%q) = %v, want %q", tc.name, err, tc.err)
		}
	}
}

func TestValidateOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts map[string]string
		err  string
	}{
		{nil, ""},
		{map[string]string{"type": "tmpfs"}, ""},
		{map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=100m,uid=1000,mode=0700"}, ""},
		{map[string]string{"type": "none", "o": "bind", "device": "/srv/data"}, ""},
		{map[string]string{"type": "none", "o": "bind,ro", "device": "/srv/data"}, ""},
		{map[string]string{"type": "tmpfs", "o": "size=1m,color=red"}, `unknown tmpfs option "color=red"`},
		{map[string]string{"type": "none", "device": "/x"}, "type=none needs o=bind"},
		{map[string]string{"type": "none", "o": "bind", "device": "x"}, "needs device=/absolute/path"},
		{map[string]string{"type": "none", "o": "bind,weird", "device": "/x"}, `unknown bind option "weird"`},
		{map[string]string{"type": "nfs", "o": "addr=1.2.3.4", "device": ":/x"}, `volume type "nfs" is not supported`},
		{map[string]string{"device": "/x"}, `missing required option: "type"`},
		{map[string]string{"colour": "red"}, `invalid option key: "colour"`},
		{map[string]string{"size": "10G"}, "xfs project quota"},
	} {
		err := ValidateOptions(tc.opts)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ValidateOptions(%v) = %v, want %q", tc.opts, err, tc.err)
		}
	}
}

func TestParseFilters(t *testing.T) {
	t.Parallel()
	f, err := ParseFilters([]string{"name=a", "Name=b", "label=x=y", "dangling=true"}, "name", "label", "dangling")
	if err != nil || len(f["name"]) != 2 || f["label"][0] != "x=y" || f["dangling"][0] != "true" {
		t.Fatalf("ParseFilters = %v, %v", f, err)
	}
	for _, tc := range []struct {
		in  string
		err string
	}{
		{"color=red", "invalid filter 'color'"},
		{"noequals", "bad format of filter"},
		{"dangling=maybe", "invalid filter 'dangling=maybe'"},
	} {
		if _, err := ParseFilters([]string{tc.in}, "name", "dangling"); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseFilters(%q) = %v, want %q", tc.in, err, tc.err)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	t.Parallel()
	v := &Volume{Name: "web-data", Driver: "local", Labels: map[string]string{"tier": "web", "keep": ""}}
	for _, tc := range []struct {
		filters []string
		users   []string
		want    bool
	}{
		{nil, nil, true},
		{[]string{"name=web"}, nil, true},
		{[]string{"name=^data"}, nil, false},
		{[]string{"name=nope", "name=data$"}, nil, true},
		{[]string{"driver=local"}, nil, true},
		{[]string{"label=tier"}, nil, true},
		{[]string{"label=tier=web", "label=keep"}, nil, true},
		{[]string{"label=tier=db"}, nil, false},
		{[]string{"label!=keep"}, nil, false},
		{[]string{"label!=other"}, nil, true},
		{[]string{"dangling=true"}, nil, true},
		{[]string{"dangling=true"}, []string{"c1"}, false},
		{[]string{"dangling=false"}, []string{"c1"}, true},
	} {
		f, err := ParseFilters(tc.filters, "name", "driver", "label", "label!", "dangling")
		if err != nil {
			t.Fatal(err)
		}
		if got := f.match(v, tc.users); got != tc.want {
			t.Errorf("filters %v users %v: match %v, want %v", tc.filters, tc.users, got, tc.want)
		}
	}
}

func TestStoreCreateGetListRemove(t *testing.T) {
	t.Parallel()
	s := New(filepath.Join(t.TempDir(), "volumes"))
	if l, err := s.List(); err != nil || len(l) != 0 {
		t.Fatalf("List of a new store: %v %v", l, err)
	}
	v, err := s.Create(CreateOptions{Name: "data", Labels: map[string]string{"a": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "data" || v.Driver != "local" || v.Scope != "local" || v.Labels["a"] != "b" || v.Options == nil {
		t.Errorf("created %+v", v)
	}
	if st, err := os.Stat(v.Mountpoint); err != nil || !st.IsDir() || filepath.Base(v.Mountpoint) != "_data" {
		t.Errorf("Mountpoint %s: %v", v.Mountpoint, err)
	}
	again, err := s.Create(CreateOptions{Name: "data"})
	if err != nil || again.CreatedAt != v.CreatedAt {
		t.Errorf("second create: %+v %v", again, err)
	}
	anon, err := s.Create(CreateOptions{Labels: map[string]string{AnonymousLabel: ""}})
	if err != nil || len(anon.Name) != 64 || !anon.Anonymous() || v.Anonymous() {
		t.Errorf("anonymous: %+v %v", anon, err)
	}
	list, _ := s.ListMatching(ListOptions{})
	if len(list) != 2 {
		t.Errorf("list: %d volumes", len(list))
	}
	os.WriteFile(filepath.Join(v.Mountpoint, "f"), []byte("x"), 0o600)
	os.Chmod(v.Mountpoint, 0o500) // content that made the tree read-only
	users := func() (map[string][]string, error) { return map[string][]string{"data": {"c1"}}, nil }
	err = s.Remove("data", RemoveOptions{Users: users})
	if !errors.Is(err, errdefs.ErrInUse) || !strings.Contains(err.Error(), "volume is in use - [c1]") {
		t.Errorf("remove in use: %v", err)
	}
	if _, err := s.Get("data"); err != nil {
		t.Errorf("a refused remove changed the volume: %v", err)
	}
	if err := s.Remove("data", RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("data"); !errdefs.IsNotFound(err) {
		t.Errorf("Get after Remove: %v", err)
	}
	if err := s.Remove("data", RemoveOptions{}); !errdefs.IsNotFound(err) {
		t.Errorf("second Remove: %v", err)
	}
	if err := s.Remove("data", RemoveOptions{Force: true}); err != nil {
		t.Errorf("Remove -f of a missing volume: %v", err)
	}
	for _, bad := range []string{"..", ".lock", "a/../b", ""} {
		if _, err := s.Get(bad); !errdefs.IsNotFound(err) {
			t.Errorf("Get(%q) = %v", bad, err)
		}
	}
}

// Concurrent creates of one name all succeed and make one volume;
// leftovers of interrupted operations are swept.
func TestStoreConcurrentCreate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "volumes")
	os.MkdirAll(filepath.Join(dir, ".new-half"), 0o700)
	os.MkdirAll(filepath.Join(dir, ".rm-gone", "_data"), 0o700)
	s := New(dir)
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = s.Create(CreateOptions{Name: "shared"})
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent create: %v", err)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if strings.Join(names, " ") != ".lock shared" {
		t.Errorf("store directory holds %q", names)
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	s := New(filepath.Join(t.TempDir(), "volumes"))
	anon := map[string]string{AnonymousLabel: ""}
	a1, _ := s.Create(CreateOptions{Labels: anon})
	a2, _ := s.Create(CreateOptions{Labels: map[string]string{AnonymousLabel: "", "keep": "1"}})
	s.Create(CreateOptions{Name: "named"})
	s.Create(CreateOptions{Name: "busy"})
	os.WriteFile(filepath.Join(a1.Mountpoint, "f"), make([]byte, 1000), 0o600)
	users := func() (map[string][]string, error) { return map[string][]string{"busy": {"c"}}, nil }
	rep, err := s.Prune(PruneOptions{Users: users, Filters: []string{"label!=keep"}})
	if err != nil || len(rep.Removed) != 1 || rep.Removed[0] != a1.Name || rep.Reclaimed != 1000 {
		t.Errorf("prune: %+v %v", rep, err)
	}
	rep, err = s.Prune(PruneOptions{All: true, Users: users})
	sort.Strings(rep.Removed)
	want := []string{a2.Name, "named"}
	sort.Strings(want)
	if err != nil || strings.Join(rep.Removed, " ") != strings.Join(want, " ") {
		t.Errorf("prune -a: %+v %v", rep, err)
	}
	if _, err := s.Get("busy"); err != nil {
		t.Errorf("prune removed a volume in use")
	}
}

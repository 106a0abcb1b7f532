package spec

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func strp(s string) *string { return &s }

func TestResolveCommand(t *testing.T) {
	t.Parallel()
	img := &ImageConfig{Entrypoint: []string{"/ep"}, Cmd: []string{"c1", "c2"}}
	for _, tc := range []struct {
		name string
		o    Options
		img  *ImageConfig
		want []string
	}{
		{"image only", Options{}, img, []string{"/ep", "c1", "c2"}},
		{"args replace cmd", Options{Command: []string{"x"}}, img, []string{"/ep", "x"}},
		{"entrypoint clears cmd", Options{Entrypoint: strp("/sh")}, img, []string{"/sh"}},
		{"entrypoint with args", Options{Entrypoint: strp("/sh"), Command: []string{"-c", "true"}}, img, []string{"/sh", "-c", "true"}},
		{"empty entrypoint", Options{Entrypoint: strp(""), Command: []string{"ls"}}, img, []string{"ls"}},
		{"no image config", Options{Command: []string{"ls"}}, nil, []string{"ls"}},
		{"shell form cmd", Options{}, &ImageConfig{Cmd: []string{"/bin/sh", "-c", "echo hi"}}, []string{"/bin/sh", "-c", "echo hi"}},
	} {
		if got := ResolveCommand(&tc.o, tc.img).Argv(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q want %q", tc.name, got, tc.want)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	t.Parallel()
	host := map[string]string{"HOSTVAR": "fromhost"}
	lookup := func(k string) (string, bool) { v, ok := host[k]; return v, ok }
	got := MergeEnv(
		[]string{"PATH=/img", "A=1", "B=img"},
		[][]string{{"B=file", "C=file"}},
		[]string{"C=flag", "HOSTVAR", "MISSING", "D=x=y"},
		lookup)
	want := []string{"PATH=/img", "A=1", "B=file", "C=flag", "HOSTVAR=fromhost", "D=x=y"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	if got := MergeEnv(nil, nil, []string{"X=1"}, lookup); got[0] != "PATH="+DefaultPath {
		t.Fatalf("default PATH missing: %q", got)
	}
}

func TestParseEnvFile(t *testing.T) {
	t.Parallel()
	in := "# comment\n\nA=1\n  B=two words\nC\nD=\"quoted\"\nUNSET\n"
	got, err := ParseEnvFile(strings.NewReader(in), func(k string) (string, bool) {
		if k == "C" {
			return "host", true
		}
		return "", false
	})
	want := []string{"A=1", "B=two words", "C=host", `D="quoted"`}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	if _, err := ParseEnvFile(strings.NewReader("BAD KEY=1\n"), nil); err == nil {
		t.Fatal("want an error for whitespace in a name")
	}
}

func TestResolveUser(t *testing.T) {
	t.Parallel()
	users := parsePasswd(strings.NewReader("root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"))
	groups := parseGroups(strings.NewReader("root:x:0:\nalice:x:1000:\nstaff:x:50:alice,bob\nwheel:x:10:alice\n"))
	for _, tc := range []struct {
		spec string
		want User
		ok   bool
	}{
		{"", User{0, 0, nil, "/root"}, true},
		{"alice", User{1000, 1000, []uint32{50, 10}, "/home/alice"}, true},
		{"alice:staff", User{1000, 50, nil, "/home/alice"}, true},
		{"1000", User{1000, 1000, []uint32{50, 10}, "/home/alice"}, true},
		{"4242", User{4242, 0, nil, "/"}, true},
		{"4242:7", User{4242, 7, nil, "/"}, true},
		{"bob", User{}, false},
		{"alice:nogroup", User{}, false},
	} {
		got, err := resolveUser(tc.spec, users, groups)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v", tc.spec, err)
			continue
		}
		if tc.ok && !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%q: got %+v want %+v", tc.spec, *got, tc.want)
		}
	}
}

func TestCapabilities(t *testing.T) {
	t.Parallel()
	got, err := Capabilities(false, []string{"net_admin"}, []string{"CAP_CHOWN", "kill"})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(got, "CAP_CHOWN") || slices.Contains(got, "CAP_KILL") || !slices.Contains(got, "CAP_NET_ADMIN") || !slices.Contains(got, "CAP_NET_RAW") {
		t.Fatalf("got %v", got)
	}
	got, _ = Capabilities(false, []string{"CHOWN"}, []string{"ALL"})
	if !reflect.DeepEqual(got, []string{"CAP_CHOWN"}) {
		t.Fatalf("drop ALL add CHOWN: %v", got)
	}
	got, _ = Capabilities(false, []string{"ALL"}, []string{"NET_RAW"})
	if slices.Contains(got, "CAP_NET_RAW") || !slices.Contains(got, "CAP_SYS_ADMIN") {
		t.Fatalf("add ALL drop NET_RAW: %v", got)
	}
	if _, err := Capabilities(false, []string{"BOGUS"}, nil); err == nil {
		t.Fatal("want error for an unknown capability")
	}
}

func TestParseSignal(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"SIGTERM": 15, "term": 15, "KILL": 9, "9": 9, "SIGRTMIN+3": 37, "RTMAX": 64} {
		got, err := ParseSignal(in)
		if err != nil || int(got) != want {
			t.Errorf("%s: got %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "SIGFOO", "0", "99", "-1"} {
		if _, err := ParseSignal(in); err == nil {
			t.Errorf("%q: want error", in)
		}
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	g, err := Generate(Input{
		ID:      "0123456789abcdef",
		Options: &Options{Image: "busybox", Tty: true, NoNewPrivileges: true, Env: []string{"A=1"}},
		Image:   &ImageConfig{Cmd: []string{"sh"}, WorkingDir: "/srv"},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := g.Spec
	if s.Hostname != "0123456789ab" || s.Process.Cwd != "/srv" || !s.Process.NoNewPrivileges || !s.Process.Terminal {
		t.Fatalf("spec: %+v %+v", s, s.Process)
	}
	if v, _ := Getenv(s.Process.Env, "TERM"); v != "xterm" {
		t.Fatalf("TERM: %q", s.Process.Env)
	}
	if _, err := Generate(Input{ID: "x", Options: &Options{Image: "i"}, Image: &ImageConfig{}}); err == nil {
		t.Fatal("want error: no command")
	}
}

func TestParseEntrypoint(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"":                     nil,
		"/bin/sh":              {"/bin/sh"},
		`["/bin/echo","x"]`:    {"/bin/echo", "x"},
		`[ "a b", "c" ]`:       {"a b", "c"},
		`[not json`:            {"[not json"},
		`[]`:                   {"[]"},
		`["only"]`:             {"only"},
		"/usr/bin/env -i true": {"/usr/bin/env -i true"},
	} {
		if got := ParseEntrypoint(in); !slices.Equal(got, want) {
			t.Errorf("ParseEntrypoint(%q) = %q, want %q", in, got, want)
		}
	}
}

package e2e

// The kill -9 matrix (issue #14): skiff built with the skiff_faults tag
// (make bin/skiff-faults) kills itself at the fault point $SKIFF_FAULT
// names (internal/fault). After each kill the object is fully there or
// fully gone, system check --repair removes whatever was left (and system
// check then reports nothing), and the same command then works.

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var faultOnce struct {
	sync.Once
	path, err string
}

// faultBinary is $SKIFF_FAULT_BINARY copied beside the suite's skiff.
func faultBinary(t *testing.T) string {
	faultOnce.Do(func() {
		src := os.Getenv("SKIFF_FAULT_BINARY")
		if src == "" {
			faultOnce.err = "SKIFF_FAULT_BINARY is not set (make bin/skiff-faults; make e2e sets it)"
			return
		}
		faultOnce.path = filepath.Join(suite.binDir, "skiff-faults")
		if err := copyFile(src, faultOnce.path, 0o755); err != nil {
			faultOnce.err = err.Error()
		}
	})
	if faultOnce.err != "" {
		t.Skip(faultOnce.err)
	}
	return faultOnce.path
}

// killedAt runs skiff args with the fault point armed: it must die there.
func killedAt(t *testing.T, e *Env, point string, args ...string) {
	t.Helper()
	n := len(e.Env)
	e.Setenv("SKIFF_FAULT", point)
	r := e.run(nil, faultBinary(t), e.GlobalArgs, args)
	e.Env = e.Env[:n]
	if r.Code != 128+9 {
		t.Fatalf("%s: exit %d, want death by SIGKILL at %s\nstderr: %s", strings.Join(args, " "), r.Code, point, r.Stderr)
	}
}

// storeFindings runs system check and returns its store section's problems.
func storeFindings(t *testing.T, e *Env, args ...string) []string {
	t.Helper()
	r := e.Skiff(append([]string{"system", "check"}, args...)...)
	if r.Code != 0 && r.Code != 1 {
		t.Fatalf("system check: exit %d: %s", r.Code, r.Stderr)
	}
	_, store, ok := strings.Cut(r.Stdout, "\nStore (")
	if !ok {
		t.Fatalf("system check has no store section:\n%s", r.Stdout)
	}
	var out []string
	for _, l := range strings.Split(store, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "problem") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// killCase is one row of the matrix: setup, the command killed at point,
// check that the object is whole or gone, the same command again, and
// finish to put the store back for the next row.
type killCase struct {
	point  string
	setup  []string
	args   []string
	check  func()
	again  []string
	finish []string
}

// absent fails the test when r (an inspect) found the object.
func absent(t *testing.T, what string, r Result) {
	t.Helper()
	if r.Code == 0 {
		t.Errorf("%s is there after the kill", what)
	}
}

func TestKillMatrix(t *testing.T) {
	faultBinary(t)
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	tarball := filepath.Join(e.Dir, "busybox-save.tar")
	e.Skiff("save", "-o", tarball, img).Success(t)
	rootfs := rootfsTar(e, "rootfs.tar", map[string]string{"f": "x\n"})
	ctx := buildContext(e, "ctx", map[string]string{"Dockerfile": "FROM busybox\nCOPY f /f\n", "f": "x\n"})
	// an archive of two layers, for a kill between the two
	two := buildContext(e, "two", map[string]string{"Dockerfile": "FROM busybox\nCOPY g /g\n", "g": "y\n"})
	e.Skiff("build", "-q", "-t", "twolayers", two).Success(t)
	twoLayers := filepath.Join(e.Dir, "twolayers.tar")
	e.Skiff("save", "-o", twoLayers, "twolayers").Success(t)
	e.Skiff("rmi", "twolayers").Success(t)
	e.Skiff("image", "prune", "-f").Success(t) // the build's step images
	gone := func(what string, args ...string) func() {
		return func() { t.Helper(); absent(t, what, e.Skiff(args...)) }
	}
	there := func(args ...string) func() { return func() { t.Helper(); e.Skiff(args...).Success(t) } }
	// a container that ends at its stop signal (sh as PID 1 has no
	// default action for SIGTERM)
	trapTerm := []string{"run", "-d", "--name", "k", img, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"}
	killMatrix(t, e, []killCase{
		{"create.rootfs", nil, []string{"create", "--name", "k", img, "true"}, gone("the container", "inspect", "k"),
			[]string{"create", "--name", "k", img, "true"}, []string{"rm", "k"}},
		{"start.prepared", []string{"create", "--name", "k", img, "true"}, []string{"start", "k"}, there("inspect", "k"),
			[]string{"start", "-a", "k"}, []string{"rm", "k"}},
		{"stop.signalled", trapTerm, []string{"stop", "k"},
			func() { waitStatus(e, "k", "exited") },
			[]string{"stop", "k"}, []string{"rm", "k"}},
		{"rm.rootfs", []string{"create", "--name", "k", img, "true"}, []string{"rm", "k"}, gone("the container", "inspect", "k"),
			[]string{"create", "--name", "k", img, "true"}, []string{"rm", "k"}},
		// --rm containers: volatile in storage (records without fsync,
		// their own records file), the same outcomes
		{"create.rootfs", nil, []string{"create", "--rm", "--name", "k", img, "true"}, gone("the container", "inspect", "k"),
			[]string{"create", "--rm", "--name", "k", img, "true"}, []string{"rm", "k"}},
		{"start.prepared", []string{"create", "--rm", "--name", "k", img, "true"}, []string{"start", "k"}, there("inspect", "k"),
			[]string{"start", "-a", "k"}, nil},
		{"rm.rootfs", []string{"create", "--rm", "--name", "k", img, "true"}, []string{"rm", "k"}, gone("the container", "inspect", "k"),
			[]string{"create", "--rm", "--name", "k", img, "true"}, []string{"rm", "k"}},
		{"commit.layer", []string{"create", "--name", "k", img, "true"}, []string{"commit", "k", "committed"},
			gone("the image", "image", "inspect", "committed"),
			[]string{"commit", "k", "committed"}, []string{"rm", "k"}},
		{"load.image", []string{"rmi", img}, []string{"load", "-i", tarball}, func() {},
			[]string{"load", "-i", tarball}, nil},
		// busybox's layer goes with the two images holding it; the kill
		// comes once the first layer is stored, before the second
		{"load.layer", []string{"rmi", img, "committed"}, []string{"load", "-i", twoLayers}, func() {
			absent(t, "the image", e.Skiff("image", "inspect", "twolayers"))
			if left := strings.Join(storeFindings(t, e), "; "); !strings.Contains(left, " 1 layer(s) ") {
				t.Errorf("the kill at load.layer should leave the first layer alone, system check finds: %q", left)
			}
		}, []string{"load", "-i", twoLayers}, []string{"load", "-i", tarball}},
		{"import.layer", nil, []string{"import", rootfs, "imported"}, gone("the image", "image", "inspect", "imported"),
			[]string{"import", rootfs, "imported"}, []string{"rmi", "imported"}},
		{"import.image", nil, []string{"import", rootfs, "imported"}, func() {},
			[]string{"import", rootfs, "imported"}, []string{"rmi", "imported"}},
		{"network.create.subnet", nil, []string{"network", "create", "kn"}, gone("the network", "network", "inspect", "kn"),
			[]string{"network", "create", "kn"}, []string{"network", "rm", "kn"}},
		{"network.rm.record", []string{"network", "create", "kn"}, []string{"network", "rm", "kn"}, gone("the network", "network", "inspect", "kn"),
			[]string{"network", "create", "kn"}, []string{"network", "rm", "kn"}},
		{"volume.create.dir", nil, []string{"volume", "create", "kv"}, gone("the volume", "volume", "inspect", "kv"),
			[]string{"volume", "create", "kv"}, []string{"volume", "rm", "kv"}},
		{"volume.rm.renamed", []string{"volume", "create", "kv"}, []string{"volume", "rm", "kv"}, gone("the volume", "volume", "inspect", "kv"),
			[]string{"volume", "create", "kv"}, []string{"volume", "rm", "kv"}},
		{"build.copy.layer", nil, []string{"build", "-t", "built", ctx}, gone("the image", "image", "inspect", "built"),
			[]string{"build", "-t", "built", ctx}, []string{"rmi", "built"}},
	})
	e.Skiff("run", "--rm", img, "true").Success(t)
}

// TestKillMatrixPull kills pulls: before anything is fetched, in the
// middle of a layer's extraction, once a layer is stored (by the one-pass
// layer download, and by image/v5's copy), after the image is stored. A
// store of its own, without the image, so the pull downloads.
func TestKillMatrixPull(t *testing.T) {
	faultBinary(t)
	Require(t, "busybox")
	t.Parallel()
	ref := RegistryImage(t, "busybox")
	e := New(t)
	var cases []killCase
	for _, point := range []string{"pull.session", "pull.layer.applying", "pull.layer", "pull.blob", "pull.image"} {
		check := func() { absent(t, "the image", e.Skiff("image", "inspect", ref)) }
		if point == "pull.image" { // stored: whole
			check = func() { e.Skiff("image", "inspect", ref).Success(t) }
		}
		cases = append(cases, killCase{point, nil, []string{"pull", ref}, check, []string{"pull", ref}, []string{"rmi", ref}})
	}
	killMatrix(t, e, cases)
	e.Skiff("run", "--rm", ref, "true").Success(t)
}

// killMatrix runs the rows: after each kill, the check, then system check
// (--repair clears what it finds, and then finds nothing), then the same
// command works and system check finds nothing.
func killMatrix(t *testing.T, e *Env, cases []killCase) {
	t.Helper()
	for _, tc := range cases {
		if tc.setup != nil {
			e.Skiff(tc.setup...).Success(t)
		}
		killedAt(t, e, tc.point, tc.args...)
		tc.check()
		if left := storeFindings(t, e); len(left) > 0 {
			t.Logf("kill at %s left, for --repair: %s", tc.point, strings.Join(left, "; "))
			storeFindings(t, e, "--repair")
			if left := storeFindings(t, e); len(left) > 0 {
				t.Errorf("kill at %s: after --repair, system check still finds: %s", tc.point, strings.Join(left, "; "))
			}
		}
		e.Skiff(tc.again...).Success(t)
		if tc.finish != nil {
			e.Skiff(tc.finish...).Success(t)
		}
		if left := storeFindings(t, e); len(left) > 0 {
			t.Errorf("after %s and a clean redo, system check finds: %s", tc.point, strings.Join(left, "; "))
		}
	}
}

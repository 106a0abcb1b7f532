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

func TestKillMatrix(t *testing.T) {
	faultBinary(t)
	t.Parallel()
	e := New(t)
	img := e.LoadBusybox()
	tarball := filepath.Join(e.Dir, "busybox-save.tar")
	e.Skiff("save", "-o", tarball, img).Success(t)
	ctx := buildContext(e, "ctx", map[string]string{"Dockerfile": "FROM busybox\nCOPY f /f\n", "f": "x\n"})
	absent := func(what string, r Result) {
		t.Helper()
		if r.Code == 0 {
			t.Errorf("%s is there after the kill", what)
		}
	}
	for _, tc := range []struct {
		point  string
		setup  []string
		args   []string
		check  func() // the object is whole or gone
		again  []string
		finish []string
	}{
		{"create.rootfs", nil, []string{"create", "--name", "k", img, "true"},
			func() { absent("the container", e.Skiff("inspect", "k")) },
			[]string{"create", "--name", "k", img, "true"}, []string{"rm", "k"}},
		{"start.prepared", []string{"create", "--name", "k", img, "true"}, []string{"start", "k"},
			func() { e.Skiff("inspect", "k").Success(t) },
			[]string{"start", "-a", "k"}, []string{"rm", "k"}},
		{"rm.rootfs", []string{"create", "--name", "k", img, "true"}, []string{"rm", "k"},
			func() { absent("the container", e.Skiff("inspect", "k")) },
			[]string{"create", "--name", "k", img, "true"}, []string{"rm", "k"}},
		{"commit.layer", []string{"create", "--name", "k", img, "true"}, []string{"commit", "k", "committed"},
			func() { absent("the image", e.Skiff("image", "inspect", "committed")) },
			[]string{"commit", "k", "committed"}, []string{"rm", "k"}},
		{"load.image", []string{"rmi", img}, []string{"load", "-i", tarball},
			func() {},
			[]string{"load", "-i", tarball}, nil},
		{"network.create.subnet", nil, []string{"network", "create", "kn"},
			func() { absent("the network", e.Skiff("network", "inspect", "kn")) },
			[]string{"network", "create", "kn"}, []string{"network", "rm", "kn"}},
		{"network.rm.record", []string{"network", "create", "kn"}, []string{"network", "rm", "kn"},
			func() { absent("the network", e.Skiff("network", "inspect", "kn")) },
			[]string{"network", "create", "kn"}, []string{"network", "rm", "kn"}},
		{"volume.create.dir", nil, []string{"volume", "create", "kv"},
			func() { absent("the volume", e.Skiff("volume", "inspect", "kv")) },
			[]string{"volume", "create", "kv"}, []string{"volume", "rm", "kv"}},
		{"volume.rm.renamed", []string{"volume", "create", "kv"}, []string{"volume", "rm", "kv"},
			func() { absent("the volume", e.Skiff("volume", "inspect", "kv")) },
			[]string{"volume", "create", "kv"}, []string{"volume", "rm", "kv"}},
		{"build.copy.layer", nil, []string{"build", "-t", "built", ctx},
			func() { absent("the image", e.Skiff("image", "inspect", "built")) },
			[]string{"build", "-t", "built", ctx}, []string{"rmi", "built"}},
	} {
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
	e.Skiff("run", "--rm", img, "true").Success(t)
}

// kill -9 while a pull stores a layer (in the middle of its extraction,
// and once it is stored but the image is not): no image, nothing system
// check --repair cannot remove, and the pull then works.
func TestKillMatrixPull(t *testing.T) {
	faultBinary(t)
	Require(t, "busybox")
	t.Parallel()
	ref := RegistryImage(t, "busybox")
	e := New(t)
	for _, point := range []string{"pull.layer.applying", "pull.layer"} {
		killedAt(t, e, point, "pull", ref)
		if names := imageNames(e); names != "" {
			t.Errorf("kill at %s: images %q", point, names)
		}
		if left := storeFindings(t, e); len(left) > 0 {
			t.Logf("kill at %s left, for --repair: %s", point, strings.Join(left, "; "))
			storeFindings(t, e, "--repair")
			if left := storeFindings(t, e); len(left) > 0 {
				t.Errorf("kill at %s: after --repair, system check still finds: %s", point, strings.Join(left, "; "))
			}
		}
		e.Skiff("pull", "-q", ref).Success(t)
		e.Skiff("run", "--rm", ref, "true").Success(t)
		e.Skiff("rmi", ref).Success(t)
		if left := storeFindings(t, e); len(left) > 0 {
			t.Errorf("after %s and a clean pull, system check finds: %s", point, strings.Join(left, "; "))
		}
	}
}

// Package e2e holds skiff's end-to-end tests: black-box runs of the built
// binary ($SKIFF_BINARY, default <repo>/bin/skiff), each test with its own
// --root and --runroot, rootless as an unprivileged user or as root, against
// real parts (Debian's docker-registry, test images from
// hack/make-test-images.sh). No mocks.
//
//	SKIFF_TEST_MODE=root|rootless  who runs skiff (default: rootless when the
//	                               test user exists, else root)
//	SKIFF_TEST_USER=skiffer        the unprivileged user for rootless runs
//	SKIFF_TEST_RANGE_USER=NAME     a user of its own whose /etc/subuid and
//	                               /etc/subgid lines the range tests rewrite
//	                               and restore (Require "rangeuser")
//	SKIFF_TEST_SLOW=1              also run the slow suites (Require "slow")
//	SKIFF_TEST_IMAGES=DIR          where busybox.tar and debian.tar are
//
// When go test itself runs unprivileged, skiff runs rootless as that user
// and tests that need root skip.
//
// A test reads as setup / command / expected exit and stderr:
//
//	e := e2e.New(t)
//	img := e.LoadBusybox()
//	e.Skiff("rmi", "nosuch").Fail(t, 125, "No such image")
//
// The harness imports nothing of skiff but internal/testutil.
package e2e

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/skiff-containers/skiff/internal/testutil"
)

// Mode values of SKIFF_TEST_MODE.
const (
	ModeRoot     = "root"
	ModeRootless = "rootless"
)

// account is a user skiff runs as.
type account struct {
	Name   string
	UID    int
	GID    int
	Groups []uint32
}

// suite is the state TestMain sets up once for the package.
var suite struct {
	binary   string // the copy of skiff every user can execute
	binDir   string // holds skiff and a "docker" symlink to it
	base     string // short, world-traversable directory for all tests
	mode     string
	runner   *account // who runs skiff: nil when that is go test's own user
	testUser *account // the unprivileged user (rootless mode or not)
	hostRoot bool     // go test runs as root
	skipAll  string   // when set, every New skips with this reason
	images   string   // where the test images are built
	counter  atomic.Int64
	netBase  int // second octet of this run's fixed test subnets, see tnet

	regOnce sync.Once
	reg     *testutil.Registry
	regErr  error
}

// setup prepares the package: decides the mode, copies the binary where
// every user can run it. It is called from TestMain.
func setup() error {
	suite.hostRoot = os.Geteuid() == 0
	bin := os.Getenv("SKIFF_BINARY")
	if bin == "" {
		root, err := testutil.RepoRoot()
		if err != nil {
			return err
		}
		bin = filepath.Join(root, "bin", "skiff")
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("skiff binary %s: %w (run `make` first, or set SKIFF_BINARY)", bin, err)
	}
	var err error
	if suite.images, err = testutil.ImagesDir(); err != nil {
		return err
	}
	// Unix socket paths are limited to 108 bytes: keep the base short, and
	// traversable by the test user even when go test runs as root.
	if suite.base, err = os.MkdirTemp("/tmp", "se"); err != nil {
		return err
	}
	if err := os.Chmod(suite.base, 0o755); err != nil {
		return err
	}
	suite.netBase = 100 + rand.IntN(140) // clear of 10.88/16 and the 10.89.N pool
	suite.binDir = filepath.Join(suite.base, "bin")
	if err := os.Mkdir(suite.binDir, 0o755); err != nil {
		return err
	}
	suite.binary = filepath.Join(suite.binDir, "skiff")
	if err := copyFile(bin, suite.binary, 0o755); err != nil {
		return err
	}
	if err := os.Symlink("skiff", filepath.Join(suite.binDir, "docker")); err != nil {
		return err
	}
	return chooseMode()
}

func chooseMode() error {
	name := os.Getenv("SKIFF_TEST_USER")
	if name == "" {
		name = "skiffer"
	}
	mode := os.Getenv("SKIFF_TEST_MODE")
	if !suite.hostRoot {
		self, err := lookupAccount(strconv.Itoa(os.Getuid()))
		if err != nil {
			return err
		}
		suite.testUser = self
		suite.mode = ModeRootless
		if mode == ModeRoot {
			suite.skipAll = "SKIFF_TEST_MODE=root needs go test to run as root"
		}
		return nil
	}
	u, uerr := lookupAccount(name)
	if uerr == nil {
		suite.testUser = u
	}
	switch mode {
	case "":
		mode = ModeRoot
		if uerr == nil {
			mode = ModeRootless
		}
	case ModeRootless:
		if uerr != nil {
			return fmt.Errorf("SKIFF_TEST_MODE=rootless: test user %q: %w (create it, or set SKIFF_TEST_USER)", name, uerr)
		}
	case ModeRoot:
	default:
		return fmt.Errorf("SKIFF_TEST_MODE=%q: use root or rootless", mode)
	}
	suite.mode = mode
	if mode == ModeRootless {
		suite.runner = suite.testUser
	}
	return nil
}

func lookupAccount(name string) (*account, error) {
	var u *user.User
	var err error
	if _, nerr := strconv.Atoi(name); nerr == nil {
		u, err = user.LookupId(name)
	} else {
		u, err = user.Lookup(name)
	}
	if err != nil {
		return nil, err
	}
	a := &account{Name: u.Username}
	a.UID, _ = strconv.Atoi(u.Uid)
	a.GID, _ = strconv.Atoi(u.Gid)
	gids, _ := u.GroupIds()
	for _, g := range gids {
		if n, err := strconv.Atoi(g); err == nil {
			a.Groups = append(a.Groups, uint32(n))
		}
	}
	return a, nil
}

// teardown stops the shared registry and removes what is left of the base
// directory. It is called from TestMain.
func teardown() {
	if suite.reg != nil {
		suite.reg.Stop()
	}
	if suite.base != "" {
		if err := os.RemoveAll(suite.base); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(os.Stderr, "e2e: removing %s: %v\n", suite.base, err)
		}
	}
}

// Mode is the suite's mode: ModeRoot or ModeRootless.
func Mode() string { return suite.mode }

// Binary is the path of the skiff binary the tests run.
func Binary() string { return suite.binary }

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}

// chownTree gives the tree under dir to a (no-op without an account).
func chownTree(dir string, a *account) error {
	if a == nil || !suite.hostRoot {
		return nil
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, a.UID, a.GID)
	})
}

// credential is the SysProcAttr credential to run as a, or nil.
func credential(a *account) *syscall.Credential {
	if a == nil || !suite.hostRoot {
		return nil
	}
	groups := a.Groups
	if groups == nil {
		groups = []uint32{}
	}
	return &syscall.Credential{Uid: uint32(a.UID), Gid: uint32(a.GID), Groups: groups}
}

var tnetRe = regexp.MustCompile(`\b10\.20([0-9])\.`)

// tnet moves an address or subnet written as 10.20N.x.y in a test to
// 10.(base+N).x.y, with a base chosen per run: suites running at the same
// time on one host (root networks share the host) then rarely claim the
// same subnet.
func tnet(s string) string {
	return tnetRe.ReplaceAllStringFunc(s, func(m string) string {
		return fmt.Sprintf("10.%d.", suite.netBase+int(m[5]-'0'))
	})
}

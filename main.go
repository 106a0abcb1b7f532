// Command skiff runs containers without a daemon, rootless or as root, with
// docker's command line. One binary plays several roles; main picks the role
// before any command-line parsing (see docs/internal.md).
package main

import (
	"context"
	"os"
	"runtime/debug"
	"time"

	"go.podman.io/storage/pkg/reexec"

	"github.com/skiff-containers/skiff/commands"
	"github.com/skiff-containers/skiff/netns"
	"github.com/skiff-containers/skiff/rootless"
	"github.com/skiff-containers/skiff/runtime/container"
	_ "github.com/skiff-containers/skiff/runtime/infra" // a pod's infra process (C)
	"github.com/skiff-containers/skiff/runtime/initproc"
	_ "github.com/skiff-containers/skiff/runtime/monitor" // the monitor role (C)
)

func main() {
	// The monitor role never gets here: it is C (runtime/monitor) and runs
	// before the Go runtime starts.
	if code, ok := initproc.RoleMain(); ok {
		os.Exit(code)
	}
	switch os.Getenv("_SKIFF_ROLE") {
	case container.CleanupRole:
		os.Exit(container.CleanupMain())
	case container.HealthRole:
		os.Exit(container.HealthMain())
	case netns.ForwarderRole:
		os.Exit(netns.ForwarderMain())
	case netns.DNSRole:
		os.Exit(netns.DNSMain())
	case netns.KeeperRole:
		os.Exit(netns.KeeperMain())
	}
	// go.podman.io/storage re-executes the binary for some layer operations
	// and registers its handlers at init.
	if reexec.Init() {
		return
	}
	rootless.Init()
	shortCommandGC()
	os.Exit(commands.Run(context.Background(), os.Args))
}

// shortCommandGC lets a command's first second collect garbage at
// GOGC=400 (unless GOGC is set): most commands end well within it, under
// the first collection's heap goal (16 MB instead of 4 MB), so they never
// pay for a collection, nor for the memory its work touches (issue #18:
// on a machine where a first touch of anonymous memory is slow, that is
// most of a create's collection). Commands that run on (attached run,
// logs -f, compose up, pulls, builds) collect as usual after it.
func shortCommandGC() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	debug.SetGCPercent(400)
	time.AfterFunc(time.Second, func() { debug.SetGCPercent(100) })
}

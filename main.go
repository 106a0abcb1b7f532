// Command skiff runs containers without a daemon, rootless or as root, with
// docker's command line. One binary plays several roles; main picks the role
// before any command-line parsing (see docs/internal.md).
package main

import (
	"context"
	"os"

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
	os.Exit(commands.Run(context.Background(), os.Args))
}

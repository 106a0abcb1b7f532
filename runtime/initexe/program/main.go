// Command skiff-initexe runs skiff's init and exec roles (runtime/initproc)
// and a pod's infra process (runtime/infra, which an infra container's
// init execs from this same program), and nothing else; runtime/initexe
// embeds it in skiff. The roles and their protocol are the same as from
// skiff's own binary: both dispatch through initproc.RoleMain.
package main

import (
	"fmt"
	"os"

	_ "github.com/skiff-containers/skiff/rootless/nsjoin" // the exec role's namespace entry (C, before the Go runtime)
	_ "github.com/skiff-containers/skiff/runtime/infra"   // a pod's infra process, which the init execs (C, before the Go runtime)
	"github.com/skiff-containers/skiff/runtime/initproc"
)

func main() {
	if code, ok := initproc.RoleMain(); ok {
		os.Exit(code)
	}
	fmt.Fprintln(os.Stderr, "skiff-initexe runs skiff's init and exec roles: run skiff instead")
	os.Exit(125)
}

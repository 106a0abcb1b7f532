// Command skiff-initexe runs skiff's init and exec roles (runtime/initproc)
// and nothing else; runtime/initexe embeds it in skiff. The roles and
// their protocol are the same as from skiff's own binary: both dispatch
// through initproc.RoleMain.
package main

import (
	"fmt"
	"os"

	_ "github.com/skiff-containers/skiff/rootless/nsjoin" // the exec role's namespace entry (C, before the Go runtime)
	"github.com/skiff-containers/skiff/runtime/initproc"
)

func main() {
	if code, ok := initproc.RoleMain(); ok {
		os.Exit(code)
	}
	fmt.Fprintln(os.Stderr, "skiff-initexe runs skiff's init and exec roles: run skiff instead")
	os.Exit(125)
}

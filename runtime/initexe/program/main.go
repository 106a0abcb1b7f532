// Command skiff-initexe runs skiff's init and exec roles (runtime/initproc)
// and nothing else; runtime/initexe embeds it in skiff. The roles and
// their protocol are the same as from skiff's own binary, which main.go
// dispatches the same way.
package main

import (
	"fmt"
	"os"

	_ "github.com/skiff-containers/skiff/rootless/nsjoin" // the exec role's namespace entry (C, before the Go runtime)
	"github.com/skiff-containers/skiff/runtime/initproc"
)

func main() {
	switch os.Getenv("_SKIFF_ROLE") {
	case initproc.Role:
		os.Exit(initproc.Main())
	case initproc.ExecRole:
		os.Exit(initproc.ExecMain())
	}
	fmt.Fprintln(os.Stderr, "skiff-initexe runs skiff's init and exec roles: run skiff instead")
	os.Exit(125)
}

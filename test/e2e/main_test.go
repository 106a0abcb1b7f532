package e2e

import (
	"fmt"
	"os"
	"testing"
)

// TestMain copies the binary where every user can run it, decides the mode
// (see the package comment), runs the tests, then stops the shared
// registry.
func TestMain(m *testing.M) {
	code := 1
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
	} else {
		who := "root"
		if suite.runner != nil {
			who = suite.runner.Name
		} else if !suite.hostRoot {
			who = suite.testUser.Name
		}
		fmt.Fprintf(os.Stderr, "e2e: mode %s, skiff runs as %s, binary %s\n", suite.mode, who, suite.binary)
		code = m.Run()
	}
	teardown()
	os.Exit(code)
}

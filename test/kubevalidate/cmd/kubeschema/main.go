// Command kubeschema writes runtime/kube/schema.go (package schema) to
// the file named, or stdout.
package main

import (
	"fmt"
	"os"

	"github.com/skiff-containers/skiff/test/kubevalidate/schema"
)

func main() {
	src, err := schema.Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(os.Args) > 1 {
		err = os.WriteFile(os.Args[1], src, 0o644)
	} else {
		_, err = os.Stdout.Write(src)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

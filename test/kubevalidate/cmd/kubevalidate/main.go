// Command kubevalidate validates Kubernetes YAML files (or stdin) as the
// API server would (package kubevalidate); it prints one line per
// document and exits 1 at the first refusal.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/skiff-containers/skiff/test/kubevalidate"
)

func main() {
	files := os.Args[1:]
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, name := range files {
		var r io.Reader = os.Stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			defer f.Close()
			r = f
		}
		docs, err := kubevalidate.All(r)
		for _, d := range docs {
			if d.Skipped {
				fmt.Printf("%s: %s %s not checked (a kind skiff neither generates nor plays)\n", name, d.Kind, d.Name)
				continue
			}
			fmt.Printf("%s: %s %s valid\n", name, d.Kind, d.Name)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			os.Exit(1)
		}
	}
}

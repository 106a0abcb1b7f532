package netns

import "os/exec"

// Helper is an external program skiff uses for rootless networking.
type Helper struct {
	Name string
	Path string // "" when not installed
}

// Helpers lists the outward network helpers in order of preference.
func Helpers() []Helper {
	var out []Helper
	for _, n := range []string{"pasta", "slirp4netns"} {
		p, _ := exec.LookPath(n)
		out = append(out, Helper{Name: n, Path: p})
	}
	return out
}

// Package version holds skiff's version, set at link time by the Makefile
// (-X), with the VCS revision from the build info as a fallback.
package version

import (
	"runtime/debug"
)

// Version is skiff's release version.
var Version = "0.1.0-dev"

// Commit is the git commit skiff was built from.
var Commit = ""

// BuildTime is when the binary was built (RFC 3339), if known.
var BuildTime = ""

// APIVersion is the Docker Engine API version whose behaviour skiff follows.
const APIVersion = "1.41"

// GitCommit returns Commit or the revision recorded by the go tool.
func GitCommit() string {
	if Commit != "" {
		return Commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 7 {
				return s.Value[:7]
			}
		}
	}
	return "unknown"
}

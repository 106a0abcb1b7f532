package seccomp

import (
	"bytes"
	"encoding/json"
	"fmt"

	profiles "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Unconfined is the --security-opt seccomp value that loads no filter.
const Unconfined = "unconfined"

// Resolve returns the rules a container with the bounding capabilities
// caps gets from a profile in docker's JSON format ("": docker's default
// profile): the conditional rules are resolved for caps, this machine's
// architecture and kernel. A nil result means no filter.
func Resolve(profile string, caps []string) (*specs.LinuxSeccomp, error) {
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
	if profile == "" {
		return profiles.GetDefaultProfile(rs)
	}
	p, err := profiles.LoadProfile(profile, rs)
	if err != nil {
		return nil, fmt.Errorf("loading the seccomp profile: %w", err)
	}
	return p, nil
}

// Build is Resolve and Compile: the filter of a container with the
// bounding capabilities caps, nil for a profile that asks for none.
func Build(profile string, caps []string) (*Filter, error) {
	p, err := Resolve(profile, caps)
	if err != nil || p == nil {
		return nil, err
	}
	return Compile(p)
}

// Check reads a profile file's content as docker's CLI does: it must be
// a valid profile; the result is its compact JSON, which HostConfig's
// SecurityOpt keeps as seccomp=JSON.
func Check(content []byte) (string, error) {
	var p profiles.Seccomp
	if err := json.Unmarshal(content, &p); err != nil {
		return "", fmt.Errorf("decoding the seccomp profile: %w", err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, content); err != nil {
		return "", err
	}
	// Compile it once with every capability, so that a bad action, flag
	// or comparison is reported now rather than at start.
	if _, err := Build(b.String(), nil); err != nil {
		return "", err
	}
	return b.String(), nil
}

package commands

import (
	"fmt"
	"strings"

	"github.com/skiff-containers/skiff/internal/lazy"
)

// Refusal names docker flags of a command that skiff does not accept, and
// why, in a few words.
type Refusal struct {
	Flags []string // "--gpus", as docker spells them
	Why   string
}

// refused lists, by canonical command path, the docker flags skiff
// refuses. --help ends with them in one line, and using one gives its
// reason instead of a bare "unknown flag".
var refused = lazy.Value(func() map[string][]Refusal {
	rtRefusal := Refusal{[]string{"--cpu-rt-period", "--cpu-rt-runtime"}, "no real-time CPU scheduling"}
	windowsRefusal := Refusal{[]string{"--cpu-count", "--cpu-percent", "--io-maxbandwidth", "--io-maxiops", "--isolation"},
		"Windows only"}
	platformRefusal := Refusal{[]string{"--platform"}, "the store keeps one platform of an image"}

	containerRefusals := []Refusal{
		rtRefusal, windowsRefusal,
		{[]string{"--device-cgroup-rule"}, "devices are bind-mounted, with no device cgroup"},
		{[]string{"--gpus"}, "no GPU support"},
		{[]string{"--ip6", "--link-local-ip"}, "skiff's networks are IPv4 only"},
		{[]string{"--runtime"}, "skiff starts containers itself"},
		{[]string{"--storage-opt"}, "no per-container storage options"},
		{[]string{"--use-api-socket"}, "there is no daemon socket"},
	}
	buildRefusals := []Refusal{
		{[]string{"--cgroup-parent", "--cpu-period", "--cpu-quota", "--cpu-shares", "--cpuset-cpus", "--cpuset-mems",
			"--memory", "--memory-swap", "--shm-size", "--ulimit"}, "RUN steps take no resource limits yet"},
		{[]string{"--add-host", "--security-opt"}, "not implemented yet"},
		{[]string{"--compress"}, "no daemon to send the context to"},
		{[]string{"--squash"}, "layers are not squashed"},
		{[]string{"--isolation"}, "Windows only"},
	}
	clusterVolumeRefusal := Refusal{[]string{"--availability", "--group", "--limit-bytes", "--required-bytes", "--scope",
		"--secret", "--sharing", "--topology-preferred", "--topology-required", "--type"}, "cluster volumes are Swarm's"}
	networkCreateRefusals := []Refusal{
		{[]string{"--config-from", "--config-only", "--ingress"}, "Swarm's"},
		{[]string{"--aux-address", "--ipam-opt"}, "not implemented yet"},
		{[]string{"--ipv4"}, "skiff's networks are IPv4 only"},
	}
	return map[string][]Refusal{
		"run":            containerRefusals,
		"create":         containerRefusals,
		"update":         {rtRefusal},
		"start":          {{[]string{"--checkpoint", "--checkpoint-dir"}, "skiff has no checkpoint/restore"}},
		"build":          buildRefusals,
		"images":         {{[]string{"--tree"}, "the store keeps one platform of an image"}},
		"image inspect":  {platformRefusal},
		"push":           {platformRefusal},
		"rmi":            {platformRefusal},
		"history":        {platformRefusal},
		"save":           {platformRefusal},
		"load":           {platformRefusal},
		"volume create":  {clusterVolumeRefusal},
		"volume ls":      {{[]string{"--cluster"}, "cluster volumes are Swarm's"}},
		"network create": networkCreateRefusals,
		"compose up": {
			{[]string{"--abort-on-container-failure", "--always-recreate-deps", "--attach", "--attach-dependencies", "--no-attach",
				"--renew-anon-volumes"}, "not implemented yet"},
			{[]string{"--watch"}, "run skiff compose watch"},
			{[]string{"--menu"}, "no interactive shortcuts"},
		},
		"network connect": {
			{[]string{"--ip6", "--link-local-ip"}, "skiff's networks are IPv4 only"},
			{[]string{"--driver-opt"}, "not implemented yet"},
			{[]string{"--link"}, "links are given to run and create"},
		},
	}
})

// refusedLine is the last line of a command's --help, or "".
func refusedLine(path string) string {
	var parts []string
	for _, r := range refused()[path] {
		parts = append(parts, strings.Join(r.Flags, ", ")+": "+r.Why)
	}
	if len(parts) == 0 {
		return ""
	}
	return "Not supported by skiff: " + strings.Join(parts, "; ") + "."
}

// refusedFlag returns the usage error for a docker flag that the command
// at path refuses, with the reason, or "".
func refusedFlag(path, flag string) string {
	for _, r := range refused()[path] {
		for _, f := range r.Flags {
			if f == flag {
				return fmt.Sprintf("unknown flag: %s: not supported by skiff (%s)", flag, r.Why)
			}
		}
	}
	return ""
}

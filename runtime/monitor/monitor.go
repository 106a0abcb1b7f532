// Package monitor is a container's monitor process, skiff's conmon: the
// container's parent for its whole life. The steady-state work is C
// (monitor.c, run by a constructor before the Go runtime starts, so a
// monitor costs little memory): start the init in new namespaces, report
// its pid, copy its output to the json-file log and to attached clients,
// feed their input, reap it. At the exit it execs skiff's cleanup role
// (Go, runtime/container), which decides what the exit means.
//
// This Go side only describes how to start a monitor. It must not import
// storage or runtime/container.
package monitor

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Role is the value of _SKIFF_ROLE that makes the binary a monitor.
const Role = "monitor"

// Descriptors a monitor expects after stdio.
const (
	ReportFD  = 3 // write end of the pipe the CLI reads "pid N" or "error CODE MSG" from
	ClientFD  = 4 // the first attach client, with Options.Client
	InitExeFD = 5 // the program the init runs from, with Options.InitExe
)

// Options describe the container a monitor runs.
type Options struct {
	Socket  string // attach socket path
	LogPath string // json-file log; "" writes none (--log-driver none)
	// LogMaxSize rotates the log past that many bytes (0: never), keeping
	// LogMaxFiles files, the live one included.
	LogMaxSize  int64
	LogMaxFiles int
	// K8sFile writes the log in podman's k8s-file format instead of
	// json-file.
	K8sFile bool
	// JournalID and JournalName, when set, send each line to the
	// journal (--log-driver journald) instead of a file.
	JournalID, JournalName string
	// Passthrough gives the container the monitor's own standard
	// streams (the CLI's: --log-driver passthrough).
	Passthrough bool
	// Timeout kills the container that many seconds after its start
	// (--timeout; 0: never); its exit code is then -1.
	Timeout int
	// PreserveFDs descriptors from PreserveAt on go to the container's
	// process as 3 to 3+PreserveFDs-1 (run --preserve-fds).
	PreserveFDs, PreserveAt int
	// HoldFD, when set, is a descriptor the monitor reads one byte from
	// before it starts the init (end of file: it gives up): the CLI
	// places it in the container's systemd scope meanwhile.
	HoldFD int
	// HealthInterval, in milliseconds, makes the monitor run skiff's
	// health role that often while the container runs ("": never).
	HealthInterval string
	InitConfig     string // file with the init's configuration (initproc.Config)
	RunDir         string // the container's runtime directory, for the cleanup role
	Namespaces     []specs.LinuxNamespace
	Tty            bool
	OpenStdin      bool
	StdinOnce      bool
	// Client says a first attach client is passed as ClientFD.
	Client bool
	// InitExe says the program the init runs from (sealed: runtime/
	// initexe) is passed as InitExeFD; else the monitor runs the init from
	// a sealed view of its own binary.
	InitExe bool
	// UIDMappings and GIDMappings, with a user namespace among
	// Namespaces, are its id maps, written by the monitor (--userns=keep-id).
	UIDMappings, GIDMappings []specs.LinuxIDMapping
}

var nsFlags = map[specs.LinuxNamespaceType]uintptr{
	specs.PIDNamespace: unix.CLONE_NEWPID, specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace: unix.CLONE_NEWNS, specs.IPCNamespace: unix.CLONE_NEWIPC,
	specs.UTSNamespace: unix.CLONE_NEWUTS, specs.CgroupNamespace: unix.CLONE_NEWCGROUP,
	specs.UserNamespace: unix.CLONE_NEWUSER,
}

var nsNames = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace: "pid", specs.NetworkNamespace: "net", specs.MountNamespace: "mnt",
	specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts", specs.CgroupNamespace: "cgroup",
}

// Args returns the monitor's command-line arguments for o: namespaces
// without a path are created (clone flags), the others joined.
func Args(o Options) ([]string, error) {
	args := []string{"skiff-monitor", "--socket=" + o.Socket, "--init-config=" + o.InitConfig, "--rundir=" + o.RunDir}
	if o.LogPath != "" {
		args = append(args, "--log="+o.LogPath)
		if o.LogMaxSize > 0 {
			args = append(args, "--log-max-size="+strconv.FormatInt(o.LogMaxSize, 10), "--log-max-files="+strconv.Itoa(max(o.LogMaxFiles, 1)))
		}
	}
	if o.HealthInterval != "" {
		args = append(args, "--health-interval="+o.HealthInterval)
	}
	if o.K8sFile {
		args = append(args, "--log-format=k8s-file")
	}
	if o.JournalID != "" {
		args = append(args, "--journald="+o.JournalID+":"+o.JournalName)
	}
	if o.Passthrough {
		args = append(args, "--passthrough")
	}
	if o.Timeout > 0 {
		args = append(args, "--timeout="+strconv.Itoa(o.Timeout))
	}
	if o.PreserveFDs > 0 {
		args = append(args, fmt.Sprintf("--preserve-fds=%d:%d", o.PreserveFDs, o.PreserveAt))
	}
	if o.HoldFD > 0 {
		args = append(args, "--hold="+strconv.Itoa(o.HoldFD))
	}
	var flags uintptr
	for _, ns := range o.Namespaces {
		f, ok := nsFlags[ns.Type]
		if !ok {
			return nil, fmt.Errorf("unsupported namespace %q", ns.Type)
		}
		if ns.Path == "" {
			flags |= f
			continue
		}
		if ns.Type == specs.MountNamespace || ns.Type == specs.UserNamespace {
			return nil, fmt.Errorf("joining a %s namespace is not supported", ns.Type)
		}
		args = append(args, "--ns="+nsNames[ns.Type]+":"+ns.Path)
	}
	args = append(args, "--clone-flags="+strconv.FormatUint(uint64(flags), 10))
	if flags&unix.CLONE_NEWUSER != 0 {
		if len(o.UIDMappings) == 0 || len(o.GIDMappings) == 0 {
			return nil, fmt.Errorf("a user namespace needs id mappings")
		}
		args = append(args, "--uid-map="+mapArg(o.UIDMappings), "--gid-map="+mapArg(o.GIDMappings))
	}
	for _, b := range []struct {
		on   bool
		flag string
	}{{o.Tty, "--tty"}, {o.OpenStdin, "--stdin"}, {o.StdinOnce, "--stdin-once"}, {o.Client, "--client"}, {o.InitExe, "--init-exe"}} {
		if b.on {
			args = append(args, b.flag)
		}
	}
	return args, nil
}

// mapArg is "C:H:S,..." for the monitor's --uid-map and --gid-map.
func mapArg(m []specs.LinuxIDMapping) string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = fmt.Sprintf("%d:%d:%d", e.ContainerID, e.HostID, e.Size)
	}
	return strings.Join(parts, ",")
}

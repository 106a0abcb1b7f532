package container

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/internal/proc"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/initexe"
	"github.com/skiff-containers/skiff/runtime/initproc"
	"github.com/skiff-containers/skiff/runtime/monitor"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// ErrAlreadyRunning is returned by Start for a running container.
var ErrAlreadyRunning = errors.New("container is already running")

// runFiles are the files start writes into the container's runtime
// directory for the monitor, the init and the cleanup role.
const (
	initConfigFile = "init.json"    // initproc.Config, read by the init
	cleanupFile    = "cleanup.json" // cleanupConfig, read by the cleanup role
	attachSocket   = "attach.sock"
)

// cleanupConfig tells the cleanup role, which the monitor execs at the
// container's exit, whose exit it is.
type cleanupConfig struct {
	Engine engine.Config
	ID     string
}

// StartError is a container process that could not be started; Code is
// docker's exit code for it (126, 127, or 125).
type StartError struct {
	Code int
	Msg  string
}

func (e *StartError) Error() string { return e.Msg }

// Is lets errdefs.ExitCode map a start error to its code.
func (e *StartError) Is(target error) bool {
	switch e.Code {
	case errdefs.ExitNotFound:
		return target == errdefs.ErrCommandNotFound
	case errdefs.ExitCannotRun:
		return target == errdefs.ErrCannotInvoke
	}
	return false
}

// startKind says who starts a container.
type startKind int

const (
	// startByHand is start, restart, run: it clears a user stop and the
	// restart policy's count and back-off.
	startByHand startKind = iota
	// startByPolicy is the restart policy after the back-off: only while
	// the restart is still pending and this process's to make.
	startByPolicy
	// startAtRestore and startAtBootRestore are system restore's (later
	// in a boot, or its first): a start by hand, made only while
	// StartsAtRestore still says so under the container's lock.
	startAtRestore
	startAtBootRestore
)

// start mounts the root filesystem, prepares the container's files and
// starts its monitor, which starts the process; it records the outcome.
// client, when set, is the monitor's end of an attach connection the
// caller already said hello on. It returns once the process runs or
// failed to start. A restarting container counts as running for a start
// by hand, as in docker.
func (c *Container) start(client *os.File, kind startKind) error {
	l, err := lock(c.e, c.ID)
	if err != nil {
		return err
	}
	defer l.Close()
	fresh, err := load(c.e, c.ID)
	if err != nil {
		return err
	}
	fresh.preserved = c.preserved
	*c = *fresh
	switch {
	case kind == startByPolicy:
		if c.State.Status != StatusRestarting || c.State.MonitorPid != os.Getpid() || c.State.ManuallyStopped {
			return errRestartCancelled
		}
	case c.State.Running():
		return ErrAlreadyRunning
	case kind == startAtRestore || kind == startAtBootRestore:
		if !c.StartsAtRestore(kind == startAtBootRestore) {
			return errNotRestored
		}
	}
	opts, err := c.prepare()
	fault.Point("start.prepared")
	if err == nil {
		opts.Client = client != nil
		err = c.spawnMonitor(opts, client, kind)
	}
	c.networkStarted(err)
	if err != nil {
		c.recordStartFailure(err, kind)
		_ = c.saveState()
		return err
	}
	if err := c.saveState(); err != nil {
		return err
	}
	c.event("start")
	return nil
}

// recordStartFailure records a start that failed: the process could not
// be started (a StartError, with its exit code), or the restart policy's
// start failed for any reason; the container is stopped then.
func (c *Container) recordStartFailure(err error, kind startKind) {
	var se *StartError
	switch {
	case errors.As(err, &se):
		c.State.ExitCode, c.State.Error = se.Code, se.Msg
		c.State.FinishedAt = time.Now().UTC()
	case kind == startByPolicy:
		c.State.Error = "restarting the container: " + err.Error()
	default:
		c.releaseRuntime()
		return
	}
	c.State.Status = StatusExited
	if c.State.StartCount == 0 {
		c.State.Status = StatusCreated
	}
	c.State.MonitorPid, c.State.MonitorStart = 0, 0
	c.releaseRuntime()
}

// prepare mounts the root filesystem, completes the spec and writes the
// files the monitor and the init read.
func (c *Container) prepare() (*monitor.Options, error) {
	if c.Spec == nil {
		return nil, errSpecMissing(c)
	}
	s, err := c.e.Store()
	if err != nil {
		return nil, err
	}
	rootfs, err := s.Mount(c.ID, "")
	if err != nil {
		return nil, fmt.Errorf("mounting the container's root filesystem: %w", err)
	}
	// Recorded at once: whatever dies next, rm knows to unmount.
	c.State.Rootfs = rootfs
	if err := c.saveState(); err != nil {
		return nil, err
	}
	sp := *c.Spec
	process := *sp.Process
	sp.Process = &process
	sp.Root = &specs.Root{Path: rootfs, Readonly: c.Spec.Root.Readonly}
	sp.Mounts = append([]specs.Mount{}, c.Spec.Mounts...)
	linux := *sp.Linux
	sp.Linux = &linux
	extra, passwd, err := c.podmanMounts(rootfs)
	if err != nil {
		return nil, err
	}
	if err := spec.FinalizePasswd(&sp, rootfs, c.HostConfig.GroupAdd, passwd); err != nil {
		return nil, err
	}
	if err := c.prepareNetwork(&sp); err != nil {
		return nil, err
	}
	if err := c.prepareNamespaceModes(&sp); err != nil {
		return nil, err
	}
	if len(c.HostConfig.Links) > 0 {
		_, env, err := c.linkedHosts(c.loadNetRuntime(), true)
		if err != nil {
			return nil, err
		}
		sp.Process.Env = withLinkEnv(env, sp.Process.Env)
	}
	files, err := c.writeEtcFiles()
	if err != nil {
		return nil, err
	}
	markers, err := c.markerMounts()
	if err != nil {
		return nil, err
	}
	sp.Mounts = append(append(append(sp.Mounts, files...), markers...), extra...)
	if err := c.prepareMounts(&sp); err != nil {
		return nil, err
	}
	if c.HostConfig.Privileged {
		// the host's devices as they are at this start, as docker does
		sp.Mounts = spec.WithHostDevices(sp.Mounts, spec.HostDevices("/dev", c.e.Rootless()))
	}
	var infraEnv []string
	if c.Infra {
		var binds []specs.Mount
		if binds, infraEnv, err = infraRuntime(); err != nil {
			return nil, err
		}
		sp.Mounts = append(sp.Mounts, binds...)
	}
	filter, err := c.seccompFilter()
	if err != nil {
		return nil, err
	}
	cgroupDirs, err := c.prepareCgroup(&sp)
	if err != nil {
		return nil, err
	}
	namespaces, unshareCgroup := sp.Linux.Namespaces, false
	if len(cgroupDirs) > 0 {
		namespaces, unshareCgroup = withoutCgroupNS(namespaces)
	}
	dir := c.RunDir()
	init := initproc.Config{
		Spec: &sp, Reaper: c.HostConfig.Init != nil && *c.HostConfig.Init && c.Extra.InitPath == "",
		InUserNS: c.e.Rootless(), SetupLoopback: hasNewNetNS(&sp), Seccomp: filter, Infra: infraEnv,
		Cgroups: cgroupDirs, UnshareCgroupNS: unshareCgroup,
	}
	if err := writeJSON(filepath.Join(dir, initConfigFile), &init); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(dir, cleanupFile), &cleanupConfig{Engine: c.e.Config, ID: c.ID}); err != nil {
		return nil, err
	}
	o := &monitor.Options{
		Socket: filepath.Join(dir, attachSocket), HealthInterval: c.healthArg(), Timeout: c.Extra.Timeout,
		InitConfig: filepath.Join(dir, initConfigFile), RunDir: dir,
		Namespaces: namespaces, Tty: sp.Process.Terminal,
		UIDMappings: sp.Linux.UIDMappings, GIDMappings: sp.Linux.GIDMappings,
		OpenStdin: c.Config.OpenStdin, StdinOnce: c.Config.StdinOnce,
	}
	c.logMonitor(o)
	return o, nil
}

// logMonitor sets where the monitor sends the container's output: the
// log driver's file, the journal, nowhere, or (passthrough) the caller's
// own streams.
func (c *Container) logMonitor(o *monitor.Options) {
	limit := c.logLimits()
	switch c.HostConfig.LogConfig.Type {
	case LogDriverNone:
	case LogDriverJournald:
		o.JournalID, o.JournalName = c.ID, c.Name
	case LogDriverPassthrough, LogDriverPassthroughTTY:
		o.Passthrough = true
	default:
		o.LogPath, o.LogMaxSize, o.LogMaxFiles = c.LogPath(), limit.size, limit.files
		o.K8sFile = c.HostConfig.LogConfig.Type == LogDriverK8sFile
	}
}

// errSpecMissing reports a container whose spec.json went missing.
func errSpecMissing(c *Container) error {
	return fmt.Errorf("container %s has lost its spec (%s): remove it and create it again", c.ShortID(), filepath.Join(c.Dir(), "spec.json"))
}

func hasNewNetNS(s *specs.Spec) bool {
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace && ns.Path == "" {
			return true
		}
	}
	return false
}

// spawnMonitor starts the monitor and records the running process, or
// returns the StartError the monitor reported.
func (c *Container) spawnMonitor(o *monitor.Options, client *os.File, kind startKind) error {
	initExe, err := initexe.Open(c.e.RunDir("initexe")) // nil: the init runs from this binary
	if err != nil {
		return err
	}
	if initExe != nil {
		defer initExe.Close()
	}
	o.InitExe = initExe != nil
	reportR, reportW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer reportR.Close()
	defer reportW.Close()
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = monitorEnv()
	// ReportFD, ClientFD (closed without a client), InitExeFD
	cmd.ExtraFiles = []*os.File{reportW, client}
	if initExe != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, initExe)
	}
	if o.Passthrough {
		if err := c.checkPassthrough(); err != nil {
			return err
		}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	}
	var holdW *os.File
	if c.scope != nil {
		// the monitor waits until it is in the scope (enterScope)
		holdR, w, err := os.Pipe()
		if err != nil {
			return err
		}
		defer holdR.Close()
		holdW = w
		defer holdW.Close()
		o.HoldFD = 3 + len(cmd.ExtraFiles)
		cmd.ExtraFiles = append(cmd.ExtraFiles, holdR)
	}
	if len(c.preserved) > 0 {
		o.PreserveFDs, o.PreserveAt = len(c.preserved), 3+len(cmd.ExtraFiles)
		cmd.ExtraFiles = append(cmd.ExtraFiles, c.preserved...)
		c.preserved = nil // the first start's only
	}
	if cmd.Args, err = monitor.Args(*o); err != nil {
		return err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if c.BuildStep != nil {
		// A build's step dies with its build (the init re-arms its own
		// parent-death signal): a killed build leaves nothing running.
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
	err = startReaped(cmd)
	reportW.Close()
	if err != nil {
		return fmt.Errorf("starting the container monitor: %w", err)
	}
	if holdW != nil {
		ps := c.scope
		c.scope = nil
		if err := c.enterScope(ps.sc, cmd.Process.Pid, ps.r); err != nil {
			return err // the monitor gives up as holdW closes
		}
		if _, err := holdW.Write([]byte{1}); err != nil {
			return fmt.Errorf("releasing the container monitor: %w", err)
		}
	}
	line, err := bufio.NewReader(reportR).ReadString('\n')
	if err != nil {
		return fmt.Errorf("the container monitor died before starting the container")
	}
	return c.recordStart(strings.TrimSpace(line), cmd.Process.Pid, kind)
}

// recordStart interprets the monitor's report: "pid N" or "error CODE MSG".
func (c *Container) recordStart(report string, monitorPid int, kind startKind) error {
	if rest, ok := strings.CutPrefix(report, "error "); ok {
		codeStr, msg, _ := strings.Cut(rest, " ")
		code, err := strconv.Atoi(codeStr)
		if err != nil {
			code = errdefs.ExitSkiff
		}
		return &StartError{Code: code, Msg: msg}
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(report, "pid "))
	if err != nil || pid <= 0 {
		return fmt.Errorf("garbled report from the container monitor: %q", report)
	}
	st := &c.State
	st.Status = StatusRunning
	st.Pid = pid
	st.PidStart, _ = proc.StartTime(pid)
	st.MonitorPid = monitorPid
	st.MonitorStart, _ = proc.StartTime(monitorPid)
	st.StartedAt = time.Now().UTC()
	st.Error, st.OOMKilled = "", false // ExitCode stays: the last exit's, for wait
	st.StartCount++
	st.ManualRestart, st.HealthRestart = false, false
	if kind != startByPolicy {
		st.ManuallyStopped = false
		st.RestartCount, st.Backoff = 0, 0
	}
	st.Health = nil
	if c.healthActive() {
		st.Health = &Health{Status: HealthStarting}
	}
	return nil
}

// monitorEnv is the environment of a monitor (and of the cleanup role it
// becomes): the role and what the libraries need to know they run
// rootless.
func monitorEnv() []string {
	env := []string{"_SKIFF_ROLE=" + monitor.Role, "PATH=" + os.Getenv("PATH")}
	for _, k := range []string{"_SKIFF_USERNS_CONFIGURED", "_CONTAINERS_USERNS_CONFIGURED",
		"_CONTAINERS_ROOTLESS_UID", "_CONTAINERS_ROOTLESS_GID", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS", "TMPDIR", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// startReaped starts cmd and reaps it when it ends. With a parent-death
// signal, the start happens on an OS thread locked until cmd ends: the
// signal follows the thread that forked, and Go ends a thread when a
// goroutine that locked it (netns code does) returns without unlocking,
// which would kill cmd long before this process dies.
func startReaped(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil || cmd.SysProcAttr.Pdeathsig == 0 {
		if err := cmd.Start(); err != nil {
			return err
		}
		go func() { _ = cmd.Wait() }() // reap it if it ends while we live
		return nil
	}
	started := make(chan error, 1)
	go func() {
		goruntime.LockOSThread()
		defer goruntime.UnlockOSThread()
		err := cmd.Start()
		started <- err
		if err == nil {
			_ = cmd.Wait()
		}
	}()
	return <-started
}

package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/initproc"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// ErrAlreadyRunning is returned by Start for a running container.
var ErrAlreadyRunning = errors.New("container is already running")

// monitorConfig is what the CLI hands the monitor (fd 3).
type monitorConfig struct {
	Engine    engine.Config
	ID        string
	Init      initproc.Config
	OpenStdin bool
	StdinOnce bool
	LogPath   string
	Socket    string
	HasClient bool
}

// startReport is the monitor's answer to the CLI (fd 5).
type startReport struct {
	Pid   int    `json:"pid,omitempty"`
	Error string `json:"error,omitempty"`
	Code  int    `json:"code,omitempty"`
}

// Monitor file descriptors, after stdio.
const (
	monitorConfigFD = 3
	monitorLockFD   = 4
	monitorSyncFD   = 5
	monitorClientFD = 6
)

// start mounts the root filesystem, prepares the container's files and
// starts its monitor, which starts the process. client, when set, is the
// monitor's end of an attach connection the caller already said hello on.
// It returns once the process runs or failed to start.
func (c *Container) start(client *os.File) (retErr error) {
	l, err := lock(c.e, c.ID)
	if err != nil {
		return err
	}
	defer l.Close()
	fresh, err := load(c.e, c.ID)
	if err != nil {
		return err
	}
	*c = *fresh
	if c.State.Running() {
		return ErrAlreadyRunning
	}
	cfg, err := c.prepare()
	if err != nil {
		return err
	}
	defer func() {
		if retErr != nil && !isStartError(retErr) {
			c.releaseRootfs()
		}
	}()
	report, err := c.spawnMonitor(cfg, l, client)
	if err != nil {
		return err
	}
	if report.Error != "" {
		return &StartError{Code: report.Code, Msg: report.Error}
	}
	return nil
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

func isStartError(err error) bool {
	var se *StartError
	return errors.As(err, &se)
}

// prepare mounts the root filesystem and completes the spec.
func (c *Container) prepare() (*monitorConfig, error) {
	s, err := c.e.Store()
	if err != nil {
		return nil, err
	}
	rootfs, err := s.Mount(c.ID, "")
	if err != nil {
		return nil, fmt.Errorf("mounting the container's root filesystem: %w", err)
	}
	c.State.Rootfs = rootfs
	sp := *c.Spec
	proc := *sp.Process
	sp.Process = &proc
	sp.Root = &specs.Root{Path: rootfs, Readonly: c.Spec.Root.Readonly}
	sp.Mounts = append([]specs.Mount{}, c.Spec.Mounts...)
	linux := *sp.Linux
	sp.Linux = &linux
	if err := spec.Finalize(&sp, rootfs); err != nil {
		c.releaseRootfs()
		return nil, err
	}
	files, err := c.writeEtcFiles()
	if err != nil {
		c.releaseRootfs()
		return nil, err
	}
	sp.Mounts = append(sp.Mounts, files...)
	if err := c.prepareMounts(&sp); err != nil {
		c.releaseRootfs()
		return nil, err
	}
	if err := c.prepareNetwork(&sp); err != nil {
		c.releaseRootfs()
		return nil, err
	}
	if err := os.MkdirAll(c.RunDir(), 0o700); err != nil {
		c.releaseRootfs()
		return nil, err
	}
	return &monitorConfig{
		Engine: c.e.Config, ID: c.ID,
		Init: initproc.Config{
			Spec: &sp, Reaper: c.HostConfig.Init != nil && *c.HostConfig.Init,
			InUserNS: c.e.Rootless(), SetupLoopback: hasNewNetNS(&sp),
		},
		OpenStdin: c.Config.OpenStdin, StdinOnce: c.Config.StdinOnce,
		LogPath: c.LogPath(), Socket: filepath.Join(c.RunDir(), "attach.sock"),
	}, nil
}

func hasNewNetNS(s *specs.Spec) bool {
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace && ns.Path == "" {
			return true
		}
	}
	return false
}

// spawnMonitor starts the monitor, hands it the lock and waits for its
// report.
func (c *Container) spawnMonitor(cfg *monitorConfig, lockFile *os.File, client *os.File) (*startReport, error) {
	cfg.HasClient = client != nil
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	syncR, syncW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		cfgW.Close()
		return nil, err
	}
	defer syncR.Close()
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{"skiff-monitor", c.ShortID()}
	cmd.Env = monitorEnv()
	files := []*os.File{cfgR, lockFile, syncW}
	if client != nil {
		files = append(files, client)
	}
	cmd.ExtraFiles = files
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	cfgR.Close()
	syncW.Close()
	if err != nil {
		cfgW.Close()
		return nil, fmt.Errorf("starting the container monitor: %w", err)
	}
	_ = json.NewEncoder(cfgW).Encode(cfg)
	cfgW.Close()
	go func() { _ = cmd.Wait() }() // reap it if it ends while we live
	var report startReport
	if err := json.NewDecoder(syncR).Decode(&report); err != nil {
		return nil, fmt.Errorf("the container monitor died before starting the container: %w", err)
	}
	return &report, nil
}

// monitorEnv is the environment of a monitor: the role and what the
// libraries need to know they run rootless.
func monitorEnv() []string {
	env := []string{"_SKIFF_ROLE=" + MonitorRole, "PATH=" + os.Getenv("PATH")}
	for _, k := range []string{"_SKIFF_USERNS_CONFIGURED", "_CONTAINERS_USERNS_CONFIGURED",
		"_CONTAINERS_ROOTLESS_UID", "_CONTAINERS_ROOTLESS_GID", "XDG_RUNTIME_DIR", "TMPDIR", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

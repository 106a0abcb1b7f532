package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// Namespaces shared with the host or another container at start: --pid
// container:NAME and --ipc container:NAME are joined by path (the
// network's are in network.go). For --ipc, as docker does it, a shareable
// container's /dev/shm is a tmpfs skiff mounts outside it (in its runtime
// directory, in skiff's mount namespace) and binds in, so that a container
// joining its IPC namespace can bind the same tmpfs. Private containers
// keep the tmpfs their init mounts.

// shmPath is where a shareable container's /dev/shm is mounted.
func (c *Container) shmPath() string { return filepath.Join(c.RunDir(), "shm") }

// prepareNamespaceModes completes the spec for the container's IPC and
// PID modes at start.
func (c *Container) prepareNamespaceModes(s *specs.Spec) error {
	if ref, ok := strings.CutPrefix(c.HostConfig.PidMode, "container:"); ok {
		donor, err := Lookup(c.e, ref)
		if err != nil || !donor.State.Running() {
			return errdefs.Conflict("cannot join PID of a non running container: %s", ref)
		}
		spec.JoinPID(s, donor.State.Pid)
	}
	if ref, ok := strings.CutPrefix(c.HostConfig.UTSMode, "container:"); ok {
		donor, err := Lookup(c.e, ref)
		if err != nil || !donor.State.Running() {
			return errdefs.Conflict("cannot join UTS of a non running container: %s", ref)
		}
		spec.JoinUTS(s, donor.State.Pid)
	}
	switch mode := c.HostConfig.IpcMode; {
	case mode == "shareable":
		if err := c.mountShm(); err != nil {
			return err
		}
		spec.BindShm(s, c.shmPath())
	case strings.HasPrefix(mode, "container:"):
		ref := strings.TrimPrefix(mode, "container:")
		donor, err := Lookup(c.e, ref)
		if err != nil || !donor.State.Running() {
			return errdefs.Conflict("cannot join IPC of a non running container: %s", ref)
		}
		if donor.HostConfig.IpcMode != "shareable" {
			return errdefs.Conflict("cannot join IPC of container %s: non-shareable IPC (hint: use --ipc shareable for the donor container)", ref)
		}
		spec.JoinIPC(s, donor.State.Pid)
		spec.BindShm(s, donor.shmPath())
	}
	return nil
}

// mountShm mounts the shareable container's /dev/shm tmpfs, of
// HostConfig.ShmSize bytes.
func (c *Container) mountShm() error {
	p := c.shmPath()
	if err := os.MkdirAll(p, 0o755); err != nil {
		return err
	}
	size := c.HostConfig.ShmSize
	if size <= 0 {
		size = spec.DefaultShmSize
	}
	data := fmt.Sprintf("mode=1777,size=%d", size)
	if err := unix.Mount("shm", p, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, data); err != nil {
		return fmt.Errorf("mounting the shareable /dev/shm of %s: %w", c.ShortID(), err)
	}
	return nil
}

// releaseShm unmounts a shareable container's /dev/shm.
func (c *Container) releaseShm() {
	_ = unix.Unmount(c.shmPath(), unix.MNT_DETACH)
}

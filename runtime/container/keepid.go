package container

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/hostcheck"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// --userns=keep-id (rootless): the container gets a user namespace of its
// own, nested in skiff's, where the invoking user's uid and gid are the
// same numbers as on the host, and container root is the first
// subordinate id. The image layers are not copied or chowned: on this
// kernel overlayfs cannot be idmapped (mount_setattr MOUNT_ATTR_IDMAP
// gives EINVAL) and the layers' own file system belongs to the host's user
// namespace (EPERM from a user namespace), so the root filesystem is
// mounted with fuse-overlayfs over the same layer directories, with
// uidmapping/gidmapping options that present every file with the owner
// it has in the image. docs/internal.md has the details.

// prepareKeepID checks, at create, that keep-id can work here, and makes
// the invoking user the container's default user, as podman does.
func prepareKeepID(e *engine.Engine, o *CreateOptions) error {
	if !e.Rootless() {
		return errdefs.Invalid("--userns=keep-id is only for rootless skiff: as root your ids already are the container's")
	}
	if e.Config.Storage.SingleID {
		return errdefs.Invalid("--userns=keep-id needs a subordinate id range for your user in /etc/subuid and /etc/subgid")
	}
	s, err := e.Store()
	if err != nil {
		return err
	}
	if s.Driver != "overlay" {
		return errdefs.Invalid("--userns=keep-id needs the overlay storage driver, not %s: skiff does not copy image layers to change their owners", s.Driver)
	}
	if _, err := fuseOverlayfsForKeepID(); err != nil {
		return err
	}
	if o.Spec.User == "" {
		uid, gid := hostIDs()
		o.Spec.User = fmt.Sprintf("%d:%d", uid, gid)
	}
	return nil
}

// fuseOverlayfsForKeepID finds fuse-overlayfs and checks /dev/fuse.
func fuseOverlayfsForKeepID() (string, error) {
	if p := hostcheck.FuseOverlayfs(); p != "" {
		return p, nil
	}
	if fs := hostcheck.Fuse().Findings; len(fs) > 0 {
		return "", errdefs.Invalid("--userns=keep-id needs fuse-overlayfs (this kernel cannot idmap an overlay from a user namespace): %s", fs[0])
	}
	return "", errdefs.Invalid("--userns=keep-id needs fuse-overlayfs and a usable /dev/fuse")
}

// hostIDs are the invoking user's uid and gid on the host.
func hostIDs() (int, int) {
	uid, _ := strconv.Atoi(os.Getenv("_CONTAINERS_ROOTLESS_UID"))
	gid, _ := strconv.Atoi(os.Getenv("_CONTAINERS_ROOTLESS_GID"))
	return uid, gid
}

// KeepIDMap is the id map of a keep-id user namespace, in the ids of
// skiff's namespace (which has total ids, 0 being the invoking user):
// the user's id maps to skiff's 0, container ids below it to 1..id, the
// rest to themselves.
func KeepIDMap(id, total int) []specs.LinuxIDMapping {
	if total < 2 {
		return nil
	}
	below := id
	if below > total-1 {
		below = total - 1
	}
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: uint32(below)}, {ContainerID: uint32(id), HostID: 0, Size: 1}}
	if id+1 < total {
		m = append(m, specs.LinuxIDMapping{ContainerID: uint32(id + 1), HostID: uint32(id + 1), Size: uint32(total - id - 1)})
	}
	if below == 0 {
		m = m[1:]
	}
	return m
}

// namespaceSize is how many ids skiff's own user namespace maps.
func namespaceSize(file string) (int, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	total := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		inside, _ := strconv.Atoi(f[0])
		size, _ := strconv.Atoi(f[2])
		if inside+size > total {
			total = inside + size
		}
	}
	return total, nil
}

// keepIDRoot is where a keep-id container's root filesystem is mounted.
func (c *Container) keepIDRoot() string { return filepath.Join(c.RunDir(), "rootfs") }

// prepareKeepID mounts the keep-id root filesystem and gives the spec its
// user namespace; the store's own mount of the layer is given back.
func (c *Container) startKeepID(s *specs.Spec) error {
	if c.HostConfig.UsernsMode != "keep-id" {
		return nil
	}
	uidTotal, err := namespaceSize("/proc/self/uid_map")
	if err != nil {
		return err
	}
	gidTotal, err := namespaceSize("/proc/self/gid_map")
	if err != nil {
		return err
	}
	uid, gid := hostIDs()
	s.Linux.UIDMappings, s.Linux.GIDMappings = KeepIDMap(uid, uidTotal), KeepIDMap(gid, gidTotal)
	target, err := c.mountKeepID(s.Linux.UIDMappings, s.Linux.GIDMappings)
	if err != nil {
		return err
	}
	s.Root.Path = target
	c.State.Rootfs = target
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	return nil
}

// mountKeepID mounts fuse-overlayfs over the container's layers at
// keepIDRoot, presenting owners through the keep-id map.
func (c *Container) mountKeepID(uidMap, gidMap []specs.LinuxIDMapping) (string, error) {
	fuse, err := fuseOverlayfsForKeepID()
	if err != nil {
		return "", err
	}
	st, err := c.e.Store()
	if err != nil {
		return "", err
	}
	sc, err := st.Container(c.ID)
	if err != nil {
		return "", err
	}
	drv, err := st.GraphDriver()
	if err != nil {
		return "", err
	}
	md, err := drv.Metadata(sc.LayerID)
	if err != nil || md["UpperDir"] == "" {
		return "", fmt.Errorf("finding the layers of %s: %v", c.ShortID(), err)
	}
	work := filepath.Join(filepath.Dir(md["UpperDir"]), "keepid-work")
	target := c.keepIDRoot()
	for _, d := range []string{work, target} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", err
		}
	}
	if _, err := st.Unmount(c.ID, false); err != nil {
		return "", fmt.Errorf("unmounting the store's view of %s: %w", c.ShortID(), err)
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s,uidmapping=%s,gidmapping=%s,allow_other",
		md["LowerDir"], md["UpperDir"], work, fuseMap(uidMap), fuseMap(gidMap))
	if md["LowerDir"] == "" {
		opts = strings.Replace(opts, "lowerdir=,", "", 1)
	}
	if out, err := exec.Command(fuse, "-o", opts, target).CombinedOutput(); err != nil {
		return "", fmt.Errorf("mounting the keep-id root filesystem with fuse-overlayfs: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return target, nil
}

// fuseMap is fuse-overlayfs's form of an id map: C:H:S:C:H:S...
func fuseMap(m []specs.LinuxIDMapping) string {
	parts := make([]string, 0, 3*len(m))
	for _, e := range m {
		parts = append(parts, strconv.Itoa(int(e.ContainerID)), strconv.Itoa(int(e.HostID)), strconv.Itoa(int(e.Size)))
	}
	return strings.Join(parts, ":")
}

// releaseKeepID unmounts a keep-id root filesystem (fuse-overlayfs exits
// with its mount).
func (c *Container) releaseKeepID() {
	if c.HostConfig.UsernsMode != "keep-id" {
		return
	}
	_ = unix.Unmount(c.keepIDRoot(), unix.MNT_DETACH)
}

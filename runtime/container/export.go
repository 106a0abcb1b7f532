package container

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/runtime/engine"
)

// Export writes the container's filesystem as a tar archive to w, as
// docker's export does: the root filesystem without the volumes.
func Export(e *engine.Engine, ref string, w io.Writer) error {
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	return c.withView(viewRoot, func(v *fsView) error {
		rc, err := chrootarchive.Tar(v.Root, &archive.TarOptions{Compression: archive.Uncompressed}, v.Root)
		if err != nil {
			return fmt.Errorf("exporting %s: %w", c.ShortID(), err)
		}
		defer rc.Close()
		if _, err := io.Copy(w, rc); err != nil {
			return fmt.Errorf("exporting %s: %w", c.ShortID(), err)
		}
		return nil
	})
}

// ExportFile exports to a file that appears only once complete: the
// archive is written to an unnamed file in the target's directory and
// linked into place at the end, so an interrupted export leaves nothing.
func ExportFile(e *engine.Engine, ref, path string) error {
	dir := filepath.Dir(path)
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		if errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EOPNOTSUPP) {
			return exportViaTemp(e, ref, path)
		}
		return fmt.Errorf("exporting to %s: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if err := Export(e, ref, f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", fd), unix.AT_FDCWD, tmp, unix.AT_SYMLINK_FOLLOW); err != nil {
		return fmt.Errorf("exporting to %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("exporting to %s: %w", path, err)
	}
	return nil
}

// exportViaTemp is ExportFile for file systems without O_TMPFILE.
func exportViaTemp(e *engine.Engine, ref, path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("exporting to %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := Export(e, ref, f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

package dockerarchive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// LayerOptions say how a layer tar is normalised so that the same input
// always gives the same bytes.
type LayerOptions struct {
	// Epoch replaces every modification time (SOURCE_DATE_EPOCH).
	Epoch time.Time
	// RootOwned makes every entry owned by 0:0, for a tree extracted by an
	// unprivileged user.
	RootOwned bool
	// DropDevices leaves device nodes and fifos out (NormalizeLayer): the
	// runtime makes /dev, and rootless storage cannot create them.
	DropDevices bool
	// Owners sets the owner (uid, gid) of single entries, by name relative
	// to the layer root without a trailing slash ("home/user").
	Owners map[string][2]int
}

// WriteLayerFromDir writes the tree under dir as an uncompressed layer tar:
// entries in lexical order, names relative to dir (directories end in
// "/"), no entry for dir itself, times set to o.Epoch, no user or group
// names, hard links kept as links. Extended attributes are not copied.
func WriteLayerFromDir(w io.Writer, dir string, o LayerOptions) error {
	tw := tar.NewWriter(w)
	type inode struct{ dev, ino uint64 }
	seen := map[inode]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		hdr.Name = filepath.ToSlash(rel)
		if fi.IsDir() {
			hdr.Name += "/"
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().IsRegular() && st.Nlink > 1 {
			key := inode{uint64(st.Dev), st.Ino}
			if first, ok := seen[key]; ok {
				hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			} else {
				seen[key] = hdr.Name
			}
		}
		normalizeHeader(hdr, o)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil
		}
		return copyFile(tw, path)
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// NormalizeLayer copies the tar stream r to w in the same order and with
// the same contents, but with times clamped to o.Epoch, leading "./"
// removed, the root entry dropped, no user or group names, no access or
// change times, and of the PAX records only extended attributes kept.
func NormalizeLayer(w io.Writer, r io.Reader, o LayerOptions) error {
	tr := tar.NewReader(r)
	tw := tar.NewWriter(w)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(hdr.Name, "./")
		if name == "" || name == "." || name == "/" {
			continue
		}
		hdr.Name = name
		if o.DropDevices && (hdr.Typeflag == tar.TypeChar || hdr.Typeflag == tar.TypeBlock || hdr.Typeflag == tar.TypeFifo) {
			continue
		}
		if hdr.Typeflag == tar.TypeLink {
			hdr.Linkname = strings.TrimPrefix(hdr.Linkname, "./")
		}
		normalizeHeader(hdr, o)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
	return tw.Close()
}

func normalizeHeader(hdr *tar.Header, o LayerOptions) {
	if hdr.ModTime.After(o.Epoch) || hdr.ModTime.IsZero() {
		hdr.ModTime = o.Epoch
	}
	hdr.ModTime = hdr.ModTime.Truncate(time.Second)
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	hdr.Uname, hdr.Gname = "", ""
	if o.RootOwned {
		hdr.Uid, hdr.Gid = 0, 0
	}
	if ids, ok := o.Owners[strings.TrimSuffix(hdr.Name, "/")]; ok {
		hdr.Uid, hdr.Gid = ids[0], ids[1]
	}
	var pax map[string]string
	for k, v := range hdr.PAXRecords {
		if strings.HasPrefix(k, "SCHILY.xattr.") {
			if pax == nil {
				pax = map[string]string{}
			}
			pax[k] = v
		}
	}
	hdr.PAXRecords = pax
	hdr.Xattrs = nil //nolint:staticcheck // superseded by PAXRecords, cleared so it does not come back
	hdr.Format = tar.FormatUnknown
	if pax != nil {
		hdr.Format = tar.FormatPAX
	}
}

package container

import (
	"archive/tar"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"go.podman.io/storage/pkg/archive"

	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// Change is one line of `diff`: Kind is "A", "C" or "D".
type Change struct {
	Kind string
	Path string
}

func (c Change) String() string { return c.Kind + " " + c.Path }

// mountTargets are the paths skiff itself creates in a container's layer
// to mount over (docker keeps them in an init layer): diff and commit
// leave them out.
var mountTargets = lazy.Value(func() map[string]bool {
	return map[string]bool{
		"/etc/hosts": true, "/etc/hostname": true, "/etc/resolv.conf": true,
		"/dev": true, "/proc": true, "/sys": true,
		"/.dockerenv": true, containerEnvPath: true, spec.InitMount: true,
	}
})

func isMountTarget(p string) bool {
	return mountTargets()[p] || strings.HasPrefix(p, "/dev/")
}

// Diff lists the changes of the container's filesystem against its image,
// as docker's diff does (volumes and skiff's own mount points aside).
func Diff(e *engine.Engine, ref string) ([]Change, error) {
	c, err := Lookup(e, ref)
	if err != nil {
		return nil, err
	}
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	sc, err := s.Container(c.ID)
	if err != nil {
		return nil, fmt.Errorf("reading the filesystem of %s: %w", c.ShortID(), err)
	}
	changes, err := s.Changes("", sc.LayerID)
	if err != nil {
		return nil, fmt.Errorf("comparing the filesystem of %s with its image: %w", c.ShortID(), err)
	}
	return filterChanges(changes), nil
}

// filterChanges drops skiff's mount points, and the directories listed as
// changed only because of them, and sorts by path.
func filterChanges(in []archive.Change) []Change {
	var kept []Change
	dropped := map[string]bool{}
	for _, ch := range in {
		if isMountTarget(ch.Path) && ch.Kind != archive.ChangeDelete {
			for d := path.Dir(ch.Path); d != "/"; d = path.Dir(d) {
				dropped[d] = true
			}
			continue
		}
		kept = append(kept, Change{Kind: ch.Kind.String(), Path: ch.Path})
	}
	var out []Change
	for _, ch := range kept {
		if (ch.Kind == "C" || ch.Kind == "A") && dropped[ch.Path] && !hasChangeUnder(kept, ch.Path) {
			continue
		}
		out = append(out, ch)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func hasChangeUnder(changes []Change, dir string) bool {
	for _, ch := range changes {
		if strings.HasPrefix(ch.Path, dir+"/") {
			return true
		}
	}
	return false
}

// filterLayerTar copies a layer tar, leaving out skiff's mount points
// and the targets of extra mounts (a build step's --mount targets). A
// directory that is an ancestor of an extra target is kept only when
// something else below it is: the init made it to mount on.
func filterLayerTar(dst io.Writer, src io.Reader, extra ...string) error {
	tr := tar.NewReader(src)
	tw := tar.NewWriter(dst)
	var pending []*tar.Header // ancestors of extra targets, held back
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return tw.Close()
		}
		if err != nil {
			return err
		}
		name := "/" + strings.TrimSuffix(strings.TrimPrefix(path.Clean("/"+h.Name), "/"), "/")
		if isMountTarget(name) && !(h.Typeflag == tar.TypeReg && h.Size > 0) {
			continue
		}
		if isExtraTarget(name, extra, h) {
			continue
		}
		if h.Typeflag == tar.TypeDir && isAncestorOf(name, extra) {
			pending = append(pending, h)
			continue
		}
		for _, p := range pending {
			if strings.HasPrefix(name, "/"+strings.Trim(path.Clean("/"+p.Name), "/")+"/") {
				if err := tw.WriteHeader(p); err != nil {
					return err
				}
				p.Name = "" // written
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}

// isExtraTarget reports whether name is an extra mount target the init
// created (an empty file or a directory).
func isExtraTarget(name string, extra []string, h *tar.Header) bool {
	for _, t := range extra {
		if name == t && (h.Typeflag == tar.TypeDir || h.Size == 0) {
			return true
		}
	}
	return false
}

func isAncestorOf(dir string, targets []string) bool {
	for _, t := range targets {
		if strings.HasPrefix(t, dir+"/") {
			return true
		}
	}
	return false
}

package kube

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/build"
	"github.com/skiff-containers/skiff/runtime/image"
)

// When kube play builds an image from a directory of its name.
const (
	BuildMissing = ""
	BuildAlways  = "always"
	BuildNever   = "never"
)

// buildImages builds the images that have a build context beside the
// YAML, as podman's kube play does: a directory named as the image
// (without registry, path and tag) holding a Containerfile or
// Dockerfile.
func (pl *player) buildImages(plans []*podPlan) error {
	if pl.o.Build == BuildNever || pl.o.ContextDir == "" {
		return nil
	}
	done := map[string]bool{}
	for _, pp := range plans {
		for _, c := range append(append([]Container{}, pp.w.spec.InitContainers...), pp.w.spec.Containers...) {
			if done[c.Image] {
				continue
			}
			done[c.Image] = true
			dir := buildContext(pl.o.ContextDir, c.Image)
			if dir == "" {
				continue
			}
			if pl.o.Build != BuildAlways {
				if _, err := image.Lookup(pl.ctx, pl.e, c.Image); err == nil {
					continue
				}
			}
			if err := image.CheckTag(c.Image); err != nil {
				return fmt.Errorf("%s: %w", pp.w.doc.where(), err)
			}
			if _, err := build.Build(pl.ctx, pl.e, build.Options{Context: dir, Tags: []string{c.Image}, Out: pl.o.Warn, Warn: pl.o.Warn}); err != nil {
				return errdefs.Invalid("%s: building %s from %s: %v", pp.w.doc.where(), c.Image, dir, err)
			}
		}
	}
	return nil
}

// buildContext is the image's build directory beside the YAML, or "".
func buildContext(dir, img string) string {
	name := path.Base(img)
	if i := strings.IndexAny(name, ":@"); i >= 0 {
		name = name[:i]
	}
	d := filepath.Join(dir, name)
	for _, f := range []string{"Containerfile", "Dockerfile"} {
		if st, err := os.Stat(filepath.Join(d, f)); err == nil && st.Mode().IsRegular() {
			return d
		}
	}
	return ""
}

package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/version"
	"github.com/skiff-containers/skiff/runtime/spec"
	simage "github.com/skiff-containers/skiff/storage/image"
)

// What podman's conventions and run flags add to a container at start
// (issue #17): the marker files every container gets, podman's
// /run/.containerenv beside docker's /.dockerenv; the zone file of --tz;
// the host's accounts of --hostuser; the containers --requires starts
// first. podmanFlags (flags.go) reads the flags.

// containerEnvPath is podman's marker file, which tools such as toolbox
// read to learn they run in a container, and which one.
const containerEnvPath = "/run/.containerenv"

// markerMounts writes the marker files into the container's runtime
// directory and returns their read-only bind mounts: /.dockerenv, empty
// as docker's, and /run/.containerenv with podman's keys (engine, name,
// id, image, imageid, rootless).
func (c *Container) markerMounts() ([]specs.Mount, error) {
	dir := c.RunDir()
	rootless := 0
	if c.e.Rootless() {
		rootless = 1
	}
	env := fmt.Sprintf("engine=%q\nname=%q\nid=%q\nimage=%q\nimageid=%q\nrootless=%d\n",
		"skiff-"+version.Version, c.Name, c.ID, c.ImageName(), c.ImageID, rootless)
	files := []struct{ name, target, content string }{
		{"dockerenv", "/.dockerenv", ""},
		{"containerenv", containerEnvPath, env},
	}
	var out []specs.Mount
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.content), 0o644); err != nil {
			return nil, err
		}
		out = append(out, specs.Mount{Destination: f.target, Type: "bind", Source: p, Options: []string{"rbind", "ro", "rprivate"}})
	}
	return out, nil
}

// ImageName is the full name of the container's image, as podman's
// .ImageName and /run/.containerenv give it (docker.io/library/busybox:latest
// for busybox); an image given by ID stays its ID.
func (c *Container) ImageName() string {
	if ref, err := simage.Normalize(c.Config.Image); err == nil {
		return ref.String()
	}
	return c.Config.Image
}

// zoneFile is the host's file of --tz's zone: the host's own for "local",
// else the zone's in /usr/share/zoneinfo.
func zoneFile(tz string) (string, error) {
	p := filepath.Join("/usr/share/zoneinfo", filepath.Clean("/"+tz))
	if tz == "local" {
		p = "/etc/localtime"
	}
	real, err := filepath.EvalSymlinks(p)
	if err == nil {
		var st os.FileInfo
		if st, err = os.Stat(real); err == nil && !st.Mode().IsRegular() {
			err = errors.New("not a zone file")
		}
	}
	if err != nil {
		return "", errdefs.Invalid("--tz %s: no such time zone in /usr/share/zoneinfo: use local or a zone such as Europe/Paris", tz)
	}
	return real, nil
}

// podmanMounts are the mounts of --tz (the zone's file on
// /etc/localtime) and --hostuser (/etc/passwd with the host's accounts;
// passwd is what the user's ids resolve against, nil without it).
func (c *Container) podmanMounts(rootfs string) (mounts []specs.Mount, passwd []byte, err error) {
	if tz := c.Extra.Timezone; tz != "" {
		src, err := zoneFile(tz)
		if err != nil {
			return nil, nil, err
		}
		mounts = append(mounts, specs.Mount{Destination: "/etc/localtime", Type: "bind", Source: src, Options: []string{"rbind", "ro", "rprivate"}})
	}
	if len(c.Extra.HostUsers) > 0 {
		var lines []string
		for _, u := range c.Extra.HostUsers {
			l, err := spec.HostPasswdLine(u)
			if err != nil {
				return nil, nil, err
			}
			lines = append(lines, l)
		}
		if passwd, err = spec.WithHostUsers(rootfs, lines); err != nil {
			return nil, nil, fmt.Errorf("reading the container's /etc/passwd: %w", err)
		}
		p := filepath.Join(c.RunDir(), "passwd")
		if err := os.MkdirAll(c.RunDir(), 0o700); err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(p, passwd, 0o644); err != nil {
			return nil, nil, err
		}
		mounts = append(mounts, specs.Mount{Destination: "/etc/passwd", Type: "bind", Source: p, Options: []string{"rbind", "rprivate"}})
	}
	return mounts, passwd, nil
}

// startRequired starts the containers this one --requires that are not
// running (theirs first), as podman does before starting it.
func (c *Container) startRequired(ctx context.Context, seen map[string]bool) error {
	for _, r := range c.Extra.Requires {
		dep, err := Lookup(c.e, r)
		if err != nil {
			return fmt.Errorf("starting %s's requirement %s: %w", c.Name, r, err)
		}
		if seen[dep.ID] || dep.State.Running() {
			continue
		}
		seen[dep.ID] = true
		if err := dep.startRequired(ctx, seen); err != nil {
			return err
		}
		if err := dep.start(nil, startByHand); err != nil && !errors.Is(err, ErrAlreadyRunning) {
			return fmt.Errorf("starting %s's requirement %s: %w", c.Name, dep.Name, err)
		}
	}
	return nil
}

// requiredByDir holds, in a container's directory, one empty file named
// by the ID of each container that --requires it: rm looks there instead
// of reading every record.
const requiredByDir = "required-by"

// markRequired records in each required container's directory that c
// requires it.
func (c *Container) markRequired() {
	for _, id := range c.Extra.Requires {
		dir := filepath.Join(containersDir(c.e), id, requiredByDir)
		if os.MkdirAll(dir, 0o700) == nil {
			_ = os.WriteFile(filepath.Join(dir, c.ID), nil, 0o600)
		}
	}
}

// requiredBy names a container that --requires c (rm refuses to remove
// c then, as podman does); "" when none does.
func (c *Container) requiredBy() (string, error) {
	entries, err := os.ReadDir(filepath.Join(c.Dir(), requiredByDir))
	if err != nil {
		if os.IsNotExist(err) {
			return "", nil
		}
		return "", err
	}
	for _, ent := range entries {
		if o, err := loadSummary(c.e, ent.Name()); err == nil && slices.Contains(o.Extra.Requires, c.ID) {
			return o.Name, nil
		}
	}
	return "", nil
}

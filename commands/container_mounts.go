package commands

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/mounts"
)

// mountFlags are run's and create's storage flags (issue #4).
func mountFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "volume", Aliases: []string{"v"}, Usage: "bind mount a volume"},
		&cli.StringSliceFlag{Name: "mount", Usage: "attach a filesystem mount to the container"},
		&cli.StringSliceFlag{Name: "tmpfs", Usage: "mount a tmpfs directory"},
		&cli.StringSliceFlag{Name: "volumes-from", Usage: "mount volumes from the specified container(s)"},
		&cli.StringFlag{Name: "volume-driver", Usage: "optional volume driver for the container"},
		&cli.StringFlag{Name: "userns", Usage: "user namespace to use (host, or keep-id when rootless)"},
	}
}

// mountOptionsFrom parses the storage flags; relative "./" sources are
// taken from the current directory, as docker's CLI does.
func mountOptionsFrom(c *cli.Context) (container.MountOptions, error) {
	var o container.MountOptions
	if d := c.String("volume-driver"); d != "" && d != "local" {
		return o, errdefs.Invalid("volume driver %q is not supported: skiff has only the local driver", d)
	}
	cwd, err := os.Getwd()
	if err != nil {
		cwd = "/"
	}
	for _, v := range c.StringSlice("volume") {
		r, err := mounts.ParseVolume(mounts.AbsoluteBind(v, cwd))
		if err != nil {
			return o, err
		}
		o.Requests = append(o.Requests, r)
	}
	for _, v := range c.StringSlice("mount") {
		r, err := mounts.ParseMount(v, cwd)
		if err != nil {
			return o, err
		}
		o.Requests = append(o.Requests, r)
	}
	for _, v := range c.StringSlice("tmpfs") {
		target, opts, err := mounts.ParseTmpfs(v)
		if err != nil {
			return o, err
		}
		o.Tmpfs = append(o.Tmpfs, container.TmpfsMount{Target: target, Options: opts})
	}
	for _, v := range c.StringSlice("volumes-from") {
		if _, _, err := mounts.ParseVolumesFrom(v); err != nil {
			return o, err
		}
		o.VolumesFrom = append(o.VolumesFrom, v)
	}
	o.Userns = c.String("userns")
	return o, nil
}

package commands

import "github.com/urfave/cli/v2"

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

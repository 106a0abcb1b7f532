package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/system"
)

func systemRestoreCommand() *cli.Command {
	return &cli.Command{
		Name:  "restore",
		Usage: "Start again the containers whose restart policy says so (run at boot)",
		Description: "Nothing of skiff runs after a reboot: restore starts the containers with --restart always,\n" +
			"unless-stopped (unless stopped by hand) and on-failure (after a failure), after those they need.\n" +
			"--install makes it run at every boot (a systemd unit, or the crontab line to add).",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "install", Usage: "run the restore at every boot: write and enable a systemd unit, or print the crontab @reboot line where systemd does not run"},
			&cli.BoolFlag{Name: "uninstall", Usage: "remove the systemd unit --install wrote"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			o := system.AutostartOptions{Stdout: c.App.Writer, Stderr: c.App.ErrWriter}
			switch {
			case c.Bool("install") && c.Bool("uninstall"):
				return usageErr(c, "--install and --uninstall cannot be used together")
			case c.Bool("install"):
				return system.InstallRestore(engineFrom(c), o)
			case c.Bool("uninstall"):
				return system.UninstallRestore(engineFrom(c), o)
			}
			r, err := system.Restore(c.Context, engineFrom(c), system.RestoreOptions{Stdout: c.App.Writer})
			if err != nil {
				return err
			}
			for _, w := range r.Warnings {
				fmt.Fprintln(c.App.ErrWriter, "WARNING:", w)
			}
			for _, f := range r.Failed {
				printErr(c, f)
			}
			if len(r.Failed) > 0 {
				return &errdefs.ExitCodeError{Code: 1} // docker's bulk verbs' code
			}
			return nil
		},
	}
}

package commands

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/rootless"
)

// unshareCommand is podman's `unshare`: run a command as root inside
// skiff's user and mount namespaces, e.g. to remove files that belong to
// subordinate ids. As root it simply runs the command.
func unshareCommand() *cli.Command {
	return &cli.Command{
		Name:      "unshare",
		Usage:     "Run a command in skiff's user namespace",
		ArgsUsage: "[COMMAND [ARG...]]",
		Description: "Runs COMMAND (default: $SHELL, else /bin/sh) as root inside the user and mount\n" +
			"namespaces rootless skiff uses, with _CONTAINERS_USERNS_CONFIGURED,\n" +
			"_CONTAINERS_ROOTLESS_UID/GID, CONTAINERS_GRAPHROOT and CONTAINERS_RUNROOT set.\n" +
			"The exit code is the command's. As root the command runs on the host.",
		SkipFlagParsing: true,
		HideHelpCommand: true,
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
				return cli.ShowCommandHelp(c.Lineage()[1], c.Command.Name)
			}
			if len(args) > 0 && args[0] == "--" {
				args = args[1:]
			}
			// setupGlobals skips the namespace when --help appears anywhere
			// in the arguments; here those belong to COMMAND.
			if err := rootless.Ensure(); err != nil {
				return err
			}
			if len(args) == 0 {
				args = []string{os.Getenv("SHELL")}
				if args[0] == "" {
					args[0] = "/bin/sh"
				}
			}
			path, err := exec.LookPath(args[0])
			if errors.Is(err, fs.ErrPermission) {
				return errdefs.New(errdefs.ErrCannotInvoke, "%s: permission denied", args[0])
			} else if err != nil {
				return errdefs.New(errdefs.ErrCommandNotFound, "%s: command not found", args[0])
			}
			e := engineFrom(c)
			env := append(os.Environ(), "CONTAINERS_GRAPHROOT="+e.Root(), "CONTAINERS_RUNROOT="+e.RunRoot())
			rootless.KeepInheritedOnExec() // the command gets what skiff was given
			err = syscall.Exec(path, args, env)
			return errdefs.New(errdefs.ErrCannotInvoke, "running %s: %v", args[0], err)
		},
	}
}

package commands

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	units "github.com/docker/go-units"
	"github.com/moby/term"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
)

func containerCpCommand() *cli.Command {
	return &cli.Command{
		Name:  "cp",
		Usage: "Copy files/folders between a container and the local filesystem",
		ArgsUsage: "CONTAINER:SRC_PATH DEST_PATH|-\n" +
			"   skiff cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
		Description: "Use '-' as the source to read a tar archive from stdin and extract it to a directory\n" +
			"destination in a container. Use '-' as the destination to stream a tar archive of a\n" +
			"container source to stdout.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "archive", Aliases: []string{"a"}, Usage: "Archive mode (copy all uid/gid information)"},
			&cli.BoolFlag{Name: "follow-link", Aliases: []string{"L"}, Usage: "Always follow symbol link in SRC_PATH"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached"},
			&cli.BoolFlag{Name: "pause", Usage: "Pause a running container during the copy (where skiff can freeze containers)"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 2, 2); err != nil {
				return err
			}
			srcCtr, src := splitCpArg(c.Args().Get(0))
			dstCtr, dst := splitCpArg(c.Args().Get(1))
			// podman takes /dev/stdin and /dev/stdout for - (a tar stream)
			if srcCtr == "" && src == "/dev/stdin" {
				src = "-"
			}
			if dstCtr == "" && dst == "/dev/stdout" {
				dst = "-"
			}
			switch {
			case src == "":
				return errdefs.Invalid("source can not be empty")
			case dst == "":
				return errdefs.Invalid("destination can not be empty")
			case srcCtr != "" && dstCtr != "":
				return errdefs.Invalid("copying between containers is not supported")
			case srcCtr == "" && dstCtr == "":
				return errdefs.Invalid("must specify at least one container source")
			}
			o := container.CopyOptions{
				FollowLink: c.Bool("follow-link"), Archive: c.Bool("archive"),
				Stdin: c.App.Reader, Stdout: c.App.Writer, InUserNS: engineFrom(c).Rootless(), Pause: c.Bool("pause"),
			}
			var n int64
			var err error
			target := dst
			if srcCtr != "" {
				n, err = container.CopyFrom(engineFrom(c), srcCtr, src, dst, o)
			} else {
				n, err = container.CopyTo(engineFrom(c), dstCtr, src, dst, o)
				target = dstCtr + ":" + dst
			}
			if err == nil && dst != "-" && !c.Bool("quiet") && isTerminal(c.App.ErrWriter) {
				fmt.Fprintf(c.App.ErrWriter, "Successfully copied %s to %s\n", units.HumanSize(float64(n)), target)
			}
			return err
		},
	}
}

// splitCpArg splits CONTAINER:PATH as docker does: an absolute path, or
// one starting with ".", is local even with a colon in it.
func splitCpArg(arg string) (ctr, path string) {
	if filepath.IsAbs(arg) {
		return "", arg
	}
	ctr, path, ok := strings.Cut(arg, ":")
	if !ok || strings.HasPrefix(ctr, ".") {
		return "", arg
	}
	return ctr, path
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

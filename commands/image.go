package commands

import (
	"github.com/urfave/cli/v2"
	"go.podman.io/image/v5/types"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/storage/image"
)

// imageCommand is the `image` group: docker's management command form of
// the image verbs.
func imageCommand() *cli.Command {
	return &cli.Command{
		Name:  "image",
		Usage: "Manage images",
		Subcommands: []*cli.Command{
			imageBuildCommand(),
			imageHistoryCommand(),
			imageImportCommand(),
			imageInspectCommand(),
			imageLoadCommand(),
			imageLsCommand(),
			imagePruneCommand(),
			imagePullCommand(),
			imagePushCommand(),
			imageRmCommand(),
			imageSaveCommand(),
			imageTagCommand(),
		},
	}
}

// tlsVerifyFlag is skiff's (and podman's) --tls-verify.
func tlsVerifyFlag() cli.Flag {
	return &cli.BoolFlag{Name: "tls-verify", Value: true,
		Usage: "require HTTPS and verify certificates when contacting registries (loopback registries may use plain HTTP)"}
}

// sysFrom is the registry context of a command, with its --tls-verify.
func sysFrom(c *cli.Context) *types.SystemContext {
	o := engineFrom(c).Config.System
	if c.IsSet("tls-verify") {
		v := c.Bool("tls-verify")
		o.TLSVerify = &v
	}
	return image.SystemContext(o)
}

// withRenamed returns a copy of cmd under another name: the top-level
// docker verbs (`pull`) are the `image` subcommands (`image pull`).
func withRenamed(cmd *cli.Command, name string, aliases ...string) *cli.Command {
	cmd.Name = name
	cmd.Aliases = aliases
	return cmd
}

// contentTrustFlag is docker's --disable-content-trust, accepted as docker
// accepts it when content trust is off (skiff has no Notary client): true
// changes nothing, false is refused.
func contentTrustFlag() cli.Flag {
	return &cli.BoolFlag{
		Name: "disable-content-trust", Value: true, Usage: "skip image verification (skiff verifies no signatures: must stay true)",
		Action: func(_ *cli.Context, v bool) error {
			if !v {
				return errdefs.Invalid("--disable-content-trust=false: skiff has no content trust (Notary) support")
			}
			return nil
		},
	}
}

package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// imageCommand is the `image` group: docker's management command form of
// the image verbs.
func imageCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "image",
		Usage: "Manage images",
	}, func(cmd *cli.Command) {
		cmd.Subcommands = []*cli.Command{
			imageBuildCommand(),
			imageExistsCommand(),
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
		}
	})
}

// tlsVerifyFlag is skiff's (and podman's) --tls-verify.
func tlsVerifyFlag() cli.Flag {
	return &cli.BoolFlag{Name: "tls-verify", Value: true,
		Usage: "require HTTPS and verify certificates when contacting registries (loopback registries may use plain HTTP)"}
}

// tlsVerify is the command's --tls-verify when given, else nil (the
// registry's default).
func tlsVerify(c *cli.Context) *bool {
	if !c.IsSet("tls-verify") {
		return nil
	}
	v := c.Bool("tls-verify")
	return &v
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

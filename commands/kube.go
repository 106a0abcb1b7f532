package commands

import (
	"bytes"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/compose"
	"github.com/skiff-containers/skiff/runtime/kube"
)

// kubeCommand is podman's `kube` group: Kubernetes YAML from what runs
// (generate), and run locally (play, down).
func kubeCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "kube",
		Usage: "Generate Kubernetes YAML from containers, pods, volumes and compose projects, and play it",
	}, func(cmd *cli.Command) {
		cmd.Subcommands = []*cli.Command{
			kubeGenerateCommand(),
			kubePlayCommand(),
			kubeDownCommand(),
		}
	})
}

func kubeGenerateCommand() *cli.Command {
	return &cli.Command{
		Name:      "generate",
		Usage:     "Generate Kubernetes YAML from containers, pods or volumes, or from a compose project (--compose)",
		ArgsUsage: "CONTAINER|POD|VOLUME...",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "filename", Aliases: []string{"f"}, Usage: "write the YAML to this file (with --compose: the compose files to read)"},
			&cli.BoolFlag{Name: "service", Aliases: []string{"s"}, Usage: "add a NodePort Service for the published ports"},
			&cli.StringFlag{Name: "type", Aliases: []string{"t"}, Value: kube.TypePod, Usage: "the workload: pod, deployment, daemonset or job"},
			&cli.IntFlag{Name: "replicas", Aliases: []string{"r"}, Value: 1, Usage: "a Deployment's replicas"},
			&cli.BoolFlag{Name: "compose", Usage: "generate a whole compose project: a Deployment per service, Services, PersistentVolumeClaims, ConfigMaps and Secrets"},
			&cli.StringFlag{Name: "project-name", Aliases: []string{"p"}, Usage: "the compose project's name (with --compose)"},
			&cli.StringSliceFlag{Name: "profile", Usage: "compose profiles to enable (with --compose)"},
			&cli.StringSliceFlag{Name: "env-file", Usage: "compose environment files (with --compose)"},
		},
		Action: func(c *cli.Context) error {
			o := kube.GenerateOptions{Type: c.String("type"), Service: c.Bool("service"), Warn: c.App.ErrWriter}
			if c.IsSet("replicas") {
				o.Replicas = c.Int("replicas")
			}
			var out bytes.Buffer
			if c.Bool("compose") {
				if c.NArg() > 0 {
					return usageErr(c, "takes no containers with --compose: it reads the compose files")
				}
				p, err := compose.Load(c.Context, compose.LoadOptions{
					Files: c.StringSlice("filename"), ProjectName: c.String("project-name"),
					Profiles: c.StringSlice("profile"), EnvFiles: c.StringSlice("env-file"),
				})
				if err != nil {
					return err
				}
				if err := kube.GenerateCompose(p, o, &out); err != nil {
					return err
				}
				_, err = c.App.Writer.Write(out.Bytes())
				return err
			}
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			files := c.StringSlice("filename")
			if len(files) > 1 {
				return usageErr(c, "takes one output file")
			}
			if err := kube.Generate(c.Context, engineFrom(c), c.Args().Slice(), o, &out); err != nil {
				return err
			}
			if len(files) == 1 {
				if err := os.WriteFile(files[0], out.Bytes(), 0o644); err != nil {
					return errdefs.Invalid("writing %s: %v", files[0], err)
				}
				return nil
			}
			_, err := c.App.Writer.Write(out.Bytes())
			return err
		},
	}
}

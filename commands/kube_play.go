package commands

import (
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/kube"
)

func kubePlayCommand() *cli.Command {
	return &cli.Command{
		Name:      "play",
		Usage:     "Create and start pods, volumes and containers from Kubernetes YAML",
		ArgsUsage: "FILE|-",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "replace", Usage: "replace pods of the same names (they come back if the play fails)"},
			&cli.BoolFlag{Name: "down", Usage: "remove what the YAML made instead (kube down)"},
			&cli.BoolFlag{Name: "start", Value: true, Usage: "start the pods after creating them"},
			&cli.StringSliceFlag{Name: "network", Usage: "networks for the pods instead of " + kube.DefaultNetwork},
			&cli.StringSliceFlag{Name: "publish", Usage: "publish a container port of the YAML: [[IP:]HOSTPORT:]CONTAINERPORT[/PROTO]"},
			&cli.StringSliceFlag{Name: "configmap", Usage: "YAML files of ConfigMaps the pods refer to"},
			&cli.BoolFlag{Name: "build", Usage: "build images from a directory of their name beside the YAML even when present (--build=false: never build)", DefaultText: "build missing ones"},
			&cli.StringFlag{Name: "log-driver", Usage: "logging driver for the containers (json-file or none)"},
			&cli.BoolFlag{Name: "strict", Usage: "refuse kinds and fields skiff does not carry out instead of warning"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			src, err := readSource(c, c.Args().First())
			if err != nil {
				return err
			}
			if c.Bool("down") {
				return kube.Down(c.Context, engineFrom(c), []kube.Source{src}, kube.DownOptions{Out: c.App.Writer})
			}
			o := kube.PlayOptions{
				Replace: c.Bool("replace"), NoStart: !c.Bool("start"), Strict: c.Bool("strict"),
				Networks: c.StringSlice("network"), Publish: c.StringSlice("publish"), LogDriver: c.String("log-driver"),
				Warn: c.App.ErrWriter, Out: c.App.Writer,
			}
			if c.IsSet("build") {
				o.Build = map[bool]string{true: kube.BuildAlways, false: kube.BuildNever}[c.Bool("build")]
			}
			if src.Name != "-" {
				o.ContextDir = filepath.Dir(src.Name)
			} else if wd, err := os.Getwd(); err == nil {
				o.ContextDir = wd
			}
			for _, f := range c.StringSlice("configmap") {
				cm, err := readSource(c, f)
				if err != nil {
					return err
				}
				o.ConfigMaps = append(o.ConfigMaps, cm)
			}
			_, err = kube.Play(c.Context, engineFrom(c), []kube.Source{src}, o)
			return err
		},
	}
}

func kubeDownCommand() *cli.Command {
	return &cli.Command{
		Name:      "down",
		Usage:     "Remove the pods (and with --force the volumes) that kube play made from Kubernetes YAML",
		ArgsUsage: "FILE|-",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Usage: "also remove the volumes of the YAML's PersistentVolumeClaims"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			src, err := readSource(c, c.Args().First())
			if err != nil {
				return err
			}
			return kube.Down(c.Context, engineFrom(c), []kube.Source{src}, kube.DownOptions{Volumes: c.Bool("force"), Out: c.App.Writer})
		},
	}
}

// readSource reads a YAML file, or standard input for "-".
func readSource(c *cli.Context, name string) (kube.Source, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(c.App.Reader)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return kube.Source{}, errdefs.Invalid("reading %s: %v", name, err)
	}
	return kube.Source{Name: name, Data: b}, nil
}

package commands

import (
	"fmt"
	goruntime "runtime"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/version"
	"github.com/skiff-containers/skiff/runtime/system"
)

// versionInfo has docker's `version` shape: .Client and .Server.
type versionInfo struct {
	Client versionSection
	Server versionSection
}

type versionSection struct {
	Platform      struct{ Name string }
	Version       string
	APIVersion    string `json:"ApiVersion"`
	MinAPIVersion string `json:"MinAPIVersion,omitempty"`
	GitCommit     string
	GoVersion     string
	Os            string
	Arch          string
	BuildTime     string `json:",omitempty"`
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "Show the skiff version information",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "format output using a custom template: 'json' or a Go template"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			if dialect.Current().PodmanInfo {
				return podmanVersion(c)
			}
			s := versionSection{
				Version: version.Version, APIVersion: version.APIVersion, MinAPIVersion: "1.24",
				GitCommit: version.GitCommit(), GoVersion: goruntime.Version(),
				Os: goruntime.GOOS, Arch: goruntime.GOARCH, BuildTime: version.BuildTime,
			}
			s.Platform.Name = "skiff"
			v := versionInfo{Client: s, Server: s}
			if f := c.String("format"); f != "" {
				return format.Object(c.App.Writer, f, v)
			}
			w := c.App.Writer
			for _, sec := range []struct {
				title string
				s     versionSection
			}{{"Client:", v.Client}, {"Server: skiff engine (no daemon)", v.Server}} {
				fmt.Fprintln(w, sec.title)
				fmt.Fprintf(w, " Version:           %s\n API version:       %s\n Go version:        %s\n Git commit:        %s\n",
					sec.s.Version, sec.s.APIVersion, sec.s.GoVersion, sec.s.GitCommit)
				if sec.s.BuildTime != "" {
					fmt.Fprintf(w, " Built:             %s\n", sec.s.BuildTime)
				}
				fmt.Fprintf(w, " OS/Arch:           %s/%s\n", sec.s.Os, sec.s.Arch)
				if sec.title == "Client:" {
					fmt.Fprintln(w)
				}
			}
			return nil
		},
	}
}

// podmanVersion is version in podman's shape: .Client with podman's
// fields (skiff's version), and its table.
func podmanVersion(c *cli.Context) error {
	v := struct{ Client system.PodmanVersion }{system.GetPodmanVersion()}
	switch f := c.String("format"); f {
	case "":
	case "json":
		return format.Object(c.App.Writer, "{{json .}}", v)
	default:
		return format.Object(c.App.Writer, f, v)
	}
	cl := v.Client
	_, err := fmt.Fprintf(c.App.Writer, "Client:       skiff\nVersion:      %s\nAPI Version:  %s\nGo Version:   %s\nGit Commit:   %s\nBuilt:        %s\nOS/Arch:      %s\n",
		cl.Version, cl.APIVersion, cl.GoVersion, cl.GitCommit, cl.BuiltTime, cl.OsArch)
	return err
}

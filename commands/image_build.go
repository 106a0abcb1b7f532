package commands

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/build"
	"github.com/skiff-containers/skiff/runtime/image"
)

// imageBuildCommand is `build`, `image build` and `buildx build`.
func imageBuildCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "build",
		Usage:     "Build an image from a Dockerfile",
		ArgsUsage: "PATH | -",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			o, err := buildOptions(c)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			rep, err := build.Build(ctx, engineFrom(c), o)
			if err != nil {
				return errdefs.WithExitCode(1, err)
			}
			if f := c.String("iidfile"); f != "" {
				if err := os.WriteFile(f, []byte("sha256:"+rep.ID), 0o644); err != nil {
					return errdefs.WithExitCode(1, fmt.Errorf("writing the image ID to %s: %w", f, err))
				}
			}
			if buildQuiet(c) {
				printOut(c, "sha256:"+rep.ID)
			}
			return nil
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.StringSliceFlag{Name: "tag", Aliases: []string{"t"}, Usage: `Name and optionally a tag in the "name:tag" format (repeatable)`},
			&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "Name of the Dockerfile (default: 'PATH/Dockerfile'; - for standard input)"},
			&cli.StringSliceFlag{Name: "build-arg", Usage: "Set build-time variables (KEY=VALUE, or KEY to take it from the environment)"},
			&cli.StringFlag{Name: "target", Usage: "Set the target build stage to build"},
			&cli.BoolFlag{Name: "no-cache", Usage: "Do not use cache when building the image"},
			&cli.BoolFlag{Name: "pull", Usage: "Always attempt to pull a newer version of the image (every base image)"},
			&cli.StringSliceFlag{Name: "label", Usage: "Set metadata for an image (KEY=VALUE, repeatable)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Suppress the build output and print image ID on success"},
			&cli.StringFlag{Name: "iidfile", Usage: "Write the image ID to the file"},
			&cli.StringFlag{Name: "network", Value: "default", Usage: "Set the networking mode for the RUN instructions during build: default, none, host, or a network's name"},
			&cli.StringSliceFlag{Name: "secret", Usage: "Secret to expose to the build: id=ID,src=FILE or id=ID,env=VAR (repeatable)"},
			&cli.StringFlag{Name: "format", Value: "docker", Usage: "Format of the built image: docker (keeps HEALTHCHECK, ONBUILD, SHELL) or oci"},
			&cli.StringFlag{Name: "platform", Usage: "Set platform if server is multi-platform capable (this machine's only: linux/" + runtime.GOARCH + ")"},
			&cli.StringFlag{Name: "progress", Value: "auto", Usage: "Type of progress output: auto, plain, tty or quiet (quiet prints only the image ID)"},
			&cli.StringSliceFlag{Name: "cache-from", Usage: "Images to consider as cache sources (local images only: skiff's cache is local)"},
			&cli.StringSliceFlag{Name: "cache-to", Usage: "Cache export destinations (not supported: refused)"},
			&cli.BoolFlag{Name: "rm", Value: true, Usage: "Remove intermediate containers after a successful build (always: false is refused)"},
			&cli.BoolFlag{Name: "force-rm", Usage: "Always remove intermediate containers (skiff always does)"},
			contentTrustFlag(),
		}
	})
}

// buildxCommand is `buildx`, whose `build` is build.
func buildxCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "buildx",
		Usage: "Build images (docker buildx's build verb)",
	}, func(cmd *cli.Command) {
		cmd.Subcommands = []*cli.Command{imageBuildCommand()}
	})
}

func buildQuiet(c *cli.Context) bool {
	return c.Bool("quiet") || c.String("progress") == "quiet"
}

// buildOptions checks the flags (exit 125 when bad) and fills Options.
func buildOptions(c *cli.Context) (build.Options, error) {
	o := build.Options{
		Context: c.Args().First(), Stdin: os.Stdin, Dockerfile: c.String("file"), Target: c.String("target"),
		NoCache: c.Bool("no-cache"), Pull: c.Bool("pull"), OCI: c.String("format") == "oci",
		Network: c.String("network"), Out: c.App.Writer, Warn: c.App.ErrWriter,
	}
	if err := checkBuildFlags(c); err != nil {
		return o, err
	}
	for _, t := range c.StringSlice("tag") {
		if err := image.CheckTag(t); err != nil {
			return o, errdefs.Invalid("invalid argument %q for \"-t, --tag\" flag: %v", t, err)
		}
		o.Tags = append(o.Tags, t)
	}
	o.BuildArgs = map[string]string{}
	for _, a := range c.StringSlice("build-arg") {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			env, set := os.LookupEnv(k)
			if !set {
				continue // docker drops a KEY the environment does not have
			}
			v = env
		}
		o.BuildArgs[k] = v
	}
	o.Labels = map[string]string{}
	for _, l := range c.StringSlice("label") {
		k, v, _ := strings.Cut(l, "=")
		o.Labels[k] = v
	}
	secrets, err := parseSecrets(c.StringSlice("secret"))
	if err != nil {
		return o, err
	}
	o.Secrets = secrets
	if buildQuiet(c) {
		o.Out = nil
	}
	o.PullOptions = image.PullOptions{Quiet: buildQuiet(c), Progress: c.App.Writer}
	return o, nil
}

// checkBuildFlags refuses what skiff cannot honour, in one line each.
func checkBuildFlags(c *cli.Context) error {
	switch c.String("format") {
	case "docker", "oci":
	default:
		return usageErr(c, "--format %q: use docker or oci", c.String("format"))
	}
	switch c.String("progress") {
	case "auto", "plain", "tty", "quiet":
	default:
		return usageErr(c, "--progress %q: use auto, plain, tty or quiet", c.String("progress"))
	}
	if p := c.String("platform"); p != "" && !build.HostPlatform(p) {
		return usageErr(c, "--platform %s: skiff builds for this machine's platform only (linux/%s)", p, runtime.GOARCH)
	}
	if len(c.StringSlice("cache-to")) > 0 {
		return usageErr(c, "--cache-to is not supported: skiff's build cache is local and needs no export")
	}
	for _, ref := range c.StringSlice("cache-from") {
		if strings.Contains(ref, "type=") || strings.Contains(ref, "=") {
			return usageErr(c, "--cache-from %s: only local images can be cache sources (every image built here already is)", ref)
		}
		if _, err := image.Lookup(c.Context, engineFrom(c), ref); err != nil {
			return usageErr(c, "--cache-from %s: no such local image (skiff does not import caches from registries)", ref)
		}
	}
	if !c.Bool("rm") {
		return usageErr(c, "--rm=false is not supported: skiff never keeps a build's intermediate containers")
	}
	arg := c.Args().First()
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") || strings.HasPrefix(arg, "git@") {
		return usageErr(c, "remote build contexts (%s) are not supported: give a directory, a tar file or - (a tar on standard input)", arg)
	}
	if c.String("file") == "-" && arg == "-" {
		return usageErr(c, "the Dockerfile (-f -) and the context (-) cannot both come from standard input")
	}
	return nil
}

// parseSecrets reads --secret id=ID,src=FILE (or source=, env=VAR,
// type=file|env).
func parseSecrets(specs []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, s := range specs {
		var id, src, env, typ string
		for _, field := range strings.Split(s, ",") {
			k, v, _ := strings.Cut(field, "=")
			switch strings.ToLower(k) {
			case "id":
				id = v
			case "src", "source":
				src = v
			case "env":
				env = v
			case "type":
				typ = v
			default:
				return nil, errdefs.Invalid("--secret %s: unknown key %q (use id=, src= or env=)", s, k)
			}
		}
		if typ != "" && typ != "file" && typ != "env" {
			return nil, errdefs.Invalid("--secret %s: type must be file or env", s)
		}
		if typ == "env" && env == "" {
			env, src = src, ""
		}
		if id == "" {
			id = src
			if env != "" {
				id = env
			}
		}
		if id == "" {
			return nil, errdefs.Invalid("--secret %s: give id=ID and src=FILE (or env=VAR)", s)
		}
		switch {
		case env != "":
			v, ok := os.LookupEnv(env)
			if !ok {
				return nil, errdefs.Invalid("--secret %s: the environment has no %s", s, env)
			}
			out[id] = []byte(v)
		case src != "":
			b, err := os.ReadFile(src)
			if err != nil {
				return nil, errdefs.Invalid("--secret %s: %v", s, err)
			}
			out[id] = b
		default:
			v, ok := os.LookupEnv(id)
			if !ok {
				return nil, errdefs.Invalid("--secret %s: give src=FILE or env=VAR", s)
			}
			out[id] = []byte(v)
		}
	}
	return out, nil
}

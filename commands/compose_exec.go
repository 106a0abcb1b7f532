package commands

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/runtime/compose"
	"github.com/skiff-containers/skiff/runtime/container"
)

func composeExecCommand() *cli.Command {
	return deferred(&cli.Command{
		Name: "exec", Usage: "Execute a command in a running container", ArgsUsage: "SERVICE COMMAND [ARGS...]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 2, -1); err != nil {
				return err
			}
			p, err := loadProject(c, true)
			if err != nil {
				return err
			}
			ctr, err := p.ContainerFor(engineFrom(c), c.Args().First(), c.Int("index"))
			if err != nil {
				return err
			}
			o := container.ExecOptions{
				Cmd: c.Args().Slice()[1:], Env: c.StringSlice("env"), WorkingDir: c.String("workdir"),
				User: c.String("user"), Privileged: c.Bool("privileged"), Detach: c.Bool("detach"),
				Tty: !c.Bool("no-TTY") && stdinIsTerminal(),
			}
			if !o.Detach {
				t, err := attachTerminal(c, c.Bool("interactive"), o.Tty, false)
				if err != nil {
					return err
				}
				defer t.restore()
				o.Stdin, o.Stdout, o.Stderr = t.options.Stdin, t.options.Stdout, t.options.Stderr
				o.Size, o.Resize = t.options.Size, t.options.Resize
			}
			code, err := container.Exec(c.Context, engineFrom(c), ctr.ID, o)
			if errors.Is(err, container.ErrDetached) {
				return nil
			}
			if err != nil {
				return err
			}
			return exitCode(code)
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "detached mode: run command in the background"},
			&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set environment variables"},
			&cli.IntFlag{Name: "index", Usage: "index of the container if service has multiple replicas"},
			&cli.BoolFlag{Name: "no-TTY", Aliases: []string{"T"}, Usage: "disable pseudo-TTY allocation (by default exec allocates a TTY when stdin is one)"},
			&cli.BoolFlag{Name: "privileged", Usage: "give extended privileges to the process"},
			&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run the command as this user"},
			&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "path to workdir directory for this command"},
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Value: true, Usage: "keep STDIN open even if not attached"},
		}
	})
}

func composeRunCommand() *cli.Command {
	return deferred(&cli.Command{
		Name: "run", Usage: "Run a one-off command on a service", ArgsUsage: "SERVICE [COMMAND] [ARGS...]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			up, err := composeUpOptions(c)
			if err != nil {
				return err
			}
			up.Services = nil
			p, err := loadProject(c, false)
			if err != nil {
				return err
			}
			o := compose.RunOptions{
				Service: c.Args().First(), Command: c.Args().Slice()[1:], Name: c.String("name"),
				Env: c.StringSlice("env"), User: c.String("user"), WorkingDir: c.String("workdir"),
				Volumes: c.StringSlice("volume"), Publish: c.StringSlice("publish"), Labels: c.StringSlice("label"),
				ServicePorts: c.Bool("service-ports"), NoDeps: c.Bool("no-deps"), Remove: c.Bool("rm"),
				Detach: c.Bool("detach"), Tty: !c.Bool("no-TTY") && stdinIsTerminal() && !c.Bool("detach"),
				Interactive: c.Bool("interactive") && !c.Bool("detach"), Up: up,
			}
			if c.IsSet("entrypoint") {
				ep := c.String("entrypoint")
				o.Entrypoint = &ep
			}
			co, err := p.PrepareRun(c.Context, engineFrom(c), o)
			if err != nil {
				return err
			}
			var a *container.AttachOptions
			if !co.Detach {
				t, err := attachTerminal(c, co.Spec.Interactive, co.Spec.Tty, true)
				if err != nil {
					return err
				}
				defer t.restore()
				a = t.options
			}
			ctr, code, err := container.Run(c.Context, engineFrom(c), *co, a)
			if err != nil {
				if errors.Is(err, container.ErrDetached) {
					return nil
				}
				return err
			}
			if co.Detach {
				fmt.Fprintln(c.App.Writer, ctr.Name)
				return nil
			}
			return exitCode(code)
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = append(composeUpFlags()[:3],
			&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "run container in background and print container ID"},
			&cli.StringFlag{Name: "entrypoint", Usage: "override the entrypoint of the image"},
			&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set environment variables"},
			&cli.StringSliceFlag{Name: "label", Aliases: []string{"l"}, Usage: "add or override a label"},
			&cli.StringFlag{Name: "name", Usage: "assign a name to the container"},
			&cli.BoolFlag{Name: "no-TTY", Aliases: []string{"T"}, Usage: "disable pseudo-TTY allocation (default: auto-detected)"},
			&cli.BoolFlag{Name: "no-deps", Usage: "don't start linked services"},
			&cli.StringSliceFlag{Name: "publish", Aliases: []string{"p"}, Usage: "publish a container's port(s) to the host"},
			&cli.BoolFlag{Name: "rm", Usage: "automatically remove the container when it exits"},
			&cli.BoolFlag{Name: "service-ports", Usage: "run command with all service's ports enabled and mapped to the host"},
			&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run as specified username or uid"},
			&cli.StringSliceFlag{Name: "volume", Aliases: []string{"v"}, Usage: "bind mount a volume"},
			&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working directory inside the container"},
			&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Value: true, Usage: "keep STDIN open even if not attached"},
			&cli.BoolFlag{Name: "quiet-pull", Usage: "pull without printing progress information"},
		)
	})
}

// composeContainerArg is a verb on one service's container: SERVICE
// [ARGS], with --index.
func composeContainerArg(name, usage, argsUsage string, min, max int, fn func(c *cli.Context, ctr *container.Container) error) *cli.Command {
	return &cli.Command{
		Name: name, Usage: usage, ArgsUsage: argsUsage,
		Flags: []cli.Flag{&cli.IntFlag{Name: "index", Usage: "index of the container if service has multiple replicas"}},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, min, max); err != nil {
				return err
			}
			p, err := loadProject(c, true)
			if err != nil {
				return err
			}
			ctr, err := p.ContainerFor(engineFrom(c), c.Args().First(), c.Int("index"))
			if err != nil {
				return err
			}
			return fn(c, ctr)
		},
	}
}

func composePortCommand() *cli.Command {
	cmd := composeContainerArg("port", "Print the public port for a port binding", "SERVICE PRIVATE_PORT", 2, 2,
		func(c *cli.Context, ctr *container.Container) error {
			port := c.Args().Get(1)
			if !strings.Contains(port, "/") {
				port += "/" + c.String("protocol")
			}
			addr, err := compose.Port(engineFrom(c), ctr.ID, port)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, addr)
			return nil
		})
	cmd.Flags = append(cmd.Flags, &cli.StringFlag{Name: "protocol", Value: "tcp", Usage: "tcp or udp"})
	return cmd
}

func composeTopCommand() *cli.Command {
	return composeServicesVerb("top", "Display the running processes", nil, func(c *cli.Context, p *compose.Project) error {
		cs, err := p.Ps(engineFrom(c), compose.PsOptions{Services: c.Args().Slice()})
		if err != nil {
			return err
		}
		for _, ctr := range cs {
			r, err := container.Top(engineFrom(c), ctr.ID, nil)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, ctr.Name)
			w := tabwriter.NewWriter(c.App.Writer, 4, 1, 3, ' ', 0)
			fmt.Fprintln(w, strings.Join(r.Titles, "\t"))
			for _, proc := range r.Processes {
				fmt.Fprintln(w, strings.Join(proc, "\t"))
			}
			w.Flush()
			fmt.Fprintln(c.App.Writer)
		}
		return nil
	})
}

func composeWaitCommand() *cli.Command {
	cmd := composeServicesVerb("wait", "Block until containers of all (or specified) services stop", []cli.Flag{
		&cli.BoolFlag{Name: "down-project", Usage: "drops project when the first container stops"},
	}, func(c *cli.Context, p *compose.Project) error {
		if c.NArg() == 0 {
			return usageErr(c, "requires at least 1 argument")
		}
		cs, err := p.Ps(engineFrom(c), compose.PsOptions{Services: c.Args().Slice(), All: true})
		if err != nil {
			return err
		}
		code := 0
		for _, ctr := range cs {
			n, err := container.Wait(c.Context, engineFrom(c), ctr.ID)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, n)
			code = n
			if c.Bool("down-project") {
				return p.Down(c.Context, engineFrom(c), compose.DownOptions{Progress: composeProgress(c), Warn: c.App.ErrWriter})
			}
		}
		return exitCode(code)
	})
	cmd.ArgsUsage = "SERVICE [SERVICE...]"
	return cmd
}

func composeCpCommand() *cli.Command {
	return &cli.Command{
		Name: "cp", Usage: "Copy files/folders between a service container and the local filesystem",
		ArgsUsage: "SERVICE:SRC_PATH DEST_PATH|-  or  SRC_PATH|- SERVICE:DEST_PATH",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "index", Usage: "index of the container if service has multiple replicas"},
			&cli.BoolFlag{Name: "archive", Aliases: []string{"a"}, Usage: "archive mode (copy all uid/gid information)"},
			&cli.BoolFlag{Name: "follow-link", Aliases: []string{"L"}, Usage: "always follow symbol link in SRC_PATH"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 2, 2); err != nil {
				return err
			}
			p, err := loadProject(c, true)
			if err != nil {
				return err
			}
			src, dst := c.Args().Get(0), c.Args().Get(1)
			o := container.CopyOptions{FollowLink: c.Bool("follow-link"), Archive: c.Bool("archive"), Stdin: c.App.Reader, InUserNS: engineFrom(c).Rootless()}
			if svc, path, ok := strings.Cut(src, ":"); ok {
				ctr, err := p.ContainerFor(engineFrom(c), svc, c.Int("index"))
				if err != nil {
					return err
				}
				o.Stdout = c.App.Writer
				_, err = container.CopyFrom(engineFrom(c), ctr.ID, path, dst, o)
				return err
			}
			svc, path, ok := strings.Cut(dst, ":")
			if !ok {
				return usageErr(c, "one of the paths must be SERVICE:PATH")
			}
			ctr, err := p.ContainerFor(engineFrom(c), svc, c.Int("index"))
			if err != nil {
				return err
			}
			_, err = container.CopyTo(engineFrom(c), ctr.ID, src, path, o)
			return err
		},
	}
}

package commands

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/pod"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// podVerb is a bulk pod verb: fn for each pod named (or, with --all,
// every pod), printing each pod's ID as podman does.
func podVerb(name, usage string, flags []cli.Flag, fn func(c *cli.Context, ref string) (*pod.Pod, error)) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		ArgsUsage: "POD [POD...]",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "act on every pod"},
		}, flags...),
		Action: func(c *cli.Context) error {
			refs := c.Args().Slice()
			if c.Bool("all") {
				if len(refs) > 0 {
					return usageErr(c, "takes no pod names with --all")
				}
				pods, err := pod.List(engineFrom(c))
				if err != nil {
					return err
				}
				for _, p := range pods {
					refs = append(refs, p.ID)
				}
			} else if err := needArgs(c, 1, -1); err != nil {
				return err
			}
			return bulk(c, refs, func(ref string) error {
				p, err := fn(c, ref)
				if err == nil && p != nil {
					printOut(c, p.ID)
				}
				return err
			})
		},
	}
}

func podStartCommand() *cli.Command {
	return podVerb("start", "Start one or more pods", nil, func(c *cli.Context, ref string) (*pod.Pod, error) {
		return pod.Start(c.Context, engineFrom(c), ref)
	})
}

func podStopFlags() []cli.Flag {
	return []cli.Flag{&cli.IntFlag{Name: "time", Aliases: []string{"t"}, Usage: "seconds to wait before killing the containers", DefaultText: "each container's stop timeout, else 10"}}
}

func podStopOptions(c *cli.Context) container.StopOptions {
	var o container.StopOptions
	if c.IsSet("time") {
		t := time.Duration(c.Int("time")) * time.Second
		o.Timeout = &t
	}
	return o
}

func podStopCommand() *cli.Command {
	return podVerb("stop", "Stop one or more pods", podStopFlags(), func(c *cli.Context, ref string) (*pod.Pod, error) {
		return pod.Stop(c.Context, engineFrom(c), ref, podStopOptions(c))
	})
}

func podRestartCommand() *cli.Command {
	return podVerb("restart", "Restart one or more pods", podStopFlags(), func(c *cli.Context, ref string) (*pod.Pod, error) {
		return pod.Restart(c.Context, engineFrom(c), ref, podStopOptions(c))
	})
}

func podKillCommand() *cli.Command {
	flags := []cli.Flag{&cli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "KILL", Usage: "signal to send to the containers"}}
	return podVerb("kill", "Send a signal to the containers of one or more pods", flags, func(c *cli.Context, ref string) (*pod.Pod, error) {
		sig, err := spec.ParseSignal(c.String("signal"))
		if err != nil {
			return nil, err
		}
		return pod.Kill(engineFrom(c), ref, sig)
	})
}

func podPauseCommand() *cli.Command {
	return podVerb("pause", "Pause the containers of one or more pods", nil, func(c *cli.Context, ref string) (*pod.Pod, error) {
		return pod.Pause(engineFrom(c), ref)
	})
}

func podUnpauseCommand() *cli.Command {
	return podVerb("unpause", "Unpause the containers of one or more pods", nil, func(c *cli.Context, ref string) (*pod.Pod, error) {
		return pod.Unpause(engineFrom(c), ref)
	})
}

func podRmCommand() *cli.Command {
	flags := append([]cli.Flag{
		&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "stop running containers and remove the pod"},
		&cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "ignore errors when a pod does not exist"},
	}, podStopFlags()...)
	cmd := podVerb("rm", "Remove one or more stopped pods and their containers", flags, func(c *cli.Context, ref string) (*pod.Pod, error) {
		e := engineFrom(c)
		p, err := pod.Lookup(e, ref)
		if errdefs.IsNotFound(err) && c.Bool("ignore") {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		o := pod.RemoveOptions{Force: c.Bool("force")}
		if c.IsSet("time") {
			so := podStopOptions(c)
			o.Timeout = &so
		}
		return p, pod.Remove(c.Context, e, p.ID, o)
	})
	cmd.Aliases = []string{"remove"}
	return cmd
}

func podPruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "Remove every pod none of whose containers runs",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not prompt for confirmation"}},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			rep, err := pod.Prune(c.Context, engineFrom(c))
			if rep != nil {
				for _, id := range rep.Removed {
					printOut(c, id)
				}
			}
			return err
		},
	}
}

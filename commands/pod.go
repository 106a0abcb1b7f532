package commands

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/pod"
)

// podCommand is podman's `pod` group: containers sharing namespaces held
// by skiff's own infra process (runtime/pod).
func podCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:  "pod",
		Usage: "Manage pods",
	}, func(cmd *cli.Command) {
		cmd.Subcommands = []*cli.Command{
			podCreateCommand(),
			podPsCommand(),
			podInspectCommand(),
			podStartCommand(),
			podStopCommand(),
			podRestartCommand(),
			podKillCommand(),
			podPauseCommand(),
			podUnpauseCommand(),
			podRmCommand(),
			podPruneCommand(),
			podTopCommand(),
			podLogsCommand(),
			podExistsCommand(),
		}
	})
}

func podCreateCommand() *cli.Command {
	return deferred(&cli.Command{
		Name:      "create",
		Usage:     "Create a new empty pod",
		ArgsUsage: "[NAME]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 1); err != nil {
				return err
			}
			o, err := pod.ParseCreateFlags(c)
			if err != nil {
				return err
			}
			if c.NArg() == 1 {
				if o.Name != "" && o.Name != c.Args().First() {
					return usageErr(c, "takes the name as --name or as an argument, not both")
				}
				o.Name = c.Args().First()
			}
			o.CreateCommand = os.Args
			p, err := pod.Create(c.Context, engineFrom(c), *o)
			if err != nil {
				return err
			}
			if f := c.String("pod-id-file"); f != "" {
				if err := os.WriteFile(f, []byte(p.ID), 0o644); err != nil {
					return errdefs.Invalid("writing the pod ID file: %v", err)
				}
			}
			fmt.Fprintln(c.App.Writer, p.ID)
			return nil
		},
	}, func(cmd *cli.Command) {
		cmd.Flags = append([]cli.Flag{
			&cli.StringFlag{Name: "name", Aliases: []string{"n"}, Usage: "assign a name to the pod"},
			&cli.StringSliceFlag{Name: "label", Aliases: []string{"l"}, Usage: "set metadata on the pod (key=value)"},
			&cli.StringFlag{Name: "share", Usage: "namespaces the containers share: ipc, net, pid, uts or none (a leading + adds to the default)", DefaultText: "ipc,net,uts"},
			&cli.BoolFlag{Name: "infra", Value: true, Usage: "create an infra container holding the shared namespaces"},
			&cli.StringFlag{Name: "hostname", Usage: "the pod's host name (shared with uts)"},
			&cli.StringFlag{Name: "ip", Usage: "the pod's IPv4 address on its network"},
			&cli.StringFlag{Name: "mac-address", Usage: "the pod's MAC address"},
			&cli.StringFlag{Name: "pod-id-file", Usage: "write the pod ID to the file"},
		}, podNetworkFlags()...)
	})
}

// podNetworkFlags are run's network flags that pod create gives its
// infra container: the pod's network.
func podNetworkFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "publish", Aliases: []string{"p"}, Usage: "publish a port of the pod to the host ([IP:][HOST:]CONTAINER[/PROTO])"},
		&cli.BoolFlag{Name: "publish-all", Aliases: []string{"P"}, Usage: "publish every exposed port on a random host port"},
		&cli.StringSliceFlag{Name: "expose", Usage: "expose a port or a range of ports"},
		&cli.StringSliceFlag{Name: "network", Usage: "connect the pod to a network (bridge, NAME, host, none, pasta, slirp4netns)"},
		&cli.StringSliceFlag{Name: "network-alias", Usage: "add a network-scoped alias for the pod"},
		&cli.StringSliceFlag{Name: "dns", Usage: "set custom DNS servers"},
		&cli.StringSliceFlag{Name: "dns-search", Usage: "set custom DNS search domains"},
		&cli.StringSliceFlag{Name: "dns-option", Aliases: []string{"dns-opt"}, Usage: "set DNS options"},
		&cli.StringSliceFlag{Name: "add-host", Usage: "add a custom host-to-IP mapping (host:ip)"},
	}
}

func podExistsCommand() *cli.Command {
	return &cli.Command{
		Name:      "exists",
		Usage:     "Check if a pod exists (exit 0 if it does, 1 if not)",
		ArgsUsage: "POD",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			_, err := pod.Lookup(engineFrom(c), c.Args().First())
			if errdefs.IsNotFound(err) {
				return &errdefs.ExitCodeError{Code: 1}
			}
			return err
		},
	}
}

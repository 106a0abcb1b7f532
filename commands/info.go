package commands

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/system"
)

func infoCommand() *cli.Command {
	return &cli.Command{
		Name:  "info",
		Usage: "Display system-wide information",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "format the output using the given Go template, or 'json'"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			info, err := system.GetInfo(engineFrom(c), containerCounter(c))
			if err != nil {
				return err
			}
			switch f := c.String("format"); f {
			case "":
				printInfo(c.App.Writer, info)
				return nil
			case "json":
				return format.Object(c.App.Writer, "{{json .}}", info)
			default:
				return format.Object(c.App.Writer, f, info)
			}
		},
	}
}

func printInfo(w io.Writer, i *system.Info) {
	yes := map[bool]string{true: "yes", false: "no"}
	fmt.Fprintf(w, "Server:\n Containers: %d\n  Running: %d\n  Paused: %d\n  Stopped: %d\n Images: %d\n",
		i.Containers, i.ContainersRunning, i.ContainersPaused, i.ContainersStopped, i.Images)
	fmt.Fprintf(w, " Server Version: %s\n Storage Driver: %s\n", i.ServerVersion, i.Driver)
	for _, kv := range i.DriverStatus {
		fmt.Fprintf(w, "  %s: %s\n", kv[0], kv[1])
	}
	fmt.Fprintf(w, " Logging Driver: %s\n Cgroup Driver: %s\n Cgroup Version: %s\n  Limits available: %s\n",
		i.LoggingDriver, i.CgroupDriver, i.CgroupVersion, yes[i.CgroupLimits])
	if i.CgroupReason != "" {
		fmt.Fprintf(w, "  Why not: %s\n", i.CgroupReason)
	} else {
		fmt.Fprintf(w, "  Controllers: %s\n", strings.Join(i.CgroupControllers, " "))
	}
	fmt.Fprintf(w, " Rootless: %s\n", yes[i.Rootless])
	if i.Rootless {
		fmt.Fprintln(w, " ID Mappings:")
		for _, m := range i.IDMappings.UIDMap {
			fmt.Fprintf(w, "  uid %d -> host %d (%d ids)\n", m.ContainerID, m.HostID, m.Size)
		}
		for _, m := range i.IDMappings.GIDMap {
			fmt.Fprintf(w, "  gid %d -> host %d (%d ids)\n", m.ContainerID, m.HostID, m.Size)
		}
	}
	fmt.Fprintln(w, " Network Helpers:")
	for _, h := range i.NetworkHelpers {
		p := h.Path
		if p == "" {
			p = "not found"
		}
		fmt.Fprintf(w, "  %s: %s\n", h.Name, p)
	}
	fmt.Fprintln(w, " Security Options:")
	for _, s := range i.SecurityOptions {
		fmt.Fprintf(w, "  %s\n", s)
	}
	fmt.Fprintf(w, " Kernel Version: %s\n Operating System: %s\n OSType: %s\n Architecture: %s\n CPUs: %d\n Total Memory: %.2fGiB\n Name: %s\n Docker Root Dir: %s\n Run Root: %s\n",
		i.KernelVersion, i.OperatingSystem, i.OSType, i.Architecture, i.NCPU, float64(i.MemTotal)/(1<<30), i.Name, i.DockerRootDir, i.RunRoot)
	for _, warn := range i.Warnings {
		fmt.Fprintln(w, warn)
	}
}

// containerCounter counts the containers by state for info.
func containerCounter(c *cli.Context) system.Counter {
	return func() (running, paused, stopped int, err error) {
		all, err := container.List(engineFrom(c))
		if err != nil {
			return 0, 0, 0, err
		}
		for _, ctr := range all {
			switch ctr.State.Status {
			case container.StatusRunning, container.StatusRestarting:
				running++
			case container.StatusPaused:
				paused++
			default:
				stopped++
			}
		}
		return running, paused, stopped, nil
	}
}

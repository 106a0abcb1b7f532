package commands

import "github.com/urfave/cli/v2"

// updateResourceFlags are the resource flags update takes (docker's
// live-changeable ones); run and create take them and resourceFlags.
// runtime/container/flags.go reads them by these names.
func updateResourceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "memory", Aliases: []string{"m"}, Usage: "memory limit (e.g. 512m, 1g)"},
		&cli.StringFlag{Name: "memory-swap", Usage: "swap limit equal to memory plus swap: '-1' to enable unlimited swap"},
		&cli.StringFlag{Name: "memory-reservation", Usage: "memory soft limit"},
		&cli.StringFlag{Name: "kernel-memory", Usage: "kernel memory limit (deprecated: accepted and ignored)"},
		&cli.StringFlag{Name: "cpus", Usage: "number of CPUs (e.g. 1.5)"},
		&cli.StringFlag{Name: "cpu-shares", Aliases: []string{"c"}, Usage: "CPU shares (relative weight)"},
		&cli.StringFlag{Name: "cpu-period", Usage: "limit CPU CFS (Completely Fair Scheduler) period"},
		&cli.StringFlag{Name: "cpu-quota", Usage: "limit CPU CFS (Completely Fair Scheduler) quota"},
		&cli.StringFlag{Name: "cpuset-cpus", Usage: "CPUs in which to allow execution (0-3, 0,1)"},
		&cli.StringFlag{Name: "cpuset-mems", Usage: "MEMs in which to allow execution (0-3, 0,1)"},
		&cli.StringFlag{Name: "pids-limit", Usage: "tune container pids limit (set -1 for unlimited)"},
		&cli.StringFlag{Name: "blkio-weight", Usage: "block IO (relative weight), between 10 and 1000, or 0 to disable"},
	}
}

// resourceFlags are update's resource flags plus those only run and
// create take.
func resourceFlags() []cli.Flag {
	return append(updateResourceFlags(),
		&cli.StringFlag{Name: "memory-swappiness", Usage: "tune container memory swappiness (0 to 100)", DefaultText: "-1"},
		&cli.BoolFlag{Name: "oom-kill-disable", Usage: "disable OOM Killer"},
		&cli.StringSliceFlag{Name: "blkio-weight-device", Usage: "block IO weight (relative device weight, DEVICE:WEIGHT)"},
		&cli.StringSliceFlag{Name: "device-read-bps", Usage: "limit read rate (bytes per second) from a device (DEVICE:RATE[kb|mb|gb])"},
		&cli.StringSliceFlag{Name: "device-write-bps", Usage: "limit write rate (bytes per second) to a device (DEVICE:RATE[kb|mb|gb])"},
		&cli.StringSliceFlag{Name: "device-read-iops", Usage: "limit read rate (IO per second) from a device (DEVICE:RATE)"},
		&cli.StringSliceFlag{Name: "device-write-iops", Usage: "limit write rate (IO per second) to a device (DEVICE:RATE)"},
		&cli.StringFlag{Name: "cgroup-parent", Usage: "optional parent cgroup for the container"},
	)
}

package commands

import (
	"errors"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/dialect"
	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/container"
)

// Podman's ways of naming the containers a verb acts on, besides names:
// --latest (-l), --all (-a), --filter, and --ignore for names that do not
// exist. container.Select resolves them; eachContainer and
// containerAndArgs are how the verbs read them.

// latestFlag is --latest, -l.
func latestFlag() cli.Flag {
	return &cli.BoolFlag{Name: "latest", Aliases: []string{"l"}, Usage: "act on the latest container skiff is aware of"}
}

// allFlag is --all, with -a unless the verb uses the letter otherwise.
func allFlag(usage string, short bool) cli.Flag {
	f := &cli.BoolFlag{Name: "all", Usage: usage}
	if short {
		f.Aliases = []string{"a"}
	}
	return f
}

// ignoreFlag is --ignore, -i.
func ignoreFlag() cli.Flag {
	return &cli.BoolFlag{Name: "ignore", Aliases: []string{"i"}, Usage: "ignore errors when a specified container is missing"}
}

// filterFlag is --filter, with -f unless the verb uses the letter
// otherwise.
func filterFlag(verb string, short bool) cli.Flag {
	f := &cli.StringSliceFlag{Name: "filter", Usage: "filter the containers to " + verb + " (ps's filters)"}
	if short {
		f.Aliases = []string{"f"}
	}
	return f
}

// selects reports whether the command line chooses containers by a flag.
func selects(c *cli.Context) bool {
	return c.Bool("latest") || c.Bool("all") || len(c.StringSlice("filter")) > 0
}

// targets are the containers the command line names (statuses limit
// --all, as stop -a takes the running ones only).
func targets(c *cli.Context, statuses ...string) ([]string, error) {
	if !selects(c) {
		if err := needArgs(c, 1, -1); err != nil {
			return nil, err
		}
	}
	return container.Select(engineFrom(c), container.SelectOptions{
		Refs: c.Args().Slice(), Latest: c.Bool("latest"), All: c.Bool("all"),
		Statuses: statuses, Filters: c.StringSlice("filter"),
	})
}

// eachContainer runs fn for every container the command line names,
// printing each one that succeeded on stdout and each failure on stderr,
// as docker's bulk verbs do; with --ignore a container that does not
// exist is skipped. The exit code of failures is the dialect's
// (errdefs.BulkExitCode; docker's is 1). removes says the verb removes
// containers.
func eachContainer(c *cli.Context, removes bool, fn func(ref string) error, statuses ...string) error {
	refs, err := targets(c, statuses...)
	if err != nil {
		return err
	}
	var errs []error
	for _, ref := range refs {
		if c.Bool("ignore") && !containerExists(c, ref) {
			continue
		}
		if err := fn(ref); err != nil {
			printErr(c, err)
			errs = append(errs, err)
			continue
		}
		printOut(c, ref)
	}
	return bulkFailure(errs, removes, 1)
}

// containerExists reports whether ref names a container.
func containerExists(c *cli.Context, ref string) bool {
	_, err := container.Lookup(engineFrom(c), ref)
	return !errors.Is(err, errdefs.ErrNotFound)
}

// bulkFailure is the error of a bulk verb whose failures (already
// printed) were errs: nil without any; fallback is docker's exit code.
func bulkFailure(errs []error, removes bool, fallback int) error {
	if code := errdefs.BulkExitCode(errs, removes, fallback); code != 0 {
		return &errdefs.ExitCodeError{Code: code}
	}
	return nil
}

// containerAndArgs reads a verb's container and the arguments after it
// (between min and max of them; max -1: any): the first argument, or with
// --latest the latest container and every argument.
func containerAndArgs(c *cli.Context, min, max int) (string, []string, error) {
	args := c.Args().Slice()
	if !c.Bool("latest") {
		if err := needArgs(c, min+1, addOne(max)); err != nil {
			return "", nil, err
		}
		return args[0], args[1:], nil
	}
	if max == 0 && len(args) > 0 {
		return "", nil, errdefs.Invalid("--latest and containers cannot be used together")
	}
	if err := needCount(c, len(args), min, max); err != nil {
		return "", nil, err
	}
	ctr, err := container.Latest(engineFrom(c))
	if err != nil {
		return "", nil, err
	}
	return ctr.ID, args, nil
}

func addOne(n int) int {
	if n < 0 {
		return n
	}
	return n + 1
}

// forceStop is how a forced removal (rm -f; podman's volume rm -f and
// network rm -f, which remove their users) ends a running container:
// as stop does with -t/--time, else as the dialect says (podman stops it
// with its stop timeout, docker kills it at once).
func forceStop(c *cli.Context) container.ForceStop {
	fs := container.ForceStop{Stop: dialect.Current().ForceStops}
	if c.IsSet("time") {
		t := time.Duration(c.Int("time")) * time.Second
		fs.Stop, fs.Timeout = true, &t
	}
	return fs
}

package commands

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/hostcheck"
	"github.com/skiff-containers/skiff/rootless"
	"github.com/skiff-containers/skiff/runtime/system"
)

// checkProblemExit is system check's exit status when it found a problem:
// 1, as fsck, `podman system check` and linters do, so that scripts can
// test it, distinct from 125 (the check itself failed). Notes (an optional
// feature this host lacks) leave it 0.
const checkProblemExit = 1

func systemCheckCommand() *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "Check what skiff needs from this machine, each finding with the command that fixes it",
		Description: "Checks the host prerequisites of skiff for the invoking user (rootless) or root: user namespaces,\n" +
			"subordinate id ranges (missing, overlapping), newuidmap/newgidmap, overlay storage, pasta/slirp4netns,\n" +
			"/dev/net/tun, /dev/fuse and fuse-overlayfs, and which resource limits cgroups allow. It runs\n" +
			"outside the user namespace, so it reports even when rootless skiff cannot start.\n" +
			"Then it checks the store for what a killed command leaves: container directories without a\n" +
			"record, records without a root filesystem and the reverse, names pointing to no container,\n" +
			"mounts and runtime state of stopped containers, layers no image or container uses, addresses\n" +
			"leased to containers that are gone. --repair removes them.\n" +
			"Exit status: 0 when nothing needs fixing (notes about optional features aside), 1 when a\n" +
			"problem was found, 125 when the check itself failed.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "format the output using the given Go template, or 'json'"},
			&cli.BoolFlag{Name: "repair", Usage: "remove what killed commands left in the store"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 0); err != nil {
				return err
			}
			// Sections run in order. The host section needs no store and
			// no user namespace (`system check` is in noUserns). A section
			// that needs the store calls rootless.Ensure() first, unless the
			// host section found a problem that keeps the namespace from
			// being made; Ensure re-executes skiff inside it, where the host
			// section gives the same answers.
			report := &system.CheckReport{Sections: []system.CheckSection{system.HostPrerequisites(system.Invoker(), engineFrom(c).Root())}}
			report.Sections = append(report.Sections, storeSection(c))
			switch f := c.String("format"); f {
			case "":
				printCheckReport(c.App.Writer, report)
			case "json":
				if err := format.Object(c.App.Writer, "{{json .}}", report); err != nil {
					return err
				}
			default:
				if err := format.Object(c.App.Writer, f, report); err != nil {
					return err
				}
			}
			if report.Count(hostcheck.Problem) > 0 {
				return &errdefs.ExitCodeError{Code: checkProblemExit}
			}
			return nil
		},
	}
}

// storeSection checks the store from inside the user namespace (entered
// here: the host section, run again there, gives the same answers). When
// the namespace cannot be made, the host section says why and the store
// section only says it was not checked.
func storeSection(c *cli.Context) system.CheckSection {
	notChecked := func(err error) system.CheckSection {
		return system.CheckSection{Title: "Store", Results: []hostcheck.Result{{Check: "store consistency", Findings: []hostcheck.Finding{{
			Severity: hostcheck.Problem, Cause: "the store was not checked: " + errdefs.Line(err.Error()), Fix: "fix the host prerequisites above, then run: skiff system check"}}}}}
	}
	if err := rootless.Ensure(); err != nil {
		return notChecked(err)
	}
	sec, err := system.StoreConsistency(engineFrom(c), c.Bool("repair"))
	if err != nil {
		sec.Results = append(sec.Results, notChecked(err).Results...)
	}
	return sec
}

// printCheckReport prints each check: "ok", or its findings, one line each
// (what is wrong; the command that fixes it).
func printCheckReport(w io.Writer, r *system.CheckReport) {
	for _, s := range r.Sections {
		fmt.Fprintf(w, "%s:\n", s.Title)
		for _, res := range s.Results {
			if len(res.Findings) == 0 {
				fmt.Fprintf(w, "  ok       %s\n", res.Check)
				continue
			}
			for _, f := range res.Findings {
				fmt.Fprintf(w, "  %-8s %s\n", f.Severity, f)
			}
		}
		for _, what := range s.Repaired {
			fmt.Fprintf(w, "  repaired %s\n", what)
		}
	}
	problems, notes := r.Count(hostcheck.Problem), r.Count(hostcheck.Note)
	switch {
	case problems+notes == 0:
		fmt.Fprintln(w, "Nothing to fix.")
	default:
		fmt.Fprintf(w, "%s, %s.\n", plural(problems, "problem"), plural(notes, "note"))
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, strings.TrimSuffix(what, "s"))
}

package commands

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/rootless"
	"github.com/skiff-containers/skiff/runtime/compose"
	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/runtime/network"
	"github.com/skiff-containers/skiff/runtime/volume"
)

// Shell completion: `skiff completion bash|zsh|fish` prints a small
// script (completion_scripts.go) that asks `skiff __complete WORD... CUR`
// at each TAB. All the knowledge is here, in Go, from the command tree
// itself: commands, flags, flag values, and the names of containers,
// images, volumes and networks. Names come from skiff's own records, with
// no user namespace, no pause process and no store, except images, which
// only the store knows.

// argKind is what a command's positional arguments name.
type argKind int

const (
	argNone argKind = iota
	argFiles
	argDirs
	argRunning  // running containers (exec, stop, kill, attach ...)
	argStopped  // containers that are not running (start, rm)
	argPaused   // unpause
	argAnyCtr   // every container (logs, inspect ...)
	argCtrPath  // cp: CONTAINER:PATH or a host path
	argImage    // images
	argVolume   // volumes
	argNetwork  // networks
	argObject   // inspect: any kind of object
	argShell    // completion's shells
	argCommands // the command words after help
	argService  // the services of the compose project
)

// positional says, by canonical command path, what the first positional
// arguments name; the last entry repeats ("CONTAINER [CONTAINER...]").
// Commands not listed complete file names.
var positional = lazy.Value(func() map[string][]argKind {
	return map[string][]argKind{
		"run": {argImage, argNone}, "create": {argImage, argNone},
		"exec": {argRunning, argNone}, "attach": {argRunning, argNone}, "top": {argRunning, argNone},
		"stop": {argRunning}, "kill": {argRunning}, "pause": {argRunning}, "stats": {argRunning},
		"port": {argRunning, argNone}, "restart": {argAnyCtr}, "update": {argAnyCtr},
		"start": {argStopped}, "rm": {argStopped}, "unpause": {argPaused},
		"logs": {argAnyCtr, argNone}, "wait": {argAnyCtr}, "container inspect": {argAnyCtr},
		"diff": {argAnyCtr, argNone}, "export": {argAnyCtr, argNone}, "rename": {argAnyCtr, argNone},
		"commit": {argAnyCtr, argImage, argNone}, "cp": {argCtrPath, argCtrPath, argNone},
		"images": {argImage, argNone}, "rmi": {argImage}, "history": {argImage, argNone},
		"save": {argImage}, "push": {argImage, argNone}, "tag": {argImage, argImage, argNone},
		"image inspect": {argImage}, "pull": {argImage, argNone},
		"build": {argDirs, argNone}, "load": {argNone}, "import": {argFiles, argImage, argNone},
		"volume inspect": {argVolume}, "volume rm": {argVolume}, "volume create": {argNone},
		"network inspect": {argNetwork}, "network rm": {argNetwork}, "network create": {argNone},
		"network connect": {argNetwork, argAnyCtr, argNone}, "network disconnect": {argNetwork, argAnyCtr, argNone},
		"inspect": {argObject}, "completion": {argShell, argNone},
		"login": {argNone}, "logout": {argNone}, "unshare": {argNone},
		"compose up": {argService}, "compose down": {argService}, "compose create": {argService},
		"compose start": {argService}, "compose stop": {argService}, "compose restart": {argService},
		"compose kill": {argService}, "compose rm": {argService}, "compose pause": {argService},
		"compose unpause": {argService}, "compose ps": {argService}, "compose logs": {argService},
		"compose images": {argService}, "compose top": {argService}, "compose build": {argService},
		"compose pull": {argService}, "compose push": {argService}, "compose wait": {argService},
		"compose events": {argService}, "compose exec": {argService, argNone}, "compose run": {argService, argNone},
		"compose port": {argService, argNone}, "compose config": {argService}, "compose ls": {argNone},
		"compose version": {argNone},
	}
})

// flagValues says what a flag's value names, by long name ("cmd --name"
// for one command's own meaning); flags not listed complete nothing, and
// "file-like" ones complete file names.
var flagValues = lazy.Value(func() map[string]argKind {
	return map[string]argKind{
		"--network": argNetwork, "--volume": argVolume, "--volumes-from": argAnyCtr, "--env-file": argFiles,
		"--label-file": argFiles, "--cidfile": argFiles, "--iidfile": argFiles, "--file": argFiles,
		"--output": argFiles, "--input": argFiles, "--secret": argNone, "--cache-from": argImage,
		"--link": argAnyCtr, "--root": argDirs, "--runroot": argDirs, "--registries-conf": argFiles,
		"--project-directory": argDirs, "--env": argNone, "--workdir": argNone,
		"build --network": argNetwork, "network connect --alias": argNone,
	}
})

// flagChoices are the values of flags that take one of a few words.
var flagChoices = lazy.Value(func() map[string][]string {
	return map[string][]string{
		"--restart":        {"no", "always", "unless-stopped", "on-failure"},
		"--pull":           {"always", "missing", "never"},
		"--log-driver":     {"json-file", "none"},
		"--log-level":      {"debug", "info", "warn", "error", "fatal"},
		"--storage-driver": {"overlay", "vfs"},
		"--ipc":            {"private", "shareable", "none", "host", "container:"},
		"--pid":            {"host", "container:"},
		"--uts":            {"host"},
		"--cgroupns":       {"host", "private"},
		"--userns":         {"host", "keep-id"},
		"--signal":         {"SIGTERM", "SIGKILL", "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGSTOP", "SIGCONT"},
		"--stop-signal":    {"SIGTERM", "SIGKILL", "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2"},
		"--format":         {"table", "json"},
		"--type":           {"container", "image", "volume", "network"},
		"--progress":       {"auto", "plain", "tty", "quiet"},
		"--ansi":           {"never", "always", "auto"},
		"--rmi":            {"local", "all"},
		"--driver":         {"bridge", "local"},
		"--security-opt":   {"no-new-privileges", "seccomp=unconfined", "seccomp=", "apparmor=unconfined", "label=disable", "systempaths=unconfined"},
		"--network":        {"bridge", "host", "none", "container:", "pasta", "slirp4netns"},
	}
})

// Candidate is one completion: the word and what it is.
type Candidate struct {
	Value, Description string
}

// Completion is what __complete answers: the words, and whether the shell
// should offer file (or directory) names too.
type Completion struct {
	Candidates []Candidate
	Files      bool
	Dirs       bool
}

// Complete completes the last of words (the command line after the
// program's name, the last one being the word under the cursor, maybe
// empty). names lists containers, images, volumes and networks; tests give
// their own.
func Complete(app *cli.App, words []string, names func(argKind) []Candidate) Completion {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, words := words[len(words)-1], words[:len(words)-1]
	path, cmd, flags, args, pendingFlag, flagsOver := walkLine(app, words)
	if pendingFlag != nil {
		return valueCompletion(path, pendingFlag, cur, "", names)
	}
	if strings.HasPrefix(cur, "-") && !flagsOver {
		if name, val, ok := strings.Cut(cur, "="); ok {
			if f := lookupFlag(flags, strings.TrimLeft(name, "-")); f != nil {
				return valueCompletion(path, f, val, name+"=", names)
			}
		}
		return Completion{Candidates: flagCandidates(path, flags, cur)}
	}
	if cmd == nil || len(cmd.Subcommands) > 0 {
		var cmds []*cli.Command
		if cmd == nil {
			cmds = app.Commands
		} else {
			cmds = cmd.Subcommands
		}
		if path == "help" || (cmd == nil && len(args) > 0) {
			return Completion{}
		}
		return Completion{Candidates: commandCandidates(cmds, cur)}
	}
	if cmd.SkipFlagParsing || (flagsOver && len(args) > 0 && posixArgs[cmd.Name]) {
		return Completion{Files: true} // the container's (or unshare's) command line
	}
	kinds, ok := positional()[path]
	if !ok {
		return Completion{Files: true}
	}
	kind := kinds[min(len(args), len(kinds)-1)]
	return kindCompletion(kind, cur, "", names)
}

// walkLine follows the words through the command tree: the canonical path
// and command reached, the flags in scope there, the positional arguments
// after it, the flag still waiting for its value (the last word was
// `--network`), and whether flags are over (after `--`, or after the image
// of run: the rest is the container's command).
func walkLine(app *cli.App, words []string) (path string, cmd *cli.Command, flags []cli.Flag, args []string, pending cli.Flag, flagsOver bool) {
	flags = app.Flags
	cmds := app.Commands
	typed := ""
	for _, w := range words {
		switch {
		case pending != nil:
			pending = nil
		case flagsOver:
			args = append(args, w)
		case w == "--":
			flagsOver = true
		case strings.HasPrefix(w, "-") && w != "-":
			if flagArity(flags, w) == 2 {
				name := strings.TrimLeft(w, "-")
				if !strings.HasPrefix(w, "--") {
					name = name[len(name)-1:] // -dp: the last letter takes the value
				}
				pending = lookupFlag(flags, name)
			}
		case len(args) == 0 && (cmd == nil || len(cmd.Subcommands) > 0) && findCommand(cmds, w) != nil:
			cmd = findCommand(cmds, w)
			cmds, flags = cmd.Subcommands, cmd.Flags
			typed = strings.TrimSpace(typed + " " + cmd.Name)
			flagsOver = cmd.SkipFlagParsing
		default:
			args = append(args, w)
			flagsOver = cmd != nil && posixArgs[cmd.Name] && len(cmd.Subcommands) == 0 && !strings.HasPrefix(typed, "network")
		}
	}
	path = typed
	if n, ok := FindNode(Tree(app), typed); ok {
		path = n.Paths[0]
	}
	return path, cmd, flags, args, pending, flagsOver
}

func takesValue(f cli.Flag) bool {
	df, ok := f.(cli.DocGenerationFlag)
	return ok && df.TakesValue()
}

func flagCandidates(path string, flags []cli.Flag, cur string) []Candidate {
	var out []Candidate
	for _, f := range flags {
		if !helpShows(f) {
			continue
		}
		for _, n := range f.Names() {
			w := dashed(n)
			if strings.HasPrefix(w, cur) && (len(n) > 1 || cur != "--") {
				out = append(out, Candidate{w, FlagUsage(f)})
			}
		}
	}
	if strings.HasPrefix("--help", cur) {
		out = append(out, Candidate{"--help", "Print usage"})
	}
	return out
}

func commandCandidates(cmds []*cli.Command, cur string) []Candidate {
	var out []Candidate
	for _, c := range cmds {
		if c.Hidden || c.Name == "help" {
			continue
		}
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if strings.HasPrefix(n, cur) {
				out = append(out, Candidate{n, capitalize(c.Usage)})
			}
		}
	}
	return out
}

// valueCompletion completes the value of flag f; prefix ("--network=")
// goes before each candidate.
func valueCompletion(path string, f cli.Flag, cur, prefix string, names func(argKind) []Candidate) Completion {
	long := "--" + f.Names()[0]
	kind, ok := flagValues()[path+" "+long]
	if !ok {
		kind, ok = flagValues()[long]
	}
	c := Completion{}
	if ok {
		c = kindCompletion(kind, cur, prefix, names)
	}
	for _, v := range flagChoices()[long] {
		dup := slices.ContainsFunc(c.Candidates, func(x Candidate) bool { return x.Value == prefix+v })
		if strings.HasPrefix(v, cur) && !dup && (path != "build" || long != "--network") {
			c.Candidates = append(c.Candidates, Candidate{prefix + v, ""})
		}
	}
	if long == "--volume" && !strings.Contains(cur, ":") {
		c.Files = true // a host path, or a volume's name
	}
	return c
}

func kindCompletion(kind argKind, cur, prefix string, names func(argKind) []Candidate) Completion {
	switch kind {
	case argNone:
		return Completion{}
	case argFiles:
		return Completion{Files: true}
	case argDirs:
		return Completion{Dirs: true}
	case argShell:
		return Completion{Candidates: matching([]Candidate{{"bash", ""}, {"zsh", ""}, {"fish", ""}}, cur, prefix)}
	case argCtrPath:
		if strings.Contains(cur, ":") {
			return Completion{}
		}
		var out []Candidate
		for _, c := range names(argAnyCtr) {
			out = append(out, Candidate{c.Value + ":", c.Description})
		}
		return Completion{Candidates: matching(out, cur, prefix), Files: true}
	case argObject:
		var all []Candidate
		for _, k := range []argKind{argAnyCtr, argImage, argVolume, argNetwork} {
			all = append(all, names(k)...)
		}
		return Completion{Candidates: matching(all, cur, prefix)}
	}
	return Completion{Candidates: matching(names(kind), cur, prefix)}
}

func matching(cands []Candidate, cur, prefix string) []Candidate {
	var out []Candidate
	seen := map[string]bool{}
	for _, c := range cands {
		if strings.HasPrefix(c.Value, cur) && !seen[c.Value] {
			seen[c.Value] = true
			out = append(out, Candidate{prefix + c.Value, c.Description})
		}
	}
	return out
}

// storeNames lists the names of one kind of object for completion, from
// skiff's records; images enter the user namespace (they are in the
// store), nothing else does.
func storeNames(c *cli.Context) func(argKind) []Candidate {
	return func(kind argKind) []Candidate {
		e := engineFrom(c)
		var out []Candidate
		switch kind {
		case argRunning, argStopped, argPaused, argAnyCtr:
			list, _ := container.ListFiltered(e, container.ListOptions{All: true})
			for _, s := range list {
				st := s.State.Status
				ok := kind == argAnyCtr ||
					(kind == argRunning && (st == container.StatusRunning || st == container.StatusRestarting)) ||
					(kind == argPaused && st == container.StatusPaused) ||
					(kind == argStopped && (st == container.StatusCreated || st == container.StatusExited || st == container.StatusDead))
				if ok {
					out = append(out, Candidate{s.Name, s.Config.Image + " (" + st + ")"})
				}
			}
		case argVolume:
			vols, _ := volume.List(e, volume.ListOptions{})
			for _, v := range vols {
				out = append(out, Candidate{v.Name, "volume"})
			}
		case argNetwork:
			nets, _ := network.List(e, network.ListOptions{})
			for _, n := range nets {
				out = append(out, Candidate{n.Name, n.Driver + " network"})
			}
		case argService:
			p, err := compose.Load(c.Context, composeLoadOptions(c.App, c.Args().Slice()))
			if err != nil {
				return nil
			}
			for _, name := range p.ServiceNames() {
				out = append(out, Candidate{name, "service"})
			}
		case argImage:
			if err := rootless.Ensure(); err != nil {
				return nil
			}
			imgs, _ := image.List(c.Context, e, image.ListOptions{})
			for _, im := range imgs {
				for _, t := range im.Tags {
					out = append(out, Candidate{t.Repository + ":" + t.Tag, "image"})
				}
			}
		}
		return out
	}
}

// composeLoadOptions reads compose's own flags (-f, -p, --project-directory,
// --env-file, --profile) from the words of a command line being completed,
// so that services come from the project the command will use.
func composeLoadOptions(app *cli.App, words []string) compose.LoadOptions {
	i := slices.Index(words, "compose")
	cmd := findCommand(app.Commands, "compose")
	if i < 0 || cmd == nil {
		return compose.LoadOptions{}
	}
	fs := flag.NewFlagSet("compose", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, f := range cmd.Flags {
		if err := f.Apply(fs); err != nil {
			return compose.LoadOptions{}
		}
	}
	if fs.Parse(words[i+1:]) != nil {
		return compose.LoadOptions{}
	}
	// each name of a flag is a flag of its own in fs: take the one typed
	typed := map[string]flag.Value{}
	fs.Visit(func(f *flag.Flag) { typed[f.Name] = f.Value })
	value := func(name string) flag.Value {
		if f := lookupFlag(cmd.Flags, name); f != nil {
			for _, n := range f.Names() {
				if v, ok := typed[n]; ok {
					return v
				}
			}
		}
		return nil
	}
	str := func(name string) string {
		if v := value(name); v != nil {
			return v.String()
		}
		return ""
	}
	list := func(name string) []string {
		if v, ok := value(name).(*cli.StringSlice); ok {
			return v.Value()
		}
		return nil
	}
	return compose.LoadOptions{Files: list("file"), ProjectName: str("project-name"),
		ProjectDirectory: str("project-directory"), EnvFiles: list("env-file"), Profiles: list("profile")}
}

// completeCommand is the hidden `__complete WORD... CUR` the scripts
// call. It prints a directive line (:files, :dirs or :words), then one
// candidate a line, with its description after a tab.
func completeCommand() *cli.Command {
	return &cli.Command{
		Name:            "__complete",
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			words := c.Args().Slice()
			if globals, rest := leadingGlobals(c.App.Flags, words); len(globals) > 0 {
				// `skiff --root X ps <TAB>`: names come from that store, so
				// run again with those global flags, as the command would
				args := append(append(append([]string{c.App.Name}, globals...), "__complete"), rest...)
				app := NewApp(c.App.Name)
				app.Writer, app.ErrWriter = c.App.Writer, c.App.ErrWriter
				return app.RunContext(c.Context, args)
			}
			writeCompletion(c.App.Writer, Complete(NewApp(c.App.Name), words, storeNames(c)))
			return nil
		},
	}
}

// leadingGlobals splits the global flags (with their values) at the start
// of a command line from the rest; the word under the cursor stays in rest.
func leadingGlobals(flags []cli.Flag, words []string) (globals, rest []string) {
	i := 0
	for i < len(words)-1 && strings.HasPrefix(words[i], "-") && lookupFlag(flags, strings.TrimLeft(strings.SplitN(words[i], "=", 2)[0], "-")) != nil {
		n := flagArity(flags, words[i])
		if i+n > len(words)-1 {
			break
		}
		i += n
	}
	return words[:i], words[i:]
}

func writeCompletion(w io.Writer, res Completion) {
	switch {
	case res.Dirs:
		fmt.Fprintln(w, ":dirs")
	case res.Files:
		fmt.Fprintln(w, ":files")
	default:
		fmt.Fprintln(w, ":words")
	}
	for _, c := range res.Candidates {
		desc := strings.Join(strings.Fields(c.Description), " ")
		if desc == "" {
			fmt.Fprintln(w, c.Value)
		} else {
			fmt.Fprintf(w, "%s\t%s\n", c.Value, desc)
		}
	}
}

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "Generate the autocompletion script for the specified shell",
		ArgsUsage: "bash|zsh|fish",
		Description: "Load it in the current shell with `source <(skiff completion bash)`,\n" +
			"or install it where the shell finds completions (make install does).",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			script, ok := completionScripts()[c.Args().First()]
			if !ok {
				return errdefs.Invalid("unsupported shell %q: bash, zsh or fish", c.Args().First())
			}
			fmt.Fprint(c.App.Writer, strings.ReplaceAll(script, "PROG", c.App.Name))
			return nil
		},
	}
}

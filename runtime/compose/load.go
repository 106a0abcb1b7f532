package compose

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/consts"
	cerrdefs "github.com/compose-spec/compose-go/v2/errdefs"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v4"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/lazy"
)

// LoadOptions are compose's global flags (and their environment
// variables, read by compose-go: COMPOSE_FILE, COMPOSE_PROJECT_NAME,
// COMPOSE_PROFILES, COMPOSE_PATH_SEPARATOR).
type LoadOptions struct {
	// Files are -f, merged in order; "-" is standard input. None: the
	// directory's (or a parent's) compose.yaml, compose.yml,
	// docker-compose.yml or docker-compose.yaml, and its override file.
	Files []string
	// ProjectName is -p; else COMPOSE_PROJECT_NAME, the files' name:,
	// or the project directory's base name.
	ProjectName string
	// ProjectDirectory is --project-directory (default: the first
	// file's directory).
	ProjectDirectory string
	// EnvFiles are --env-file (default: the project directory's .env).
	EnvFiles []string
	// Profiles are --profile (default: COMPOSE_PROFILES).
	Profiles []string
	// Existing is for the commands that act on what exists (ps, down,
	// stop, logs, exec, ...): they need the project's name and its
	// services' names, not its model, so the files are only read for
	// their name: key and service names (identify), and -p alone with no
	// compose file is enough, as with docker compose.
	Existing bool
}

// Project is a loaded compose project.
type Project struct {
	*types.Project
	// Loaded is true when Services hold the files' whole model; false
	// for a project identified by its name (and its services' names
	// when servicesKnown).
	Loaded bool
	// servicesKnown says Services name every service of the files, even
	// when they hold nothing else.
	servicesKnown bool
	// filesDir holds the files written for secrets and configs given by
	// content or environment (WithFilesDir).
	filesDir string
}

// Load reads the project's compose files. A file that does not parse or
// validate is an error naming the file, line and field (exit 15); no
// file at all is ErrNoConfig (exit 14).
func Load(ctx context.Context, o LoadOptions) (*Project, error) {
	opts, err := projectOptions(o)
	if err != nil {
		if errors.Is(err, cerrdefs.ErrNotFound) {
			if o.Existing && o.ProjectName != "" {
				return nameOnly(o.ProjectName)
			}
			return nil, errdefs.WithExitCode(ExitFileNotFound, ErrNoConfig)
		}
		return nil, loadError(o.Files, err)
	}
	if o.Existing {
		if p, ok := identify(opts); ok {
			return p, nil
		}
	}
	p, err := opts.LoadProject(ctx)
	if errors.Is(err, cerrdefs.ErrNotFound) && len(opts.ConfigPaths) == 0 {
		if o.Existing && o.ProjectName != "" {
			return nameOnly(o.ProjectName)
		}
		return nil, errdefs.WithExitCode(ExitFileNotFound, ErrNoConfig)
	}
	if err != nil {
		return nil, loadError(opts.ConfigPaths, err)
	}
	return &Project{Project: p, Loaded: true, servicesKnown: true}, nil
}

// projectOptions are compose-go's options for o: the files found, the
// environment (with .env) and the name given.
func projectOptions(o LoadOptions) (*cli.ProjectOptions, error) {
	opts, err := cli.NewProjectOptions(o.Files,
		cli.WithWorkingDirectory(o.ProjectDirectory),
		cli.WithOsEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithEnvFiles(o.EnvFiles...),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(o.Profiles...),
		cli.WithName(o.ProjectName),
	)
	if err == nil && o.ProjectName == "" {
		// WithName before WithDotEnv saw no .env: COMPOSE_PROJECT_NAME
		// from there counts too (docker compose's precedence).
		if n := opts.Environment[consts.ComposeProjectName]; n != "" {
			err = cli.WithName(loader.NormalizeProjectName(n))(opts)
		}
	}
	return opts, err
}

// identify names the project as compose-go's loader would, from the
// files' name: keys only (interpolated), and lists the services the
// files declare, without loading, interpolating or validating the rest:
// what ps, down and the like need, at a fraction of a load's cost
// (schema validation dominates it). It declines (false) where that
// would not be the loader's answer: standard input, include: (services
// from other files), a file that does not parse (the loader names the
// fault).
func identify(opts *cli.ProjectOptions) (*Project, bool) {
	wd, err := opts.GetWorkingDir()
	if err != nil || len(opts.ConfigPaths) == 0 {
		return nil, false
	}
	var fileName string
	var versioned []string
	services := types.Services{}
	for _, f := range opts.ConfigPaths {
		if f == "-" {
			return nil, false
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, false
		}
		var top struct {
			Name     string               `yaml:"name"`
			Services map[string]yaml.Node `yaml:"services"`
			Include  *yaml.Node           `yaml:"include"`
			Version  *yaml.Node           `yaml:"version"`
		}
		if yaml.Unmarshal(b, &top) != nil || top.Include != nil {
			return nil, false
		}
		if top.Version != nil {
			versioned = append(versioned, f)
		}
		if top.Name != "" {
			fileName = top.Name
		}
		for name := range top.Services {
			services[name] = types.ServiceConfig{Name: name}
		}
	}
	name := opts.Name
	if name == "" && fileName != "" {
		v, err := template.Substitute(fileName, template.Mapping(func(k string) (string, bool) {
			v, ok := opts.Environment[k]
			return v, ok
		}))
		if err != nil {
			return nil, false
		}
		name = loader.NormalizeProjectName(v)
	}
	if name == "" {
		name = loader.NormalizeProjectName(filepath.Base(wd))
	}
	files := make([]string, len(opts.ConfigPaths))
	for i, f := range opts.ConfigPaths {
		files[i], _ = filepath.Abs(f)
	}
	for _, f := range versioned {
		warnObsoleteVersion(f)
	}
	return &Project{
		Project:       &types.Project{Name: name, WorkingDir: wd, Services: services, ComposeFiles: files},
		servicesKnown: true,
	}, true
}

// warnObsoleteVersion is the loader's warning for a file with the
// obsolete top-level version: key, which docker compose prints on every
// command that reads the file; identify, which reads the file without
// the loader, prints it itself.
func warnObsoleteVersion(file string) {
	logrus.Warnf("%s: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion", file)
}

// nameOnly is a project without files: -p NAME for ps, down, ...
func nameOnly(name string) (*Project, error) {
	if n := loader.NormalizeProjectName(name); n != name || n == "" {
		return nil, errdefs.WithExitCode(ExitFailure, loader.InvalidProjectNameErr(name))
	}
	wd, _ := os.Getwd()
	return &Project{Project: &types.Project{Name: name, WorkingDir: wd, Services: types.Services{}}}, nil
}

var (
	// compose-go's schema errors: "validating FILE: PATH MESSAGE".
	schemaError = lazy.Regexp(`^validating (.+?): ([^ ]+) (.*)$`)
	// yaml's: "yaml: line N: ..." or "... at line N ...".
	yamlLine = lazy.Regexp(`line (\d+)`)
)

// loadError turns a loader error into one line naming the file, the line
// and the field, with docker compose's exit code 15 (14 for a missing
// file).
func loadError(files []string, err error) error {
	msg := err.Error()
	if errors.Is(err, os.ErrNotExist) {
		return errdefs.WithExitCode(ExitFileNotFound, errors.New(msg))
	}
	if m := schemaError().FindStringSubmatch(msg); m != nil {
		file, path, what := m[1], m[2], m[3]
		if what == "false schema" {
			field := path[strings.LastIndex(path, ".")+1:]
			what = fmt.Sprintf("is not allowed: no field %q there", field)
		}
		loc := relative(file)
		if line, _ := lineOf(file, strings.Split(path, ".")); line > 0 {
			loc += ":" + strconv.Itoa(line)
		}
		return errdefs.WithExitCode(ExitInvalidFile, fmt.Errorf("%s: %s %s", loc, path, what))
	}
	if m := parseFailure().FindStringSubmatch(msg); m != nil {
		// yaml's construct errors: "construct errors:\n  line 1: line 4: WHAT"
		loc, what := relative(m[1]), strings.TrimSpace(strings.TrimPrefix(m[2], "construct errors:"))
		for {
			l := leadingLine().FindStringSubmatch(what)
			if l == nil {
				break
			}
			loc, what = relative(m[1])+":"+l[1], what[len(l[0]):]
		}
		return errdefs.WithExitCode(ExitInvalidFile, fmt.Errorf("%s: %s", loc, what))
	}
	if path, what, inOrder := faultPath(msg); path != nil {
		if loc := locate(files, path, inOrder); loc != "" {
			return errdefs.WithExitCode(ExitInvalidFile, fmt.Errorf("%s: %s", loc, what))
		}
		return errdefs.WithExitCode(ExitInvalidFile, errors.New(what))
	}
	if strings.HasPrefix(msg, "yaml:") || strings.Contains(msg, "while parsing") || strings.Contains(msg, "did not find") {
		file := "-"
		if len(files) > 0 {
			file = relative(files[len(files)-1])
			// the file whose YAML fails: the first one that does not parse
			for _, f := range files {
				if b, rerr := os.ReadFile(f); rerr == nil && yaml.Unmarshal(b, new(yaml.Node)) != nil {
					file = relative(f)
					break
				}
			}
		}
		if l := yamlLine().FindStringSubmatch(msg); l != nil {
			file += ":" + l[1]
		}
		return errdefs.WithExitCode(ExitInvalidFile, fmt.Errorf("%s: %s", file, strings.TrimPrefix(msg, "yaml: ")))
	}
	return errdefs.WithExitCode(ExitInvalidFile, err)
}

var (
	// a file that is not YAML compose-go can decode: "failed to parse FILE: yaml: ..."
	parseFailure = lazy.Regexp(`(?s)^failed to parse (.+?): yaml: (.*)$`)
	leadingLine  = lazy.Regexp(`^line (\d+): `)
	// faults found after parsing, which name the field by its path
	interpolationFault = lazy.Regexp(`(?s)^error while interpolating ([^:]+): (.*)$`)
	decodingFault      = lazy.Regexp(`(?s)^decoding failed due to the following error\(s\):\s*'(\w+)\[([^\]]+)\]\.([^']+)' (.*)$`)
	serviceFault       = lazy.Regexp(`(?s)^service "([^"]+)" (.*)$`)
)

// faultPath reads the field a loader fault is about from its message
// (interpolation, decoding, a reference to something undeclared) and
// returns the field's path, the fault as one line saying it, and
// whether the first file holding the field is the culprit (each file is
// interpolated on its own, in order) rather than the last (the merged
// model is decoded and checked).
func faultPath(msg string) (path []string, what string, inOrder bool) {
	if m := interpolationFault().FindStringSubmatch(msg); m != nil {
		return strings.Split(m[1], "."), m[1] + ": " + m[2], true
	}
	if m := decodingFault().FindStringSubmatch(msg); m != nil {
		p := m[1] + "." + m[2] + "." + m[3]
		return strings.Split(p, "."), p + " " + strings.TrimSpace(m[4]), false
	}
	if m := serviceFault().FindStringSubmatch(msg); m != nil {
		field := ""
		for _, f := range []struct{ words, field string }{
			{"network_mode", "network_mode"}, {"undefined network", "networks"}, {"depend", "depends_on"},
			{"undefined volume", "volumes"}, {"build secret", "build"}, {"additional contexts", "build"},
			{"dockerfile", "build"}, {"undefined config", "configs"}, {"undefined secret", "secrets"},
			{"undefined model", "models"},
		} {
			if strings.Contains(m[2], f.words) {
				field = f.field
				break
			}
		}
		path = []string{"services", m[1]}
		if field != "" {
			path = append(path, field)
		}
		return path, strings.TrimSuffix(msg, ": "+cerrdefs.ErrInvalid.Error()), false
	}
	return nil, "", false
}

// locate is "FILE:LINE" of the field at path in the first (inOrder) or
// the last of the files that hold it (deepest match first); "" when none
// holds the service or resource it is about.
func locate(files []string, path []string, inOrder bool) string {
	best, bestLine, bestDepth := "", 0, 0
	for i := range files {
		f := files[i]
		if !inOrder {
			f = files[len(files)-1-i]
		}
		if f == "-" {
			continue
		}
		line, depth := lineOf(f, path)
		if line > 0 && depth >= min(2, len(path)) && depth > bestDepth {
			best, bestLine, bestDepth = f, line, depth
		}
	}
	if best == "" {
		return ""
	}
	return relative(best) + ":" + strconv.Itoa(bestLine)
}

// relative shortens a path under the current directory.
func relative(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return path
}

// lineOf finds the line of the field at path (keys and list indexes) in
// a YAML file, or of the deepest part of path the file holds, and how
// many parts of path it found; 0 when it cannot tell.
func lineOf(file string, path []string) (line, depth int) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, 0
	}
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return 0, 0
	}
	n := doc.Content[0]
	for _, key := range path {
		next := (*yaml.Node)(nil)
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					line, next = n.Content[i].Line, n.Content[i+1]
					break
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(key); err == nil && i < len(n.Content) {
				next = n.Content[i]
				line = next.Line
			}
		}
		if next == nil {
			return line, depth
		}
		n, depth = next, depth+1
	}
	return line, depth
}

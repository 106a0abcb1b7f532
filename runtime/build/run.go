package build

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.podman.io/image/v5/manifest"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/mounts"
)

// runStep runs RUN in a container on the current image and stores its
// changes as the next image.
func (x *stageRun) runStep(ctx context.Context, c *instructions.RunCommand, expand func(string) (string, error)) error {
	if err := c.Expand(expand); err != nil { // expands the --mount values
		return x.errorf(c, "%v", err)
	}
	if sec := instructions.GetSecurity(c); sec != "" && sec != "sandbox" {
		return x.errorf(c, "RUN --security=%s is not supported: skiff runs build steps confined", sec)
	}
	if devs := instructions.GetDevices(c); len(devs) > 0 {
		return x.errorf(c, "RUN --device is not supported by skiff")
	}
	argv, heredoc, err := x.runArgv(c)
	if err != nil {
		return err
	}
	network := string(instructions.GetNetwork(c))
	if network == "" || network == string(instructions.NetworkDefault) {
		network = x.b.o.Network
	}
	env := x.args.Env(x.cur.cfg.Config.Env, x.b.o.BuildArgs)
	mountKey, err := json.Marshal(dockerfileMounts(c))
	if err != nil {
		return err
	}
	k := key(x.cur.id, "RUN "+strings.Join(argv, "\x00")+" network="+network+" mounts="+string(mountKey), env, x.formatKey())
	if x.useCache(k) {
		return nil
	}
	if x.cur.id == "" {
		if err := x.commit(ctx, "", nil, ""); err != nil { // RUN on an empty scratch image
			return err
		}
	}
	ms, release, err := x.runMounts(ctx, c, heredoc)
	defer release()
	if err != nil {
		return err
	}
	return x.runContainer(ctx, c, k, argv, env, network, ms)
}

// runContainer runs the step's container and commits its changes.
func (x *stageRun) runContainer(ctx context.Context, c *instructions.RunCommand, k string, argv, env []string, network string, ms []mounts.Request) error {
	step, err := container.CreateStep(ctx, x.b.e, container.StepOptions{
		Image: x.cur.id, Argv: argv, Env: env, Network: network, Mounts: ms,
	})
	if err != nil {
		return x.errorf(c, "%v", err)
	}
	defer step.Remove()
	fmt.Fprintf(x.out, " ---> Running in %s\n", short(step.ID()))
	code, err := step.Run(ctx, x.out, x.out)
	if err != nil {
		return x.errorf(c, "%v", err)
	}
	if code != 0 {
		return &StepError{Cmd: strings.Join(argv, " "), Code: code}
	}
	top, err := x.b.im.putLayer(x.cur.top, step.Changes)
	if err != nil {
		return err
	}
	createdBy := "RUN " + runHistory(argv, env) + " # buildkit"
	if err := x.commit(ctx, top, &manifest.Schema2History{CreatedBy: createdBy}, k); err != nil {
		return err
	}
	fmt.Fprintf(x.out, "Removing intermediate container %s\n ---> %s\n", short(step.ID()), short(x.cur.id))
	return nil
}

// StepError is a RUN whose command failed, worded as docker words it.
type StepError struct {
	Cmd  string
	Code int
}

func (e *StepError) Error() string {
	return fmt.Sprintf("The command '%s' returned a non-zero code: %d", e.Cmd, e.Code)
}

// runHistory is RUN's history line: the build args in scope (docker's
// "|N K=V ..." prefix), then the command.
func runHistory(argv, env []string) string {
	cmd := strings.Join(argv, " ")
	var args []string
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !isProxyArg(k) {
			args = append(args, kv)
		}
	}
	if len(args) == 0 {
		return cmd
	}
	return "|" + strconv.Itoa(len(args)) + " " + strings.Join(args, " ") + " " + cmd
}

// heredocScript is a RUN whose command is a heredoc with a #! line: the
// script is mounted at /dev/pipes/NAME and executed, as BuildKit does.
type heredocScript struct {
	name, data string
}

// runArgv is the step's command line: shell form in the SHELL (heredoc
// bodies appended for the shell to read), exec form as is.
func (x *stageRun) runArgv(c *instructions.RunCommand) ([]string, *heredocScript, error) {
	if len(c.Files) == 0 {
		return withShell(x.cur.cfg, c.ShellDependantCmdLine), nil, nil
	}
	if !c.PrependShell {
		return nil, nil, x.errorf(c, "RUN: a heredoc cannot be used with the exec form")
	}
	line := strings.Join(c.CmdLine, " ")
	if h := parser.MustParseHeredoc(line); h != nil && len(c.Files) == 1 && c.Files[0].Name == h.Name {
		data := c.Files[0].Data
		if c.Files[0].Chomp {
			data = parser.ChompHeredocContent(data)
		}
		if strings.HasPrefix(data, "#!") {
			return []string{"/dev/pipes/" + h.Name}, &heredocScript{name: h.Name, data: data}, nil
		}
		return append(append([]string{}, shellOf(x.cur.cfg)...), data), nil, nil
	}
	script := line
	for _, f := range c.Files {
		script += "\n" + f.Data + f.Name
	}
	return append(append([]string{}, shellOf(x.cur.cfg)...), script), nil, nil
}

// dockerfileMounts are RUN's --mount options as the cache key sees them.
func dockerfileMounts(c *instructions.RunCommand) []*instructions.Mount {
	return instructions.GetMounts(c)
}

// runMounts prepares RUN's --mount options as binds: cache directories
// kept per user between builds, secrets, other stages', images' or the
// context's trees, tmpfs. release undoes what it locked and mounted.
func (x *stageRun) runMounts(ctx context.Context, c *instructions.RunCommand, script *heredocScript) ([]mounts.Request, func(), error) {
	var out []mounts.Request
	var undo []func()
	release := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if script != nil {
		p, err := x.writePrivate("heredoc-"+script.name, []byte(script.data), 0o755)
		if err != nil {
			return nil, release, err
		}
		undo = append(undo, func() { os.Remove(p) })
		out = append(out, bindRequest(p, "/dev/pipes/"+script.name, true))
	}
	for _, m := range instructions.GetMounts(c) {
		req, done, err := x.runMount(ctx, c, m)
		if done != nil {
			undo = append(undo, done)
		}
		if err != nil {
			return nil, release, err
		}
		if req != nil {
			out = append(out, *req)
		}
	}
	return out, release, nil
}

func (x *stageRun) runMount(ctx context.Context, c *instructions.RunCommand, m *instructions.Mount) (*mounts.Request, func(), error) {
	target := m.Target
	if target != "" && !filepath.IsAbs(target) {
		target = workdir(x.cur.cfg.Config.WorkingDir, target)
	}
	switch m.Type {
	case instructions.MountTypeCache:
		return x.cacheMount(c, m, target)
	case instructions.MountTypeSecret:
		return x.secretMount(c, m, target)
	case instructions.MountTypeBind:
		return x.bindMount(ctx, c, m, target)
	case instructions.MountTypeTmpfs:
		return &mounts.Request{Mount: mounts.Mount{Type: mounts.TypeTmpfs, Target: target}, Flag: mounts.FlagMount}, nil, nil
	}
	return nil, nil, x.errorf(c, "RUN --mount=type=%s is not supported by skiff (cache, secret, bind and tmpfs are)", m.Type)
}

// cacheMount is a directory kept between builds, per user, by id (the
// target when no id): shared (default), locked (one step at a time) or
// private (a step that finds it in use gets a fresh one).
func (x *stageRun) cacheMount(c *instructions.RunCommand, m *instructions.Mount, target string) (*mounts.Request, func(), error) {
	if m.From != "" {
		return nil, nil, x.errorf(c, "RUN --mount=type=cache,from=... is not supported by skiff")
	}
	id := m.CacheID
	if id == "" {
		id = target
	}
	dir := x.b.e.StateDir("build", "cache-mounts", hashName(id))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	if err := ownCacheDir(dir, m); err != nil {
		return nil, nil, err
	}
	var done func()
	switch m.CacheSharing {
	case instructions.MountSharingLocked, instructions.MountSharingPrivate:
		f, err := os.OpenFile(dir+".lock", os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, nil, err
		}
		how := unix.LOCK_EX
		if m.CacheSharing == instructions.MountSharingPrivate {
			how |= unix.LOCK_NB
		}
		if err := unix.Flock(int(f.Fd()), how); err != nil {
			f.Close()
			// private and in use: this step gets a directory of its own
			tmp, terr := os.MkdirTemp(x.b.tmp, "cache-")
			if terr != nil {
				return nil, nil, terr
			}
			dir, done = tmp, func() { os.RemoveAll(tmp) }
			break
		}
		done = func() { f.Close() }
	}
	r := bindRequest(dir, target, m.ReadOnly)
	return &r, done, nil
}

// ownCacheDir applies uid=, gid= and mode= to a new cache directory.
func ownCacheDir(dir string, m *instructions.Mount) error {
	if m.UID != nil || m.GID != nil {
		uid, gid := -1, -1
		if m.UID != nil {
			uid = int(*m.UID)
		}
		if m.GID != nil {
			gid = int(*m.GID)
		}
		if err := os.Lchown(dir, uid, gid); err != nil {
			return err
		}
	}
	if m.Mode != nil {
		return os.Chmod(dir, os.FileMode(*m.Mode))
	}
	return nil
}

// secretMount binds a --secret's content read-only at the target
// (/run/secrets/ID by default), or sets it in env=. It is never written
// to a layer (the target is left out of the step's changes) nor to the
// image's history.
func (x *stageRun) secretMount(c *instructions.RunCommand, m *instructions.Mount, target string) (*mounts.Request, func(), error) {
	id := m.CacheID
	if id == "" {
		if target == "" {
			return nil, nil, x.errorf(c, "RUN --mount=type=secret needs an id or a target")
		}
		id = filepath.Base(target)
	}
	data, ok := x.b.o.Secrets[id]
	if !ok {
		if m.Required {
			return nil, nil, x.errorf(c, "secret %s not found: give it with --secret id=%s,src=FILE", id, id)
		}
		return nil, nil, nil
	}
	if m.Env != nil {
		return nil, nil, x.errorf(c, "RUN --mount=type=secret,env=%s: skiff mounts secrets as files only (at target=, /run/secrets/ID by default)", *m.Env)
	}
	if target == "" {
		target = "/run/secrets/" + id
	}
	mode := os.FileMode(0o400)
	if m.Mode != nil {
		mode = os.FileMode(*m.Mode)
	}
	p, err := x.writePrivate("secret-"+hashName(id+target), data, mode)
	if err != nil {
		return nil, nil, err
	}
	if m.UID != nil || m.GID != nil {
		uid, gid := 0, 0
		if m.UID != nil {
			uid = int(*m.UID)
		}
		if m.GID != nil {
			gid = int(*m.GID)
		}
		_ = os.Lchown(p, uid, gid)
	}
	r := bindRequest(p, target, true)
	return &r, func() { os.Remove(p) }, nil
}

// bindMount binds a tree of the context (default), an earlier stage or
// an image at the target, read-only unless rw (writes are then lost).
func (x *stageRun) bindMount(ctx context.Context, c *instructions.RunCommand, m *instructions.Mount, target string) (*mounts.Request, func(), error) {
	root := x.b.bctx.Root
	var done func()
	if m.From != "" {
		r, unmount, err := x.mountFrom(ctx, c, m.From)
		if err != nil {
			return nil, nil, err
		}
		root, done = r, unmount
	}
	src, err := securejoin.SecureJoin(root, m.Source)
	if err != nil {
		return nil, done, x.errorf(c, "RUN --mount source %s: %v", m.Source, err)
	}
	if _, err := os.Stat(src); err != nil {
		return nil, done, x.errorf(c, "RUN --mount source %s: not found", m.Source)
	}
	if m.From == "" && x.b.bctx.FS.Ignore != nil && m.Source != "" && m.Source != "." && m.Source != "/" {
		if _, err := x.b.bctx.Match(m.Source); err != nil {
			return nil, done, x.errorf(c, "RUN --mount source %s: %v", m.Source, err)
		}
	}
	if target == "" {
		return nil, done, x.errorf(c, "RUN --mount=type=bind needs a target")
	}
	if !m.ReadOnly {
		return nil, done, x.errorf(c, "RUN --mount=type=bind,rw is not supported by skiff: bind mounts are read-only")
	}
	r := bindRequest(src, target, m.ReadOnly)
	return &r, done, nil
}

func bindRequest(src, target string, ro bool) mounts.Request {
	return mounts.Request{Mount: mounts.Mount{Type: mounts.TypeBind, Source: src, Target: target, ReadOnly: ro}, Flag: mounts.FlagMount}
}

// writePrivate writes data to a file only this build reads, outside the
// store (the runtime directory: memory on most systems).
func (x *stageRun) writePrivate(name string, data []byte, mode os.FileMode) (string, error) {
	dir := x.b.e.RunDir("build", strconv.Itoa(os.Getpid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	os.Remove(p)
	if err := os.WriteFile(p, data, mode); err != nil {
		return "", err
	}
	return p, os.Chmod(p, mode)
}

package build

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
	"go.podman.io/image/v5/manifest"

	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/runtime/build/buildctx"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// copySpec is COPY or ADD, after expansion.
type copySpec struct {
	cmd      instructions.Command
	add      bool
	srcs     []string
	contents []instructions.SourceContent
	dest     string
	from     string
	chown    string
	chmod    string
	checksum string
	excludes []string
	unpack   *bool
	parents  bool
	keepGit  *bool
}

func copySpecOf(c *instructions.CopyCommand) copySpec {
	return copySpec{cmd: c, srcs: c.SourcePaths, contents: c.SourceContents, dest: c.DestPath, from: c.From,
		chown: c.Chown, chmod: c.Chmod, excludes: c.ExcludePatterns, parents: c.Parents}
}

func addSpecOf(c *instructions.AddCommand) copySpec {
	return copySpec{cmd: c, add: true, srcs: c.SourcePaths, contents: c.SourceContents, dest: c.DestPath,
		chown: c.Chown, chmod: c.Chmod, checksum: c.Checksum, excludes: c.ExcludePatterns, unpack: c.Unpack, keepGit: c.KeepGitDir}
}

// copySource is where one COPY takes its files from.
type copySource struct {
	fs      *buildctx.FS
	matches []buildctx.Source
	// files are ADD's downloads: name in the image -> local file.
	urls []download
	// content is what the cache key sees of the sources.
	content string
	release func()
}

func (x *stageRun) copyStep(ctx context.Context, sp copySpec, expand func(string) (string, error)) error {
	sp, err := x.expandCopy(sp, expand)
	if err != nil {
		return err
	}
	if sp.parents {
		return x.errorf(sp.cmd, "COPY --parents is not supported by skiff")
	}
	src, err := x.copySources(ctx, sp)
	if src != nil && src.release != nil {
		defer src.release()
	}
	if err != nil {
		return err
	}
	k := key(x.cur.id, text(sp.cmd), x.args.Pairs(), src.content+" "+x.formatKey())
	if x.useCache(k) {
		return nil
	}
	root, unmount := "", func() {}
	if x.cur.id != "" {
		if root, unmount, err = x.b.im.mount(x.cur.id); err != nil {
			return err
		}
	}
	defer unmount()
	w, err := x.newLayerWriter(sp, root)
	if err != nil {
		return err
	}
	open := func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(w.write(pw, sp, src)) }()
		return pr, nil
	}
	top, err := x.b.im.putLayer(x.cur.top, open)
	if err != nil {
		var ce *copyError
		if errors.As(err, &ce) {
			return x.errorf(sp.cmd, "%s", ce.msg)
		}
		return err
	}
	fault.Point("build.copy.layer")
	if err := x.commit(ctx, top, &manifest.Schema2History{CreatedBy: text(sp.cmd) + " # buildkit"}, k); err != nil {
		return err
	}
	fmt.Fprintf(x.out, " ---> %s\n", short(x.cur.id))
	return nil
}

// copyError is a mistake in a COPY found while writing its layer.
type copyError struct{ msg string }

func (e *copyError) Error() string { return e.msg }

// expandCopy expands the instruction's words with the stage's ENV and
// ARGs and resolves the destination against WORKDIR.
func (x *stageRun) expandCopy(sp copySpec, expand func(string) (string, error)) (copySpec, error) {
	cmd := sp.cmd
	if e, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		if err := e.Expand(expand); err != nil {
			return sp, x.errorf(cmd, "%v", err)
		}
	}
	if e, ok := cmd.(instructions.SupportsSingleWordExpansionRaw); ok {
		if err := e.ExpandRaw(expand); err != nil {
			return sp, x.errorf(cmd, "%v", err)
		}
	}
	switch c := cmd.(type) {
	case *instructions.CopyCommand:
		sp = copySpecOf(c)
		if sp.from != "" {
			f, err := expand(sp.from)
			if err != nil {
				return sp, x.errorf(cmd, "%v", err)
			}
			sp.from = f
		}
	case *instructions.AddCommand:
		sp = addSpecOf(c)
	}
	dir := strings.HasSuffix(sp.dest, "/") || sp.dest == "." || strings.HasSuffix(sp.dest, "/.")
	d := sp.dest
	if !path.IsAbs(d) {
		d = workdir(x.cur.cfg.Config.WorkingDir, d)
	}
	d = path.Clean(d)
	if dir && d != "/" {
		d += "/"
	}
	sp.dest = d
	return sp, nil
}

// copySources resolves the sources: the context (with .dockerignore and
// --exclude), an earlier stage, an image (pulled when missing), or, for
// ADD, URLs.
func (x *stageRun) copySources(ctx context.Context, sp copySpec) (*copySource, error) {
	src := &copySource{}
	var fsys buildctx.FS
	switch {
	case sp.from != "":
		root, release, err := x.mountFrom(ctx, sp.cmd, sp.from)
		if err != nil {
			return nil, err
		}
		src.release = release
		fsys = buildctx.FS{Root: root}
	default:
		fsys = x.b.bctx.FS
	}
	if len(sp.excludes) > 0 {
		pm, err := withExcludes(fsys.Ignore, sp.excludes)
		if err != nil {
			return src, x.errorf(sp.cmd, "--exclude: %v", err)
		}
		fsys.Ignore = pm
	}
	src.fs = &fsys
	h := sha256.New()
	for _, p := range sp.srcs {
		if sp.add && isURL(p) {
			if isGitURL(p) {
				return src, x.errorf(sp.cmd, "ADD %s: adding a git repository is not supported by skiff", p)
			}
			d, err := x.download(ctx, sp, p)
			if err != nil {
				return src, err
			}
			src.urls = append(src.urls, d)
			fmt.Fprintf(h, "url %s %s\n", p, d.sum)
			continue
		}
		m, err := fsys.Match(p)
		if err != nil {
			if errors.Is(err, buildctx.ErrNotFound) {
				return src, x.errorf(sp.cmd, "%s failed: %v", strings.ToUpper(sp.cmd.Name()), err)
			}
			return src, x.errorf(sp.cmd, "%v", err)
		}
		src.matches = append(src.matches, m...)
	}
	for _, c := range sp.contents {
		fmt.Fprintf(h, "heredoc %s %s\n", c.Path, c.Data)
	}
	if sp.from != "" {
		fmt.Fprintf(h, "from %s %s\n", sp.from, fsys.Root)
		if id, ok := x.fromID(sp.from); ok {
			fmt.Fprintf(h, "from-image %s\n", id)
		}
	}
	d, err := fsys.Digest(src.matches)
	if err != nil {
		return src, err
	}
	fmt.Fprintf(h, "files %s\n", d)
	src.content = hex.EncodeToString(h.Sum(nil))
	return src, nil
}

// mountFrom mounts what --from names (an earlier stage by name or index,
// else an image, pulled when missing) read-only.
func (x *stageRun) mountFrom(ctx context.Context, cmd instructions.Command, from string) (string, func(), error) {
	id := ""
	if dep, ok := x.b.df.StageByName(from, x.st.Index); ok {
		st, err := x.b.stageOf(ctx, dep.Index)
		if err != nil {
			return "", nil, err
		}
		if st.id == "" {
			return "", nil, x.errorf(cmd, "--from=%s: the stage is empty", from)
		}
		id = st.id
	} else {
		img, err := x.b.im.base(ctx, from, false)
		if err != nil {
			return "", nil, err
		}
		id = img.ID
	}
	x.rememberFrom(from, id)
	return x.b.im.mount(id)
}

// fromIDs are the images --from names resolved to in this stage, for the
// cache key.
func (x *stageRun) rememberFrom(from, id string) {
	if x.fromIDs == nil {
		x.fromIDs = map[string]string{}
	}
	x.fromIDs[from] = id
}

func (x *stageRun) fromID(from string) (string, bool) {
	id, ok := x.fromIDs[from]
	return id, ok
}

func withExcludes(base *patternmatcher.PatternMatcher, excludes []string) (*patternmatcher.PatternMatcher, error) {
	var patterns []string
	if base != nil {
		for _, p := range base.Patterns() {
			s := p.String()
			if p.Exclusion() {
				s = "!" + s
			}
			patterns = append(patterns, s)
		}
	}
	return patternmatcher.New(append(patterns, excludes...))
}

// layerWriter writes a COPY's layer as a tar, resolving the destination
// against the tree it lands on (symlinks followed inside it, existing
// directories kept as they are).
type layerWriter struct {
	tw   *tar.Writer
	root string // the current image's tree, "" for none
	// wrote is what this layer has written so far, by name in the
	// layer: paths resolve through it as through the tree below.
	wrote    map[string]wrote
	uid, gid int
	chmod    *os.FileMode
	now      time.Time
}

func (x *stageRun) newLayerWriter(sp copySpec, root string) (*layerWriter, error) {
	w := &layerWriter{root: root, wrote: map[string]wrote{}, now: time.Now()}
	if sp.chown != "" {
		uid, gid, err := resolveChown(root, sp.chown)
		if err != nil {
			return nil, x.errorf(sp.cmd, "--chown=%s: %v", sp.chown, err)
		}
		w.uid, w.gid = uid, gid
	}
	if sp.chmod != "" {
		m, err := strconv.ParseUint(sp.chmod, 8, 32)
		if err != nil || m > 0o7777 {
			return nil, x.errorf(sp.cmd, "--chmod=%s: give an octal mode (e.g. 0755)", sp.chmod)
		}
		mode := os.FileMode(m & 0o777)
		mode |= modeBits(uint32(m))
		w.chmod = &mode
	}
	return w, nil
}

// resolveChown reads --chown: user[:group], names looked up in the tree's
// /etc/passwd and /etc/group; a number without a group is both.
func resolveChown(root, s string) (int, int, error) {
	userPart, groupPart, hasGroup := strings.Cut(s, ":")
	if n, err := strconv.Atoi(userPart); err == nil && (!hasGroup || groupPart == "") {
		return n, n, nil
	}
	if root == "" {
		if u, err := strconv.Atoi(userPart); err == nil {
			if g, err := strconv.Atoi(groupPart); err == nil {
				return u, g, nil
			}
		}
		return 0, 0, fmt.Errorf("names need an /etc/passwd, and the image is empty: use numeric ids")
	}
	u, err := spec.ResolveUser(root, s)
	if err != nil {
		return 0, 0, err
	}
	return int(u.UID), int(u.GID), nil
}

func modeBits(m uint32) os.FileMode {
	var out os.FileMode
	if m&0o4000 != 0 {
		out |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		out |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		out |= os.ModeSticky
	}
	return out
}

func hashName(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

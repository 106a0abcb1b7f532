// Command mkimage assembles a docker-archive (the `docker save` format) from
// a root filesystem, deterministically: the same input gives the same bytes
// and digests. hack/make-test-images.sh uses it to build the test images.
//
//	mkimage -o busybox.tar -tag busybox:latest -rootfs DIR -root-owned \
//	    -epoch 1700000000 -cmd sh -env PATH=/bin -chown home/u=1000:1000
//	mkimage -o debian.tar -tag debian:bookworm -layer-tar rootfs.tar -cmd bash
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/skiff-containers/skiff/internal/testutil/dockerarchive"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		out                   = flag.String("o", "", "output docker-archive `FILE`")
		rootfs                = flag.String("rootfs", "", "root filesystem `DIR` to put in the layer")
		layerTar              = flag.String("layer-tar", "", "root filesystem as a tar `FILE` (normalised, order kept)")
		epoch                 = flag.Int64("epoch", 0, "SOURCE_DATE_EPOCH: every time in the archive")
		rootOwned             = flag.Bool("root-owned", false, "make every file owned by 0:0 (before -chown)")
		noDevices             = flag.Bool("drop-devices", false, "leave device nodes and fifos out of -layer-tar")
		createdBy             = flag.String("created-by", "hack/mkimage", "history entry of the layer")
		workdir               = flag.String("workdir", "", "image WorkingDir")
		tags, cmd, env, chown list
	)
	flag.Var(&tags, "tag", "repository:tag, repeatable (\"busybox:latest\")")
	flag.Var(&cmd, "cmd", "one word of the image CMD, repeatable")
	flag.Var(&env, "env", "KEY=VALUE of the image environment, repeatable")
	flag.Var(&chown, "chown", "PATH=UID:GID owner of one entry, repeatable")
	flag.Parse()
	if *out == "" || len(tags) == 0 || (*rootfs == "") == (*layerTar == "") {
		return errors.New("need -o, -tag and one of -rootfs or -layer-tar")
	}
	opts := dockerarchive.LayerOptions{
		Epoch: time.Unix(*epoch, 0).UTC(), RootOwned: *rootOwned, DropDevices: *noDevices, Owners: map[string][2]int{},
	}
	for _, c := range chown {
		p, ids, ok := strings.Cut(c, "=")
		u, g, ok2 := strings.Cut(ids, ":")
		uid, err1 := strconv.Atoi(u)
		gid, err2 := strconv.Atoi(g)
		if !ok || !ok2 || err1 != nil || err2 != nil {
			return fmt.Errorf("-chown %q: want PATH=UID:GID", c)
		}
		opts.Owners[strings.Trim(p, "/")] = [2]int{uid, gid}
	}
	layer := *out + ".layer"
	defer os.Remove(layer)
	if err := writeLayer(layer, *rootfs, *layerTar, opts); err != nil {
		return err
	}
	img := dockerarchive.Image{
		RepoTags: tags, Layers: []string{layer}, Created: opts.Epoch, CreatedBy: *createdBy,
		Config: ociv1.ImageConfig{Env: env, Cmd: cmd, WorkingDir: *workdir},
	}
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := dockerarchive.Write(f, []dockerarchive.Image{img}, opts.Epoch); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, *out)
}

func writeLayer(path, rootfs, layerTar string, o dockerarchive.LayerOptions) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if rootfs != "" {
		if err := dockerarchive.WriteLayerFromDir(f, filepath.Clean(rootfs), o); err != nil {
			return fmt.Errorf("layer from %s: %w", rootfs, err)
		}
	} else {
		in, err := os.Open(layerTar)
		if err != nil {
			return err
		}
		defer in.Close()
		if err := dockerarchive.NormalizeLayer(f, io.Reader(in), o); err != nil {
			return fmt.Errorf("layer from %s: %w", layerTar, err)
		}
	}
	return f.Close()
}

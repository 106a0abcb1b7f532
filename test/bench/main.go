// Command bench is `make bench`: it measures skiff and, when installed,
// podman on the same machine in the same run, and prints the figures and
// their ratios (skiff/podman: below 1 means skiff is faster or smaller).
//
// Both tools run rootless as the test user (SKIFF_TEST_USER, default
// skiffer) when started as root, as the invoking user otherwise, or as root
// with -mode root; each with a HOME of its own (podman configured as
// docs say: runc, overlay, cgroupfs) and fresh --root directories. Images
// come from the local test registry (Debian's docker-registry) and the test
// images (make images).
//
// -only REGEXP measures a subset of the figures (by name), -v prints the
// samples, -runs N sets their number, -no-podman skips podman, -cpu
// reports the CPU time (user and system) of each command instead of its
// wall time, a figure that holds on a loaded machine (downloads, pulls and
// inittrace stay wall-clock), -interleave takes the samples in -runs
// rounds, each tool in turn (a shared machine's load then weighs on all
// alike), -baseline BIN measures another skiff build beside them:
//
//	go run ./test/bench -skiff bin/skiff -only 'run --rm' -v
package main

import (
	"archive/tar"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/skiff-containers/skiff/internal/testutil"
	"github.com/skiff-containers/skiff/internal/testutil/dockerarchive"
)

// fixtures are shared by every figure.
type fixtures struct {
	debianRef string // the Debian test image in the local registry
	fifty     string // docker-archive with 50 small images
	busybox   string // the busybox test image, readable by the tools' user
	debian    string // the Debian test image, readable by the tools' user
	hello     string // a Go hello world, version's yardstick
}

func main() {
	skiff := flag.String("skiff", "bin/skiff", "skiff binary")
	mode := flag.String("mode", "rootless", "rootless or root")
	runs := flag.Int("runs", 5, "samples per figure (pulls: half)")
	noPodman := flag.Bool("no-podman", false, "measure skiff only")
	verbose := flag.Bool("v", false, "print every sample")
	only := flag.String("only", "", "measure only the figures whose name matches this regular expression")
	flag.BoolVar(&cpuTime, "cpu", false, "report commands' CPU time (user+system), not their wall time")
	interleave := flag.Bool("interleave", false, "take the samples in -runs rounds, each tool in turn, rather than all of one tool's first (fairer on a shared machine)")
	baseline := flag.String("baseline", "", "another skiff binary (an older build) measured beside the others, in the last column")
	flag.Parse()
	selected, err := regexp.Compile(*only)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: -only: %v\n", err)
		os.Exit(2)
	}

	base, err := os.MkdirTemp("/tmp", "sb")
	must(err)
	defer os.RemoveAll(base)
	must(os.Chmod(base, 0o755))
	who := account(*mode)

	images, err := testutil.ImagesDir()
	must(err)
	reg, err := testutil.StartRegistry(filepath.Join(base, "registry"))
	must(err)
	defer reg.Stop()
	fx := &fixtures{fifty: filepath.Join(base, "fifty.tar")}
	fx.debianRef, err = reg.Push(context.Background(), filepath.Join(images, "debian.tar"), "library/debian:bookworm")
	must(err)
	must(writeFifty(fx.fifty, base))
	fx.busybox = filepath.Join(base, "busybox.tar")
	b, err := os.ReadFile(filepath.Join(images, "busybox.tar"))
	must(err)
	must(os.WriteFile(fx.busybox, b, 0o644))
	fx.debian = filepath.Join(base, "debian.tar")
	b, err = os.ReadFile(filepath.Join(images, "debian.tar"))
	must(err)
	must(os.WriteFile(fx.debian, b, 0o644))
	fx.hello, err = buildHello(base)
	must(err)

	tools := []*tool{newTool("skiff", copyBinary(*skiff, base, "skiff"), base, who)}
	if p, err := exec.LookPath("podman"); err == nil && !*noPodman {
		tl := newTool("podman", p, base, who)
		tl.pullArgs = []string{"--tls-verify=false"}
		tools = append(tools, tl)
	} else {
		tools = append(tools, nil)
	}
	if *baseline != "" {
		tools = append(tools, newTool("baseline", copyBinary(*baseline, base, "skiff-baseline"), base, who))
	}
	defer func() {
		for _, tl := range tools {
			if tl != nil {
				tl.stop()
			}
		}
	}()

	what := "wall time"
	if cpuTime {
		what = "CPU time of commands"
	}
	fmt.Printf("skiff bench: %s as %s, %d samples, %s, %s\n", *mode, who.Username, *runs, what, versions(tools))
	last := ""
	if *baseline != "" {
		last = "baseline"
	}
	fmt.Printf("%-62s %12s %12s %14s %12s\n", "figure", "skiff", "podman", "skiff/podman", last)
	// With -interleave each round measures a figure once per tool, the
	// figure built for one pull sample (runs 2) and a few repeats.
	rounds, perRound := 1, figures(*runs)
	if *interleave {
		rounds, perRound = *runs, figures(2)
	}
	for k, f := range figures(*runs) {
		if !selected.MatchString(f.name) {
			continue
		}
		vals := make([]float64, len(tools))
		samples := make([][]float64, len(tools))
		failed := make([]bool, len(tools))
		for range rounds {
			for i, tl := range tools {
				if tl == nil || failed[i] {
					continue
				}
				s, err := perRound[k].measure(tl, fx)
				if err != nil {
					failed[i] = true
					fmt.Fprintf(os.Stderr, "  %s, %s: %v\n", f.name, tl.name, err)
					continue
				}
				samples[i] = append(samples[i], s...)
			}
		}
		cells := []string{"n/a", "n/a", ""}
		for i, tl := range tools {
			switch {
			case tl == nil:
			case failed[i]:
				cells[i] = "error"
			default:
				vals[i] = f.value(samples[i])
				cells[i] = format(vals[i], f.unit)
			}
		}
		ratio := "n/a"
		if vals[0] > 0 && vals[1] > 0 {
			ratio = fmt.Sprintf("%.2f", vals[0]/vals[1])
		}
		fmt.Printf("%-62s %12s %12s %14s %12s\n", f.name+" ("+f.summary+")", cells[0], cells[1], ratio, cells[2])
		if *verbose {
			for i, tl := range tools {
				if tl != nil {
					fmt.Printf("    %s samples: %v\n", tl.name, samples[i])
				}
			}
		}
	}
}

// account is who runs the tools.
func account(mode string) *user.User {
	switch {
	case mode == "root":
		if os.Geteuid() != 0 {
			must(fmt.Errorf("-mode root needs root"))
		}
		u, _ := user.LookupId("0")
		return u
	case os.Geteuid() != 0:
		u, err := user.LookupId(strconv.Itoa(os.Getuid()))
		must(err)
		return u
	}
	name := os.Getenv("SKIFF_TEST_USER")
	if name == "" {
		name = "skiffer"
	}
	u, err := user.Lookup(name)
	if err != nil {
		must(fmt.Errorf("user %s: %v (create it, or set SKIFF_TEST_USER)", name, err))
	}
	return u
}

func newTool(name, bin, base string, u *user.User) *tool {
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	dir := filepath.Join(base, name)
	tl := &tool{name: name, bin: bin, dir: dir, home: filepath.Join(dir, "home"), uid: uid, gid: gid, rootless: uid != 0}
	conf := filepath.Join(tl.home, ".config", "containers")
	must(os.MkdirAll(conf, 0o755))
	must(os.MkdirAll(filepath.Join(dir, "tmp"), 0o700))
	if name == "podman" {
		// what podman 4.3 needs on this kind of machine (DEPENDENCIES.md)
		must(os.WriteFile(filepath.Join(conf, "containers.conf"), []byte(
			"[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n"), 0o644))
		must(os.WriteFile(filepath.Join(conf, "storage.conf"), []byte("[storage]\ndriver = \"overlay\"\n"), 0o644))
	}
	must(filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	}))
	tl.env = []string{"HOME=" + tl.home, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TMPDIR=" + filepath.Join(dir, "tmp"), "USER=" + u.Username, "LOGNAME=" + u.Username}
	if os.Geteuid() == 0 && uid != 0 {
		tl.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	}
	return tl
}

// copyBinary puts skiff where the benchmark's user can run it.
func copyBinary(src, base, name string) string {
	b, err := os.ReadFile(src)
	must(err)
	must(os.MkdirAll(filepath.Join(base, "bin"), 0o755))
	dst := filepath.Join(base, "bin", name)
	must(os.WriteFile(dst, b, 0o755))
	return dst
}

// writeFifty writes a docker-archive with 50 one-layer images of one small
// distinct file each, tagged localhost/bench/imgNN:latest.
func writeFifty(path, base string) error {
	var imgs []dockerarchive.Image
	epoch := time.Unix(1700000000, 0)
	for i := range 50 {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		body := []byte(fmt.Sprintf("image %d\n", i))
		must(tw.WriteHeader(&tar.Header{Name: "bench", Mode: 0o644, Size: int64(len(body)), ModTime: epoch}))
		_, _ = tw.Write(body)
		must(tw.Close())
		layer := filepath.Join(base, fmt.Sprintf("layer%02d.tar", i))
		must(os.WriteFile(layer, buf.Bytes(), 0o644))
		imgs = append(imgs, dockerarchive.Image{
			RepoTags: []string{fmt.Sprintf("localhost/bench/img%02d:latest", i)}, Layers: []string{layer},
			Created: epoch, CreatedBy: "test/bench",
		})
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := dockerarchive.Write(f, imgs, epoch); err != nil {
		return err
	}
	return os.Chmod(path, 0o644)
}

func versions(tools []*tool) string {
	var out []string
	for _, tl := range tools {
		if tl == nil {
			continue
		}
		v, err := exec.Command(tl.bin, "--version").Output()
		if err != nil {
			v = []byte(tl.name + " (version unknown)")
		}
		out = append(out, strings.TrimSpace(string(v)))
	}
	return strings.Join(out, "; ")
}

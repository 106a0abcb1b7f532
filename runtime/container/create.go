package container

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"time"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/internal/fault"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/runtime/image"
	"github.com/skiff-containers/skiff/runtime/infra"
	"github.com/skiff-containers/skiff/runtime/spec"
)

// CreateOptions are run's and create's flags (read by ParseCreateFlags,
// checked by validate: flags.go).
type CreateOptions struct {
	Spec spec.Options
	Name string
	// Detach is -d: docker records whether the streams are attached.
	Detach        bool
	AutoRemove    bool
	NetworkMode   string
	RestartPolicy RestartPolicy
	NetworkOptions
	// Pull says when Create pulls the image (--pull, image.Ensure) and
	// where its progress goes (run prints it on stderr).
	Pull image.EnsureOptions
	// MountOptions are -v, --mount, --tmpfs, --volumes-from, --userns.
	MountOptions
	// SecurityOpt is --security-opt as HostConfig keeps it (spec.ParseSecurityOpts has
	// applied it to Spec); CIDFile is --cidfile.
	SecurityOpt []string
	CIDFile     string
	// Streams are the streams run attaches (-a; stdin with -i), as
	// docker's Config.Attach* record them.
	Streams Streams
	// LogConfig is --log-driver and --log-opt (ParseLogConfig); zero:
	// json-file without rotation.
	LogConfig LogConfig
	// Links are --link NAME[:ALIAS] (links.go).
	Links []string
	// Health are the --health-* flags (health.go).
	Health HealthOptions
	// Extra are podman's options (--tz, --timeout, --hostuser,
	// --requires ...: podmanFlags); CreateCommand is the caller's to set.
	Extra ExtraConfig
	// PreserveFDs is run's --preserve-fds: the caller's descriptors 3 to
	// 3+N-1 are passed to the container's process at its first start.
	PreserveFDs int
	// PodRef is --pod as given (NAME or new:NAME); runtime/pod's Member
	// resolves it into Pod and the namespaces to join before Create.
	PodRef string
	// Pod is the ID of the pod the container joins; Infra makes it that
	// pod's infra container (no image: Spec.Image is ignored).
	Pod   string
	Infra bool
	// buildOwner makes the container a build's RUN step (buildstep.go).
	buildOwner *BuildOwner
}

// Streams names a container's standard streams.
type Streams struct{ Stdin, Stdout, Stderr bool }

// ParseStreams reads -a/--attach values (stdin, stdout, stderr; any case).
// None given: stdout and stderr, and stdin when interactive.
func ParseStreams(names []string, interactive bool) (Streams, error) {
	if len(names) == 0 {
		return Streams{Stdin: interactive, Stdout: true, Stderr: true}, nil
	}
	var st Streams
	for _, n := range names {
		switch strings.ToLower(n) {
		case "stdin":
			st.Stdin = true
		case "stdout":
			st.Stdout = true
		case "stderr":
			st.Stderr = true
		default:
			return st, errdefs.Invalid("invalid argument %q for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR", n)
		}
	}
	return st, nil
}

// Create makes a container: its root filesystem layer, its record and
// its name. Nothing is left behind when it fails.
func Create(ctx context.Context, e *engine.Engine, o CreateOptions) (_ *Container, retErr error) {
	if err := o.validate(e); err != nil {
		return nil, err
	}
	plan, err := resolveNetwork(e, &o)
	if err != nil {
		return nil, err
	}
	for i, r := range o.Extra.Requires {
		dep, err := Lookup(e, r)
		if err != nil {
			return nil, fmt.Errorf("--requires %s: %w", r, err)
		}
		o.Extra.Requires[i] = dep.ID
	}
	for _, mode := range []string{o.Spec.IPCMode, o.Spec.PIDMode, o.Spec.UTSMode} {
		if target, ok := strings.CutPrefix(mode, "container:"); ok {
			if _, err := Lookup(e, target); err != nil {
				return nil, err
			}
		}
	}
	cid, err := newCIDFile(o.CIDFile)
	if err != nil {
		return nil, err
	}
	defer func() { cid.finish(retErr) }()
	if err := prepareUserns(e, &o); err != nil {
		return nil, err
	}
	img, err := imageFor(ctx, e, &o)
	if err != nil {
		return nil, err
	}
	health, err := healthConfig(imageHealth(img), o.Health)
	if err != nil {
		return nil, err
	}
	envFiles, err := spec.LoadEnvFiles(o.Spec.EnvFiles)
	if err != nil {
		return nil, errdefs.Invalid("%v", err)
	}
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	id := newID()
	if (o.NetworkMode == "host" || o.Spec.UTSHost) && o.Spec.Hostname == "" {
		// docker: a container on the host's network has the host's name
		o.Spec.Hostname, _ = os.Hostname()
	}
	gen, err := spec.Generate(spec.Input{
		ID: id, Options: &o.Spec, Image: imageConfig(img), EnvFiles: envFiles,
		SingleID: e.Config.Storage.SingleID,
	})
	if err != nil {
		return nil, err
	}
	// The directory exists, locked, before the name points at it: a
	// concurrent create that finds the name taken can tell a container
	// being created from one whose creator died (reserveName).
	c := &Container{e: e}
	c.ID = id
	if err := os.MkdirAll(c.Dir(), 0o700); err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil {
			os.RemoveAll(c.Dir())
		}
	}()
	l, err := lock(e, id)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	name, err := claimName(e, o.Name, id)
	if err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil {
			releaseName(e, name, id)
		}
	}()
	links, err := resolveLinks(e, o.Links, name)
	if err != nil {
		return nil, err
	}
	ms, err := planMounts(e, &o.MountOptions, img)
	if err != nil {
		return nil, err
	}
	defer func() { ms.finish(retErr != nil) }()
	if _, err := s.CreateContainer(id, nil, img.ID, "", "", &cstorage.ContainerOptions{
		// As podman: an --rm container's layer is written without fsync
		// and mounted "volatile" (no sync at unmount); it never outlives a
		// crash that would need them.
		Volatile: o.AutoRemove,
	}); err != nil {
		return nil, fmt.Errorf("creating the container's root filesystem: %w", err)
	}
	fault.Point("create.rootfs")
	defer func() {
		if retErr != nil {
			_ = s.DeleteContainer(id)
		}
	}()
	c.Record = newRecord(id, name, img, &o, gen, s.Driver)
	c.BuildStep = o.buildOwner
	c.Extra = o.Extra
	c.Extra.InitPath = o.Spec.InitPath
	c.Pod, c.Infra = o.Pod, o.Infra
	c.Config.Healthcheck = health
	if o.Health.OnFailure != "none" {
		c.Config.HealthcheckOnFailureAction = o.Health.OnFailure
	}
	c.HostConfig.Links = links
	ms.record(&c.Record)
	plan.apply(&c.Record, &o)
	c.State = State{Status: StatusCreated}
	if err := c.saveState(); err != nil {
		return nil, err
	}
	if err := c.saveRecord(); err != nil {
		return nil, err
	}
	if err := cid.write(c.ID); err != nil {
		return nil, err
	}
	c.markRequired()
	c.event("create")
	return c, nil
}

// claimName reserves the requested name, or a generated one.
func claimName(e *engine.Engine, want, id string) (string, error) {
	if want != "" {
		return want, reserveName(e, want, id)
	}
	for retry := 0; ; retry++ {
		name := generateName(retry)
		err := reserveName(e, name, id)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, errdefs.ErrConflict) || retry > 20 {
			return "", err
		}
	}
}

// imageFor is the container's image: pulled as --pull says, or none for
// an infra container (an empty image whose root filesystem skiff's
// mounts fill).
func imageFor(ctx context.Context, e *engine.Engine, o *CreateOptions) (*image.Image, error) {
	if o.PodRef != "" && o.Pod == "" {
		return nil, errdefs.Invalid("--pod %s was not resolved before create", o.PodRef)
	}
	if !o.Infra {
		return image.Ensure(ctx, e, o.Spec.Image, o.Pull)
	}
	o.Spec.Command, o.Spec.Entrypoint, o.Spec.EntrypointList = infra.Command, nil, nil
	return &image.Image{Image: &cstorage.Image{}, Config: &ociv1.Image{}, Docker: &manifest.Schema2Image{}}, nil
}

// imageConfig is the image's configuration for the spec (none for an
// infra container's empty image).
func imageConfig(img *image.Image) *spec.ImageConfig {
	if img.ID == "" {
		return nil
	}
	return &img.Config.Config
}

func newRecord(id, name string, img *image.Image, o *CreateOptions, gen *spec.Generated, driver string) Record {
	ic := img.Config.Config
	labels := maps.Clone(ic.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, o.Spec.Labels)
	user := o.Spec.User
	if user == "" {
		user = ic.User
	}
	stopSignal := o.Spec.StopSignal
	if stopSignal == "" {
		stopSignal = ic.StopSignal
	}
	argv := gen.Command.Argv()
	init := o.Spec.Init
	logConfig := o.LogConfig
	if logConfig.Type == "" {
		logConfig = LogConfig{Type: LogDriverJSONFile, Config: map[string]string{}}
	}
	ipcMode, utsMode, pidMode, hostname := o.Spec.IPCMode, "", "", gen.Spec.Hostname
	pidMode = o.Spec.PIDMode
	cgroupns := "private"
	if o.Spec.CgroupnsHost {
		cgroupns = "host"
	}
	if ipcMode == "" {
		ipcMode = "private"
	}
	if o.Spec.UTSHost {
		utsMode, hostname = "host", o.Spec.Hostname
	}
	if o.Spec.UTSMode != "" {
		utsMode = o.Spec.UTSMode
	}
	shmSize := o.Spec.ShmSize
	if shmSize <= 0 {
		shmSize = spec.DefaultShmSize
	}
	network := o.NetworkMode
	if network == "" || network == "default" {
		network = "bridge"
	}
	return Record{
		ID: id, Name: name, Created: time.Now().UTC(), ImageID: img.ID,
		Path: argv[0], Args: argv[1:],
		Config: Config{
			Hostname: hostname, Domainname: o.Spec.Domainname, User: user,
			AttachStdin: o.Streams.Stdin, AttachStdout: o.Streams.Stdout, AttachStderr: o.Streams.Stderr,
			ExposedPorts: ic.ExposedPorts, Tty: o.Spec.Tty, OpenStdin: o.Spec.Interactive,
			StdinOnce: o.Spec.Interactive && !o.Detach,
			Env:       gen.Env, Cmd: gen.Command.Cmd, Image: o.Spec.Image, Volumes: ic.Volumes,
			WorkingDir: gen.Spec.Process.Cwd, Entrypoint: gen.Command.Entrypoint,
			Labels: labels, StopSignal: stopSignal, StopTimeout: o.Spec.StopTimeout,
		},
		HostConfig: HostConfig{
			LogConfig:     logConfig,
			NetworkMode:   network,
			RestartPolicy: o.RestartPolicy,
			AutoRemove:    o.AutoRemove,
			CapAdd:        o.Spec.CapAdd, CapDrop: o.Spec.CapDrop,
			Privileged:      o.Spec.Privileged,
			ReadonlyRootfs:  o.Spec.ReadOnly,
			Init:            &init,
			ShmSize:         shmSize,
			GroupAdd:        o.Spec.GroupAdd,
			SecurityOpt:     o.SecurityOpt,
			Sysctls:         o.Spec.Sysctls,
			Ulimits:         o.Spec.Ulimits,
			Devices:         o.Spec.Devices,
			ContainerIDFile: o.CIDFile,
			CgroupnsMode:    cgroupns,
			Annotations:     o.Spec.Annotations,
			IpcMode:         ipcMode,
			UTSMode:         utsMode,
			PidMode:         pidMode,
			Resources:       o.Spec.Resources,
		},
		Spec:   gen.Spec,
		Driver: driver,
	}
}

// cidFile is --cidfile: made (it must not exist) before the container, it
// receives the container's ID, and goes again when the create fails, as
// docker does.
type cidFile struct {
	path string
	f    *os.File
}

func newCIDFile(path string) (*cidFile, error) {
	if path == "" {
		return &cidFile{}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, errdefs.Conflict("container ID file found, make sure the other container isn't running or delete %s", path)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to create the container ID file: %w", err)
	}
	return &cidFile{path: path, f: f}, nil
}

func (c *cidFile) write(id string) error {
	if c.f == nil {
		return nil
	}
	if _, err := c.f.WriteString(id); err != nil {
		return fmt.Errorf("failed to write the container ID to %s: %w", c.path, err)
	}
	return nil
}

// finish closes the file, and removes it when the create failed.
func (c *cidFile) finish(failed error) {
	if c.f == nil {
		return
	}
	c.f.Close()
	if failed != nil {
		os.Remove(c.path)
	}
}

package container

import (
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/storage/image"
)

// ListOptions are ps's flags.
type ListOptions struct {
	// All lists stopped containers too; filters on status, before and
	// since, and Last, imply it, as in docker.
	All bool
	// Last keeps the N most recently created containers (-n, -l); 0: all.
	Last    int
	Filters *Filters
	// Size computes SizeRw and SizeRootFs; only then is the image store
	// opened (the rest reads skiff's own records).
	Size bool
	// External adds the store's containers that skiff's records do not
	// show (podman's ps --external: external.go), after the others.
	External bool
}

// Summary is a container as ps lists it.
type Summary struct {
	*Container
	// SizeRw is the size of the container's own layer and SizeRootFs
	// that plus its image's, when asked for.
	SizeRw, SizeRootFs int64
}

// List returns every container, newest first.
func List(e *engine.Engine) ([]*Container, error) {
	return loadAll(e, load)
}

// ListFiltered returns the containers the options select (ps), newest
// first. Their records lack the spec, which listing never needs.
func ListFiltered(e *engine.Engine, o ListOptions) ([]Summary, error) {
	f := o.Filters
	if f == nil {
		f = &Filters{}
	}
	all, err := loadAll(e, loadSummary)
	if err != nil {
		return nil, err
	}
	since, err := boundary(e, f.Since)
	if err != nil {
		return nil, err
	}
	before, err := boundary(e, f.Before)
	if err != nil {
		return nil, err
	}
	var ancestors map[string]bool
	if len(f.Ancestors) > 0 {
		if ancestors, err = imagesFrom(e, f.Ancestors); err != nil {
			return nil, err
		}
	}
	showAll := o.All || o.Last > 0 || len(f.Statuses) > 0 || since != nil || before != nil
	var out []Summary
	for _, c := range all {
		switch {
		case since != nil && !c.Created.After(since.Created),
			before != nil && !c.Created.Before(before.Created),
			!showAll && !c.State.Running(),
			!f.matchBasic(c),
			ancestors != nil && !ancestors[c.ImageID]:
			continue
		}
		c.repairNetwork()
		out = append(out, Summary{Container: c})
		if o.Last > 0 && len(out) == o.Last {
			break
		}
	}
	if o.External {
		if out, err = withExternals(e, out, all, f); err != nil {
			return nil, err
		}
	}
	if o.Size {
		for i := range out {
			out[i].SizeRw, out[i].SizeRootFs, _ = out[i].sizes()
		}
	}
	return out, nil
}

// boundary looks up the container a before= or since= filter names.
func boundary(e *engine.Engine, ref string) (*Container, error) {
	if ref == "" {
		return nil, nil
	}
	c, err := Lookup(e, ref)
	if err != nil {
		return nil, fmt.Errorf("filter before/since: %w", err)
	}
	return c, nil
}

// imagesFrom returns the IDs of the named images and of every image built
// on one of them (with layers on top of its top layer). Unknown names
// match nothing, as in docker.
func imagesFrom(e *engine.Engine, names []string) (map[string]bool, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	ids, tops := map[string]bool{}, map[string]bool{}
	for _, n := range names {
		img, _, err := image.Find(s, n)
		if err != nil {
			if errdefs.IsNotFound(err) {
				continue
			}
			return nil, err
		}
		ids[img.ID] = true
		if img.TopLayer != "" {
			tops[img.TopLayer] = true
		}
	}
	if len(tops) == 0 {
		return ids, nil
	}
	imgs, err := s.Images()
	if err != nil {
		return nil, err
	}
	parent := func(id string) string {
		if l, err := s.Layer(id); err == nil {
			return l.Parent
		}
		return ""
	}
	for _, img := range imgs {
		// Below the image's own top layer: an image with the very same
		// layers (another config) is no descendant.
		for l, depth := parent(img.TopLayer), 0; l != "" && depth < 1000; l, depth = parent(l), depth+1 {
			if tops[l] {
				ids[img.ID] = true
				break
			}
		}
	}
	return ids, nil
}

// sizes measures the container's layer and, with its image's, its whole
// root filesystem.
func (c *Container) sizes() (rw, rootfs int64, err error) {
	s, err := c.e.Store()
	if err != nil {
		return 0, 0, err
	}
	sc, err := s.Container(c.ID)
	if err != nil {
		return 0, 0, err
	}
	if rw, err = s.DiffSize("", sc.LayerID); err != nil {
		return 0, 0, err
	}
	img, err := s.ImageSize(c.ImageID)
	if err != nil {
		return rw, rw, nil // the image may be gone (rmi -f)
	}
	return rw, rw + img, nil
}

// loadAll reads every container with loadOne, newest first. Records are
// read by a few goroutines: ps -a must stay fast with many containers.
func loadAll(e *engine.Engine, loadOne func(*engine.Engine, string) (*Container, error)) ([]*Container, error) {
	entries, err := os.ReadDir(containersDir(e))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	loaded := make([]*Container, len(entries))
	errs := make([]error, len(entries))
	var next atomic.Int64
	if len(entries) > 0 {
		// The first record alone: its decoding builds the JSON decoders
		// of the record's types, which the loaders would otherwise each
		// build at once (a tenth of `ps -a`'s CPU, issue #18).
		loaded[0], errs[0] = loadOne(e, entries[0].Name())
		next.Store(1)
	}
	var wg sync.WaitGroup
	for range min(goruntime.GOMAXPROCS(0), len(entries)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(entries); i = int(next.Add(1) - 1) {
				loaded[i], errs[i] = loadOne(e, entries[i].Name())
			}
		}()
	}
	wg.Wait()
	out := make([]*Container, 0, len(entries))
	for i, c := range loaded {
		if errs[i] != nil {
			if errors.Is(errs[i], errdefs.ErrNotFound) {
				continue // being created or removed right now
			}
			return nil, errs[i]
		}
		if c.BuildStep != nil {
			continue // a build's RUN step: never listed (buildstep.go)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// loadSummary is load without the record's spec, for reading them all.
func loadSummary(e *engine.Engine, id string) (*Container, error) {
	return loadInto(e, id, false, manyRecordsJSON)
}

// withExternals adds the store's containers without a listed record that
// the basic filters match, whatever their state (as podman lists them),
// keeping the list newest first.
func withExternals(e *engine.Engine, out []Summary, listed []*Container, f *Filters) ([]Summary, error) {
	shown := map[string]bool{}
	for _, c := range listed {
		shown[c.ID] = true
	}
	ext, err := externals(e, shown)
	if err != nil {
		return nil, err
	}
	for _, c := range ext {
		if f.matchBasic(c) {
			out = append(out, Summary{Container: c})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

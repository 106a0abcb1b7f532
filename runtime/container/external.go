package container

import (
	"strings"

	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/runtime/engine"
	"github.com/skiff-containers/skiff/storage"
)

// Containers of the store that skiff's records do not show, as podman's
// ps --external and container exists --external see them: the RUN steps
// of a build (buildstep.go), and the containers of other tools sharing
// the store (podman's, buildah's). They are listed with podman's state
// "storage" and command: "build" for a skiff build's step, "buildah" for
// a buildah working container, "storage" for the others.

// externals returns the store's containers that have no listed record
// (shown holds the IDs of those that have one).
func externals(e *engine.Engine, shown map[string]bool) ([]*Container, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	all, err := s.Containers()
	if err != nil {
		return nil, err
	}
	var out []*Container
	for i := range all {
		if !shown[all[i].ID] {
			out = append(out, externalContainer(e, s, &all[i]))
		}
	}
	return out, nil
}

func externalContainer(e *engine.Engine, s *storage.Store, sc *cstorage.Container) *Container {
	c := &Container{e: e}
	c.ID, c.Created, c.ImageID = sc.ID, sc.Created.UTC(), sc.ImageID
	c.Name = "unknown"
	if len(sc.Names) > 0 {
		c.Name = sc.Names[0]
	}
	c.Path = "storage"
	switch {
	case isBuildStep(e, sc.ID):
		c.Path = "build"
	case strings.Contains(sc.Metadata, "buildah"):
		c.Path = "buildah"
	}
	c.Config.Image = c.ImageID
	if img, err := s.Image(sc.ImageID); err == nil && len(img.Names) > 0 {
		c.Config.Image = img.Names[0]
	} else if c.ImageID == "" {
		c.Config.Image = "scratch"
	}
	c.State.Status = StatusStorage
	return c
}

// isBuildStep reports whether id is a skiff build's RUN step.
func isBuildStep(e *engine.Engine, id string) bool {
	c, err := loadSummary(e, id)
	return err == nil && c.BuildStep != nil
}

// InStore reports whether ref names (or is the ID of) a container of the
// store, skiff's or another tool's (container exists --external).
func InStore(e *engine.Engine, ref string) (bool, error) {
	s, err := e.Store()
	if err != nil {
		return false, err
	}
	_, err = s.Container(ref)
	return err == nil, nil
}

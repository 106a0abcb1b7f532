package container

import (
	"strings"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// Rename gives a container a new name; the old one is free at once. The
// new name is claimed first, so of two renames to one name exactly one
// wins.
func Rename(e *engine.Engine, ref, newName string) error {
	newName = strings.TrimPrefix(newName, "/")
	if ref == "" || newName == "" {
		return errdefs.Invalid("neither old nor new names may be empty")
	}
	if err := ValidateName(newName); err != nil {
		return err
	}
	c, err := Lookup(e, ref)
	if err != nil {
		return err
	}
	if c.Name == newName {
		return errdefs.Invalid("renaming a container with the same name as its current name: choose another name")
	}
	if err := reserveName(e, newName, c.ID); err != nil {
		return err
	}
	var old string
	err = Locked(e, c.ID, func(fresh *Container) error {
		old = fresh.Name
		fresh.Name = newName
		return fresh.saveRecord()
	})
	if err != nil {
		releaseName(e, newName, c.ID)
		return err
	}
	releaseName(e, old, c.ID)
	c.Name = newName
	c.event("rename", "oldName", "/"+old)
	return nil
}

package system

import (
	"context"
	"time"

	cstorage "go.podman.io/storage"

	"github.com/skiff-containers/skiff/runtime/container"
	"github.com/skiff-containers/skiff/runtime/engine"
)

// DiskUsage is `system df`: what images, containers and volumes hold.
type DiskUsage struct {
	Images     Usage
	Containers Usage
	Volumes    Usage
	BuildCache Usage
	// Per-object detail, for `system df -v`.
	ImageRows     []ImageUsage
	ContainerRows []ContainerUsage
	VolumeRows    []VolumeUsage
}

// Usage is one line of `system df`.
type Usage struct {
	Total, Active int
	Size          int64
	Reclaimable   int64
}

// ImageUsage is one image in `system df -v`.
type ImageUsage struct {
	ID         string
	Names      []string
	Size       int64 // all its layers
	UniqueSize int64 // layers no other image has
	Containers int
}

// ContainerUsage is one container in `system df -v`.
type ContainerUsage struct {
	ID, Name, Image, Status string
	Size                    int64 // its own layer
}

// VolumeUsage is one volume in `system df -v`.
type VolumeUsage struct {
	Name  string
	Links int
	Size  int64
}

// GetDiskUsage measures the store.
func GetDiskUsage(ctx context.Context, e *engine.Engine) (*DiskUsage, error) {
	s, err := e.Store()
	if err != nil {
		return nil, err
	}
	du := &DiskUsage{}
	ctrs, err := container.List(e)
	if err != nil {
		return nil, err
	}
	used := map[string]int{} // image ID -> containers
	now := time.Now()
	for _, c := range ctrs {
		used[c.ImageID]++
		size, _ := s.DiffSize("", layerOf(s, c.ID))
		du.ContainerRows = append(du.ContainerRows, ContainerUsage{
			ID: c.ID, Name: c.Name, Image: c.Config.Image, Status: c.StatusText(now), Size: size})
		du.Containers.Total++
		du.Containers.Size += size
		if c.State.Running() {
			du.Containers.Active++
		} else {
			du.Containers.Reclaimable += size
		}
	}
	if err := imageUsage(s, used, du); err != nil {
		return nil, err
	}
	if err := volumeUsage(e, du); err != nil {
		return nil, err
	}
	return du, nil
}

// layerOf is the layer of container id, "" if the store has none.
func layerOf(s cstorage.Store, id string) string {
	if c, err := s.Container(id); err == nil {
		return c.LayerID
	}
	return ""
}

// imageUsage counts each layer once: an image's SIZE column is its whole
// chain, the total is the union, and what only unused images hold is
// reclaimable.
func imageUsage(s cstorage.Store, used map[string]int, du *DiskUsage) error {
	imgs, err := s.Images()
	if err != nil {
		return err
	}
	layers, err := s.Layers()
	if err != nil {
		return err
	}
	byID := map[string]*cstorage.Layer{}
	for i := range layers {
		byID[layers[i].ID] = &layers[i]
	}
	chain := func(top string) []string {
		var ids []string
		for id := top; id != ""; {
			l := byID[id]
			if l == nil {
				break
			}
			ids = append(ids, id)
			id = l.Parent
		}
		return ids
	}
	holders := map[string]int{}      // layer -> images
	activeLayer := map[string]bool{} // held by an image a container uses
	chains := make([][]string, len(imgs))
	for i, img := range imgs {
		chains[i] = chain(img.TopLayer)
		for _, id := range chains[i] {
			holders[id]++
			if used[img.ID] > 0 {
				activeLayer[id] = true
			}
		}
	}
	for id := range holders {
		du.Images.Size += byID[id].UncompressedSize
		if !activeLayer[id] {
			du.Images.Reclaimable += byID[id].UncompressedSize
		}
	}
	for i, img := range imgs {
		row := ImageUsage{ID: img.ID, Names: img.Names, Containers: used[img.ID]}
		for _, id := range chains[i] {
			row.Size += byID[id].UncompressedSize
			if holders[id] == 1 {
				row.UniqueSize += byID[id].UncompressedSize
			}
		}
		du.ImageRows = append(du.ImageRows, row)
		du.Images.Total++
		if used[img.ID] > 0 {
			du.Images.Active++
		}
	}
	return nil
}

func volumeUsage(e *engine.Engine, du *DiskUsage) error {
	vols, err := container.VolumeStore(e).List()
	if err != nil {
		return err
	}
	users, err := container.VolumeUsers(e)()
	if err != nil {
		return err
	}
	for _, v := range vols {
		size := v.DiskUsage()
		links := len(users[v.Name])
		du.VolumeRows = append(du.VolumeRows, VolumeUsage{Name: v.Name, Links: links, Size: size})
		du.Volumes.Total++
		du.Volumes.Size += size
		if links > 0 {
			du.Volumes.Active++
		} else {
			du.Volumes.Reclaimable += size
		}
	}
	return nil
}

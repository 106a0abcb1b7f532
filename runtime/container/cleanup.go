package container

import (
	"os"

	"github.com/sirupsen/logrus"
)

// releaseRootfs unmounts the container's root filesystem if skiff
// mounted it.
func (c *Container) releaseRootfs() {
	if c.State.Rootfs == "" {
		return
	}
	s, err := c.e.Store()
	if err != nil {
		return
	}
	if _, err := s.Unmount(c.ID, true); err != nil {
		logrus.Debugf("unmounting %s: %v", c.ID, err)
	}
	c.State.Rootfs = ""
}

// releaseRuntime frees everything a stopped container holds: its mount
// and its runtime directory.
func (c *Container) releaseRuntime() {
	c.releaseNetwork()
	c.releaseRootfs()
	c.releaseMounts()
	c.releaseShm()
	c.releaseFreezer()
	c.releaseCgroup()
	os.RemoveAll(c.RunDir())
}

package commands

import (
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/storage/image"
)

// pullForRun pulls an image for run/create, progress on stderr as docker
// prints it there (run's stdout belongs to the container).
func pullForRun(c *cli.Context, name string) (*image.Image, error) {
	s, err := storeFrom(c)
	if err != nil {
		return nil, err
	}
	return image.Pull(c.Context, s, sysFrom(c), name, image.PullOptions{
		Quiet: c.Bool("quiet"), Progress: c.App.ErrWriter, Platform: c.String("platform"),
	})
}

package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/storage/image"
)

// pullForRun pulls an image for run/create, progress on stderr.
func pullForRun(c *cli.Context, name string) (*image.Image, error) {
	return nil, fmt.Errorf("pulling %s: not available in this build", name)
}

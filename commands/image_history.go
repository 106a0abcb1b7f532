package commands

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/lazy"
	"github.com/skiff-containers/skiff/runtime/image"
)

// historyRow is one line of `history`; fields are docker's --format keys.
type historyRow struct {
	Comment      string
	CreatedAt    string
	CreatedBy    string
	CreatedSince string
	ID           string
	Size         string
}

var historyHeaders = lazy.Value(func() map[string]string {
	return map[string]string{
		"Comment": "COMMENT", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
		"CreatedSince": "CREATED", "ID": "IMAGE", "Size": "SIZE",
	}
})

const historyTable = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"

func imageHistoryCommand() *cli.Command {
	return &cli.Command{
		Name:      "history",
		Usage:     "Show the history of an image",
		ArgsUsage: "IMAGE",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template"},
			&cli.BoolFlag{Name: "human", Aliases: []string{"H"}, Value: true, Usage: "Print sizes and dates in human readable format"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "Don't truncate output"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "Only show image IDs"},
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 1, 1); err != nil {
				return err
			}
			steps, err := image.History(c.Context, engineFrom(c), c.Args().First())
			if err != nil {
				return err
			}
			tmpl := c.String("format")
			if c.Bool("quiet") {
				tmpl = "{{.ID}}"
			}
			l, err := format.NewLister(c.App.Writer, tmpl, historyTable, historyHeaders())
			if err != nil {
				return err
			}
			for _, h := range steps {
				if err := l.Row(historyRowOf(h, c.Bool("human"), !c.Bool("no-trunc"), time.Now())); err != nil {
					return err
				}
			}
			return l.Flush()
		},
	}
}

// historyRowOf formats one step as docker does.
func historyRowOf(h image.HistoryEntry, human, trunc bool, now time.Time) historyRow {
	r := historyRow{
		Comment:   h.Comment,
		CreatedAt: time.Unix(h.Created.Unix(), 0).Format(time.RFC3339),
		CreatedBy: strings.ReplaceAll(h.CreatedBy, "\t", " "),
		ID:        h.ID,
		Size:      strconv.FormatInt(h.Size, 10),
	}
	r.CreatedSince = r.CreatedAt
	if human {
		r.CreatedSince = format.TimeAgoAt(h.Created, now)
		r.Size = format.HumanSize(h.Size)
	}
	if trunc {
		r.CreatedBy = ellipsis(r.CreatedBy, 45)
		if r.ID != "<missing>" {
			r.ID = image.ShortID(r.ID)
		}
	}
	return r
}

// ellipsis shortens s to max characters, the last being "…".
func ellipsis(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

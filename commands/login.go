package commands

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/skiff-containers/skiff/internal/errdefs"
	"github.com/skiff-containers/skiff/runtime/image"
)

func loginCommand() *cli.Command {
	return &cli.Command{
		Name:      "login",
		Usage:     "Log in to a registry",
		ArgsUsage: "[SERVER]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "Username"},
			&cli.StringFlag{Name: "password", Aliases: []string{"p"}, Usage: "Password or Personal Access Token (PAT)"},
			&cli.BoolFlag{Name: "password-stdin", Usage: "Take the Password or Personal Access Token (PAT) from stdin"},
			tlsVerifyFlag(),
		},
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 1); err != nil {
				return err
			}
			opts, err := loginCredentials(c)
			if err != nil {
				return err
			}
			if err := image.Login(c.Context, engineFrom(c), opts, tlsVerify(c)); err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, "Login Succeeded")
			return nil
		},
	}
}

// loginCredentials gathers user name and password from the flags, stdin
// or, on a terminal, prompts, as docker login does.
func loginCredentials(c *cli.Context) (image.LoginOptions, error) {
	o := image.LoginOptions{Registry: c.Args().First(), Username: c.String("username"), Password: c.String("password")}
	if c.Bool("password-stdin") {
		if o.Password != "" {
			return o, errdefs.Invalid("--password and --password-stdin are mutually exclusive")
		}
		if o.Username == "" {
			return o, errdefs.Invalid("Must provide --username with --password-stdin")
		}
		b, err := io.ReadAll(c.App.Reader)
		if err != nil {
			return o, err
		}
		o.Password = strings.TrimRight(string(b), "\r\n")
	} else if o.Password != "" {
		fmt.Fprintln(c.App.ErrWriter, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
	}
	if o.Username != "" && o.Password != "" {
		return o, nil
	}
	in, ok := c.App.Reader.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return o, errdefs.Invalid("Cannot perform an interactive login from a non TTY device: use -u USER with -p or --password-stdin")
	}
	return promptCredentials(c, in, o)
}

func promptCredentials(c *cli.Context, in *os.File, o image.LoginOptions) (image.LoginOptions, error) {
	w := c.App.Writer
	if o.Username == "" {
		stored := image.StoredUsername(engineFrom(c), o.Registry)
		if stored != "" {
			fmt.Fprintf(w, "Username (%s): ", stored)
		} else {
			fmt.Fprint(w, "Username: ")
		}
		line, _ := bufio.NewReader(in).ReadString('\n')
		o.Username = strings.TrimSpace(line)
		if o.Username == "" {
			o.Username = stored
		}
	}
	if o.Password == "" {
		fmt.Fprint(w, "Password: ")
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(w)
		if err != nil {
			return o, err
		}
		o.Password = string(b)
	}
	return o, nil
}

func logoutCommand() *cli.Command {
	return &cli.Command{
		Name:      "logout",
		Usage:     "Log out from a registry",
		ArgsUsage: "[SERVER]",
		Action: func(c *cli.Context) error {
			if err := needArgs(c, 0, 1); err != nil {
				return err
			}
			key, found, err := image.Logout(engineFrom(c), c.Args().First())
			if err != nil {
				return err
			}
			if !found {
				fmt.Fprintf(c.App.Writer, "Not logged in to %s\n", key)
				return nil
			}
			fmt.Fprintf(c.App.Writer, "Removing login credentials for %s\n", key)
			return nil
		},
	}
}

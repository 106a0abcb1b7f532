package image

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/types"

	"github.com/skiff-containers/skiff/internal/errdefs"
)

// DefaultRegistry is where names without a registry live, and the key
// auth.json files use for it.
const DefaultRegistry = "docker.io"

// LoginOptions are the credentials `login` checks and stores.
type LoginOptions struct {
	Registry string // host[:port]; "" is Docker Hub
	Username string
	Password string
}

// RegistryKey turns what users type after `login`/`logout` into the
// auth.json key: a host[:port] (schemes, paths and Docker Hub's aliases
// folded), e.g. "https://index.docker.io/v1/" -> "docker.io".
func RegistryKey(registry string) string {
	r := strings.TrimPrefix(strings.TrimPrefix(registry, "https://"), "http://")
	r, _, _ = strings.Cut(r, "/")
	switch r {
	case "", "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		return DefaultRegistry
	}
	return r
}

// StoredUsername returns the user name stored for registry, or "".
func StoredUsername(sys *types.SystemContext, registry string) string {
	auth, err := config.GetCredentials(sys, RegistryKey(registry))
	if err != nil {
		return ""
	}
	return auth.Username
}

// Login checks the credentials against the registry, then stores them in
// the auth file.
func Login(ctx context.Context, sys *types.SystemContext, opts LoginOptions) error {
	key := RegistryKey(opts.Registry)
	if opts.Username == "" {
		return errdefs.Invalid("logging in to %s: a user name is needed: use -u USER", key)
	}
	if opts.Password == "" {
		return errdefs.Invalid("logging in to %s: a password is needed: use -p, --password-stdin, or type it when asked", key)
	}
	rsys := ForHost(sys, key)
	if err := allowLoopbackMirrors(rsys); err != nil {
		return err
	}
	if err := docker.CheckAuth(ctx, rsys, opts.Username, opts.Password, key); err != nil {
		var unauth docker.ErrUnauthorizedForCredentials
		if errors.As(err, &unauth) {
			return errdefs.Invalid("logging in to %s: wrong user name or password; check them and try again", key)
		}
		return registryError("logging in to", key, key, err)
	}
	if _, err := config.SetCredentials(sys, key, opts.Username, opts.Password); err != nil {
		return fmt.Errorf("storing the credentials for %s: %s", key, oneLine(err.Error()))
	}
	return nil
}

// Logout removes the stored credentials of registry; found is false when
// there were none.
func Logout(sys *types.SystemContext, registry string) (found bool, err error) {
	key := RegistryKey(registry)
	err = config.RemoveAuthentication(sys, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, config.ErrNotLoggedIn):
		return false, nil
	}
	return false, fmt.Errorf("removing the credentials for %s: %s", key, oneLine(err.Error()))
}
